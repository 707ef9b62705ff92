import Synchronization

/// The addresses a broker announces to its clients in SERVERS (PROTOCOL.md section 5.14b), for
/// them to reconnect to: those an operator advertises (`client-advertise`) and, in a cluster,
/// every live member's client address. Shared by what learns them (the cluster's membership)
/// and the broker, which sends the list after WELCOME, and again to every client when it changes.
public final class AnnouncedServers: Sendable {
    private struct State {
        var addresses: [String]
        var observers: [@Sendable ([String]) -> Void] = []
    }

    private let state: Mutex<State>

    /// - Parameter addresses: The first list, `HOST:PORT` each.
    public init(_ addresses: [String] = []) {
        state = Mutex(State(addresses: addresses))
    }

    /// The list now.
    public var addresses: [String] {
        state.withLock { $0.addresses }
    }

    /// Replaces the list; when it changed, every observer hears of the new one.
    public func replace(with addresses: [String]) {
        let observers = state.withLock { state -> [@Sendable ([String]) -> Void] in
            guard state.addresses != addresses else { return [] }
            state.addresses = addresses
            return state.observers
        }
        for observer in observers { observer(addresses) }
    }

    /// Calls `observer` with each new list from now on.
    func observe(_ observer: @escaping @Sendable ([String]) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }
}
