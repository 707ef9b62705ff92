import NIOCore
import TernProtocol

/// A registered responder: the requests for the topics matching its pattern, handled by
/// ``run(maxConcurrentHandlers:_:)``.
///
/// Requests that arrive before `run` starts wait for it (up to the configuration's
/// `subscriptionBufferSize`; beyond that the client stops reading from the socket). Dropping a
/// responder that is not running unregisters it; requests it still held fail at once with
/// ``TernClientError/responderGone(topic:)`` for their requesters.
public struct TernResponder: Sendable {
    typealias Producer = Deliveries<Frame.IncomingRequest>
    typealias Queue = DeliveryQueue<Frame.IncomingRequest>

    /// The number of handlers ``run(maxConcurrentHandlers:_:)`` runs at once unless told otherwise.
    public static let defaultMaxConcurrentHandlers = 64

    /// The pattern of the topics this responder answers.
    public let pattern: String
    private let producer: Producer
    /// Keeps the connection open while the responder is in use.
    private let client: TernClient

    init(pattern: String, producer: Producer, client: TernClient) {
        self.pattern = pattern
        self.producer = producer
        self.client = client
    }

    /// Answers requests until the calling task is cancelled or the client is closed; call it
    /// once.
    ///
    /// Runs up to `maxConcurrentHandlers` (at least 1) handlers at once in child tasks, and
    /// takes no further request while that many are running. A handler's reply goes back to its
    /// requester; an error it throws reaches the requester as
    /// ``TernClientError/handlerFailed(topic:message:)`` with the error's description. When the
    /// task is cancelled, the running handlers are cancelled too, and requests left unanswered
    /// fail for their requesters with ``TernClientError/responderGone(topic:)``. Returns once every
    /// handler has finished.
    ///
    /// - Throws: A ``TernClientError`` when the connection fails.
    public func run(
        maxConcurrentHandlers: Int = defaultMaxConcurrentHandlers,
        _ handler: @escaping @Sendable (TernRequest) async throws -> TernReply
    ) async throws {
        let limit = max(maxConcurrentHandlers, 1)
        let client = self.client
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var requests = producer.makeAsyncIterator()
                var running = 0
                while true {
                    if running == limit {
                        try await group.next()
                        running -= 1
                    }
                    guard !Task.isCancelled, let request = try await requests.next() else { return }
                    running += 1
                    group.addTask { await client.answer(request, with: handler) }
                }
            }
        } catch is CancellationError where Task.isCancelled {
            // Stopped by cancellation: the expected way to end.
        }
    }
}

extension Frame.Reply {
    /// The answer to a request whose responder stopped before handling it.
    static func responderStopped(requestID: UInt64) -> Frame.Reply {
        Frame.Reply(requestID: requestID, code: .responderGone, payload: ByteBuffer(string: "the responder stopped"))
    }
}
