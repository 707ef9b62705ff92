import TernProtocol

extension ServerAddress {
    /// Whether the address is on the loopback interface only: `localhost`, `127.0.0.0/8`, `::1`.
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
