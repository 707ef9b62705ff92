import TernProtocol

/// The brokers a client may connect to, in the order it tries them: the configured ones
/// (shuffled unless told otherwise), then those the brokers announce. Each attempt goes to the
/// address after the previous one, so a lost connection is retried elsewhere first.
struct ServerPool: Equatable {
    private(set) var addresses: [ServerAddress]

    /// The pool of `servers`, without repeats, shuffled with `random` when `randomize`.
    init(_ servers: [ServerAddress], randomize: Bool, using random: inout some RandomNumberGenerator) {
        var unique: [ServerAddress] = []
        for server in servers where !unique.contains(server) { unique.append(server) }
        addresses = randomize ? unique.shuffled(using: &random) : unique
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

    /// Adds the addresses a broker announced that the pool does not hold yet; text that is not an
    /// address is ignored. Returns whether any was added.
    @discardableResult
    mutating func learn(_ announced: [String]) -> Bool {
        let before = addresses.count
        for text in announced {
            guard let address = ServerAddress(text), address.port > 0, !addresses.contains(address) else { continue }
            addresses.append(address)
        }
        return addresses.count > before
    }
}
