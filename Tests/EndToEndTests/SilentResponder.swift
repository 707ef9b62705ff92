import NIOConcurrencyHelpers
import TernClient

/// A responder that takes requests and answers none of them in time: a request to it stays in
/// flight until something else ends it.
final class SilentResponder: Sendable {
    private let client: TernClient
    private let serving: Task<Void, any Error>
    private let deliveredBox = NIOLockedValueBox(false)

    /// Registers the responder for `topic` on `daemon`.
    init(on topic: String, of daemon: RunningDaemon) async throws {
        client = try await daemon.connect(name: "silent responder")
        let responder = try await client.makeResponder(on: topic)
        let delivered = deliveredBox
        serving = Task {
            try await responder.run { _ in
                delivered.withLockedValue { $0 = true }
                try await Task.sleep(for: .seconds(60))
                return TernReply("late")
            }
        }
    }

    /// Whether a request reached it.
    var delivered: Bool { deliveredBox.withLockedValue { $0 } }

    func stop() async {
        serving.cancel()
        await client.close()
    }
}
