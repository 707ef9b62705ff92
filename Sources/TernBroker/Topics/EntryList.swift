/// The entries stored at one node of a ``TokenTrie``: appended in order, removed by identity in
/// constant time once there are many (a popular pattern may have thousands of subscribers).
struct EntryList<Entry: AnyObject> {
    private(set) var entries: [Entry] = []
    /// Each entry's index in `entries`, kept only above ``indexThreshold`` entries.
    private var positions: [ObjectIdentifier: Int] = [:]

    /// Below this many entries a linear search finds one faster than a dictionary would.
    private static var indexThreshold: Int { 16 }

    var isEmpty: Bool { entries.isEmpty }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
        if !positions.isEmpty {
            positions[ObjectIdentifier(entry)] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            for (index, entry) in entries.enumerated() { positions[ObjectIdentifier(entry)] = index }
        }
    }

    /// Removes `entry`; the last entry takes its place. Returns whether it was there.
    mutating func remove(_ entry: Entry) -> Bool {
        let index: Int
        if positions.isEmpty {
            guard let found = entries.firstIndex(where: { $0 === entry }) else { return false }
            index = found
        } else {
            guard let found = positions.removeValue(forKey: ObjectIdentifier(entry)) else { return false }
            index = found
        }
        let last = entries.removeLast()
        if index < entries.count {
            entries[index] = last
            if !positions.isEmpty { positions[ObjectIdentifier(last)] = index }
        }
        if entries.count <= Self.indexThreshold / 2 { positions = [:] }
        return true
    }
}
