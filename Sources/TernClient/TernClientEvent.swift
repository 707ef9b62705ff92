import TernProtocol

/// What happened to a client's connection: see ``TernClient/events``.
public enum TernClientEvent: Sendable, Equatable, CustomStringConvertible {
    /// The client is connected to the broker at this address.
    case connected(ServerAddress)
    /// The connection to the broker at this address was lost for `reason`. Unless the
    /// configuration says not to reconnect, the client is reconnecting: ``reconnected(_:after:)``
    /// or ``closed(reason:)`` follows.
    case disconnected(ServerAddress, reason: TernClientError)
    /// The client connected again, to the broker at this address, `after` losing its connection,
    /// and opened its subscriptions and responders again.
    case reconnected(ServerAddress, after: Duration)
    /// The broker at this address is in lame duck mode: it will close the connection soon, and
    /// the client then reconnects, to another broker first when it knows one.
    case lameDuck(ServerAddress)
    /// The client is closed: by ``TernClient/close()`` or ``TernClient/drain(timeout:)`` when
    /// `reason` is `nil`, else because it could not (re)connect or was told not to reconnect.
    case closed(reason: TernClientError?)
    /// The broker reported an error that belongs to no call in flight, for example a refused
    /// publish that asked for no acknowledgement (the next ``TernClient/flush()`` throws it too).
    case error(TernClientError)

    public var description: String {
        switch self {
        case .connected(let server):
            "connected to \(server)"
        case .disconnected(let server, let reason):
            "lost the connection to \(server): \(reason)"
        case .reconnected(let server, let after):
            "reconnected to \(server) after \(Self.text(of: after))"
        case .lameDuck(let server):
            "the broker at \(server) is leaving (lame duck mode)"
        case .closed(nil):
            "closed"
        case .closed(let reason?):
            "closed: \(reason)"
        case .error(let error):
            "error from the broker: \(error)"
        }
    }

    /// `duration` as people read it: `350ms`, `2.4s`.
    private static func text(of duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        guard milliseconds >= 1000 else { return "\(milliseconds)ms" }
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
