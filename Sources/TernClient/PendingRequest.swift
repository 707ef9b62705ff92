import NIOCore
import TernProtocol

/// A request this client sent and is waiting for the REPLY of.
struct PendingRequest {
    let topic: String
    let promise: EventLoopPromise<TernMessage>
    /// Fails the request a little after the broker should have answered `timeout`, so a broker
    /// that never answers cannot hang it.
    let localTimeout: Scheduled<Void>?

    /// Completes the request with the broker's REPLY: its message on success, else the error
    /// its code stands for.
    func complete(with reply: Frame.Reply) {
        guard reply.code == .ok else {
            return fail(TernClientError(failedReply: reply, topic: topic))
        }
        localTimeout?.cancel()
        promise.succeed(TernMessage(topic: topic, headers: reply.headers, payload: reply.payload, schema: reply.schema))
    }

    func fail(_ error: any Error) {
        localTimeout?.cancel()
        promise.fail(error)
    }
}

extension TernClientError {
    /// The error a REPLY with a non-zero code to a request on `topic` stands for.
    init(failedReply reply: Frame.Reply, topic: String) {
        switch reply.code {
        case .noResponders: self = .noResponders(topic: topic)
        case .timeout: self = .requestTimedOut(topic: topic)
        case .responderGone: self = .responderGone(topic: topic)
        case .handlerFailed: self = .handlerFailed(topic: topic, message: String(buffer: reply.payload))
        default: self = .refusal(code: reply.code, message: String(buffer: reply.payload), otherwise: TernClientError.refused)
        }
    }
}
