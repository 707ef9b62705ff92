import Testing
import TernProtocol
import TernTestSupport

@testable import TernBroker

@Suite struct TokenTrieTests {
    private final class Entry {
        let key: String
        init(_ key: String) { self.key = key }
    }

    private func matches(_ trie: TokenTrie<Entry>, topic: String) -> [String] {
        var keys: [String] = []
        trie.forEachMatch(ofTopic: topic) { keys.append($0.key) }
        return keys.sorted()
    }

    private func entries(_ trie: TokenTrie<Entry>, matching pattern: String) -> [String] {
        var keys: [String] = []
        trie.forEachEntry(matching: pattern) { keys.append($0.key) }
        return keys.sorted()
    }

    @Test func patternsMatchTopicsTokenByToken() {
        let trie = TokenTrie<Entry>()
        for pattern in ["a", "a.b", "a.*", "a.>", "*.b", ">", "a.b.c", "*.*.c", "b.>"] {
            trie.insert(Entry(pattern), key: pattern)
        }
        #expect(matches(trie, topic: "a") == [">", "a"])
        #expect(matches(trie, topic: "a.b") == ["*.b", ">", "a.*", "a.>", "a.b"])
        #expect(matches(trie, topic: "a.b.c") == ["*.*.c", ">", "a.>", "a.b.c"])
        #expect(matches(trie, topic: "b") == [">"])
        #expect(matches(trie, topic: "c.b") == ["*.b", ">"])
        #expect(trie.count == 9)
    }

    @Test func removingEntriesPrunesTheirNodesAndLeavesTheOthers() {
        let trie = TokenTrie<Entry>()
        let kept = Entry("a.*")
        let removed = [Entry("a.b.c.d"), Entry("a.>"), Entry("a.b.c.d")]
        trie.insert(kept, key: kept.key)
        for entry in removed { trie.insert(entry, key: entry.key) }
        for entry in removed { #expect(trie.remove(entry, key: entry.key)) }
        #expect(!trie.remove(removed[0], key: removed[0].key), "removed once only")
        #expect(!trie.remove(kept, key: "a.b"), "only under its own key")
        #expect(trie.count == 1)
        #expect(matches(trie, topic: "a.b") == ["a.*"])
        #expect(matches(trie, topic: "a.b.c.d").isEmpty)
    }

    @Test func aFinalStarIsKeptApartFromLongerPatternsThroughTheSameStar() {
        let trie = TokenTrie<Entry>()
        let entries = ["a.*", "a.*.c", "a.*.>", "*", "a.b"].map(Entry.init)
        for entry in entries { trie.insert(entry, key: entry.key) }
        #expect(matches(trie, topic: "a") == ["*"])
        #expect(matches(trie, topic: "a.b") == ["a.*", "a.b"])
        #expect(matches(trie, topic: "a.b.c") == ["a.*.>", "a.*.c"])
        #expect(!trie.remove(entries[0], key: "a.*.c"), "only under its own key")
        #expect(trie.remove(entries[0], key: "a.*"))
        #expect(matches(trie, topic: "a.x").isEmpty)
        #expect(matches(trie, topic: "a.x.c") == ["a.*.>", "a.*.c"])
        for entry in entries.dropFirst() { #expect(trie.remove(entry, key: entry.key)) }
        #expect(trie.count == 0 && matches(trie, topic: "a.b").isEmpty)
    }

    @Test func aPatternFindsTheTopicsItMatches() {
        let trie = TokenTrie<Entry>()
        for topic in ["a.b", "a.c", "a.b.c", "x.b", "a"] {
            trie.insert(Entry(topic), key: topic)
        }
        #expect(entries(trie, matching: "a.*") == ["a.b", "a.c"])
        #expect(entries(trie, matching: "a.>") == ["a.b", "a.b.c", "a.c"])
        #expect(entries(trie, matching: "*.b") == ["a.b", "x.b"])
        #expect(entries(trie, matching: ">") == ["a", "a.b", "a.b.c", "a.c", "x.b"])
        #expect(entries(trie, matching: "a.b") == ["a.b"])
        #expect(entries(trie, matching: "q") == [])
    }

    @Test func randomizedPatternsMatchAsTheReferenceDoes() {
        var random = SeededGenerator(seed: 0x7E57)
        let alphabet = ["a", "b", "c"]
        func randomKey(wildcards: Bool) -> String {
            let length = Int.random(in: 1...4, using: &random)
            return (0..<length).map { index in
                guard wildcards else { return alphabet.randomElement(using: &random)! }
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<2: return "*"
                case 2 where index == length - 1: return ">"
                default: return alphabet.randomElement(using: &random)!
                }
            }.joined(separator: ".")
        }
        let trie = TokenTrie<Entry>()
        var live: [Entry] = []
        for round in 0..<2000 {
            if round % 3 == 2, let victim = live.indices.randomElement(using: &random) {
                let entry = live.remove(at: victim)
                #expect(trie.remove(entry, key: entry.key))
            } else {
                let entry = Entry(randomKey(wildcards: true))
                trie.insert(entry, key: entry.key)
                live.append(entry)
            }
            let topic = randomKey(wildcards: false)
            let expected = live.filter { TopicSyntax.matches(topic: topic, pattern: $0.key) }.map(\.key).sorted()
            #expect(matches(trie, topic: topic) == expected, "\(topic)")
        }
        #expect(trie.count == live.count)
    }

    @Test func randomizedTopicsAreFoundAsTheReferenceFindsThem() {
        var random = SeededGenerator(seed: 0xCAFE)
        let alphabet = ["a", "b", "c"]
        let trie = TokenTrie<Entry>()
        var topics: Set<String> = []
        for _ in 0..<200 {
            let topic = (0..<Int.random(in: 1...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined(separator: ".")
            if topics.insert(topic).inserted { trie.insert(Entry(topic), key: topic) }
        }
        for pattern in ["a.*", "*.b.>", ">", "*", "a.>", "*.*.c", "c.b.a.a", "b.*.*.*"] {
            let expected = topics.filter { TopicSyntax.matches(topic: $0, pattern: pattern) }.sorted()
            #expect(entries(trie, matching: pattern) == expected, "\(pattern)")
        }
    }

    @Test func manySubscribersOnOnePatternAreRemovedOneByOne() {
        let trie = TokenTrie<Entry>()
        let entries = (0..<1000).map { _ in Entry("orders.>") }
        for entry in entries { trie.insert(entry, key: entry.key) }
        for entry in entries.reversed().prefix(990) { #expect(trie.remove(entry, key: entry.key)) }
        var left = 0
        trie.forEachMatch(ofTopic: "orders.new") { _ in left += 1 }
        #expect(left == 10)
    }

    @Test func childrenSplitIntoShardsStillKnowWhenTheyAreEmpty() {
        var children = TokenChildren<Int>()
        let tokens = (0..<(TokenChildren<Int>.splitThreshold + 1_000)).map { TokenKey("device\($0)") }
        for (index, token) in tokens.enumerated() { children[token] = index }
        children[tokens[0]] = -1
        #expect(children.values.count == tokens.count, "replacing a child does not add one")
        for token in tokens.dropLast() { children[token] = nil }
        children[tokens[0]] = nil
        #expect(!children.isEmpty)
        #expect(children[tokens.last!] == tokens.count - 1)
        children[tokens.last!] = nil
        #expect(children.isEmpty)
        #expect(children.values.isEmpty)
    }

    @Test func tokensOfAnyLengthAreKeysByTheirBytes() {
        let names = ["", "a", "4711", "fifteen-bytes!!", "exactly-16-bytes", "seventeen-bytes-1", "seventeen-bytes-2", "a-token-of-forty-bytes-which-is-long-too"]
        var keys: [TokenKey: String] = [:]
        for name in names { keys[TokenKey(name)] = name }
        #expect(keys.count == names.count, "different bytes, different keys")
        for name in names { #expect(keys[TokenKey(name)] == name) }
        #expect(TokenKey("*").isOnly(UInt8(ascii: "*")))
        #expect(!TokenKey("**").isOnly(UInt8(ascii: "*")))
        #expect(!TokenKey(">").isOnly(UInt8(ascii: "*")))
    }

    @Test func longTokensMatchLikeShortOnes() {
        let trie = TokenTrie<Entry>()
        let long = "a-token-much-longer-than-sixteen-bytes"
        for pattern in ["\(long).*", "\(long).\(long)", "x.\(long)-too.>"] { trie.insert(Entry(pattern), key: pattern) }
        #expect(matches(trie, topic: "\(long).y") == ["\(long).*"])
        #expect(matches(trie, topic: "\(long).\(long)") == ["\(long).*", "\(long).\(long)"])
        #expect(matches(trie, topic: "x.\(long)-too.a.b") == ["x.\(long)-too.>"])
        #expect(matches(trie, topic: "x.\(long)-toO.a").isEmpty)
    }
}

extension TokenKey {
    /// The key of the token `token`.
    init(_ token: String) {
        var token = token
        self = token.withUTF8 { TokenKey(UnsafeRawBufferPointer($0)) }
    }
}
