import NIOCore
import TernProtocol

/// A client call that waits for a ready connection (``ClientSession``): it runs on the next
/// one, or fails when the client ends first.
enum WaitingCommand {
    case subscribe(Frame.Subscribe, SubscriptionMonitor, SubscriptionSink, EventLoopPromise<Void>)
    case flush(EventLoopPromise<Void>)
    case publishAcknowledged(ByteBuffer, ackID: UInt64, EventLoopPromise<Void>)
    case request(PendingRequestFrame)
    case administer(ByteBuffer, operationID: UInt64, EventLoopPromise<Frame>)

    /// The id of a waiting request.
    var requestID: UInt64? {
        if case .request(let request) = self { request.id } else { nil }
    }

    /// Hands the call to `handler`'s ready connection.
    func run(on handler: ConnectionHandler, now: NIODeadline) {
        switch self {
        case .subscribe(let subscribe, let monitor, let sink, let confirmation):
            handler.subscribe(subscribe, monitor: monitor, sink: sink, confirmation: confirmation)
        case .flush(let promise):
            handler.flush(promise)
        case .publishAcknowledged(let frame, let ackID, let promise):
            handler.publishAcknowledged(frame, ackID: ackID, promise: promise)
        case .request(let request):
            request.timeout.cancel()
            let remaining = max(request.deadline - now, .milliseconds(1))
            handler.request(request.frame, id: request.id, topic: request.topic, localTimeout: remaining, promise: request.promise)
        case .administer(let frame, let operationID, let promise):
            handler.administer(frame, operationID: operationID, promise: promise)
        }
    }

    /// Fails the call with `error`; a subscription's sequence ends with it.
    func fail(_ error: any Error) {
        switch self {
        case .subscribe(_, _, let sink, let confirmation):
            confirmation.fail(error)
            sink.finish(error as? TernClientError)
        case .flush(let promise), .publishAcknowledged(_, _, let promise):
            promise.fail(error)
        case .request(let request):
            request.timeout.cancel()
            request.promise.fail(error)
        case .administer(_, _, let promise):
            promise.fail(error)
        }
    }
}

/// An encoded REQUEST waiting for a connection, and when its caller stops waiting for it.
struct PendingRequestFrame {
    let frame: ByteBuffer
    let id: UInt64
    let topic: String
    let deadline: NIODeadline
    let promise: EventLoopPromise<TernMessage>
    /// Fails the request at `deadline` if it is still waiting then.
    let timeout: Scheduled<Void>
}
