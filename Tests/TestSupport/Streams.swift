#if canImport(Glibc)
import Glibc
#endif

/// What streaming one endless line through a program measured.
public struct StreamMeasurement: CustomStringConvertible, Sendable {
    /// The size of the program's output.
    public var outputBytes: Int
    /// The program's peak resident set in KiB (GNU time's `%M`: `wait4`'s `ru_maxrss` of that
    /// process alone, not of the shell or the generator).
    public var peakKiB: Int
    /// The whole pipeline's wall time.
    public var seconds: Double
    public var description: String {
        "\(outputBytes) bytes out, peak RSS \(peakKiB) KiB, \(Int(seconds * 1000)) ms"
    }
}

/// Streams a single line of `bytes` bytes through `binary` run as `argv0` with `arguments`, on a
/// pipe, never a file: 1020 letters and a `${X}` per KiB (X=bb), no newline anywhere. `bytes` must be
/// a multiple of 1024, so the output is `bytes / 1024 * 1022` bytes.
public func streamEndlessLine(
    bytes: Int, through binary: String, argv0: String, _ arguments: [String] = []
) throws -> StreamMeasurement {
    let directory = Paths.temporaryDirectory("stream")
    defer { Paths.removeTree(directory) }
    let program = directory + "/" + argv0
    symlink(binary, program)
    let script = """
        piece=$1 size=$2 dir=$3 program=$4; shift 4
        yes "$piece" | tr -d '\\n' | head -c "$size" | /usr/bin/time -f %M -o "$dir/rss" "$program" "$@" | wc -c
        """
    let piece = String(repeating: "a", count: 1020) + "${X}"
    let started = now()
    let result = try run(
        "/bin/sh", ["-c", script, "sh", piece, String(bytes), directory, program] + arguments,
        environment: ["PATH": "/usr/bin:/bin", "X": "bb"], timeout: 600)
    let seconds = now() - started
    func number(_ text: String) -> Int {
        Int(text.split(whereSeparator: { $0 == "\n" || $0 == " " }).last ?? "") ?? -1
    }
    return StreamMeasurement(
        outputBytes: number(result.out), peakKiB: number(readText(directory + "/rss") ?? ""),
        seconds: seconds)
}
