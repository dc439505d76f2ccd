/// Which names a run referenced and how: the raw material of `templater check`'s warnings.
public struct Usage: Sendable {
    /// How one name was referenced.
    public struct NameUse: Sendable {
        /// Where it was first referenced.
        public var first: SourceLocation
        /// Where it was first written `${NAME...}`.
        public var firstBraced: SourceLocation?
        /// Where it was first written `$NAME`.
        public var firstBare: SourceLocation?
        /// Whether the selection selected it.
        public var selected: Bool
    }

    /// Every referenced name.
    public private(set) var names: [String: NameUse] = [:]

    /// Records one reference.
    mutating func record(_ name: String, braced: Bool, selected: Bool, at location: SourceLocation)
    {
        var use = names[name] ?? NameUse(first: location, selected: selected)
        if braced {
            if use.firstBraced == nil { use.firstBraced = location }
        } else if use.firstBare == nil {
            use.firstBare = location
        }
        names[name] = use
    }
}
