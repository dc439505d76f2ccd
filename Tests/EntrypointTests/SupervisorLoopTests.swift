import Entrypoint
import Glibc
import TestSupport
import Testing

/// The init supervisor's event loop as other event sources use it (`--watch`): descriptors with
/// handlers, timers, `finish`. No signal is blocked here (an empty set), so the test process keeps
/// its own.
@Suite struct SupervisorLoopTests {
    final class Events: @unchecked Sendable {
        var names: [String] = []
    }

    /// A pipe: (read, write).
    static func pipePair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        return (fds[0], fds[1])
    }

    @Test func aReadableDescriptorCallsItsHandlerAndTimersFireInDeadlineOrder() throws {
        let loop = try SupervisorLoop(signals: [])
        let events = Events()
        let (readEnd, writeEnd) = Self.pipePair()
        defer {
            close(readEnd)
            close(writeEnd)
        }
        loop.addDescriptor(readEnd) { revents in
            var byte: UInt8 = 0
            _ = read(readEnd, &byte, 1)
            events.names.append(
                "pipe \(Character(Unicode.Scalar(byte))) \(revents.contains(.readable))")
        }
        loop.addTimer(after: 60_000_000) {
            events.names.append("60ms")
            loop.finish()
        }
        loop.addTimer(after: 20_000_000) {
            events.names.append("20ms")
            var byte = UInt8(ascii: "x")
            _ = write(writeEnd, &byte, 1)
        }
        let cancelled = loop.addTimer(after: 40_000_000) { events.names.append("cancelled") }
        loop.cancelTimer(cancelled)
        let start = now()
        try loop.run()
        #expect(events.names == ["20ms", "pipe x true", "60ms"])
        #expect(now() - start >= 0.06)
    }

    @Test func aRemovedDescriptorIsNoLongerWatched() throws {
        let loop = try SupervisorLoop(signals: [])
        let events = Events()
        let (readEnd, writeEnd) = Self.pipePair()
        defer {
            close(readEnd)
            close(writeEnd)
        }
        var byte = UInt8(ascii: "y")
        _ = write(writeEnd, &byte, 1)
        let id = loop.addDescriptor(readEnd) { _ in events.names.append("pipe") }
        loop.removeDescriptor(id)
        loop.addTimer(after: 30_000_000) {
            events.names.append("timer")
            loop.finish()
        }
        try loop.run()
        #expect(events.names == ["timer"])
    }
}
