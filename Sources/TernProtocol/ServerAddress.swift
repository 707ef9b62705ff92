/// Where a broker listens: a host (a name or an IP address) and a TCP port.
///
/// Its text form is `HOST:PORT`, with an IPv6 host in brackets: `127.0.0.1:8376`,
/// `broker.example:8376`, `[::1]:8376`.
public struct ServerAddress: Sendable, Hashable, LosslessStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The protocol's default port (PROTOCOL.md, section 1).
    public static let defaultPort = 8376

    /// The address of a broker started with no configuration: `127.0.0.1:8376`.
    public static let local = ServerAddress(host: "127.0.0.1", port: defaultPort)

    /// Parses `HOST:PORT` (an IPv6 host in brackets, `[::1]:8376`); `nil` when the text is not
    /// of that form or the port is not within 0...65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, an IPv6 host in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
