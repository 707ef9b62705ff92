import NIOCore

/// What one connection read and wrote, counted by its handler on its event loop (plain
/// values: no atomics), once per read and per write.
struct ConnectionActivity {
    /// PUBLISH frames handed to topics.
    var messagesIn: UInt64 = 0
    /// MESSAGE frames written.
    var messagesOut: UInt64 = 0
    /// Protocol bytes read (after TLS).
    var bytesIn: UInt64 = 0
    /// Protocol bytes written (after TLS).
    var bytesOut: UInt64 = 0
    let connectedAt: NIODeadline
    var lastActivity: NIODeadline

    init(at now: NIODeadline) {
        connectedAt = now
        lastActivity = now
    }

    mutating func read(_ bytes: Int, at now: NIODeadline) {
        bytesIn += UInt64(bytes)
        lastActivity = now
    }

    /// `messages` MESSAGE frames in `bytes` were written; `now` when it is known.
    mutating func wrote(_ messages: Int, bytes: Int, at now: NIODeadline?) {
        messagesOut += UInt64(messages)
        bytesOut += UInt64(bytes)
        if let now { lastActivity = now }
    }
}

/// One connection as the monitoring listener sees it at one moment.
struct ConnectionSummary: Sendable {
    var id: UInt64
    var peer: String
    var clientName: String?
    var tls: TLSSummary?
    var subscriptions: Int
    var pendingBytes: Int
    var messagesIn: UInt64
    var messagesOut: UInt64
    var bytesIn: UInt64
    var bytesOut: UInt64
    var connectedAt: NIODeadline
    var lastActivity: NIODeadline

    struct TLSSummary: Sendable {
        var version: String
        var cipher: String?
        var clientCertificate: String?
    }
}
