import Testing
import TernProtocol

@testable import TernBroker

/// The permission matcher against a brute-force reference: every topic of a small universe is
/// tried, which decides exactly what a pattern reaches when the universe has a token no pattern
/// names and topics longer than any pattern.
@Suite struct TopicPermissionTests {
    /// Tokens the patterns name, and `z`, which none does: it stands for every other token.
    private static let tokens = ["a", "b", "z"]
    private static let universe: [String] = {
        var topics: [[String]] = tokens.map { [$0] }
        var all = topics
        for _ in 2...5 {
            topics = topics.flatMap { topic in tokens.map { topic + [$0] } }
            all += topics
        }
        return all.map { $0.joined(separator: ".") }
    }()

    private static func randomPattern(using generator: inout some RandomNumberGenerator) -> String {
        let length = Int.random(in: 1...3, using: &generator)
        let parts = (0..<length).map { index -> String in
            let choices = index == length - 1 ? ["a", "b", "*", ">"] : ["a", "b", "*"]
            return choices.randomElement(using: &generator)!
        }
        return parts.joined(separator: ".")
    }

    /// What the matcher must answer, from the topics alone.
    private static func reference(_ allow: [String], _ deny: [String], pattern: String) -> Bool {
        universe.filter { TopicSyntax.matches(topic: $0, pattern: pattern) }.allSatisfy { topic in
            allow.contains { TopicSyntax.matches(topic: topic, pattern: $0) } && !deny.contains { TopicSyntax.matches(topic: topic, pattern: $0) }
        }
    }

    @Test func theIssuesExamples() throws {
        let orders = try TopicPermission(allow: ["orders.*"])
        #expect(orders.permits(pattern: "orders.*") && orders.permits(pattern: "orders.eu") && orders.permits(topic: "orders.eu"))
        #expect(!orders.permits(pattern: "orders.>") && !orders.permits(pattern: ">") && !orders.permits(topic: "orders.eu.x"))
        let billing = try TopicPermission(allow: ["billing.*"], deny: ["billing.secret"])
        #expect(billing.permits(topic: "billing.open") && !billing.permits(topic: "billing.secret"))
        #expect(!billing.permits(pattern: "billing.*") && billing.permits(pattern: "billing.open"))
        #expect(!TopicPermission.nothing.permits(topic: "a") && TopicPermission.everything.permits(pattern: ">"))
        let split = try TopicPermission(allow: ["a.*", "a.*.>"])
        #expect(split.permits(pattern: "a.>") && !split.permits(pattern: ">"))
    }

    @Test func anInvalidPatternIsRefusedNamingIt() {
        #expect(throws: TopicPermission.InvalidPattern.self) { try TopicPermission(allow: ["a.>.b"]) }
        #expect(throws: TopicPermission.InvalidPattern.self) { try TopicPermission(deny: [""]) }
    }

    @Test func randomListsAgreeWithTheBruteForceReference() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<250 {
            let allow = (0..<Int.random(in: 0...3, using: &generator)).map { _ in Self.randomPattern(using: &generator) }
            let deny = (0..<Int.random(in: 0...2, using: &generator)).map { _ in Self.randomPattern(using: &generator) }
            let permission = try TopicPermission(allow: allow, deny: deny)
            for _ in 0..<8 {
                let pattern = Self.randomPattern(using: &generator)
                #expect(permission.permits(pattern: pattern) == Self.reference(allow, deny, pattern: pattern), "allow \(allow) deny \(deny) pattern \(pattern)")
            }
            for topic in Self.universe.shuffled(using: &generator).prefix(8) {
                let expected = allow.contains { TopicSyntax.matches(topic: topic, pattern: $0) } && !deny.contains { TopicSyntax.matches(topic: topic, pattern: $0) }
                #expect(permission.permits(topic: topic) == expected, "allow \(allow) deny \(deny) topic \(topic)")
            }
        }
    }

    @Test func topicVerdictsAreCachedAndBounded() throws {
        let user = User(name: "u", credential: .certificate("CN=u"), permissions: Permissions(publish: try TopicPermission(allow: ["a.*"])))
        var verdicts = TopicVerdicts(user: user, operation: .publish)
        #expect(verdicts.refusal("a.b") == nil)
        #expect(verdicts.refusal("b.a") == "publish 'b.a': not allowed for user 'u'")
        for index in 0..<(TopicVerdicts.capacity + 10) {
            #expect(verdicts.refusal("a.\(index)") == nil)
        }
        #expect(verdicts.refusal("b.a") != nil)
    }
}
