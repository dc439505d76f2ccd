/// A duration that does not parse; its description quotes the input and shows the accepted forms.
public struct InvalidDuration: Error, Equatable, CustomStringConvertible {
    /// The text as given.
    public var input: String

    /// Creates the error for `input`.
    public init(input: String) { self.input = input }

    public var description: String {
        "'\(input)' is not a duration (examples: 30, 30s, 500ms, 2m, 1m30s)"
    }
}
