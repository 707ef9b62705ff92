/// One member of an etcd cluster, reached over its HTTP/JSON gateway: `http://127.0.0.1:2379`,
/// or over TLS, `https://etcd.example:2379`.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address (an IPv6 address without brackets).
    public var host: String
    public var port: Int
    /// Whether the endpoint is reached over TLS (`https://`).
    public var usesTLS: Bool

    /// The port etcd serves clients on when a URL names none.
    public static let defaultPort = 2379

    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `http://HOST[:PORT]` or `https://HOST[:PORT]` (an IPv6 host in brackets; no path).
    ///
    /// - Throws: ``EtcdEndpointError`` saying what is wrong, in a phrase.
    public init(parsing url: String) throws(EtcdEndpointError) {
        guard let scheme = ["http://", "https://"].first(where: url.hasPrefix) else {
            throw EtcdEndpointError(url: url, reason: "must start with http:// or https://")
        }
        var authority = Substring(url.dropFirst(scheme.count))
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/") else { throw EtcdEndpointError(url: url, reason: "must be http://host[:port], without a path") }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw EtcdEndpointError(url: url, reason: "an IPv6 host needs its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw EtcdEndpointError(url: url, reason: "expected :port after the host") }
                portText = rest.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw EtcdEndpointError(url: url, reason: "names no host") }
        var port = Self.defaultPort
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw EtcdEndpointError(url: url, reason: "the port must be a number from 1 to 65535")
            }
            port = number
        }
        self.init(host: String(host), port: port, usesTLS: scheme == "https://")
    }

    /// Parses a comma-separated list of URLs, as `--etcd` takes them.
    public static func list(parsing text: String) throws(EtcdEndpointError) -> [EtcdEndpoint] {
        var endpoints: [EtcdEndpoint] = []
        for url in text.split(separator: ",", omittingEmptySubsequences: false) {
            endpoints.append(try EtcdEndpoint(parsing: url.trimmingSpaces))
        }
        return endpoints
    }

    public var description: String {
        (usesTLS ? "https://" : "http://") + hostHeader
    }

    /// The `Host` header of a request to this endpoint.
    var hostHeader: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A URL that is not an etcd endpoint Tern can use.
public struct EtcdEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL as given.
    public var url: String
    /// What is wrong with it, a phrase whose subject is the URL: `must start with http://`.
    public var reason: String

    public var description: String { "'\(url)' \(reason)" }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
