import Platform

/// How start-up ends, once every phase has run: what `Startup.run()` decided the process does next,
/// which its caller (the CLI) carries out.
///
/// The phases only prepare; the last step changes what the process is (an `execve`, a supervisor that
/// blocks signals and stays PID 1), so it is left to `main`, and `Startup` can run in process, in a
/// test, without exec'ing anything.
public enum Launch {
    /// Exec the command in place with `environment` (the environment after the secrets, the nginx
    /// sequence, the hooks and `--user`): `execAsProcessOne`, which keeps a late SIGTERM from being
    /// lost, and logs the `exec` line.
    case exec(command: [String], environment: Environment)
    /// `--init`: run the command as the child of an `InitSupervisor(command:environment:profile:log:)`,
    /// with `watch` (`--watch`, armed before the render phase) told the server's environment and
    /// attached to its loop; the child's status is the exit code.
    case supervise(
        command: [String], environment: Environment, profile: StopProfile, watch: WatchSession?)
    /// `--dry-run`: write `plan` to stdout (it is the requested output) and exit 0; nothing was
    /// changed.
    case dryRun(plan: String)
}
