import Platform

/// The inotify side of `--watch`: watches what `WatchPlan` names, turns the events that matter
/// into a debounced batch, and re-arms after every batch.
///
/// The supervisor puts `descriptor` in its `poll` set and sleeps until `deadline`; nothing here
/// polls the file system on a timer, so a watching entrypoint uses no CPU while nothing changes.
/// Re-arming happens before the inputs are read again: a change made after it is a new event, so
/// none falls between the watch and the read.
final class Watcher {
    /// What the render phase read.
    let inputs: WatchInputs
    private let inotify: Inotify
    private let log: Log
    private var plan: WatchPlan
    /// The watch descriptor of each watched directory.
    private var watches: [Int32: String] = [:]
    private var debounce: Debounce
    /// The `directory/name`s that changed in the pending burst, for the debug line.
    private var changed: [String] = []

    /// Starts watching `inputs`; `quiet` and `limit` are the debounce's (nanoseconds).
    init(inputs: WatchInputs, quiet: UInt64, limit: UInt64, log: Log) throws(SystemError) {
        self.inputs = inputs
        self.log = log
        self.inotify = try Inotify()
        self.plan = WatchPlan(inputs)
        self.debounce = Debounce(quiet: quiet, limit: limit)
        arm()
    }

    /// The descriptor to `poll` for `POLLIN`; -1 once closed.
    var descriptor: Int32 { inotify.descriptor }

    /// When the pending batch is due (`CLOCK_MONOTONIC` nanoseconds); nil when none is pending.
    var deadline: UInt64? { debounce.deadline }

    /// The directories watched now.
    var watchedDirectories: [String] { plan.directories.map(\.path) }

    /// The mask of every watched directory: the events that mean a name in it was created, replaced,
    /// written or removed, and those that mean the directory itself went away.
    static let mask: Inotify.Mask = [
        .create, .delete, .movedFrom, .movedTo, .closeWrite, .modify, .deleteSelf, .moveSelf,
        .onlyDirectory,
    ]

    /// Reads the queued events (call when `descriptor` is readable) and notes those that matter.
    func readEvents(now: UInt64) {
        let events: [Inotify.Event]
        do {
            events = try inotify.readEvents()
        } catch {
            log.warning("watch: \(error)")
            return
        }
        for event in events {
            if event.mask.contains(.overflow) {
                // Events were lost: whatever changed, the whole render runs again.
                log.debug("watch: inotify queue overflowed")
                note("(overflow)", now: now)
                continue
            }
            guard let directory = watches[event.watch] else { continue }
            if event.mask.contains(.ignored) {
                // The directory is gone (or was replaced): the re-arm after the batch finds what is
                // there now.
                watches[event.watch] = nil
                note(directory, now: now)
                continue
            }
            guard let filter = plan.filter(for: directory),
                filter.matters(event.name, mask: event.mask, in: directory)
            else { continue }
            log.debug("watch: \(log.redact(command: directory)): \(event)")
            note(event.name.isEmpty ? directory : directory + "/" + event.name, now: now)
        }
    }

    /// The paths that changed when a batch is due at `now` (the watch is re-armed first), nil when
    /// none is.
    func takeBatch(now: UInt64) -> [String]? {
        guard debounce.take(now) else { return nil }
        let batch = changed
        changed = []
        arm()
        return batch
    }

    /// Stops watching: no event and no batch any more (the server is stopping).
    func close() {
        inotify.close()
        watches = [:]
        changed = []
        debounce = Debounce(quiet: debounce.quiet, limit: debounce.limit)
    }

    private func note(_ path: String, now: UInt64) {
        if !changed.contains(path) { changed.append(path) }
        debounce.note(now)
    }

    /// Watches what the plan names now; drops the watches of directories it no longer names.
    private func arm() {
        guard inotify.descriptor >= 0 else { return }
        plan = WatchPlan(inputs)
        var armed: [Int32: String] = [:]
        for directory in plan.directories {
            do {
                let watch = try inotify.addWatch(directory.path, Self.mask)
                armed[watch] = directory.path
            } catch {
                let hint =
                    error.isOutOfSpace
                    ? " (the inotify watch limit, sysctl fs.inotify.max_user_watches, is reached)"
                    : ""
                log.warning(
                    "watch: cannot watch \(log.redact(command: directory.path)): \(error)\(hint)")
            }
        }
        for (watch, path) in watches where armed[watch] == nil {
            inotify.removeWatch(watch)
            log.debug("watch: no longer watching \(log.redact(command: path))")
        }
        watches = armed
    }
}
