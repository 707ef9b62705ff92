import COpenSSL

/// Reads OpenSSL's per-thread error queue.
///
/// OpenSSL reports why a call failed by pushing entries onto a thread-local queue. Callers
/// clear it before each `SSL_*` call (so stale entries from another connection on the same
/// event loop thread are never blamed) and drain it after a failure.
enum OpenSSLErrorQueue {
    /// One entry of the queue: the packed code and its human-readable reason.
    struct Entry {
        var code: UInt
        var reason: String

        /// The library that raised the error (`ERR_LIB_SSL`, `ERR_LIB_X509`, ...).
        var library: Int32 { tern_ERR_GET_LIB(self.code) }
        /// The library-specific reason code (`SSL_R_...`).
        var reasonCode: Int32 { tern_ERR_GET_REASON(self.code) }
    }

    /// Discards every queued error.
    ///
    /// Called before every `SSL_*` call, so it peeks first: clearing an empty queue walks all of
    /// its slots (about 800 instructions in OpenSSL 3.0, a few per cent of a small record's
    /// cost), peeking at it takes a few dozen.
    static func clear() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Removes and returns every queued error, oldest first.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            entries.append(Entry(code: code, reason: self.reasonText(code)))
        }
        return entries
    }

    /// Removes every queued error and returns their reason texts.
    static func drainReasons() -> [String] {
        self.drain().map(\.reason)
    }

    /// The reason text for `code`, e.g. "certificate verify failed".
    private static func reasonText(_ code: UInt) -> String {
        if let reason = ERR_reason_error_string(code) {
            return String(cString: reason)
        }
        // No registered reason string: fall back to the full "error:XXXXXXXX:lib::reason" form.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            ERR_error_string_n(code, buffer.baseAddress, buffer.count)
            return String(cString: buffer.baseAddress!)
        }
    }
}

extension TLSError {
    /// An `.openSSL` error carrying whatever the error queue holds (which is then empty),
    /// or `fallback` when OpenSSL queued nothing.
    static func fromErrorQueue(fallback: String) -> TLSError {
        let reasons = OpenSSLErrorQueue.drainReasons()
        return .openSSL(reasons: reasons.isEmpty ? [fallback] : reasons)
    }
}
