import Platform
import Templater
import WaitFor

/// Everything `entrypoint` was asked to do, from its flags and `ENTRYPOINT_*` variables (the CLI
/// builds it; flags win). Each field is one option.
public struct Configuration: Sendable {
    /// `--file-env LIST` / `--no-file-env`: which `X_FILE` variables supply `X`.
    public var fileSecrets: FileSecrets = .auto
    /// `--env-file F`: Compose `.env` files under the process environment.
    public var envFiles: [String] = []
    /// `--secrets-dir DIR`: every regular file supplies the variable named after it (see
    /// `SecretsDirectory`).
    public var secretsDirectory: String?
    /// `--template SRC:DEST`, in order.
    public var templates: [TemplateSpec] = []
    /// True when `templates` and `policy` come from the nginx image's `NGINX_ENVSUBST_*` variables.
    public var templatesFromNginx = false
    /// The official nginx image's `/docker-entrypoint.d/` sequence, when the command is `nginx`
    /// and that directory exists (after the templates, before the wait).
    public var nginx: NginxEntrypoint?
    /// The selection and the unset/empty/braces choices of the render.
    public var policy = RenderPolicy()
    /// `--suffix`: what marks a template in a directory, stripped from the output's name.
    public var suffix = ".template"
    /// `--mode OCTAL`: the mode of new outputs; nil keeps the template's.
    public var mode: UInt32?
    /// `--wait TARGET`, in order (awaited in parallel).
    public var waitTargets: [Target] = []
    /// `--wait-timeout`: the wait's deadline in nanoseconds; nil waits forever.
    public var waitTimeout: UInt64? = 60_000_000_000
    /// `--hook COMMAND`, in order; they run before the hooks directory's entries.
    public var hooks: [Hook] = []
    /// `--hooks-dir DIR`: executable entries run in `sort -V` order after `hooks`.
    public var hooksDirectory: String?
    /// `--hook-timeout`: each hook's deadline in nanoseconds; nil for none.
    public var hookTimeout: UInt64?
    /// `--lock PATH`: an exclusive `flock` held around the hooks.
    public var lockPath: String?
    /// `--user USER[:GROUP]`: the privilege drop after the hooks.
    public var user: UserSpec?
    /// `--init`: stay PID 1 and supervise the command instead of exec'ing it.
    public var initMode = false
    /// `--signal-group`, `--signal-map`, `--stop-signal`, `--stop-delay`, `--stop-timeout`: how init
    /// mode forwards signals and stops the command (any of them implies `--init`).
    public var stop = StopProfile()
    /// `--watch`: after the server started, re-render when an input changes, check, and signal
    /// (implies `initMode`).
    public var watch = false
    /// `--reload-check COMMAND`: run against the new files before the server is signalled.
    public var reloadCheck: ReloadCheck?
    /// `--reload-signal SIG`: what tells the server to re-read its configuration.
    public var reloadSignal: Int32 = Signal.hangup
    /// `--watch-debounce`: how long the inputs must stay unchanged before a reload, in nanoseconds.
    public var watchDebounce: UInt64 = 50_000_000
    /// `--dry-run`: print the plan and change nothing.
    public var dryRun = false
    /// The command to exec, argv[0] first.
    public var command: [String] = []
    /// Where `passwd` and `group` are read for `--user` (`/etc`; tests use their own).
    public var userDatabase = UserDatabase()

    /// The defaults: every `X_FILE` resolved, every variable selected, unset is an error.
    public init() {}
}
