// Differential: envsubst mode against GNU envsubst (gettext-base) on the same bytes.
//
// Input: header lines, a NUL, then standard input (any bytes). A header line `=ARG` is a command-line
// argument (SHELL-FORMAT or option, up to 3), any other line an environment entry `NAME=VALUE`, in
// order (the first of two entries with one name wins, as with getenv). Both sides must agree on the
// exit status, on standard output byte for byte (except the texts of --help and --version, which are
// our own words), and on the message of a usage error (as text: ours shows an argument's invalid
// UTF-8 as U+FFFD, as `CommandLine.arguments` has it).

import FuzzSupport
import Templater

private let gnuEnvsubst = "/usr/bin/envsubst"

func fuzzEnvsubst(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (lines, input) = splitHeader(bytes[...])
    var arguments: [[UInt8]] = []
    var environment: [[UInt8]] = []
    for line in lines {
        if line.first == UInt8(ascii: "=") {
            if arguments.count < 3 { arguments.append(Array(line.dropFirst())) }
        } else if line.starts(with: "LC_".utf8) || line.starts(with: "LANG".utf8) {
            continue  // GNU would translate its messages; ours are English.
        } else {
            environment.append(line)
        }
    }
    let stdin = MemoryFile(input)
    let gnu = spawn(
        gnuEnvsubst, arguments: [Array("envsubst".utf8)] + arguments, environment: environment,
        input: stdin)
    let ours = envsubst(arguments: arguments, environment: environment, input: stdin)

    // Messages are compared as text: an invalid byte of an argument shows as U+FFFD in ours.
    let gnuMessage = Array(String(decoding: gnu.error, as: UTF8.self).utf8)
    if gnu.status != ours.status || (ours.compareOutput && gnu.output != ours.output)
        || ours.message.map({ !gnuMessage.starts(with: Array("envsubst: ".utf8) + $0) }) == true
    {
        fatal(
            """
            envsubst differs
              arguments:   \(arguments.map(literal))
              environment: \(environment.map(literal))
              input:       \(literal(input))
              GNU:  status \(gnu.status), output \(literal(gnu.output)), error \(literal(gnu.error))
              ours: status \(ours.status), output \(literal(ours.output)), message \(ours.message.map(literal) ?? "none")
            """)
    }
    return 0
}

/// What `envsubst ARGUMENTS` does in envsubst mode, as `TemplaterCommand.envsubstMain` runs it, in
/// process: the exit status, standard output, and the usage error's message if any.
private func envsubst(arguments: [[UInt8]], environment: [[UInt8]], input: MemoryFile) -> (
    status: Int32, output: [UInt8], compareOutput: Bool, message: [UInt8]?
) {
    let posixlyCorrect = environment.contains {
        splitAssignment($0)?.name == Array("POSIXLY_CORRECT".utf8)
    }
    let request: EnvsubstRequest
    do {
        // Command-line arguments reach the CLI as `CommandLine.arguments`: decoded, invalid UTF-8
        // repaired.
        request = try EnvsubstRequest(
            arguments: arguments.map { String(decoding: $0, as: UTF8.self) },
            posixlyCorrect: posixlyCorrect)
    } catch {
        return (1, [], true, Array(error.description.utf8))
    }
    switch request {
    case .help, .version:
        return (0, [], false, nil)
    case .listVariables(let format):
        return (0, Array(format.names.map { $0 + "\n" }.joined().utf8), true, nil)
    case .substitute(let selection):
        var lookup = EnvsubstLookup(selection: selection)
        for entry in environment {
            guard let (name, value) = splitAssignment(entry) else { continue }
            name.withUnsafeBytes { name in
                value.withUnsafeBytes { value in lookup.define(name: name, value: value) }
            }
        }
        let output = MemoryFile()
        let sink = ByteOutput(fd: output.fd, name: "standard output")
        input.rewind()
        // A small chunk size cuts references at many places, as a pipe's short reads would.
        let source = ByteInput(fd: input.fd, name: "standard input", chunkSize: 7)
        do {
            try EnvsubstScanner(lookup: lookup).render(source, to: sink)
            try sink.flush()
        } catch {
            fatal("envsubst mode threw \(error)")
        }
        return (0, output.contents(), true, nil)
    }
}

runFuzzer(fuzzEnvsubst)
