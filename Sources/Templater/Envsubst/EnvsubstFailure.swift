import Platform

/// Why an envsubst run stopped: its input could not be read or its output could not be written.
///
/// GNU envsubst reports the two differently (`error while reading "standard input": ...` and
/// `write error: ...`), so the CLI needs to know which side failed.
public enum EnvsubstFailure: Error, Equatable {
    /// `read(2)` failed, e.g. with `EISDIR` when stdin is a directory or `EBADF` when it is closed.
    case read(SystemError)
    /// `write(2)` failed, e.g. with `ENOSPC` on `/dev/full`, `EBADF` when stdout is closed, or `EPIPE`.
    case write(SystemError)
}
