import ArgumentParser
import TernProtocol

/// A comma-separated list of `HOST:PORT` addresses on the command line
/// (`127.0.0.1:8376,[::1]:8378`), in the order given, without repeats.
public struct ServerList: Sendable, Hashable, ExpressibleByArgument, CustomStringConvertible {
    public var addresses: [ServerAddress]

    public init(_ addresses: [ServerAddress]) {
        self.addresses = addresses
    }

    public init?(argument: String) {
        var addresses: [ServerAddress] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let address = ServerAddress(part.trimmingWhitespace()) else { return nil }
            if !addresses.contains(address) { addresses.append(address) }
        }
        self.init(addresses)
    }

    /// The first address, where a client connects first.
    public var first: ServerAddress {
        addresses.first ?? .local
    }

    public var description: String {
        addresses.map(\.description).joined(separator: ",")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
