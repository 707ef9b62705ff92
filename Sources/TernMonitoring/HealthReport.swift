/// What `/healthz` answers: whether the broker serves clients, and why not when it does not.
public struct HealthReport: Codable, Sendable, Hashable {
    /// Where a broker is in its life.
    public enum Status: String, Codable, Sendable, Hashable {
        /// Loading its state and binding its port: not serving yet.
        case starting
        /// Serving clients.
        case ok
        /// In lame duck mode: serving the clients it has while they move to other brokers, and
        /// wanting no new ones.
        case lameDuck = "lame_duck"
        /// Shutting down.
        case stopping
    }

    public var status: Status
    /// Why the broker does not serve, in words; `nil` while it does.
    public var reason: String?

    public init(status: Status, reason: String? = nil) {
        self.status = status
        self.reason = reason
    }

    /// Whether a load balancer or a readiness probe should send the broker clients: the answer
    /// is `200 OK` then, and `503 Service Unavailable` otherwise.
    public var isServing: Bool { status == .ok }
}
