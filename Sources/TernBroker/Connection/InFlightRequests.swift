import HeapModule

/// The requests delivered to one connection's responders and not yet answered, by the id the
/// broker gave each; bounded, so that a responder that never answers cannot grow the broker.
///
/// Their deadlines are kept in order, so that one timer, armed for the earliest
/// (``nextDeadline()``), serves them all: a request that is answered costs no timer of its own.
struct InFlightRequests<Requester, Deadline: Comparable> {
    struct Request {
        var requester: Requester
        /// The requester's own id for the request.
        var requestID: UInt64
        /// When the request times out.
        var deadline: Deadline
        /// Its timeout, for the requester's error message; the deadline less it is when the
        /// request was handed to the responder.
        var timeoutMilliseconds: UInt32
    }

    /// A request's deadline in the heap. Entries of requests that ended stay until they come to
    /// the top or the heap is rebuilt without them.
    private struct Expiry: Comparable {
        var deadline: Deadline
        var id: UInt64

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
    }

    /// The most requests one connection's responders may hold unanswered.
    let limit: Int
    private var requests: [UInt64: Request] = [:]
    private var expiries = Heap<Expiry>()
    private var lastID: UInt64 = 0

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { requests.count }

    /// The id of a new in-flight request, or `nil` when the limit is reached.
    mutating func admit(requestID: UInt64, from requester: Requester, deadline: Deadline, timeoutMilliseconds: UInt32) -> UInt64? {
        guard requests.count < limit else { return nil }
        lastID += 1
        requests[lastID] = Request(requester: requester, requestID: requestID, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
        expiries.insert(Expiry(deadline: deadline, id: lastID))
        return lastID
    }

    /// Ends the request `id` (answered, timed out or failed), returning it, or `nil` when it is
    /// not in flight (it timed out, or the broker never issued it).
    mutating func end(_ id: UInt64) -> Request? {
        guard let request = requests.removeValue(forKey: id) else { return nil }
        // Answered requests leave their entries behind: rebuild once they outnumber the live
        // ones, so that the heap stays within a constant factor of the requests in flight.
        if expiries.count > 2 * requests.count + 64 {
            expiries = Heap(requests.map { Expiry(deadline: $0.value.deadline, id: $0.key) })
        }
        return request
    }

    /// Whether the broker issued `id` on this connection: ids run from 1 to the last one issued.
    func wasIssued(_ id: UInt64) -> Bool {
        id >= 1 && id <= lastID
    }

    /// The earliest deadline of the requests in flight, or `nil` when there are none.
    mutating func nextDeadline() -> Deadline? {
        while let top = expiries.min, requests[top.id] == nil {
            _ = expiries.removeMin()
        }
        return expiries.min?.deadline
    }

    /// Ends and returns the requests whose deadline is `now` or earlier, earliest first.
    mutating func endExpired(at now: Deadline) -> [Request] {
        var expired: [Request] = []
        while let top = expiries.min, top.deadline <= now {
            _ = expiries.removeMin()
            if let request = requests.removeValue(forKey: top.id) { expired.append(request) }
        }
        return expired
    }

    /// Ends every request, returning them.
    mutating func endAll() -> [Request] {
        defer {
            requests = [:]
            expiries = Heap()
        }
        return Array(requests.values)
    }
}
