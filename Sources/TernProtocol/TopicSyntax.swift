/// The rules for topic names and subscription patterns.
///
/// A topic is one or more `.`-separated tokens; a token is one or more visible ASCII characters
/// other than `.`, `*` and `>`. A pattern may also use `*` as a whole token (exactly one token)
/// and `>` as its last token (one or more trailing tokens). Both are at most
/// ``Limits/maxTopicLength`` bytes long.
public enum TopicSyntax {
    /// Why a topic or pattern is invalid, or `nil` when it is valid.
    public static func problem(withTopic topic: String, maxLength: Int = Int(Limits.defaults.maxTopicLength)) -> String? {
        problem(with: topic, allowWildcards: false, maxLength: maxLength)
    }

    /// Why a pattern is invalid, or `nil` when it is valid.
    public static func problem(withPattern pattern: String, maxLength: Int = Int(Limits.defaults.maxTopicLength)) -> String? {
        problem(with: pattern, allowWildcards: true, maxLength: maxLength)
    }

    /// Whether a valid pattern contains a wildcard token.
    public static func hasWildcard(_ pattern: String) -> Bool {
        pattern.utf8.contains(UInt8(ascii: "*")) || pattern.utf8.contains(UInt8(ascii: ">"))
    }

    /// Whether `topic` matches `pattern`; both are assumed valid.
    public static func matches(topic: String, pattern: String) -> Bool {
        var topicTokens = topic.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)[...]
        for token in pattern.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            if token.elementsEqual(">".utf8) { return !topicTokens.isEmpty }
            guard let next = topicTokens.popFirst() else { return false }
            if !token.elementsEqual("*".utf8) && !token.elementsEqual(next) { return false }
        }
        return topicTokens.isEmpty
    }

    private static func problem(with text: String, allowWildcards: Bool, maxLength: Int) -> String? {
        // Nearly every topic and pattern is valid: one pass over its bytes says so.
        if text.utf8.count <= maxLength, isValid(text.utf8, allowWildcards: allowWildcards) { return nil }
        return describedProblem(with: text, allowWildcards: allowWildcards, maxLength: maxLength)
    }

    /// Whether `bytes` are one or more non-empty tokens separated by dots, each of token bytes
    /// or, with `allowWildcards`, a lone `*` or a final lone `>`.
    private static func isValid(_ bytes: String.UTF8View, allowWildcards: Bool) -> Bool {
        var tokenLength = 0
        var wildcard: UInt8?
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard tokenLength > 0, wildcard == nil || (tokenLength == 1 && wildcard == UInt8(ascii: "*")) else { return false }
                tokenLength = 0
                wildcard = nil
            } else if byte == UInt8(ascii: "*") || byte == UInt8(ascii: ">") {
                guard allowWildcards, tokenLength == 0 else { return false }
                wildcard = byte
                tokenLength = 1
            } else {
                guard isTokenByte(byte), wildcard == nil else { return false }
                tokenLength += 1
            }
        }
        return tokenLength > 0
    }

    private static func describedProblem(with text: String, allowWildcards: Bool, maxLength: Int) -> String? {
        let kind = allowWildcards ? "pattern" : "topic"
        let bytes = text.utf8
        guard !bytes.isEmpty else { return "\(kind) is empty" }
        guard bytes.count <= maxLength else { return "\(kind) '\(text)' is \(bytes.count) bytes, longer than \(maxLength)" }
        let tokens = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            guard !token.isEmpty else { return "\(kind) '\(text)' has an empty token" }
            if token.elementsEqual("*".utf8) || token.elementsEqual(">".utf8) {
                guard allowWildcards else { return "topic '\(text)' contains a wildcard; wildcards are for subscriptions" }
                if token.first == UInt8(ascii: ">") && index != tokens.count - 1 {
                    return "pattern '\(text)' has '>' before its last token"
                }
                continue
            }
            for byte in token where !isTokenByte(byte) {
                return "\(kind) '\(text)' contains the invalid character \(describe(byte))"
            }
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "*") && byte != UInt8(ascii: ">")
    }

    private static func describe(_ byte: UInt8) -> String {
        byte > 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
