// The template language's lexer, parser and renderer on arbitrary bytes, under every policy.
//
// Input: a flags byte (policy), a chunk-size byte, then `NAME=VALUE` lines, a NUL, and the template.
// Invariants: no crash, no hang (libFuzzer's -timeout; inputs that ask for a huge output are left
// out), and the same output and diagnostics whatever the input's chunk size (references cut at every
// place) and whether read as bytes or as a String.

import FuzzSupport
import Templater

/// A few variables every input can refer to without spelling them out.
private let baseEnvironment = [
    "A": "hello world", "B": "aaa-bbb-aaa", "EMPTY": "", "UTF": "héllo wörld ßé", "GLOB": "a*",
    "BACKSLASH": "a\\b\\", "PATHV": "/usr/lib/x.tar.gz",
]

private func policy(_ flags: UInt8) -> RenderPolicy {
    let onUnset: UnsetPolicy = [.error, .empty, .keep, .empty][Int(flags & 3)]
    let selection: Selection
    do {
        switch flags >> 5 {
        case 1: selection = try Selection(names: ["A", "B", "UNSET"])
        case 2: selection = try Selection(prefixes: ["A"])
        case 3: selection = try Selection(regexes: ["^[A-F]", "_H"])
        case 4: selection = try Selection(definedOnly: true)
        case 5: selection = try Selection(names: ["A", "UNSET"], definedOnly: true)
        default: selection = .all
        }
    } catch {
        fatal("selection: \(error)")
    }
    return RenderPolicy(
        selection: selection, onUnset: onUnset, treatEmptyAsUnset: flags & 4 != 0,
        bracesOnly: flags & 8 != 0, failFast: flags & 16 != 0)
}

/// Renders `input` and returns the output bytes and the diagnostics as text.
private func render(_ input: ByteInput, policy: RenderPolicy, variables: Variables) -> (
    [UInt8], String
) {
    let file = MemoryFile()
    let output = ByteOutput(fd: file.fd, name: "out")
    var renderer = Renderer(policy: policy, variables: variables)
    do {
        try renderer.render(input, to: output)
        try output.flush()
    } catch {
        fatal("render threw \(error)")
    }
    return (file.contents(), "\(renderer.diagnostics)")
}

func fuzzTemplate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let policy = policy(bytes[0])
    let chunkSize = 1 + Int(bytes[1]) % 64
    let (lines, template) = splitHeader(bytes[2...])
    // Substitutions and assignments can multiply the output's size (see `multiplyingReferences`):
    // with values of at most 64 bytes and at most two of them, every output stays under a megabyte.
    guard multiplyingReferences(template) <= 2 else { return 0 }
    var environment = baseEnvironment
    for line in lines {
        guard let (name, value) = splitAssignment(line) else { continue }
        environment[String(decoding: name, as: UTF8.self)] = String(
            decoding: value.prefix(64), as: UTF8.self)
    }
    let variables = Variables(environment)

    let whole = render(ByteInput(bytes: template, name: "t"), policy: policy, variables: variables)
    let file = MemoryFile(template)
    let chunked = render(
        ByteInput(fd: file.fd, name: "t", chunkSize: chunkSize), policy: policy,
        variables: variables)
    if whole != chunked {
        fatal(
            """
            chunk size \(chunkSize) changes the rendering of \(literal(template))
              whole:   \(literal(whole.0)) \(whole.1)
              chunked: \(literal(chunked.0)) \(chunked.1)
            """)
    }

    // As a String (env-file values, `renderString`): the same language, the same result.
    if let text = String(validating: template, as: UTF8.self) {
        var renderer = Renderer(policy: policy, variables: variables)
        let output = renderer.renderString(text, path: "t")
        if !renderer.hasErrors && whole.1 == "[]" && Array(output.utf8) != whole.0 {
            fatal(
                """
                renderString differs from render for \(literal(template))
                  render:       \(literal(whole.0))
                  renderString: \(literal(Array(output.utf8))) \(renderer.diagnostics)
                """)
        }
    }
    return 0
}

runFuzzer(fuzzTemplate)
