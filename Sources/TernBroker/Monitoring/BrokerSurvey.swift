import NIOCore

/// Gathers what the monitoring listener shows from the connections and topics, which live on
/// the broker's event loops: on each loop, one task per ``chunkSize`` of them, the next one
/// submitted once the last is done, so that the loop serves its sockets in between and is never
/// held for long. The loops are surveyed side by side.
struct BrokerSurvey: Sendable {
    let core: BrokerCore

    /// How many connections or topics one task on a loop looks at.
    static let chunkSize = 256

    /// Every open connection.
    func connections() async -> [ConnectionSummary] {
        await Self.gather(core.openConnections, eventLoop: \.eventLoop) { $0.summary() }
    }

    /// The statistics of `topics`; those retired meanwhile are left out.
    func statistics(of topics: [Topic]) async -> [TopicStatistics] {
        await Self.gather(topics, eventLoop: \.eventLoop) { topic in topic.assumeIsolated { $0.statistics() } }
    }

    /// `body` of each of `items`, run on the item's event loop.
    private static func gather<Item: Sendable, Result: Sendable>(
        _ items: [Item], eventLoop: @Sendable (Item) -> any EventLoop, _ body: @escaping @Sendable (Item) -> Result?
    ) async -> [Result] {
        let byLoop = Dictionary(grouping: items) { ObjectIdentifier(eventLoop($0)) }.values
        return await withTaskGroup(of: [Result].self) { group in
            for items in byLoop {
                guard let loop = items.first.map(eventLoop) else { continue }
                group.addTask {
                    var results: [Result] = []
                    results.reserveCapacity(items.count)
                    for start in stride(from: 0, to: items.count, by: chunkSize) {
                        let chunk = Array(items[start..<min(start + chunkSize, items.count)])
                        results += (try? await loop.submit { chunk.compactMap(body) }.get()) ?? []
                    }
                    return results
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }
}
