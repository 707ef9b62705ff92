import NIOCore
import TernBroker
import TernCommandSupport
import TernProtocol

/// The protocol limits, deadlines and per-connection bounds of `ternd`'s flags and config file.
extension DaemonSettings {
    /// The smallest max frame size: room for a 4 KiB payload and a frame's other fields.
    static let minimumFrameSize = 8 << 10
    /// What a frame needs beyond its payload when only the max frame size is set, as in
    /// PROTOCOL.md's defaults.
    static let frameOverhead = 4096
    /// The write buffer's high watermark, which pending outbound bytes must leave room for.
    static let writeBufferHighWatermark = 1 << 20

    mutating func applyLimits(flags: TerndCommand, file: ConfigFile?) throws(DaemonError) {
        var limits = configuration.limits
        if let frame = try Self.pick(flags.maxFrameSize, file?.maxFrameSize, ByteCountArgument.init(argument:), "max-frame-size") {
            try SettingRange.check(frame, "max-frame-size", in: Self.minimumFrameSize...Int(UInt32.max))
            limits.maxFrameLength = UInt32(frame.bytes)
            limits.maxPayloadLength = UInt32(frame.bytes - Self.frameOverhead)
        }
        if let payload = try Self.pick(flags.maxPayload, file?.maxPayload, ByteCountArgument.init(argument:), "max-payload") {
            guard payload.bytes < limits.maxFrameLength else {
                throw DaemonError("max-payload (\(payload.bytes) bytes) must be smaller than max-frame-size (\(limits.maxFrameLength) bytes)")
            }
            limits.maxPayloadLength = UInt32(payload.bytes)
        }
        if let headers = try Self.pick(flags.maxHeaderBytes, file?.maxHeaderBytes, ByteCountArgument.init(argument:), "max-header-bytes") {
            guard headers.bytes < limits.maxFrameLength else {
                throw DaemonError("max-header-bytes (\(headers.bytes)) must be smaller than max-frame-size (\(limits.maxFrameLength) bytes)")
            }
            limits.maxHeaderBytes = UInt32(headers.bytes)
        }
        if let length = flags.maxTopicLength ?? file?.maxTopicLength {
            try SettingRange.check(length, "max-topic-length", in: 1...Int(UInt16.max))
            limits.maxTopicLength = UInt16(length)
        }
        if let subscriptions = flags.maxSubscriptions ?? file?.maxSubscriptions {
            try SettingRange.check(subscriptions, "max-subscriptions", in: 1...Int(UInt32.max))
            limits.maxSubscriptions = UInt32(subscriptions)
        }
        configuration.limits = limits

        let leastPending = Self.writeBufferHighWatermark + 2 * Int(limits.maxFrameLength)
        if let pending = try Self.pick(flags.maxPendingBytes, file?.maxPendingBytes, ByteCountArgument.init(argument:), "max-pending-bytes") {
            try SettingRange.check(pending, "max-pending-bytes", in: leastPending...SettingRange.maxBytes)
            configuration.maxPendingOutboundBytes = pending.bytes
        }
        guard configuration.maxPendingOutboundBytes >= leastPending else {
            throw DaemonError("max-pending-bytes must be at least 1MiB plus twice max-frame-size (\(leastPending) bytes), not \(configuration.maxPendingOutboundBytes)")
        }
        if let timeout = try Self.pick(flags.handshakeTimeout, file?.handshakeTimeout, DurationArgument.init(argument:), "handshake-timeout") {
            try SettingRange.check(timeout, "handshake-timeout", in: .milliseconds(10)...SettingRange.maxDuration)
            configuration.handshakeTimeout = .nanoseconds(timeout.nanoseconds)
        }
        if let interval = try Self.pick(flags.pingInterval, file?.pingInterval, DurationArgument.init(argument:), "ping-interval") {
            try SettingRange.check(interval, "ping-interval", in: .milliseconds(10)...SettingRange.maxDuration, allowingZero: true)
            configuration.pingInterval = .nanoseconds(interval.nanoseconds)
        }
    }
}
