/// One member of an etcd cluster, reached over its HTTP/JSON gateway: `http://127.0.0.1:2379`.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// The port etcd serves clients on when a URL names none.
    public static let defaultPort = 2379

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://HOST[:PORT]` (an IPv6 host in brackets; no path).
    ///
    /// - Throws: ``EtcdEndpointError`` saying what is wrong, in a phrase.
    public init(parsing url: String) throws(EtcdEndpointError) {
        let scheme = "http://"
        if url.hasPrefix("https://") {
            throw EtcdEndpointError(url: url, reason: "etcd over TLS (https) is not supported yet; use http:// on a trusted network")
        }
        guard url.hasPrefix(scheme) else { throw EtcdEndpointError(url: url, reason: "must start with http://") }
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
        self.init(host: String(host), port: port)
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
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// The `Host` header of a request to this endpoint.
    var hostHeader: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A URL that is not an etcd endpoint Tern can use.
public struct EtcdEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public var url: String
    public var reason: String

    public var description: String { "'\(url)' \(reason)" }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
