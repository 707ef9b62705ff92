import TernProtocol

/// The allow and deny lists of topic patterns of one operation (publish, subscribe, request or
/// respond) for one user. Deny wins, and what no allow pattern matches is denied: with no allow
/// pattern, nothing is allowed.
public struct TopicPermission: Sendable, Hashable {
    /// A pattern of a list is not a valid pattern.
    public struct InvalidPattern: Error, Sendable, Hashable, CustomStringConvertible {
        public var pattern: String
        public var reason: String

        public var description: String { reason }
    }

    public let allow: [String]
    public let deny: [String]
    private let allowed: [TopicPattern]
    private let denied: [TopicPattern]

    /// - Throws: ``InvalidPattern`` for the first pattern that breaks the topic syntax.
    public init(allow: [String] = [], deny: [String] = []) throws(InvalidPattern) {
        for pattern in allow + deny {
            if let reason = TopicSyntax.problem(withPattern: pattern) { throw InvalidPattern(pattern: pattern, reason: reason) }
        }
        self.init(checked: allow, deny: deny)
    }

    /// Nothing is allowed.
    public static let nothing = TopicPermission(checked: [], deny: [])

    /// Everything is allowed.
    public static let everything = TopicPermission(checked: [">"], deny: [])

    private init(checked allow: [String], deny: [String]) {
        self.allow = allow
        self.deny = deny
        allowed = allow.map(TopicPattern.init)
        denied = deny.map(TopicPattern.init)
    }

    /// Whether the operation is allowed on `topic`, a valid topic.
    public func permits(topic: String) -> Bool {
        allowed.contains { $0.matches(topic) } && !denied.contains { $0.matches(topic) }
    }

    /// Whether the operation is allowed on every topic `pattern`, a valid pattern, matches: one
    /// that reaches a topic no allow pattern matches, or one a deny pattern matches, is refused
    /// whole rather than narrowed.
    public func permits(pattern: String) -> Bool {
        let pattern = TopicPattern(pattern)
        return TopicPattern.cover(pattern, with: allowed) && !denied.contains { $0.overlaps(pattern) }
    }
}
