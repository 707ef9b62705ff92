import TernProtocol
import TernTLS

/// Why a ``TernClient`` operation failed.
public enum TernClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broker could not be reached: name resolution, a refused or reset TCP connection.
    case connectionFailed(reason: String)
    /// TLS failed: a certificate could not be loaded, or the handshake or the session failed.
    case tls(TLSError)
    /// The broker refused the connection or an operation (a publish, a subscription) with `code`.
    case refused(code: ErrorCode, message: String)
    /// The connection ended without the client closing it; `code` is the broker's reason when
    /// it gave one (for example ``ErrorCode/slowConsumer`` or ``ErrorCode/serverShuttingDown``).
    case disconnected(code: ErrorCode?, reason: String)
    /// The connection ended while the call was in flight, so its outcome is unknown: the broker
    /// may or may not have processed an acknowledged publish, a request or a registry operation.
    /// Reported at once, not at the call's timeout.
    case connectionLost(reason: String)
    /// The client is reconnecting and its reconnect buffer holds `limit` bytes of publishes
    /// already: the publish was not queued.
    case reconnectBufferFull(limit: Int)
    /// The client was closed with ``TernClient/close()`` or ``TernClient/drain(timeout:)``.
    case closed
    /// A topic or pattern breaks the topic syntax or the broker's length limit.
    case invalidTopic(reason: String)
    /// A header name is invalid, or the headers exceed the broker's limit.
    case invalidHeaders(reason: String)
    /// A payload is larger than the broker accepts.
    case payloadTooLarge(size: Int, limit: Int)
    /// Connecting, or waiting for the broker's answer, took longer than allowed.
    case timeout
    /// The broker sent something the protocol does not allow.
    case protocolViolation(reason: String)
    /// No responder is registered for the request's topic; reported at once, not after the timeout.
    case noResponders(topic: String)
    /// No reply to a request arrived within its timeout.
    case requestTimedOut(topic: String)
    /// The responder handling a request went away (disconnected or stopped) before replying.
    case responderGone(topic: String)
    /// The responder's handler failed; `message` is its error's description.
    case handlerFailed(topic: String, message: String)
    /// The schema registry refused an operation with `code` (for example
    /// ``ErrorCode/incompatibleSchema`` or ``ErrorCode/unknownSubject``; on a cluster node
    /// ``ErrorCode/registryUnavailable`` when etcd cannot be reached); `message` is the
    /// broker's explanation, naming each offending field and rule (see ``violations``).
    case registry(code: ErrorCode, message: String)
    /// The broker did not accept the client's credentials (or wanted some), or closed the
    /// connection because its user was removed; `reason` is the broker's.
    case authenticationFailed(reason: String)
    /// The client's user may not do `operation` (`publish`, `subscribe`, `request`, `respond`,
    /// `registry-read`, `registry-write`, `registry-admin`) on `topic` (a topic, pattern or
    /// subject); the connection stays open.
    case permissionDenied(operation: String, topic: String)
    /// A typed message does not fit its schema: a value to publish, or a payload delivered to a
    /// ``TernTypedSubscription``. `reason` names the field.
    case invalidPayload(reason: String)

    public var description: String {
        switch self {
        case .connectionFailed(let reason):
            "cannot connect to the broker: \(reason)"
        case .tls(let error):
            error.description
        case .refused(let code, let message):
            message.isEmpty ? "refused by the broker: \(code)" : "refused by the broker: \(code): \(message)"
        case .disconnected(let code, let reason):
            code.map { "disconnected by the broker: \($0): \(reason)" } ?? "disconnected: \(reason)"
        case .connectionLost(let reason):
            "connection to the broker lost: \(reason)"
        case .reconnectBufferFull(let limit):
            "not connected, and the reconnect buffer is full (\(limit) bytes)"
        case .closed:
            "the client is closed"
        case .invalidTopic(let reason):
            reason
        case .invalidHeaders(let reason):
            "invalid headers: \(reason)"
        case .payloadTooLarge(let size, let limit):
            "payload of \(size) bytes exceeds the broker's limit of \(limit) bytes"
        case .timeout:
            "timed out waiting for the broker"
        case .protocolViolation(let reason):
            "protocol violation by the broker: \(reason)"
        case .noResponders(let topic):
            "no responders on '\(topic)'"
        case .requestTimedOut(let topic):
            "no reply on '\(topic)' within the timeout"
        case .responderGone(let topic):
            "the responder on '\(topic)' went away before replying"
        case .handlerFailed(let topic, let message):
            "the handler on '\(topic)' failed: \(message)"
        case .registry(let code, let message):
            message.isEmpty ? "refused by the schema registry: \(code)" : "refused by the schema registry: \(code): \(message)"
        case .authenticationFailed(let reason):
            reason.hasPrefix("authentication failed") ? reason : "authentication failed: \(reason)"
        case .permissionDenied(let operation, let topic):
            "permission denied: \(operation) '\(topic)'"
        case .invalidPayload(let reason):
            "payload does not fit its schema: \(reason)"
        }
    }
}

extension TernClientError {
    /// The error of a call in flight on a connection that ended with `error`.
    static func connectionLost(after error: TernClientError) -> TernClientError {
        switch error {
        case .disconnected(let code?, let reason):
            .connectionLost(reason: "\(reason) (\(code))")
        case .disconnected(nil, let reason), .connectionFailed(let reason):
            .connectionLost(reason: reason)
        case .connectionLost:
            error
        default:
            .connectionLost(reason: error.description)
        }
    }
}
