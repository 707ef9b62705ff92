import TernProtocol

/// The brokers a client may connect to, in the order it tries them: the configured ones
/// (shuffled unless told otherwise), then those the brokers announce. Each attempt goes to the
/// address after the previous one, so a lost connection is retried elsewhere first.
struct ServerPool: Equatable {
    private(set) var addresses: [ServerAddress]
    /// The addresses the client was given, which no announcement removes.
    private let configured: Set<ServerAddress>

    /// The pool of `servers`, without repeats, shuffled with `random` when `randomize`.
    init(_ servers: [ServerAddress], randomize: Bool, using random: inout some RandomNumberGenerator) {
        var unique: [ServerAddress] = []
        for server in servers where !unique.contains(server) { unique.append(server) }
        addresses = randomize ? unique.shuffled(using: &random) : unique
        configured = Set(unique)
    }

    var count: Int { addresses.count }

    /// The address to try after `server`: the next in order, wrapping around; the first when
    /// `server` is `nil` or not in the pool.
    func next(after server: ServerAddress?) -> ServerAddress? {
        guard let server, let index = addresses.firstIndex(of: server) else { return addresses.first }
        return addresses[(index + 1) % addresses.count]
    }

    /// Moves `server` to the end: it is tried after every other one (a broker in lame duck mode).
    mutating func demote(_ server: ServerAddress) {
        guard let index = addresses.firstIndex(of: server) else { return }
        addresses.append(addresses.remove(at: index))
    }

    /// Takes the addresses a broker announced in place of those announced before (each SERVERS
    /// replaces the previous one, PROTOCOL.md 5.14b): an address no longer announced leaves the
    /// pool unless it was configured, a new one joins at the end, and the others keep their
    /// places. Text that is not an address is ignored.
    mutating func learn(_ announced: [String]) {
        var fresh: [ServerAddress] = []
        for text in announced {
            guard let address = ServerAddress(text), address.port > 0, !fresh.contains(address) else { continue }
            fresh.append(address)
        }
        let kept = addresses.filter { configured.contains($0) || fresh.contains($0) }
        addresses = kept + fresh.filter { !kept.contains($0) }
    }
}
