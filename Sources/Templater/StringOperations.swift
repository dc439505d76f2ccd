/// bash's string operations on Unicode scalars (bash counts characters as wide characters in a UTF-8
/// locale: one per code point).
enum StringOperations {
    /// The scalar range of `${N:offset:length}` in a value of `count` scalars, as bash computes it; nil
    /// when a negative length ends before the offset (bash: "substring expression < 0").
    static func substringRange(count: Int, offset: Int, length: Int?) -> Range<Int>? {
        var start = offset
        if start < 0 {
            start += count
            if start < 0 { return 0..<0 }
        }
        if start > count { return 0..<0 }
        guard let length else { return start..<count }
        var end: Int
        if length < 0 {
            end = count + length
            if end < start { return nil }
        } else {
            end = start + min(length, count - start)
        }
        end = min(end, count)
        return start..<end
    }

    /// A `String` from scalars.
    static func string<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// `^ ^^ , ,,`: changes the first or every scalar, only those matching `only` when given.
    ///
    /// A mapping to several scalars (`ß` → `SS`) leaves the scalar as is, as `towupper(3)` does.
    static func changeCase(_ value: String, _ change: CaseChange, only pattern: Glob?) -> String {
        var scalars = Array(value.unicodeScalars)
        let upper = change == .upperFirst || change == .upperAll
        let every = change == .upperAll || change == .lowerAll
        for index in scalars.indices {
            let scalar = scalars[index]
            if pattern == nil || pattern?.matches([scalar][...]) == true {
                let mapped =
                    upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
                let mappedScalars = mapped.unicodeScalars
                if mappedScalars.count == 1, let single = mappedScalars.first {
                    scalars[index] = single
                }
            }
            if !every { break }
        }
        return string(scalars)
    }

    /// `${N#p}` / `${N##p}`.
    static func removePrefix(_ value: String, _ pattern: Glob, longest: Bool) -> String {
        if pattern.loneBackslashFollowsStar { return value }
        let scalars = Array(value.unicodeScalars)
        guard let ends = pattern.matchEnds(in: scalars[...], from: 0) else { return value }
        return string(scalars[(longest ? ends.longest : ends.shortest)...])
    }

    /// `${N%p}` / `${N%%p}`: the prefix search on the reversed value with the reversed pattern.
    static func removeSuffix(_ value: String, _ pattern: Glob, longest: Bool) -> String {
        if pattern.loneBackslashFollowsStar { return value }
        let scalars = Array(value.unicodeScalars)
        let reversed = Array(scalars.reversed())
        guard let ends = pattern.reversed.matchEnds(in: reversed[...], from: 0) else {
            return value
        }
        let removed = longest ? ends.longest : ends.shortest
        return string(scalars[..<(scalars.count - removed)])
    }

    /// `${N/p/r}`, `${N//p/r}`, `${N/#p/r}`, `${N/%p/r}`: leftmost-longest matches; in the replacement an
    /// active `&` stands for the matched text (bash 5.2's `patsub_replacement`).
    ///
    /// Backslashes as bash sees them: the replacement is first spelled with a backslash before each
    /// literal `&` or `\` (escaped in the template), then read with `\&` and `\\` quoting the `&` and
    /// the backslash; a backslash before anything else is kept. So a value's backslash (`A='a\'`) next
    /// to an escaped `\&` quotes the template's quoting backslash, and the `&` is the match again.
    static func replace(
        _ value: String, _ pattern: Glob,
        with replacement: [(scalar: Unicode.Scalar, literal: Bool)],
        mode: ReplaceMode
    ) -> String {
        // bash: a pattern whose last backslash escapes nothing (it matches a backslash at the end)
        // fails the quick check bash makes before a substitution, which appends a star that the
        // backslash then escapes; a suffix substitution appends none, but puts a star in front.
        if pattern.endsWithLoneBackslash
            && (mode != .suffix || pattern.loneBackslashFollowsStar
                || pattern.loneBackslashFollowsOnlyAny)
        {
            return value
        }
        if pattern.hasNegatedSetOpeningWithBracket && !pattern.hasStar { return value }
        let scalars = Array(value.unicodeScalars)
        var spelled: [Unicode.Scalar] = []
        for (scalar, literal) in replacement {
            if literal && (scalar == "&" || scalar == "\\") { spelled.append("\\") }
            spelled.append(scalar)
        }
        func substitute(_ match: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
            var result: [Unicode.Scalar] = []
            var index = 0
            while index < spelled.count {
                let scalar = spelled[index]
                index += 1
                if scalar == "&" {
                    result.append(contentsOf: match)
                } else if scalar == "\\" && index < spelled.count
                    && (spelled[index] == "&" || spelled[index] == "\\")
                {
                    result.append(spelled[index])
                    index += 1
                } else {
                    result.append(scalar)
                }
            }
            return result
        }
        if pattern.isEmpty {
            switch mode {
            case .first, .all: return value
            case .prefix: return string(substitute([]) + scalars)
            case .suffix: return string(scalars + substitute([]))
            }
        }
        if scalars.isEmpty {
            // bash: an empty value that the pattern matches is replaced (`${E/*/r}` gives `r`).
            return pattern.matches([][...]) ? string(substitute([])) : value
        }
        switch mode {
        case .prefix:
            guard let ends = pattern.matchEnds(in: scalars[...], from: 0) else { return value }
            return string(substitute(scalars[..<ends.longest]) + scalars[ends.longest...])
        case .suffix:
            let reversed = Array(scalars.reversed())
            guard let ends = pattern.reversed.matchEnds(in: reversed[...], from: 0) else {
                return value
            }
            let start = scalars.count - ends.longest
            return string(scalars[..<start] + substitute(scalars[start...]))
        case .first, .all:
            var result: [Unicode.Scalar] = []
            var position = 0
            var replaced = false
            while position <= scalars.count {
                if !(replaced && mode == .first),
                    let ends = pattern.matchEnds(in: scalars[...], from: position),
                    ends.longest > position
                {
                    result.append(contentsOf: substitute(scalars[position..<ends.longest]))
                    position = ends.longest
                    replaced = true
                    continue
                }
                if position == scalars.count { break }
                result.append(scalars[position])
                position += 1
            }
            return string(result)
        }
    }
}
