import Testing
import TernProtocol

@Suite("Topic names and patterns")
struct TopicSyntaxTests {
    @Test("valid topics", arguments: ["a", "orders", "orders.eu", "a.b.c.d", "Orders-2024_v1", "~!@#$%^&()", String(repeating: "x", count: 255)])
    func validTopic(_ topic: String) {
        #expect(TopicSyntax.problem(withTopic: topic) == nil)
        #expect(TopicSyntax.problem(withPattern: topic) == nil)
    }

    @Test("invalid topics", arguments: [
        "", ".", "a.", ".a", "a..b", "a b", "a\tb", "é", "a.*", "*", ">", "a.>", "a*", "a>b",
        String(repeating: "x", count: 256),
    ])
    func invalidTopic(_ topic: String) {
        #expect(TopicSyntax.problem(withTopic: topic) != nil)
    }

    @Test("valid patterns", arguments: ["*", ">", "a.*", "a.>", "*.b", "*.*.>", "a.*.c", "orders.>"])
    func validPattern(_ pattern: String) {
        #expect(TopicSyntax.problem(withPattern: pattern) == nil)
        #expect(TopicSyntax.hasWildcard(pattern))
    }

    @Test("invalid patterns", arguments: ["", "a.>.b", ">.a", "a*", "*a", "a.b>", ">>", "**", "a..*", "a.", "a b.>"])
    func invalidPattern(_ pattern: String) {
        #expect(TopicSyntax.problem(withPattern: pattern) != nil)
    }

    @Test("the length limit counts UTF-8 bytes and can be lowered")
    func lengthLimit() {
        #expect(TopicSyntax.problem(withTopic: "abcd", maxLength: 4) == nil)
        #expect(TopicSyntax.problem(withTopic: "abcde", maxLength: 4) != nil)
        #expect(TopicSyntax.problem(withPattern: "a.>", maxLength: 2) != nil)
    }

    @Test("matching", arguments: [
        ("a", "a", true), ("a", "b", false), ("a.b", "a", false), ("a", "a.b", false),
        ("*", "a", true), ("*", "a.b", false), ("a.*", "a.b", true), ("a.*", "a", false), ("a.*", "a.b.c", false),
        ("*.b", "a.b", true), ("*.b", "a.c", false), ("a.*.c", "a.x.c", true), ("a.*.c", "a.x.d", false),
        (">", "a", true), (">", "a.b.c", true), ("a.>", "a", false), ("a.>", "a.b", true), ("a.>", "a.b.c", true),
        ("a.>", "b.c", false), ("*.>", "a", false), ("*.>", "a.b", true), ("a.*.>", "a.b.c.d", true),
        ("orders.>", "orders.eu", true), ("orders.*", "orders.eu.paris", false), ("ab", "a", false), ("a", "ab", false),
    ])
    func matching(pattern: String, topic: String, expected: Bool) {
        #expect(TopicSyntax.matches(topic: topic, pattern: pattern) == expected)
    }

    @Test("a topic without wildcards is not reported as having one")
    func noWildcard() {
        #expect(!TopicSyntax.hasWildcard("orders.eu"))
    }
}
