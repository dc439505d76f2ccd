/// bash's string operations on values of bytes, by characters where the operator needs them
/// (`CharacterUnits`: one per code point, as bash counts wide characters in a UTF-8 locale, and one
/// per invalid byte). Results are slices of the value's own bytes wherever possible, so bytes that are
/// not UTF-8 come out as they went in.
enum StringOperations {
    /// The character range of `${N:offset:length}` in a value of `count` characters, as bash computes it; nil
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

    /// `${N:offset}`, `${N:offset:length}` on the characters of `value`; nil when a negative length
    /// ends before the offset.
    static func substring(_ value: [UInt8], offset: Int, length: Int?) -> [UInt8]? {
        let decoded = CharacterUnits.decode(value)
        guard
            let range = substringRange(
                count: decoded.units.count, offset: offset, length: length)
        else { return nil }
        return Array(value[decoded.offsets[range.lowerBound]..<decoded.offsets[range.upperBound]])
    }

    /// `^ ^^ , ,,`: changes the first or every character, only those matching `only` when given.
    ///
    /// A mapping to several scalars (`ß` → `SS`) leaves the character as is, as `towupper(3)` does;
    /// an invalid byte keeps its case (bash copies it).
    static func changeCase(_ value: [UInt8], _ change: CaseChange, only pattern: Glob?) -> [UInt8] {
        var units = (pattern?.units(of: value) ?? CharacterUnits.decode(value)).units
        let upper = change == .upperFirst || change == .upperAll
        let every = change == .upperAll || change == .lowerAll
        for index in units.indices {
            let unit = units[index]
            if let scalar = CharacterUnits.scalar(unit),
                pattern == nil || pattern?.matches([unit][...]) == true
            {
                let mapped =
                    upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
                let mappedScalars = mapped.unicodeScalars
                if mappedScalars.count == 1, let single = mappedScalars.first {
                    units[index] = single.value
                }
            }
            if !every { break }
            if index & 0xFF == 0xFF && interruptPending() { break }
        }
        return CharacterUnits.encode(units)
    }

    /// `${N#p}` / `${N##p}`.
    static func removePrefix(_ value: [UInt8], _ pattern: Glob, longest: Bool) -> [UInt8] {
        if pattern.loneBackslashFollowsStar { return value }
        let decoded = pattern.units(of: value)
        let text = decoded.units[...]
        let end =
            longest
            ? pattern.longestEnd(in: text, from: 0) : pattern.shortestEnd(in: text, from: 0)
        guard let end else { return value }
        return Array(value[decoded.offsets[end]...])
    }

    /// `${N%p}` / `${N%%p}`: the prefix search on the reversed value with the reversed pattern.
    static func removeSuffix(_ value: [UInt8], _ pattern: Glob, longest: Bool) -> [UInt8] {
        if pattern.loneBackslashFollowsStar { return value }
        let decoded = pattern.units(of: value)
        let reversed = Array(decoded.units.reversed())[...]
        let glob = pattern.reversed
        let removed =
            longest
            ? glob.longestEnd(in: reversed, from: 0) : glob.shortestEnd(in: reversed, from: 0)
        guard let removed else { return value }
        return Array(value[..<decoded.offsets[decoded.units.count - removed]])
    }

    /// `${N/p/r}`, `${N//p/r}`, `${N/#p/r}`, `${N/%p/r}`: leftmost-longest matches; in the replacement an
    /// active `&` stands for the matched text (bash 5.2's `patsub_replacement`). Nil when the result
    /// would exceed `limit` bytes.
    ///
    /// Backslashes as bash sees them: the replacement is first spelled with a backslash before each
    /// literal `&` or `\` (escaped in the template), then read with `\&` and `\\` quoting the `&` and
    /// the backslash; a backslash before anything else is kept. So a value's backslash (`A='a\'`) next
    /// to an escaped `\&` quotes the template's quoting backslash, and the `&` is the match again.
    static func replace(
        _ value: [UInt8], _ pattern: Glob, with replacement: PatternText, mode: ReplaceMode,
        limit: Int
    ) -> [UInt8]? {
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
        let ampersand = UInt8(ascii: "&")
        let backslash = UInt8(ascii: "\\")
        var spelled: [UInt8] = []
        for (byte, literal) in zip(replacement.bytes, replacement.literal) {
            if literal && (byte == ampersand || byte == backslash) { spelled.append(backslash) }
            spelled.append(byte)
        }
        // Without `&` or `\` the replacement is the same text for every match.
        let fixed: [UInt8]? =
            spelled.contains(ampersand) || spelled.contains(backslash) ? nil : spelled
        func substitute(_ match: ArraySlice<UInt8>, into result: inout [UInt8]) {
            if let fixed {
                result += fixed
                return
            }
            var index = 0
            while index < spelled.count {
                let byte = spelled[index]
                index += 1
                if byte == ampersand {
                    result += match
                } else if byte == backslash && index < spelled.count
                    && (spelled[index] == ampersand || spelled[index] == backslash)
                {
                    result.append(spelled[index])
                    index += 1
                } else {
                    result.append(byte)
                }
            }
        }
        var result: [UInt8] = []
        if pattern.isEmpty {
            switch mode {
            case .first, .all: return value
            case .prefix:
                substitute([], into: &result)
                return result + value
            case .suffix:
                result = value
                substitute([], into: &result)
                return result
            }
        }
        if value.isEmpty {
            // bash: an empty value that the pattern matches is replaced (`${E/*/r}` gives `r`).
            guard pattern.matches([][...]) else { return value }
            substitute([], into: &result)
            return result
        }
        let decoded = pattern.units(of: value)
        let units = decoded.units
        let offsets = decoded.offsets
        switch mode {
        case .prefix:
            guard let end = pattern.longestEnd(in: units[...], from: 0) else { return value }
            substitute(value[..<offsets[end]], into: &result)
            result += value[offsets[end]...]
        case .suffix:
            let reversed = Array(units.reversed())[...]
            guard let length = pattern.reversed.longestEnd(in: reversed, from: 0) else {
                return value
            }
            let start = offsets[units.count - length]
            result += value[..<start]
            substitute(value[start...], into: &result)
        case .first, .all:
            // `units`, `offsets` and `starts` describe `value[base...]`: after a match bash matches
            // the rest anew, as characters once it is valid UTF-8 (`characterwise`).
            var glob = pattern
            var base = 0
            var (units, offsets) = (units, offsets)
            var starts = glob.matchStarts(in: units)
            var position = 0
            var copied = 0
            while position < units.count {
                if starts[position], let end = glob.longestEnd(in: units[...], from: position),
                    end > position
                {
                    result += value[base + offsets[copied]..<base + offsets[position]]
                    substitute(value[base + offsets[position]..<base + offsets[end]], into: &result)
                    if result.count > limit { return nil }
                    position = end
                    copied = end
                    if mode == .first { break }
                    let rest = Array(value[(base + offsets[end])...])
                    if let characters = glob.characterwise, CharacterUnits.isValid(rest) {
                        glob = characters
                        base += offsets[end]
                        let decoded = glob.units(of: rest)
                        (units, offsets) = (decoded.units, decoded.offsets)
                        starts = glob.matchStarts(in: units)
                        position = 0
                        copied = 0
                    }
                    continue
                }
                position += 1
                if position & 0xFF == 0 && interruptPending() { break }
            }
            result += value[(base + offsets[copied])...]
        }
        return result.count > limit ? nil : result
    }
}
