import Platform

/// `--init`: the entrypoint stays PID 1 and runs the command as its child, as tini does.
///
/// - The child runs in a process group of its own, with an empty signal mask and default dispositions,
///   and gets the terminal when stdin is one.
/// - Every catchable signal (`forwardedSignals`) is blocked in the supervisor and taken with
///   `sigtimedwait`, then sent unchanged to the child: nginx's SIGQUIT, httpd's SIGWINCH, haproxy's
///   SIGUSR1 and gunicorn's SIGTERM keep their meaning. Blocked signals are never discarded, even for
///   PID 1, whose default-disposition signals the kernel drops.
/// - Every child that ends is reaped (orphans re-parented to PID 1 included), so no zombie piles up.
/// - When the command ends, the supervisor returns its status: the exit status, or 128 + n for a
///   signal. Other processes are left to the kernel, which ends a PID namespace with its PID 1.
public enum InitSupervisor {
    /// Starts `command` with `environment`, forwards signals until it ends, and returns its exit code.
    public static func run(
        _ command: [String], environment: [String: String], log: Log, watch: WatchSession? = nil
    )
        throws(EntrypointError) -> Int32
    {
        // Block first: a signal that arrives while the child starts stays pending and is forwarded.
        blockSignals(forwardedSignals + [SIGCHLD])
        if let signal = Interruption.check() { throw .interrupted(signal: signal) }

        let lines = environmentLines(environment)
        var child: pid_t = 0
        let failure = searchProgram(command, environment: environment) { path, arguments in
            switch spawnProcess(
                path, arguments: arguments, environment: lines, newProcessGroup: true)
            {
            case .success(let pid):
                child = pid
                return 0
            case .failure(let error):
                return error.errno
            }
        }
        if let failure { throw .exec(failure) }
        handTerminal(to: child)
        log.info("started \(command[0]) as pid \(child) (init mode, pid \(processID()))")
        if let watch {
            watch.serverStarted(environment: environment)
            try routeSignalsToPipe(forwardedSignals + [SIGCHLD])
        }

        let waitedFor = forwardedSignals + [SIGCHLD]
        while true {
            // The timeout is a safety net for a SIGCHLD merged with one already taken; tini uses 1 s.
            let signal =
                if let watch {
                    waitWatching(1000, watch: watch, child: child)
                } else {
                    takeSignal(waitedFor, milliseconds: 1000)
                }
            if let signal, stopSignals.contains(signal) { watch?.stop() }
            if let signal, signal != SIGCHLD {
                log.debug("forwarding \(signalName(signal)) to pid \(child)")
                sendSignal(signal, to: child)
                continue
            }
            while let (pid, status) = reapWithoutBlocking(-1) {
                if pid == child {
                    watch?.stop()
                    log.info("\(command[0]) (pid \(child)) ended: \(status)")
                    return status.exitCode
                }
                log.debug("reaped orphan pid \(pid) (\(status))")
            }
        }
    }
}
