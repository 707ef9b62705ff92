import Testing
import TernBroker
import TernClient

/// A well-behaved client that stays connected while a test attacks its broker, and proves
/// after each attack that the broker still serves it.
struct Bystander {
    let client: TernClient
    private var rounds = 0

    init(_ broker: TestBroker) async throws {
        client = try await broker.connect(name: "bystander")
        try await roundTrip("at the start")
    }

    /// Subscribes to a fresh topic, publishes to it and receives the message.
    mutating func roundTrip(_ label: String) async throws {
        rounds += 1
        let topic = "bystander.check\(rounds)"
        let subscription = try await client.subscribe(to: topic)
        try await client.publish(label, to: topic)
        #expect(try await subscription.strings(1) == [label], "the bystander's round trip \(label)")
    }
}

/// Runs `attack` against a broker (plaintext unless `configure` says otherwise) with a
/// bystander connected throughout; the bystander must round-trip before and after.
func underAttack(
    _ configure: (inout BrokerConfiguration) -> Void = { $0.tls = nil },
    _ attack: (TestBroker) async throws -> Void
) async throws {
    try await withBroker(configure) { broker in
        var bystander = try await Bystander(broker)
        try await attack(broker)
        try await bystander.roundTrip("after the attack")
        #expect(broker.server.statistics.snapshot.connections >= 1, "the bystander is still connected")
        await bystander.client.close()
    }
}
