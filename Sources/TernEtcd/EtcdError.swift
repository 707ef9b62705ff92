/// Why a request to etcd failed, in one line.
public enum EtcdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No endpoint could be reached: the last endpoint tried and what happened there.
    case unreachable(EtcdEndpoint, reason: String)
    /// The endpoint did not answer within the request's time limit.
    case timedOut(EtcdEndpoint, seconds: Int)
    /// etcd refused the request: its gRPC status code and message (`requested lease not found`).
    case refused(code: Int, message: String)
    /// The answer was not what etcd's gateway sends: an HTTP status without an etcd error, or
    /// JSON of another shape.
    case malformedResponse(EtcdEndpoint, String)
    /// The lease is gone: it expired or was revoked.
    case leaseNotFound(EtcdLease.ID)
    /// etcd ended a watch: compaction past its start revision, or another reason it gave.
    case watchCanceled(reason: String)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason): "etcd unreachable at \(endpoint): \(reason)"
        case .timedOut(let endpoint, let seconds): "etcd at \(endpoint) did not answer within \(seconds) s"
        case .refused(let code, let message): "etcd refused the request: \(message) (code \(code))"
        case .malformedResponse(let endpoint, let what): "etcd at \(endpoint) answered unexpectedly: \(what)"
        case .leaseNotFound(let id): "etcd lease \(id) not found: it expired or was revoked"
        case .watchCanceled(let reason): "etcd canceled the watch: \(reason)"
        }
    }

    /// Whether trying another endpoint (or again later) may succeed.
    var isTransport: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .refused, .malformedResponse, .leaseNotFound, .watchCanceled: false
        }
    }
}
