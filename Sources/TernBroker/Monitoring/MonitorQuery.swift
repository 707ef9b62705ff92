/// The query of a list's request (`/topics?offset=20&limit=10&sort=rate`), checked: a bad one
/// is refused with a 400 and a sentence that says what is wrong.
struct MonitorQuery<SortKey: RawRepresentable<String> & CaseIterable> {
    var offset = 0
    var limit = Self.defaultLimit
    var sort: SortKey

    /// How many items a page holds unless `limit` says otherwise, and the most it may say.
    static var defaultLimit: Int { 100 }
    static var maxLimit: Int { 1000 }

    /// Why a query was refused.
    struct Refusal: Error {
        var reason: String
    }

    /// Reads `query` (what follows `?`, or `nil`), sorting by `defaultSort` unless it names a key.
    init(_ query: Substring?, defaultSort: SortKey) throws(Refusal) {
        sort = defaultSort
        var seen: Set<Substring> = []
        for parameter in (query ?? "").split(separator: "&") {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let (name, value) = (parts[0], parts.count > 1 ? parts[1] : "")
            guard seen.insert(name).inserted else { throw Refusal(reason: "parameter '\(name)' is given twice") }
            switch name {
            case "offset":
                guard let number = Int(value), number >= 0 else {
                    throw Refusal(reason: "offset must be a whole number, 0 or more, not '\(value)'")
                }
                offset = number
            case "limit":
                guard let number = Int(value), (1...Self.maxLimit).contains(number) else {
                    throw Refusal(reason: "limit must be a whole number from 1 to \(Self.maxLimit), not '\(value)'")
                }
                limit = number
            case "sort":
                guard let key = SortKey(rawValue: String(value)) else {
                    throw Refusal(reason: "sort must be one of \(SortKey.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
                }
                sort = key
            default:
                throw Refusal(reason: "unknown parameter '\(name)' (offset, limit and sort are known)")
            }
        }
    }

    /// The page of `items`, sorted already, that the query asks for.
    func page<Item>(of items: [Item]) -> ArraySlice<Item> {
        items.dropFirst(offset).prefix(limit)
    }
}

/// How `/connections` can be sorted: by id, or the busiest first.
enum ConnectionSortKey: String, CaseIterable, Sendable {
    case id
    /// Messages in and out.
    case messages
    /// Bytes in and out.
    case bytes
    /// Bytes waiting to be written to the connection.
    case pending
    /// Messages in and out per second.
    case rate
    case subscriptions
}

/// How `/topics` can be sorted: by name, or the busiest first.
enum TopicSortKey: String, CaseIterable, Sendable {
    case name
    /// Messages in and out.
    case messages
    /// Payload bytes in.
    case bytes
    /// Messages in the mailbox.
    case mailbox
    case subscribers
    case drops
    /// Messages in and out per second.
    case rate
}
