// The controlling terminal: which process group is in its foreground (tcsetpgrp(3)), so that a child
// run from an interactive `docker run -it` reads the terminal and gets its Ctrl-C.

internal import Glibc

/// Hands the terminal on stdin to process group `group` when stdin is a terminal whose foreground
/// group is ours, as tini does, so that a child reading it is not stopped by SIGTTIN and Ctrl-C reaches
/// it. Best effort, as in tini: without a terminal of ours there is nothing to hand over, and a
/// `tcsetpgrp` that fails leaves the terminal where it was.
public func handTerminal(to group: Int32) {
    guard isatty(0) == 1, tcgetpgrp(0) == getpgrp() else { return }
    _ = tcsetpgrp(0, group)
}

/// Takes the terminal on stdin back for our own process group, if `group` holds it; SIGTTOU is blocked
/// for the call so that a background caller is not stopped by it. Best effort, as `handTerminal`.
public func takeTerminalBack(from group: Int32) {
    guard isatty(0) == 1, tcgetpgrp(0) == group else { return }
    withThreadSignalsBlocked([SIGTTOU]) {
        _ = tcsetpgrp(0, getpgrp())
    }
}
