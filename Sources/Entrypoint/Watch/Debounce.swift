/// Turns a burst of file events into one reload: the reload is due once no event came for `quiet`
/// nanoseconds, or `limit` nanoseconds after the burst's first event, whichever is first.
///
/// Kubelet's update of a volume is a dozen events within a millisecond (a directory created, files
/// written, `..data_tmp` created and renamed, links created and removed); an editor's save is two to
/// four; a script that rewrites ten files in a row is ten. The quiet period lets each of those end
/// before anything is read; the limit keeps a file that is written to without a pause (a log,
/// a slow copy) from postponing every reload forever.
struct Debounce: Equatable {
    /// How long the inputs must stay unchanged before the reload.
    var quiet: UInt64
    /// The longest a reload waits after the first event of a burst.
    var limit: UInt64
    /// When the burst's first event came; nil when nothing is pending.
    private(set) var first: UInt64?
    /// When its latest event came.
    private(set) var last: UInt64?

    /// A debounce with no event pending.
    init(quiet: UInt64, limit: UInt64) {
        self.quiet = quiet
        self.limit = max(limit, quiet)
    }

    /// An event that matters arrived at `now`.
    mutating func note(_ now: UInt64) {
        if first == nil { first = now }
        last = now
    }

    /// When the pending reload is due; nil when none is pending (poll may sleep forever).
    var deadline: UInt64? {
        guard let first, let last else { return nil }
        return min(last + quiet, first + limit)
    }

    /// Whether a reload is due at `now`; if so, the burst is taken and the debounce starts over.
    mutating func take(_ now: UInt64) -> Bool {
        guard let deadline, now >= deadline else { return false }
        first = nil
        last = nil
        return true
    }
}
