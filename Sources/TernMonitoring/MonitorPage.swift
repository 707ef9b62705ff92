/// One page of a list the monitoring listener serves (`/connections`, `/topics`): the items
/// from `offset`, at most `limit` of them, in the order `sort` names.
public struct MonitorPage<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// How many items the whole list holds.
    public var total: Int
    public var offset: Int
    public var limit: Int
    /// The sort key the list is in, as given in the query (or the default).
    public var sort: String
    public var items: [Item]

    public init(total: Int, offset: Int, limit: Int, sort: String, items: [Item]) {
        self.total = total
        self.offset = offset
        self.limit = limit
        self.sort = sort
        self.items = items
    }
}

/// The body of every monitoring answer that is not a success: `{"error": "…"}`.
public struct MonitorErrorBody: Codable, Sendable, Hashable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
