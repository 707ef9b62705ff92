/// Entries keyed by `.`-separated token sequences, one node per token: the keys are either
/// subscription patterns (with `*` for one token and a final `>` for one or more) or topics.
///
/// Finding the entries whose pattern matches a topic, or the entries whose topic a pattern
/// matches, walks only the nodes on the way: its cost grows with the key's tokens (and, for a
/// wildcard, with the branches it covers), not with the number of entries.
///
/// Not thread-safe: its owner guards it.
final class TokenTrie<Entry: AnyObject> {
    final class Node {
        var children = TokenChildren<Node>()
        /// The child for a `*` token.
        var star: Node?
        /// Entries whose key ends at this node.
        var here = EntryList<Entry>()
        /// Entries whose key is this node's path followed by `>`.
        var rest = EntryList<Entry>()
        /// Entries whose key is this node's path followed by a final `*`: held here rather than
        /// in a `*` node of their own, as `devices.<id>.*`, one per device, is the commonest
        /// wildcard and its own node would be one more object for each.
        var lastStar = EntryList<Entry>()

        var isEmpty: Bool { children.isEmpty && star == nil && here.isEmpty && rest.isEmpty && lastStar.isEmpty }
    }

    private let root = Node()
    /// The number of entries.
    private(set) var count = 0

    /// Adds `entry` under `key`, a topic or a valid pattern.
    func insert(_ entry: Entry, key: String) {
        Self.withBytes(of: key) { key in
            var node = root
            var start: Int? = 0
            while let position = start {
                let (token, next) = Self.token(of: key, at: position)
                if next == nil && (token.isOnly(Self.restByte) || token.isOnly(Self.starByte)) {
                    if token.isOnly(Self.restByte) { node.rest.append(entry) } else { node.lastStar.append(entry) }
                    return
                }
                if token.isOnly(Self.starByte) {
                    node = node.star ?? { let child = Node(); node.star = child; return child }()
                } else {
                    node = node.children[token] ?? { let child = Node(); node.children[token] = child; return child }()
                }
                start = next
            }
            node.here.append(entry)
        }
        count += 1
    }

    /// Removes `entry` from under `key`, and the nodes left empty; returns whether it was there.
    @discardableResult
    func remove(_ entry: Entry, key: String) -> Bool {
        let removed = Self.withBytes(of: key) { Self.remove(entry, key: $0, from: 0, at: root) }
        if removed { count -= 1 }
        return removed
    }

    /// Removes `entry` from under the tokens of `key` from `start` on (none when `start` is `nil`).
    private static func remove(_ entry: Entry, key: UnsafeRawBufferPointer, from start: Int?, at node: Node) -> Bool {
        guard let start else { return node.here.remove(entry) }
        let (token, next) = token(of: key, at: start)
        if token.isOnly(restByte) && next == nil { return node.rest.remove(entry) }
        if token.isOnly(starByte) && next == nil { return node.lastStar.remove(entry) }
        if token.isOnly(starByte) {
            guard let child = node.star, remove(entry, key: key, from: next, at: child) else { return false }
            if child.isEmpty { node.star = nil }
            return true
        }
        guard let child = node.children[token], remove(entry, key: key, from: next, at: child) else { return false }
        if child.isEmpty { node.children[token] = nil }
        return true
    }

    private static var starByte: UInt8 { UInt8(ascii: "*") }
    private static var restByte: UInt8 { UInt8(ascii: ">") }

    /// Calls `body` with the UTF-8 bytes of `key`: the trie walks a key's bytes rather than split
    /// it into strings, as it does for every new topic and every subscription.
    private static func withBytes<Result>(of key: String, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var key = key
        return key.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// The token of `key` that starts at `start`, and where the next one starts: `nil` after the last.
    private static func token(of key: UnsafeRawBufferPointer, at start: Int) -> (token: TokenKey, next: Int?) {
        var end = start
        while end < key.count && key[end] != UInt8(ascii: ".") { end += 1 }
        return (TokenKey(UnsafeRawBufferPointer(rebasing: key[start..<end])), end < key.count ? end + 1 : nil)
    }

    /// Calls `body` with every entry whose pattern key matches `topic`, a valid topic.
    func forEachMatch(ofTopic topic: String, _ body: (Entry) -> Void) {
        Self.withBytes(of: topic) { Self.match($0, from: 0, at: root, body) }
    }

    /// Matches the tokens of `topic` from `start` on (none when `start` is `nil`).
    private static func match(_ topic: UnsafeRawBufferPointer, from start: Int?, at node: Node, _ body: (Entry) -> Void) {
        guard let start else {
            node.here.entries.forEach(body)
            return
        }
        // At least one token remains: a `>` here takes it and all after it.
        node.rest.entries.forEach(body)
        let (token, next) = token(of: topic, at: start)
        // Its last token remains: a final `*` here takes it.
        if next == nil { node.lastStar.entries.forEach(body) }
        // A node with only a final `*` (`devices.<id>.*`) has no children to hash the token for.
        if !node.children.isEmpty, let child = node.children[token] { match(topic, from: next, at: child, body) }
        if let star = node.star { match(topic, from: next, at: star, body) }
    }

    /// Calls `body` with every entry whose topic key `pattern` matches. The keys are topics: a key
    /// with a wildcard is not found this way.
    func forEachEntry(matching pattern: String, _ body: (Entry) -> Void) {
        Self.withBytes(of: pattern) { Self.entries(matching: $0, from: 0, at: root, body) }
    }

    private static func entries(matching pattern: UnsafeRawBufferPointer, from start: Int?, at node: Node, _ body: (Entry) -> Void) {
        guard let start else {
            node.here.entries.forEach(body)
            return
        }
        let (token, next) = token(of: pattern, at: start)
        if token.isOnly(restByte) {
            for child in node.children.values { everything(below: child, body) }
        } else if token.isOnly(starByte) {
            for child in node.children.values { entries(matching: pattern, from: next, at: child, body) }
        } else if let child = node.children[token] {
            entries(matching: pattern, from: next, at: child, body)
        }
    }

    private static func everything(below node: Node, _ body: (Entry) -> Void) {
        node.here.entries.forEach(body)
        for child in node.children.values { everything(below: child, body) }
    }
}
