/// A bash glob pattern (`*`, `?`, `[...]` with `!`/`^`, ranges and `[:class:]`), matched on Unicode
/// scalars, as bash matches in a UTF-8 locale.
///
/// Matching simulates the pattern as a small automaton, so finding every end of a match from one start
/// costs O(length × pattern) and never backtracks exponentially.
struct Glob {
    /// One pattern element; each matches one scalar, except `star`.
    enum Element {
        case scalar(Unicode.Scalar)
        case any
        case star
        case set(negated: Bool, items: [SetItem])
    }

    /// A member of a bracket expression.
    enum SetItem {
        case scalar(Unicode.Scalar)
        case range(Unicode.Scalar, Unicode.Scalar)
        case named(String)
    }

    private(set) var elements: [Element]
    /// Whether the pattern ends with an active backslash that escapes nothing. It matches a backslash
    /// (`${V#$P}` with `P='a\'` removes `a\`), but bash's `${V/p/r}` then never matches.
    private(set) var endsWithLoneBackslash: Bool

    /// A bracket expression negates a set whose first member is `]` (`[!]x]`). bash's substitutions
    /// measure a star-free pattern's length first and try only substrings that long; that measure
    /// closes such a set at its first `]`, so the pattern never matches there (`#` and `%` match).
    private(set) var hasNegatedSetOpeningWithBracket = false

    /// Whether the pattern has a `*`.
    var hasStar: Bool {
        elements.contains {
            if case .star = $0 { return true } else { return false }
        }
    }

    /// A star comes right before the lone trailing backslash, with only `?`s between (`*\`, `a*?\`):
    /// bash's matcher then looks for the character after the backslash, the end of the pattern, and
    /// the pattern never matches.
    var loneBackslashFollowsStar: Bool {
        guard endsWithLoneBackslash else { return false }
        for element in elements.dropLast().reversed() {
            switch element {
            case .any: continue
            case .star: return true
            default: return false
            }
        }
        return false
    }

    /// Only `?`s come before the lone trailing backslash (`\`, `??\`): in a suffix substitution bash
    /// puts a star in front of the pattern, which then comes right before the backslash.
    var loneBackslashFollowsOnlyAny: Bool {
        endsWithLoneBackslash
            && elements.dropLast().allSatisfy {
                if case .any = $0 { return true } else { return false }
            }
    }

    /// Compiles a pattern given as scalars, each flagged literal (escaped, or from `$$`) or not.
    ///
    /// An active backslash (from a nested value: `${V#$P}` with `P='\*'`) escapes the next scalar, as
    /// in bash's patterns (`\*` is a star, `\\` a backslash, inside brackets too); a trailing one
    /// stands for itself. Found by the bash differential fuzzer.
    init(_ pattern: [(scalar: Unicode.Scalar, literal: Bool)]) {
        let (pattern, endsWithLoneBackslash) = Glob.resolvingEscapes(pattern)
        self.endsWithLoneBackslash = endsWithLoneBackslash
        var elements: [Element] = []
        var index = 0
        while index < pattern.count {
            let (scalar, literal) = pattern[index]
            index += 1
            if literal {
                elements.append(.scalar(scalar))
                continue
            }
            switch scalar {
            case "*":
                if case .star = elements.last {} else { elements.append(.star) }
            case "?":
                elements.append(.any)
            case "[":
                if let (set, next) = Glob.bracket(pattern, from: index) {
                    elements.append(set)
                    if index + 1 < next && !pattern[index].literal
                        && (pattern[index].scalar == "!" || pattern[index].scalar == "^")
                        && pattern[index + 1].scalar == "]" && !pattern[index + 1].literal
                    {
                        hasNegatedSetOpeningWithBracket = true
                    }
                    index = next
                } else {
                    elements.append(.scalar("["))
                }
            default:
                elements.append(.scalar(scalar))
            }
        }
        self.elements = elements
    }

    /// `pattern` with each active backslash dropped and the scalar after it made literal, and whether
    /// the last active backslash escaped nothing.
    ///
    /// bash keeps an escaped scalar of the template behind a quoting byte (CTLESC, 0x01), and a value's
    /// backslash right before it escapes that byte instead: `${A}\a` with `A='\'` is a literal U+0001
    /// followed by an active `a`, which matches no ordinary text (`${A}\*` is U+0001 then a star).
    private static func resolvingEscapes(_ pattern: [(scalar: Unicode.Scalar, literal: Bool)])
        -> (pattern: [(scalar: Unicode.Scalar, literal: Bool)], endsWithLoneBackslash: Bool)
    {
        guard pattern.contains(where: { $0.scalar == "\\" && !$0.literal }) else {
            return (pattern, false)
        }
        var source = pattern
        var result: [(scalar: Unicode.Scalar, literal: Bool)] = []
        var index = 0
        while index < source.count {
            let (scalar, literal) = source[index]
            guard scalar == "\\" && !literal else {
                result.append((scalar, literal))
                index += 1
                continue
            }
            guard index + 1 < source.count else {
                // A trailing backslash matches itself.
                result.append(("\\", true))
                return (result, true)
            }
            if source[index + 1].literal {
                result.append(("\u{1}", true))
                source[index + 1].literal = false
                index += 1
            } else {
                result.append((source[index + 1].scalar, true))
                index += 2
            }
        }
        return (result, false)
    }

    private init(elements: [Element], endsWithLoneBackslash: Bool) {
        self.elements = elements
        self.endsWithLoneBackslash = endsWithLoneBackslash
    }

    /// Whether the pattern is empty.
    var isEmpty: Bool { elements.isEmpty }

    /// The pattern that matches the reversed strings: to find suffixes as prefixes of the reversed text.
    var reversed: Glob {
        Glob(elements: elements.reversed(), endsWithLoneBackslash: endsWithLoneBackslash)
    }

    /// Parses a bracket expression after its `[`; nil when there is no closing `]` (then `[` is literal).
    private static func bracket(
        _ pattern: [(scalar: Unicode.Scalar, literal: Bool)], from start: Int
    ) -> (Element, Int)? {
        var index = start
        var negated = false
        if index < pattern.count && !pattern[index].literal
            && (pattern[index].scalar == "!" || pattern[index].scalar == "^")
        {
            negated = true
            index += 1
        }
        var items: [SetItem] = []
        var first = true
        while index < pattern.count {
            let (scalar, literal) = pattern[index]
            if scalar == "]" && !literal && !first {
                return (.set(negated: negated, items: items), index + 1)
            }
            first = false
            if scalar == "[" && !literal && index + 1 < pattern.count
                && pattern[index + 1].scalar == ":"
            {
                // [:class:]
                var end = index + 2
                var name = ""
                while end + 1 < pattern.count
                    && !(pattern[end].scalar == ":" && pattern[end + 1].scalar == "]")
                {
                    name.unicodeScalars.append(pattern[end].scalar)
                    end += 1
                }
                if end + 1 < pattern.count {
                    items.append(.named(name))
                    index = end + 2
                    continue
                }
            }
            if index + 2 < pattern.count && pattern[index + 1].scalar == "-"
                && !pattern[index + 1].literal
                && !(pattern[index + 2].scalar == "]" && !pattern[index + 2].literal)
            {
                items.append(.range(scalar, pattern[index + 2].scalar))
                index += 3
                continue
            }
            items.append(.scalar(scalar))
            index += 1
        }
        return nil
    }

    // MARK: - Matching

    /// Whether the whole of `text` matches.
    func matches(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        var result = false
        forEachMatchEnd(in: text, from: text.startIndex) { end in
            if end == text.endIndex { result = true }
            return true
        }
        return result
    }

    /// The shortest and the longest `end` such that `text[start..<end]` matches; nil when none does.
    func matchEnds(in text: ArraySlice<Unicode.Scalar>, from start: Int) -> (
        shortest: Int, longest: Int
    )? {
        var shortest: Int?
        var longest = start
        forEachMatchEnd(in: text, from: start) { end in
            if shortest == nil { shortest = end }
            longest = end
            return true
        }
        return shortest.map { ($0, longest) }
    }

    /// Calls `body` with every `end` (ascending) at which `text[start..<end]` matches the whole pattern,
    /// until it returns false or no match can follow.
    private func forEachMatchEnd(
        in text: ArraySlice<Unicode.Scalar>, from start: Int, _ body: (Int) -> Bool
    ) {
        let count = elements.count
        var active = [Bool](repeating: false, count: count + 1)
        var next = active
        active[0] = true
        closeOverStars(&active)
        var position = start
        while true {
            if active[count] && !body(position) { return }
            if position == text.endIndex { return }
            let scalar = text[position]
            var any = false
            for state in 0..<count where active[state] {
                switch elements[state] {
                case .star:
                    next[state] = true
                    any = true
                case let element:
                    if Glob.element(element, matches: scalar) {
                        next[state + 1] = true
                        any = true
                    }
                }
            }
            if !any { return }
            closeOverStars(&next)
            swap(&active, &next)
            for state in 0...count { next[state] = false }
            position += 1
        }
    }

    /// A star can match nothing: the state after it is active whenever the star's is.
    private func closeOverStars(_ states: inout [Bool]) {
        for state in 0..<elements.count where states[state] {
            if case .star = elements[state] { states[state + 1] = true }
        }
    }

    private static func element(_ element: Element, matches scalar: Unicode.Scalar) -> Bool {
        switch element {
        case .scalar(let expected): return expected == scalar
        case .any: return true
        case .star: return true
        case .set(let negated, let items):
            var found = false
            for item in items where itemMatches(item, scalar) {
                found = true
                break
            }
            return found != negated
        }
    }

    private static func itemMatches(_ item: SetItem, _ scalar: Unicode.Scalar) -> Bool {
        switch item {
        case .scalar(let expected): return expected == scalar
        case .range(let low, let high):
            return low.value <= scalar.value && scalar.value <= high.value
        case .named(let name): return characterClass(name, contains: scalar)
        }
    }

    /// POSIX character classes, extended to Unicode as glibc's UTF-8 locales do.
    private static func characterClass(_ name: String, contains scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        let ascii = scalar.isASCII
        switch name {
        case "alpha": return properties.isAlphabetic
        case "digit": return ascii && scalar.value >= 0x30 && scalar.value <= 0x39
        case "alnum":
            return properties.isAlphabetic
                || (ascii && scalar.value >= 0x30 && scalar.value <= 0x39)
        case "upper": return properties.isUppercase
        case "lower": return properties.isLowercase
        case "space": return properties.isWhitespace
        case "blank":
            return scalar == " " || scalar == "\t"
                || (!ascii && properties.generalCategory == .spaceSeparator)
        case "punct":
            return ascii && scalar.value > 0x20 && scalar.value < 0x7F
                && !properties.isAlphabetic && !(scalar.value >= 0x30 && scalar.value <= 0x39)
        case "print": return !(scalar.value < 0x20 || scalar.value == 0x7F)
        case "graph": return !(scalar.value <= 0x20 || scalar.value == 0x7F)
        case "cntrl": return scalar.value < 0x20 || scalar.value == 0x7F
        case "xdigit":
            return ascii
                && (scalar.value >= 0x30 && scalar.value <= 0x39
                    || (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x66)
        case "word":
            return properties.isAlphabetic
                || (ascii && scalar.value >= 0x30 && scalar.value <= 0x39) || scalar == "_"
        default: return false
        }
    }
}
