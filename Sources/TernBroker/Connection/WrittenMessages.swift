/// Counts the messages a connection handed to its channel and those the socket has taken, so
/// that a connection closed with writes still pending knows how many messages it lost.
///
/// After a write, the channel says how many bytes it still holds: none means everything
/// written so far reached the socket. Otherwise a marker (an empty write) follows, whose
/// completion proves everything before it reached the socket; at most one marker waits at a
/// time, so a connection that keeps the channel full writes one per round, not per message.
struct WrittenMessages {
    /// Messages handed to the channel.
    private(set) var written: UInt64 = 0
    /// Messages known to have left the channel for the socket.
    private(set) var flushed: UInt64 = 0
    private var markerPending = false

    /// Messages handed to the channel that may still be in it.
    var unflushed: UInt64 { written - flushed }

    /// `count` messages were written and flushed, after which the channel still holds
    /// `bufferedBytes`: returns the count to put in a marker, or `nil` when none is needed.
    mutating func wrote(_ count: Int, bufferedBytes: Int) -> UInt64? {
        written += UInt64(count)
        guard bufferedBytes > 0 else {
            flushed = written
            return nil
        }
        guard !markerPending else { return nil }
        markerPending = true
        return written
    }

    /// The marker placed after `count` messages completed.
    mutating func markerCompleted(after count: UInt64, succeeded: Bool) {
        markerPending = false
        if succeeded { flushed = max(flushed, count) }
    }

    /// Everything written so far has reached the socket (a later write completed).
    mutating func allFlushed() {
        flushed = written
    }
}
