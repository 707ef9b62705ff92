import NIOCore

/// The first 16 bytes of every pubsub payload: who sent it, its place in the sender's
/// sequence, and, when it is timed, when it was sent.
///
/// Bytes 0–7 (big endian): bit 63 marks a warm-up message, bits 48–62 the publisher's index,
/// bits 0–47 the sequence number. Bytes 8–15: the send time from ``MonotonicClock``, or 0 for
/// a message that is not timed.
struct PayloadStamp: Equatable {
    static let byteCount = 16
    static let maxPublishers = 1 << 15

    var publisher: Int
    var sequence: UInt64
    var isWarmup: Bool
    /// 0 when the message is not timed.
    var sentAt: UInt64

    /// Overwrites the first 16 bytes of `payload` in place (no allocation when `payload` is
    /// uniquely referenced).
    @inline(__always)
    func write(into payload: inout ByteBuffer) {
        let tag = (isWarmup ? 1 << 63 : 0) | UInt64(publisher) << 48 | sequence & 0xFFFF_FFFF_FFFF
        payload.setInteger(tag, at: payload.readerIndex)
        payload.setInteger(sentAt, at: payload.readerIndex + 8)
    }

    /// The stamp at the start of `payload`; `nil` when it is too short to carry one.
    @inline(__always)
    init?(reading payload: ByteBuffer) {
        guard let tag = payload.getInteger(at: payload.readerIndex, as: UInt64.self),
              let sentAt = payload.getInteger(at: payload.readerIndex + 8, as: UInt64.self)
        else { return nil }
        self.init(publisher: Int(tag >> 48 & 0x7FFF), sequence: tag & 0xFFFF_FFFF_FFFF, isWarmup: tag >> 63 == 1, sentAt: sentAt)
    }

    init(publisher: Int, sequence: UInt64, isWarmup: Bool, sentAt: UInt64) {
        self.publisher = publisher
        self.sequence = sequence
        self.isWarmup = isWarmup
        self.sentAt = sentAt
    }
}
