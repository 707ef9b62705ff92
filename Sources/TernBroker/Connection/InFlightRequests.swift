import NIOCore

/// The requests delivered to one connection's responders and not yet answered, by the id the
/// broker gave each; bounded, so that a responder that never answers cannot grow the broker.
struct InFlightRequests<Requester, Timeout> {
    struct Request {
        var requester: Requester
        /// The requester's own id for the request.
        var requestID: UInt64
        var timeout: Timeout
        /// When the request was handed to the responder.
        var admittedAt: NIODeadline
    }

    /// The most requests one connection's responders may hold unanswered.
    let limit: Int
    private var requests: [UInt64: Request] = [:]
    private var lastID: UInt64 = 0

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { requests.count }

    /// The id of a new in-flight request, handed to the responder at `now`, or `nil` when the
    /// limit is reached. `timeout` makes the request's timer for that id.
    mutating func admit(requestID: UInt64, from requester: Requester, at now: NIODeadline = .distantPast, timeout: (UInt64) -> Timeout) -> UInt64? {
        guard requests.count < limit else { return nil }
        lastID += 1
        requests[lastID] = Request(requester: requester, requestID: requestID, timeout: timeout(lastID), admittedAt: now)
        return lastID
    }

    /// Ends the request `id` (answered, timed out or failed), returning it, or `nil` when it is
    /// not in flight (it timed out, or the broker never issued it).
    mutating func end(_ id: UInt64) -> Request? {
        requests.removeValue(forKey: id)
    }

    /// Whether the broker issued `id` on this connection: ids run from 1 to the last one issued.
    func wasIssued(_ id: UInt64) -> Bool {
        id >= 1 && id <= lastID
    }

    /// Ends every request, returning them.
    mutating func endAll() -> [Request] {
        defer { requests = [:] }
        return Array(requests.values)
    }
}
