import Platform

/// Which variable names a render substitutes; references to other names are copied verbatim.
///
/// With no names, prefixes or regular expressions every name is selected. `definedOnly` further limits
/// the selection to names defined in the environment (the official nginx image's behaviour).
public struct Selection: Sendable {
    /// `--allow`: exact names.
    public var names: Set<String>
    /// `--allow-prefix`: names starting with any of these.
    public var prefixes: [String]
    /// `--allow-regex`: POSIX extended regular expressions matched anywhere in the name.
    public var regexes: [String] {
        compiledRegexes.map(\.pattern)
    }
    /// `--defined-only`: only names defined in the environment.
    public var definedOnly: Bool

    private var compiledRegexes: [PosixRegex]

    /// Every name.
    public static let all = Selection()

    private init() {
        names = []
        prefixes = []
        compiledRegexes = []
        definedOnly = false
    }

    /// Creates a selection; throws a usage error naming a bad regular expression or an invalid name.
    public init(
        names: [String] = [], prefixes: [String] = [], regexes: [String] = [],
        definedOnly: Bool = false
    ) throws(TemplaterError) {
        for name in names where !isValidName(name) {
            throw .usage("--allow: '\(name)' is not a variable name")
        }
        self.names = Set(names)
        self.prefixes = prefixes
        var compiled: [PosixRegex] = []
        for pattern in regexes { compiled.append(try PosixRegex(pattern)) }
        self.compiledRegexes = compiled
        self.definedOnly = definedOnly
    }

    /// Whether any of `--allow`, `--allow-prefix`, `--allow-regex` was given.
    public var isRestricted: Bool {
        !names.isEmpty || !prefixes.isEmpty || !compiledRegexes.isEmpty
    }

    /// Whether `name` is selected, given whether it is defined.
    public func selects(_ name: String, isDefined: Bool) -> Bool {
        if definedOnly && !isDefined { return false }
        if !isRestricted { return true }
        if names.contains(name) { return true }
        for prefix in prefixes where name.hasPrefix(prefix) { return true }
        for regex in compiledRegexes where regex.matches(name) { return true }
        return false
    }

    /// Splits an allow-list: names separated by commas or whitespace, each optionally written `$NAME` or
    /// `${NAME}` (GNU envsubst's SHELL-FORMAT form `'${A} ${B}'`).
    public static func parseList(_ text: String) -> [String] {
        var result: [String] = []
        for token in text.split(whereSeparator: {
            $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n"
        }) {
            var name = Substring(token)
            if name.hasPrefix("${") && name.hasSuffix("}") {
                name = name.dropFirst(2).dropLast()
            } else if name.hasPrefix("$") {
                name = name.dropFirst()
            }
            result.append(String(name))
        }
        return result
    }
}

/// Whether `name` is a shell variable name: `[A-Za-z_][A-Za-z0-9_]*` (`NameSyntax.isName`).
public func isValidName(_ name: String) -> Bool {
    withUTF8Bytes(name) { NameSyntax.isName($0) }
}
