import TernProtocol

/// A valid topic pattern as its tokens, for reasoning about the sets of topics patterns match:
/// whether two patterns share a topic, and whether some patterns together match every topic
/// another one does. Both answers are exact, for any tokens a topic may have (see the tests'
/// brute-force reference), and take time linear in the patterns' lengths.
struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case literal(Substring)
        /// `*`: exactly one token, any.
        case one
        /// `>`, last only: one or more tokens, any.
        case rest
    }

    let description: String
    let tokens: [Token]

    /// `pattern` must be valid (``TopicSyntax/problem(withPattern:maxLength:)``).
    init(_ pattern: String) {
        description = pattern
        tokens = pattern.split(separator: ".", omittingEmptySubsequences: false).map { token in
            switch token {
            case "*": .one
            case ">": .rest
            default: .literal(token)
            }
        }
    }

    /// Whether `topic`, a valid topic, matches this pattern.
    func matches(_ topic: String) -> Bool {
        TopicSyntax.matches(topic: topic, pattern: description)
    }

    /// Whether some topic matches both patterns.
    func overlaps(_ other: TopicPattern) -> Bool {
        var mine = tokens[...]
        var theirs = other.tokens[...]
        while let token = mine.first, let otherToken = theirs.first {
            // `>` matches whatever non-empty rest the other has.
            if token == .rest || otherToken == .rest { return true }
            if case .literal(let text) = token, case .literal(let otherText) = otherToken, text != otherText { return false }
            mine.removeFirst()
            theirs.removeFirst()
        }
        return mine.isEmpty && theirs.isEmpty
    }

    /// Whether every topic that `pattern` matches is matched by one of `patterns`.
    static func cover(_ pattern: TopicPattern, with patterns: [TopicPattern]) -> Bool {
        covers(patterns.map { $0.tokens[...] }, pattern.tokens[...])
    }

    /// Whether `candidates` together match every topic that `pattern` (a remainder of tokens)
    /// matches. Where the pattern has a wildcard, a token that no candidate names is the hardest
    /// to match: only the candidates' wildcards match it, and they match every other token too.
    private static func covers(_ candidates: [ArraySlice<Token>], _ pattern: ArraySlice<Token>) -> Bool {
        guard let token = pattern.first else { return candidates.contains { $0.isEmpty } }
        if token == .rest { return coversEveryRest(candidates) }
        var next: [ArraySlice<Token>] = []
        for candidate in candidates {
            switch candidate.first {
            case .rest: return true
            case .one: next.append(candidate.dropFirst())
            case .literal(let text): if token == .literal(text) { next.append(candidate.dropFirst()) }
            case nil: continue
            }
        }
        return covers(next, pattern.dropFirst())
    }

    /// Whether `candidates` match every sequence of one or more tokens none of them names: the
    /// candidates of `*` only match exactly their length; those of `*` ending in `>` every length
    /// from theirs on.
    private static func coversEveryRest(_ candidates: [ArraySlice<Token>]) -> Bool {
        var exactLengths: Set<Int> = []
        var openFrom = Int.max
        for candidate in candidates where !candidate.isEmpty {
            guard candidate.dropLast().allSatisfy({ $0 == .one }) else { continue }
            switch candidate.last {
            case .one: exactLengths.insert(candidate.count)
            case .rest: openFrom = min(openFrom, candidate.count)
            default: continue
            }
        }
        return openFrom != .max && (1..<openFrom).allSatisfy { exactLengths.contains($0) }
    }
}
