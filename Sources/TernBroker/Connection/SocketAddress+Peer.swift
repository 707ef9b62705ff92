import NIOCore

extension SocketAddress {
    /// The address as logs and the monitoring listener show a peer: `127.0.0.1:51234`,
    /// `[::1]:51234`.
    var peerDescription: String {
        guard let ip = ipAddress else { return description }
        let host = if case .v6 = self { "[\(ip)]" } else { ip }
        return "\(host):\(port ?? 0)"
    }
}
