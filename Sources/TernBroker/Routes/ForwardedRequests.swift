import NIOCore
import Synchronization

/// The requests this node forwarded to peers and waits to hear of (CLUSTER.md,
/// "Forwarding"): the forwarding node keeps each one's timeout.
final class ForwardedRequests: Sendable {
    struct Pending: Sendable {
        let requester: ConnectionHandle
        /// The requester's own id for the request.
        let requestID: UInt64
        /// The member id of the peer it went to.
        let peer: String
        var timer: Scheduled<Void>?
    }

    private let state = Mutex<(lastID: UInt64, pending: [UInt64: Pending])>((0, [:]))

    /// Adds a request forwarded to `peer`; returns its route request id.
    func add(from requester: ConnectionHandle, requestID: UInt64, to peer: String) -> UInt64 {
        state.withLock { state in
            state.lastID += 1
            state.pending[state.lastID] = Pending(requester: requester, requestID: requestID, peer: peer)
            return state.lastID
        }
    }

    /// Keeps the timer of request `id`, unless it ended already (then cancels it).
    func setTimer(_ timer: Scheduled<Void>, of id: UInt64) {
        let kept = state.withLock { state in
            guard state.pending[id] != nil else { return false }
            state.pending[id]?.timer = timer
            return true
        }
        if !kept { timer.cancel() }
    }

    /// Ends request `id`, if it is still waiting and went to `peer` (any peer when `nil`).
    func end(_ id: UInt64, of peer: String? = nil) -> Pending? {
        let ended = state.withLock { state -> Pending? in
            guard let pending = state.pending[id], peer == nil || pending.peer == peer else { return nil }
            return state.pending.removeValue(forKey: id)
        }
        ended?.timer?.cancel()
        return ended
    }

    /// Ends every request that went to `peer`: its route is down.
    func endAll(of peer: String) -> [Pending] {
        let ended = state.withLock { state in
            let ids = state.pending.filter { $0.value.peer == peer }.map(\.key)
            return ids.compactMap { state.pending.removeValue(forKey: $0) }
        }
        for pending in ended { pending.timer?.cancel() }
        return ended
    }
}
