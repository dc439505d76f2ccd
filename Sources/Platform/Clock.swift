// The clocks: CLOCK_MONOTONIC for every deadline and interval, CLOCK_REALTIME only for the
// timestamps of JSON log lines.

internal import Glibc

/// Nanoseconds on `CLOCK_MONOTONIC`: immune to wall-clock changes, the base for every deadline.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Sleeps for `nanoseconds` with `nanosleep(2)`, resuming after signals that are handled.
public func sleepNanoseconds(_ nanoseconds: UInt64) {
    var request = timespec(
        tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR {
        request = remaining
    }
}

/// The wall-clock time in UTC as RFC 3339 with milliseconds: `2025-01-31T12:00:00.123Z`.
public func utcTimestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = now.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func padded(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-"
        + padded(parts.tm_mday, 2) + "T" + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2)
        + ":" + padded(parts.tm_sec, 2) + "." + padded(Int32(now.tv_nsec / 1_000_000), 3) + "Z"
}
