import Platform

/// A bash glob pattern (`*`, `?`, `[...]` with `!`/`^`, ranges and `[:class:]`), matched on
/// characters (`CharacterUnits`), as bash matches in a UTF-8 locale, or byte by byte when the pattern
/// or the value it is matched against is not valid UTF-8 (`bytewise`): bash's `match_pattern` and
/// `remove_pattern` fall back to single-byte matching when either fails to convert to wide
/// characters (`V=$'\xc3é'`: `${V%?}` removes the last byte of the `é`).
///
/// Matching simulates the pattern as a small automaton, so finding every end of a match from one start
/// costs O(length × pattern) and never backtracks. A search for matches anywhere in a value (`/`, `//`)
/// first marks, in one backward pass, every position where a match starts, and runs the automaton only
/// from those: the whole search is O(length × pattern) where trying every start would be quadratic
/// (`${A//a*b/X}` on 100k characters: 90 s before, milliseconds now, as in bash).
///
/// The long loops give up when SIGTERM or SIGINT arrived during a render (`interruptPending`); the
/// renderer then stops with that signal.
struct Glob {
    /// One pattern element; each matches one unit, except `star`.
    enum Element {
        case unit(UInt32)
        case any
        case star
        case set(negated: Bool, items: [SetItem])
    }

    /// A member of a bracket expression.
    enum SetItem {
        case unit(UInt32)
        case range(UInt32, UInt32)
        case named(String)
    }

    private(set) var elements: [Element]
    /// Whether the pattern is matched byte by byte (it or the value is not valid UTF-8).
    private(set) var bytewise = false
    /// The pattern text, when only the value made the match byte-wise: what `characterwise` compiles.
    private var characterSource: PatternText?
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

    /// Compiles a pattern text for matching against `value`: as characters, or byte by byte when the
    /// text or `value` is not valid UTF-8. Without a value (a case change's pattern, matched against
    /// one character at a time) only the text decides.
    init(_ text: PatternText, matching value: [UInt8]? = nil) {
        let textIsValid = CharacterUnits.isValid(text.bytes)
        let valueIsValid = value.map(CharacterUnits.isValid) ?? true
        let bytewise = !textIsValid || !valueIsValid
        self.init(text.units(bytewise: bytewise))
        self.bytewise = bytewise
        if textIsValid && !valueIsValid { characterSource = text }
    }

    /// The same pattern matched as characters, when only the value made it byte-wise: bash's `//`
    /// matches what follows each match anew, and a rest that is valid UTF-8 is matched as characters.
    var characterwise: Glob? {
        characterSource.map { Glob($0) }
    }

    /// The units of `value` as this pattern matches them.
    func units(of value: [UInt8]) -> CharacterUnits.Decoded {
        bytewise ? CharacterUnits.bytewise(value) : CharacterUnits.decode(value)
    }

    /// Compiles a pattern given as units, each flagged literal (escaped, or from `$$`) or not.
    ///
    /// An active backslash (from a nested value: `${V#$P}` with `P='\*'`) escapes the next scalar, as
    /// in bash's patterns (`\*` is a star, `\\` a backslash, inside brackets too); a trailing one
    /// stands for itself. Found by the bash differential fuzzer.
    init(_ pattern: [(unit: UInt32, literal: Bool)]) {
        let (pattern, endsWithLoneBackslash) = Glob.resolvingEscapes(pattern)
        self.endsWithLoneBackslash = endsWithLoneBackslash
        var elements: [Element] = []
        var index = 0
        while index < pattern.count {
            let (unit, literal) = pattern[index]
            index += 1
            if literal {
                elements.append(.unit(unit))
                continue
            }
            switch unit {
            case starUnit:
                if case .star = elements.last {} else { elements.append(.star) }
            case questionUnit:
                elements.append(.any)
            case openBracket:
                if let (set, next) = Glob.bracket(pattern, from: index) {
                    elements.append(set)
                    if index + 1 < next && !pattern[index].literal
                        && (pattern[index].unit == bang || pattern[index].unit == caret)
                        && pattern[index + 1].unit == closeBracket && !pattern[index + 1].literal
                    {
                        hasNegatedSetOpeningWithBracket = true
                    }
                    index = next
                } else {
                    elements.append(.unit(openBracket))
                }
            default:
                elements.append(.unit(unit))
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
    private static func resolvingEscapes(_ pattern: [(unit: UInt32, literal: Bool)])
        -> (pattern: [(unit: UInt32, literal: Bool)], endsWithLoneBackslash: Bool)
    {
        guard pattern.contains(where: { $0.unit == backslash && !$0.literal }) else {
            return (pattern, false)
        }
        var source = pattern
        var result: [(unit: UInt32, literal: Bool)] = []
        var index = 0
        while index < source.count {
            let (unit, literal) = source[index]
            guard unit == backslash && !literal else {
                result.append((unit, literal))
                index += 1
                continue
            }
            guard index + 1 < source.count else {
                // A trailing backslash matches itself.
                result.append((backslash, true))
                return (result, true)
            }
            if source[index + 1].literal {
                result.append((1, true))
                source[index + 1].literal = false
                index += 1
            } else {
                result.append((source[index + 1].unit, true))
                index += 2
            }
        }
        return (result, false)
    }

    private init(elements: [Element], endsWithLoneBackslash: Bool, bytewise: Bool) {
        self.elements = elements
        self.endsWithLoneBackslash = endsWithLoneBackslash
        self.bytewise = bytewise
    }

    /// Whether the pattern is empty.
    var isEmpty: Bool { elements.isEmpty }

    /// The pattern that matches the reversed strings: to find suffixes as prefixes of the reversed text.
    var reversed: Glob {
        Glob(
            elements: elements.reversed(), endsWithLoneBackslash: endsWithLoneBackslash,
            bytewise: bytewise)
    }

    /// Parses a bracket expression after its `[`; nil when there is no closing `]` (then `[` is literal).
    private static func bracket(
        _ pattern: [(unit: UInt32, literal: Bool)], from start: Int
    ) -> (Element, Int)? {
        var index = start
        var negated = false
        if index < pattern.count && !pattern[index].literal
            && (pattern[index].unit == bang || pattern[index].unit == caret)
        {
            negated = true
            index += 1
        }
        var items: [SetItem] = []
        var first = true
        while index < pattern.count {
            let (unit, literal) = pattern[index]
            if unit == closeBracket && !literal && !first {
                return (.set(negated: negated, items: items), index + 1)
            }
            first = false
            if unit == openBracket && !literal && index + 1 < pattern.count
                && pattern[index + 1].unit == colon
            {
                // [:class:]
                var end = index + 2
                var name: [UInt8] = []
                while end + 1 < pattern.count
                    && !(pattern[end].unit == colon && pattern[end + 1].unit == closeBracket)
                {
                    CharacterUnits.append(pattern[end].unit, to: &name)
                    end += 1
                }
                if end + 1 < pattern.count {
                    items.append(.named(String(decoding: name, as: UTF8.self)))
                    index = end + 2
                    continue
                }
            }
            if index + 2 < pattern.count && pattern[index + 1].unit == hyphen
                && !pattern[index + 1].literal
                && !(pattern[index + 2].unit == closeBracket && !pattern[index + 2].literal)
            {
                items.append(.range(unit, pattern[index + 2].unit))
                index += 3
                continue
            }
            items.append(.unit(unit))
            index += 1
        }
        return nil
    }

    // MARK: - Matching

    /// Whether the whole of `text` matches.
    func matches(_ text: ArraySlice<UInt32>) -> Bool {
        var result = false
        forEachMatchEnd(in: text, from: text.startIndex) { end in
            if end == text.endIndex { result = true }
            return true
        }
        return result
    }

    /// The shortest `end` such that `text[start..<end]` matches; nil when none does.
    func shortestEnd(in text: ArraySlice<UInt32>, from start: Int) -> Int? {
        var shortest: Int?
        forEachMatchEnd(in: text, from: start) { end in
            shortest = end
            return false
        }
        return shortest
    }

    /// The longest `end` such that `text[start..<end]` matches; nil when none does.
    func longestEnd(in text: ArraySlice<UInt32>, from start: Int) -> Int? {
        var longest: Int?
        forEachMatchEnd(in: text, from: start) { end in
            longest = end
            return true
        }
        return longest
    }

    /// `starts[i]` tells whether some `text[i..<end]` matches: one pass of the reversed pattern's
    /// automaton from the end of `text` to its start, entered afresh at every position.
    ///
    /// A search that tries the automaton from every start costs O(length²) when a star keeps it alive
    /// to the end; from the marked starts only, the longest match of a pattern with a star reaches past
    /// every later start (its star absorbs them), so the search runs the automaton over the text once.
    func matchStarts(in text: [UInt32]) -> [Bool] {
        var starts = [Bool](repeating: false, count: text.count + 1)
        let pattern = reversed.elements
        let count = pattern.count
        var active = [Bool](repeating: false, count: count + 1)
        var next = active
        var position = text.count
        while true {
            active[0] = true
            Glob.closeOverStars(pattern, &active)
            starts[position] = active[count]
            if position == 0 { break }
            if position & 0xFF == 0 && interruptPending() { break }
            position -= 1
            let unit = text[position]
            for state in 0..<count where active[state] {
                switch pattern[state] {
                case .star: next[state] = true
                case let element:
                    if Glob.element(element, matches: unit) { next[state + 1] = true }
                }
            }
            swap(&active, &next)
            for state in 0...count { next[state] = false }
        }
        return starts
    }

    /// Calls `body` with every `end` (ascending) at which `text[start..<end]` matches the whole pattern,
    /// until it returns false or no match can follow.
    private func forEachMatchEnd(
        in text: ArraySlice<UInt32>, from start: Int, _ body: (Int) -> Bool
    ) {
        let count = elements.count
        var active = [Bool](repeating: false, count: count + 1)
        var next = active
        active[0] = true
        Glob.closeOverStars(elements, &active)
        var position = start
        while true {
            if active[count] && !body(position) { return }
            if position == text.endIndex { return }
            if position & 0xFF == 0 && interruptPending() { return }
            let unit = text[position]
            var any = false
            for state in 0..<count where active[state] {
                switch elements[state] {
                case .star:
                    next[state] = true
                    any = true
                case let element:
                    if Glob.element(element, matches: unit) {
                        next[state + 1] = true
                        any = true
                    }
                }
            }
            if !any { return }
            Glob.closeOverStars(elements, &next)
            swap(&active, &next)
            for state in 0...count { next[state] = false }
            position += 1
        }
    }

    /// A star can match nothing: the state after it is active whenever the star's is.
    private static func closeOverStars(_ elements: [Element], _ states: inout [Bool]) {
        for state in 0..<elements.count where states[state] {
            if case .star = elements[state] { states[state + 1] = true }
        }
    }

    private static func element(_ element: Element, matches unit: UInt32) -> Bool {
        switch element {
        case .unit(let expected): return expected == unit
        case .any: return true
        case .star: return true
        case .set(let negated, let items):
            var found = false
            for item in items where itemMatches(item, unit) {
                found = true
                break
            }
            return found != negated
        }
    }

    private static func itemMatches(_ item: SetItem, _ unit: UInt32) -> Bool {
        switch item {
        case .unit(let expected): return expected == unit
        case .range(let low, let high): return low <= unit && unit <= high
        case .named(let name):
            guard let scalar = CharacterUnits.scalar(unit) else { return false }
            return characterClass(name, contains: scalar)
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

// MARK: - Pattern characters

private let starUnit = UInt32(UInt8(ascii: "*"))
private let questionUnit = UInt32(UInt8(ascii: "?"))
private let openBracket = UInt32(UInt8(ascii: "["))
private let closeBracket = UInt32(UInt8(ascii: "]"))
private let bang = UInt32(UInt8(ascii: "!"))
private let caret = UInt32(UInt8(ascii: "^"))
private let colon = UInt32(UInt8(ascii: ":"))
private let hyphen = UInt32(UInt8(ascii: "-"))
private let backslash = UInt32(UInt8(ascii: "\\"))

/// Whether SIGTERM or SIGINT arrived while a render was running (`SignalPipe.abortsBlockingCalls`):
/// the long loops of matching and substitution look every 256 characters, so that a signal
/// ends a render within the 100 ms the README promises.
@inline(__always)
func interruptPending() -> Bool {
    SignalPipe.abortsBlockingCalls && SignalPipe.abortSignal != nil
}
