import Platform

/// Which directories `--watch` watches, and which names in each matter: the watch set, computed
/// from the inputs as they are on disk now and computed again after every change (`Watcher`
/// re-arms), so that a directory that was replaced or removed is followed.
///
/// The rules, each for a way a file changes under a running server:
/// - A file input is watched through the directory that holds its visible name, never through its
///   own inode or a symbolic link's target (kubernetes #112677: a watch on a ConfigMap file follows
///   the link into `..2026_...`, which kubelet deletes at the next update, and goes silent). In that
///   directory the name itself matters — created, renamed onto (an editor's write-and-rename, `mv`),
///   written in place (`IN_CLOSE_WRITE`/`IN_MODIFY`), deleted — and so does `..data`, which kubelet
///   renames over at every update of a ConfigMap or Secret volume.
/// - A template directory is watched with every subdirectory the renderer walks; there, names ending
///   with the suffix, directories and `..data` matter. Kubelet's other `..*` entries and an editor's
///   swap and backup files do not.
/// - A template directory is also watched through its parent, for the directory's own name (a
///   symbolic link repointed, a directory renamed into place).
/// - An input whose directory does not exist (yet, or any more) is watched through its nearest
///   existing ancestor, for the name of the next missing component: when it appears, the plan is
///   computed again and the input is watched for real.
struct WatchPlan: Equatable {
    /// One watched directory.
    struct Directory: Equatable {
        /// The directory's path, as the inputs name it.
        var path: String
        /// Which events in it matter.
        var filter: NameFilter
    }

    /// Which names in a watched directory matter.
    struct NameFilter: Equatable, Sendable {
        /// Names that matter whatever they are (file inputs, a missing component).
        var names: Set<String> = []
        /// Set for a template directory: names ending with it (every name when empty) and
        /// directories matter.
        var templateSuffix: String?

        /// Whether an event for `name` (empty: the directory itself) in `directory` matters.
        func matters(_ name: String, mask: Inotify.Mask, in directory: String) -> Bool {
            if name.isEmpty || name == "..data" || names.contains(name) { return true }
            guard let suffix = templateSuffix, !name.hasPrefix("..") else { return false }
            if suffix.isEmpty || (name.hasSuffix(suffix) && name.count > suffix.count) {
                return true
            }
            return mask.contains(.isDirectory) || isDirectory(directory + "/" + name)
        }

        /// Both filters' names and suffix.
        mutating func merge(_ other: NameFilter) {
            names.formUnion(other.names)
            templateSuffix = templateSuffix ?? other.templateSuffix
        }
    }

    /// The watched directories, in the order the inputs first named them.
    private(set) var directories: [Directory] = []

    /// The plan for `inputs` as they are on disk now.
    init(_ inputs: WatchInputs) {
        for source in inputs.templates {
            if isDirectory(source) {
                var visited: Set<FileIdentity> = []
                addTree(source, suffix: inputs.suffix, visited: &visited)
                addFile(source)
            } else {
                addFile(source)
            }
        }
        for path in inputs.envFiles + inputs.secretFiles { addFile(path) }
    }

    /// The filter of `path`, nil when it is not watched.
    func filter(for path: String) -> NameFilter? {
        directories.first { $0.path == path }?.filter
    }

    // MARK: - Building

    private mutating func add(_ path: String, _ filter: NameFilter) {
        if let index = directories.firstIndex(where: { $0.path == path }) {
            directories[index].filter.merge(filter)
        } else {
            directories.append(Directory(path: path, filter: filter))
        }
    }

    /// A file input (or a directory's own name): its directory, for its name.
    private mutating func addFile(_ path: String) {
        var name = lastComponent(path)
        var directory = directoryOf(path)
        // A missing directory: its nearest existing ancestor, for the next component.
        while !isDirectory(directory) && directory != "/" && directory != "." {
            name = lastComponent(directory)
            directory = directoryOf(directory)
        }
        add(directory, NameFilter(names: [name]))
    }

    /// A template directory and every subdirectory the renderer walks (links followed, `..*`
    /// skipped, each tree once).
    private mutating func addTree(_ path: String, suffix: String, visited: inout Set<FileIdentity>)
    {
        guard let identity = (try? fileStatus(path))?.identity, visited.insert(identity).inserted
        else { return }
        add(path, NameFilter(templateSuffix: suffix))
        let names = ((try? DirectoryStream(path).names()) ?? []).filter { !$0.hasPrefix("..") }
            .sorted()
        for name in names where isDirectory(path + "/" + name) {
            addTree(path + "/" + name, suffix: suffix, visited: &visited)
        }
    }

    /// The path without its last component: `.` for a bare name, `/` for a name under the root.
    private func directoryOf(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The last component of the path, trailing slashes ignored.
    private func lastComponent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
    }
}
