// The template language's lexer, parser and renderer on arbitrary bytes, under every policy.
//
// Input: a flags byte (policy), a chunk-size byte (its two high bits: wrap the template in very deep
// nesting), then `NAME=VALUE` lines (values are bytes, UTF-8 or not), a NUL, and the template.
// Invariants: no crash (ten thousand nested references included), no hang (inputs that ask for a
// huge output are left out), every input rendered within a time budget (long values under glob
// operators: the quadratic matcher took 90 s on 100k characters), and the same output and
// diagnostics whatever the input's chunk size (references cut at every place) and whether rendered
// from a stream or from memory (`renderBytes`, as env-file values are).

#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import Templater

/// A few variables every input can refer to without spelling them out: text, UTF-8, bytes that are
/// not UTF-8, and long values for the glob operators.
private let baseEnvironment: [String: [UInt8]] = [
    "A": Array("hello world".utf8), "B": Array("aaa-bbb-aaa".utf8), "EMPTY": [],
    "UTF": Array("héllo wörld ßé".utf8), "GLOB": Array("a*".utf8),
    "BACKSLASH": Array("a\\b\\".utf8), "PATHV": Array("/usr/lib/x.tar.gz".utf8),
    "BIN": [0xE9, 0x74, 0xE9, 0xFF, 0xC3, 0x28, 0xF0, 0x9F, 0x98],
    "LONG": Array(String(repeating: "ab", count: 25_000).utf8),
    "LONGA": Array(String(repeating: "a", count: 50_000).utf8),
    "LONGBIN": [UInt8](repeating: 0xE9, count: 50_000),
]

/// How many nested `${DEEP:-` the chunk-size byte's high bits wrap around the template: the limit,
/// one past it, and far past it (the parser recursed until the stack overflowed).
private let depths = [0, 64, 65, 10_000]

/// Seconds one input may take (both renders, in the sanitized build): the linear matcher renders a
/// long value under any glob operator in milliseconds.
private let timeBudget = 2.0

private func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

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
    let depth = depths[Int(bytes[1] >> 6)]
    let (lines, body) = splitHeader(bytes[2...])
    var template = body
    if depth > 0 {
        template =
            Array(String(repeating: "${DEEP:-", count: depth).utf8) + body
            + [UInt8](repeating: UInt8(ascii: "}"), count: depth)
    }
    // Substitutions and assignments can multiply the output's size (see `multiplyingReferences`):
    // with values of at most 64 bytes and at most two of them, every output stays under a megabyte.
    guard multiplyingReferences(template) <= 2 else { return 0 }
    var environment = baseEnvironment
    for line in lines {
        guard let (name, value) = splitAssignment(line) else { continue }
        environment[String(decoding: name, as: UTF8.self)] = Array(value.prefix(64))
    }
    let variables = Variables(bytes: environment)
    let start = seconds()

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

    // From memory (env-file values, `renderBytes`): the same language, the same result.
    var renderer = Renderer(policy: policy, variables: variables)
    let output = renderer.renderBytes(template, path: "t")
    if !renderer.hasErrors && whole.1 == "[]" && output != whole.0 {
        fatal(
            """
            renderBytes differs from render for \(literal(template))
              render:      \(literal(whole.0))
              renderBytes: \(literal(output)) \(renderer.diagnostics)
            """)
    }
    // Nesting past the limit is a located error, never a crash (a template with braces or
    // backslashes of its own may close the wrapper early, or leave it unterminated).
    if depth > 64 && !body.contains(UInt8(ascii: "}")) && !body.contains(UInt8(ascii: "{"))
        && !body.contains(0x5C)
        && !whole.1.contains("nested more than 64 deep")
    {
        fatal("\(depth) nested references rendered without the nesting error: \(whole.1)")
    }
    let elapsed = seconds() - start
    if elapsed > timeBudget {
        fatal(
            "rendering took \(elapsed) s (budget \(timeBudget) s): \(literal(Array(template.prefix(200))))"
        )
    }
    return 0
}

runFuzzer(fuzzTemplate)
