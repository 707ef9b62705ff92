import Benchmark
@testable import TernBroker

/// The subscription index at 1, 10,000 and 1,000,000 wildcard subscriptions (`dev.<i>.*`, one
/// per device): finding a topic's subscribers through the trie (no cache), and adding and
/// removing a subscription. Each iteration does a thousand of them; the figures are per
/// operation and should not grow with the number of subscriptions.
func registerIndexBenchmarks(_ configuration: Benchmark.Configuration) {
    for size in [1, 10_000, 1_000_000] {
        let label = size >= 1_000_000 ? "\(size / 1_000_000)M" : size >= 1000 ? "\(size / 1000)k" : "\(size)"
        let index = SubscriptionIndex<DeviceSubscription>(cacheCapacity: 0)
        for device in 0..<size { index.insert(DeviceSubscription("dev.\(device).*")) }
        let topics = (0..<configuration.scalingFactor.rawValue).map { "dev.\(($0 * 7919) % size).telemetry" }
        Benchmark("IndexMatch\(label)", configuration: configuration) { benchmark in
            for topic in topics {
                blackHole(index.subscribers(forTopic: topic).subscribers.individuals.count)
            }
        }
        let added = topics.map { DeviceSubscription(String($0.dropLast("telemetry".count)) + "*") }
        Benchmark("IndexInsertRemove\(label)", configuration: configuration) { _ in
            for subscription in added { index.insert(subscription) }
            for subscription in added { index.remove(subscription) }
        }
    }
}

/// A subscription as the index sees it, without a connection.
final class DeviceSubscription: PatternSubscription {
    let pattern: String
    var queueGroup: String? { nil }

    init(_ pattern: String) {
        self.pattern = pattern
    }
}
