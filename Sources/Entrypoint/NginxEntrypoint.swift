import Platform
import Templater

/// The official nginx image's `docker-entrypoint.sh`, built in: when the command is `nginx` or
/// `nginx-debug` and `/docker-entrypoint.d/` exists, its files run in `sort -V` order of their
/// paths (subdirectories included, symbolic links followed) before the server starts.
///
/// - an executable `*.sh` runs as a child (as a hook: a clean signal state, `--hook-timeout`); a
///   failing one stops start-up with its status;
/// - an executable `*.envsh` is sourced by `/bin/sh` (with the command as `"$@"`, under `set -e`),
///   and the variables it exports, changes or unsets reach the later files, the later phases and
///   the server;
/// - anything else is skipped with a line saying so (a `.sh`/`.envsh` without the execute bit too).
///
/// The official image's own four scripts are built in and take their places in that order, as if
/// they were in the directory (a file of the same name is replaced by the built-in step):
/// `10-listen-on-ipv6-by-default.sh` (`NginxIPv6Listen`), `15-local-resolvers.envsh`
/// (`NginxLocalResolvers`), `20-envsubst-on-templates.sh` (`NginxTemplates`) and
/// `30-tune-worker-processes.sh` (`NginxWorkerProcesses`). Entries named `..*` (a ConfigMap
/// volume's `..data`) are skipped, so a mounted script does not run twice.
///
/// Every path is below `root` (`""` in a container): tests point it at a temporary tree holding
/// `etc/nginx`, `docker-entrypoint.d`, `etc/resolv.conf`, `proc/self/{mountinfo,cgroup}`,
/// `sys/fs/cgroup/...`, as the differential test against the image's scripts does.
public struct NginxEntrypoint: Sendable {
    /// The root the paths are below (`""`: the real one).
    public var root: String
    /// The render policy of the templates step (its selection is the filter unless given).
    public var policy: RenderPolicy
    /// Whether the entrypoint was given a selection (`--allow`, ...), which then wins over
    /// `NGINX_ENVSUBST_FILTER`.
    public var selectionGiven: Bool
    /// The shell that sources `.envsh` files.
    public var shell = "/bin/sh"

    /// The directory of the configuration scripts.
    public static let directory = "/docker-entrypoint.d"

    /// The built-in steps, by the names of the image's scripts they stand for.
    enum BuiltIn: String, CaseIterable {
        case ipv6 = "10-listen-on-ipv6-by-default.sh"
        case resolvers = "15-local-resolvers.envsh"
        case templates = "20-envsubst-on-templates.sh"
        case workers = "30-tune-worker-processes.sh"
    }

    /// The sequence for `policy`, paths below `root`.
    public init(root: String = "", policy: RenderPolicy, selectionGiven: Bool) {
        self.root = root
        self.policy = policy
        self.selectionGiven = selectionGiven
    }

    /// Whether the sequence applies: the command is `nginx` or `nginx-debug` (exactly, as the
    /// image's script compares `$1`) and `/docker-entrypoint.d/` is a directory.
    public static func applies(to command: [String], root: String = "") -> Bool {
        guard let first = command.first, first == "nginx" || first == "nginx-debug" else {
            return false
        }
        return isDirectory(root + directory)
    }

    /// One entry of the sequence.
    enum Step: Equatable {
        case builtIn(BuiltIn)
        case file(String)
    }

    /// The steps in order: the directory's regular files (at any depth) and the built-in ones,
    /// sorted as `sort -V` sorts their paths.
    func steps() throws(EntrypointError) -> [(path: String, step: Step)] {
        var found: [String: Step] = [:]
        do {
            try collect(Self.directory, into: &found, depth: 0)
        } catch {
            throw .input(path: Self.directory, error)
        }
        for builtIn in BuiltIn.allCases {
            found[Self.directory + "/" + builtIn.rawValue] = .builtIn(builtIn)
        }
        return found.sorted { VersionOrder.areInIncreasingOrder($0.key, $1.key) }.map {
            (path: $0.key, step: $0.value)
        }
    }

    private func collect(_ path: String, into found: inout [String: Step], depth: Int)
        throws(SystemError)
    {
        // A link cycle would make `find -follow` complain; a depth bound stops it here.
        guard depth < 16 else { return }
        for name in try DirectoryStream(root + path).names() where !name.hasPrefix("..") {
            let child = path + "/" + name
            guard let facts = try? fileStatus(root + child) else { continue }
            if facts.isDirectory {
                try collect(child, into: &found, depth: depth + 1)
            } else if facts.isRegular {
                found[child] = .file(child)
            }
        }
    }

    /// Runs the sequence for `command` over `environment`; returns the environment the later
    /// phases and the server get.
    ///
    /// - Parameters:
    ///   - secretNames: variables whose values are secret (outputs holding them are private).
    ///   - runFile: runs a `.sh` file, or the shell that sources an `.envsh` file, with an
    ///     environment, and throws when it fails (the entrypoint passes its hook runner).
    ///   - log: where the progress lines go (info level).
    public func run(
        command: [String], environment: [String: String], secretNames: Set<String>,
        runFile: (Hook, [String: String]) throws(EntrypointError) -> Void, log: Log
    ) throws(EntrypointError) -> [String: String] {
        // NGINX_ENTRYPOINT_QUIET_LOGS lowers the log level (the CLI does it): these are info lines.
        func info(_ line: String) { log.info(line) }
        var environment = environment
        let steps = try steps()
        info("\(Self.directory)/: configuring nginx (\(steps.count) steps, 4 of them built in)")
        for (path, step) in steps {
            if let signal = Interruption.check() { throw .interrupted(signal: signal) }
            switch step {
            case .builtIn(let builtIn):
                if isRegularFile(root + path) {
                    info("\(path): the image's script; its built-in equivalent runs instead")
                }
                try run(builtIn, environment: &environment, secretNames: secretNames) {
                    info("\(builtIn.rawValue): \($0)")
                }
            case .file(let path):
                let executable = (try? fileStatus(root + path))?.hasExecuteBit ?? false
                if path.hasSuffix(".envsh") && executable {
                    info("sourcing \(path)")
                    environment = try source(
                        path, command: command, environment: environment, runFile: runFile,
                        log: log, info: info)
                } else if path.hasSuffix(".sh") && executable {
                    info("launching \(path)")
                    try runFile(Hook(name: path, arguments: [root + path]), environment)
                } else if path.hasSuffix(".sh") || path.hasSuffix(".envsh") {
                    info("ignoring \(path): not executable")
                } else {
                    info("ignoring \(path): neither .sh nor .envsh")
                }
            }
        }
        info("\(Self.directory)/: configuration complete")
        return environment
    }

    private func run(
        _ builtIn: BuiltIn, environment: inout [String: String], secretNames: Set<String>,
        info: (String) -> Void
    ) throws(EntrypointError) {
        let root = self.root
        func readText(_ path: String) -> String? {
            (try? readWholeFile(root + path)).map { String(decoding: $0, as: UTF8.self) }
        }
        switch builtIn {
        case .ipv6:
            try NginxIPv6Listen(read: { try? readWholeFile(root + $0) }, root: root).run(log: info)
        case .resolvers:
            guard !(environment["NGINX_ENTRYPOINT_LOCAL_RESOLVERS"] ?? "").isEmpty else { return }
            let bytes: [UInt8]
            do {
                bytes = try readWholeFile(root + "/etc/resolv.conf")
            } catch {
                throw .input(path: "/etc/resolv.conf (NGINX_ENTRYPOINT_LOCAL_RESOLVERS)", error)
            }
            let resolvers = NginxLocalResolvers.resolvers(String(decoding: bytes, as: UTF8.self))
            environment["NGINX_LOCAL_RESOLVERS"] = resolvers
            info("NGINX_LOCAL_RESOLVERS=\(resolvers)")
        case .templates:
            try NginxTemplates(root: root, policy: policy, selectionGiven: selectionGiven).run(
                environment: environment, secretNames: secretNames, log: info)
        case .workers:
            guard !(environment["NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE"] ?? "").isEmpty
            else { return }
            let path = root + NginxTemplates.nginxConf
            guard isWritable(path), isWritable(parentOf(path)) else {
                info(
                    "cannot modify \(NginxTemplates.nginxConf) (read-only file system?): unchanged")
                return
            }
            let tuner = NginxWorkerProcesses(read: readText, online: onlineProcessorCount())
            let count = tuner.cpuCount()
            let original: [UInt8]
            do {
                original = try readWholeFile(path)
            } catch {
                throw .input(path: NginxTemplates.nginxConf, error)
            }
            let text = String(decoding: original, as: UTF8.self)
            do {
                try replaceFile(path + ".bak", with: original)
                if let tuned = NginxWorkerProcesses.tuned(text, count: count) {
                    try replaceFile(path, with: Array(tuned.utf8))
                }
            } catch {
                throw .output(path: NginxTemplates.nginxConf, error)
            }
            info("worker_processes \(count) in \(NginxTemplates.nginxConf)")
        }
    }

    private func parentOf(_ path: String) -> String {
        String(
            path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
                .dropLast().map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/"))
    }

    // MARK: - Sourcing

    /// What the shell runs: open the export file on descriptor 3, source the file under `set -e`
    /// with the command as `"$@"`, then list the exported variables (`export -p`, in the shell's
    /// own quoting, which `ShellWords` reads back).
    static let sourcingScript = """
        exec 3>"$1" || exit 70
        shift
        set -e
        . "$0"
        export -p >&3
        """

    private func source(
        _ path: String, command: [String], environment: [String: String],
        runFile: (Hook, [String: String]) throws(EntrypointError) -> Void, log: Log,
        info: (String) -> Void
    ) throws(EntrypointError) -> [String: String] {
        let directory: String
        do {
            directory = try makeTemporaryDirectory(
                in: environment["TMPDIR"].flatMap { isDirectory($0) ? $0 : nil } ?? "/tmp",
                prefix: "entrypoint-envsh")
        } catch {
            throw .output(path: "a temporary directory for \(path)", error)
        }
        let exports = directory + "/exports"
        defer {
            removeFile(exports)
            removeDirectory(directory)
        }
        try runFile(
            Hook(
                name: path,
                arguments: [shell, "-c", Self.sourcingScript, root + path, exports] + command),
            environment)
        let text: String
        do {
            text = String(decoding: try readWholeFile(exports), as: UTF8.self)
        } catch {
            throw .input(path: "the variables exported by \(path)", error)
        }
        // The file ended the shell (`exit`) before `export -p`: nothing it set is known.
        guard !text.isEmpty else { return environment }
        let listed: [String: String]
        do throws(ShellWordsError) {
            listed = Self.exportedVariables(try ShellWords.split(text))
        } catch {
            throw .hookEnvironment(hook: path, line: 0, reason: "export -p: \(error.message)")
        }
        // The shell's own bookkeeping (dash exports PWD) is not the file's doing.
        var exported = listed
        for name in Self.shellVariables where environment[name] == nil { exported[name] = nil }
        let changed = exported.filter { environment[$0.key] != $0.value }.keys.sorted()
        let removed = environment.keys.filter { exported[$0] == nil }.sorted()
        for name in changed where isSecretName(name) {
            if let value = exported[name] { log.addSecrets([value]) }
        }
        if !changed.isEmpty { info("\(path) set \(changed.joined(separator: ", "))") }
        if !removed.isEmpty { info("\(path) unset \(removed.joined(separator: ", "))") }
        return exported
    }

    /// Variables a shell sets for itself; kept out of the environment unless they were in it.
    static let shellVariables = ["PWD", "OLDPWD", "SHLVL", "_"]

    /// The variables of `export -p` output, split into words: every `NAME=value` word (dash and
    /// BusyBox print `export NAME='value'`, bash `export NAME="value"` or `declare -x ...`);
    /// a name exported without a value is not in the environment.
    static func exportedVariables(_ words: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let name = String(word[..<equals])
            guard isValidName(name) else { continue }
            result[name] = String(word[word.index(after: equals)...])
        }
        return result
    }
}
