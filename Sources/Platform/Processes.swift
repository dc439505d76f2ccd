// Processes as a supervisor sees them: signalling a child or its whole process group, and becoming
// the reaper of orphans without being PID 1.

internal import CPlatform
internal import Glibc

/// `kill(pid, signal)`. ESRCH (the process is gone) is thrown like any other error: callers that
/// race with a child's exit ignore it.
public func signalProcess(_ pid: Int32, _ signal: Int32) throws(SystemError) {
    _ = try retryingOnInterrupt("kill(\(pid), \(signal))") { kill(pid, signal) }
}

/// `killpg(group, signal)`: `signal` to every process of process group `group`.
public func signalProcessGroup(_ group: Int32, _ signal: Int32) throws(SystemError) {
    _ = try retryingOnInterrupt("killpg(\(group), \(signal))") { killpg(group, signal) }
}

/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: descendants orphaned by their parent are re-parented to the
/// caller instead of to PID 1 (Linux 3.4), which must then reap them, as `tini -s` does.
public func becomeChildSubreaper() throws(SystemError) {
    _ = try retryingOnInterrupt("prctl(PR_SET_CHILD_SUBREAPER)") {
        cplatform_set_child_subreaper(1)
    }
}

/// `prctl(PR_GET_CHILD_SUBREAPER)`: whether the caller is a child subreaper.
public func isChildSubreaper() throws(SystemError) -> Bool {
    var value: Int32 = 0
    _ = try retryingOnInterrupt("prctl(PR_GET_CHILD_SUBREAPER)") {
        cplatform_get_child_subreaper(&value)
    }
    return value != 0
}

/// `getpid(2)`.
public func currentProcessID() -> Int32 {
    getpid()
}

/// `madvise(MADV_POPULATE_READ)` over the executable's code (its `r-xp` mappings in
/// `/proc/self/maps`): maps every page of it now, so that code run for the first time later — a
/// supervisor's forwarding of the first SIGTERM — does not wait for page faults first. Linux 5.14;
/// an older kernel's EINVAL is thrown like any error.
public func prefaultExecutableCode() throws(SystemError) {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { throw SystemError(errno: errno, operation: "readlink(/proc/self/exe)") }
    let executable = String(
        decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let maps = String(decoding: try readWholeFile("/proc/self/maps"), as: UTF8.self)
    for line in maps.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 6, fields[1] == "r-xp", fields[5] == executable else { continue }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt(range[0], radix: 16),
            let end = UInt(range[1], radix: 16), end > start,
            let address = UnsafeMutableRawPointer(bitPattern: start)
        else { continue }
        // MADV_POPULATE_READ (22) is newer than the Glibc module's headers.
        _ = try retryingOnInterrupt("madvise(\(executable), MADV_POPULATE_READ)") {
            madvise(address, Int(end - start), 22)
        }
    }
}
