// Processes as a supervisor sees them: signalling a child or its whole process group, and becoming
// the reaper of orphans without being PID 1.

import CPlatform

/// `kill(pid, signal)`. ESRCH (the process is gone) is thrown like any other error: callers that
/// race with a child's exit ignore it.
public func signalProcess(_ pid: pid_t, _ signal: Int32) throws(SystemError) {
    _ = try retryingOnInterrupt("kill(\(pid), \(signal))") { kill(pid, signal) }
}

/// `killpg(group, signal)`: `signal` to every process of process group `group`.
public func signalProcessGroup(_ group: pid_t, _ signal: Int32) throws(SystemError) {
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
public func currentProcessID() -> pid_t {
    getpid()
}
