// wait-for's target and duration parsers on arbitrary text.
//
// Invariants: no crash, no hang; a parsed target's description (the name in log lines), when it parses
// again, names the same target.

import FuzzSupport
import WaitFor

func fuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let target = try Target(parsing: text)
        let description = target.description
        _ = target.endpoint
        if let again = try? Target(parsing: description), again.description != description {
            fatal("\(text.debugDescription) reads as \(description), which reads as \(again)")
        }
    } catch {
        _ = error.description
    }
    _ = try? Target.list(parsing: text)
    if let nanoseconds = try? DurationFormat.parse(text) {
        _ = DurationFormat.format(nanoseconds)
        _ = DurationFormat.seconds(nanoseconds)
    }
    return 0
}

runFuzzer(fuzzTarget)
