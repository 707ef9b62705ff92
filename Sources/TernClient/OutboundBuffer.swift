import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import TernProtocol

/// Encoded frames waiting to be written, shared by the tasks that publish and the event loop
/// that writes them.
///
/// Publishing tasks append frames under a lock; the first append after a write asks the
/// caller to schedule one drain on the event loop, so a burst of publishes leaves as one large
/// write. While more than `limit` bytes wait, or the channel is not writable, publishers
/// suspend in ``waitForRoom()`` until the event loop has written them.
///
/// When the connection is lost, the publishes not yet written stay (every other frame belonged
/// to that connection and is dropped) and the buffer becomes the reconnect buffer: publishes
/// are appended without waiting up to `reconnectBufferLimit` bytes, and refused beyond it with
/// ``TernClientError/reconnectBufferFull(limit:)``. A new connection's HELLO and resubscriptions
/// go ahead of them (``appendAhead(_:)``); the rest is written once it is ready (``open()``).
final class OutboundBuffer: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending = ByteBuffer()
        /// Frames a new connection sends before the pending ones: HELLO, resubscriptions.
        var ahead = ByteBuffer()
        /// Whether the pending frames may be written: the connection is ready. Between a lost
        /// connection and its replacement's WELCOME, they wait as the reconnect buffer.
        var isOpen = true
        var drainScheduled = false
        var writable = true
        /// Set once the connection is closing or closed: appends fail with it.
        var failure: TernClientError?
        var waiters: Deque<Waiter> = []
        var nextWaiterID: UInt64 = 0
        /// The last topic that passed validation: a publish loop validates its topic once.
        var validatedTopic: String?

        var hasRoom: Bool { writable && pending.readableBytes <= limit }
        let limit: Int
        let reconnectBufferLimit: Int
    }

    /// What an append asks of its caller.
    struct AppendOutcome {
        /// Schedule ``ConnectionHandler/drain()`` on the event loop.
        var scheduleDrain: Bool
        /// Call ``waitForRoom()`` before publishing more.
        var mustWait: Bool
    }

    private let state: NIOLockedValueBox<State>

    /// - Parameters:
    ///   - limit: The pending bytes beyond which publishers wait, while connected.
    ///   - reconnectBufferLimit: The pending bytes publishes may fill while reconnecting.
    init(limit: Int, reconnectBufferLimit: Int = 0) {
        state = NIOLockedValueBox(State(limit: limit, reconnectBufferLimit: reconnectBufferLimit))
    }

    /// Appends what `encode` writes; on a throw nothing is appended.
    ///
    /// `encode` runs under the lock: it must only write into the buffer. It also receives the
    /// last validated topic so it can skip validating the same topic again.
    func append(
        _ encode: (inout ByteBuffer, inout String?) throws -> Void
    ) throws -> AppendOutcome {
        try state.withLockedValue { state in
            if let failure = state.failure { throw failure }
            let start = state.pending.writerIndex
            try encode(&state.pending, &state.validatedTopic)
            guard state.isOpen else {
                if state.pending.readableBytes > state.reconnectBufferLimit {
                    state.pending.moveWriterIndex(to: start)
                    throw TernClientError.reconnectBufferFull(limit: state.reconnectBufferLimit)
                }
                return AppendOutcome(scheduleDrain: false, mustWait: false)
            }
            let scheduleDrain = !state.drainScheduled && state.writable
            if scheduleDrain { state.drainScheduled = true }
            return AppendOutcome(scheduleDrain: scheduleDrain, mustWait: !state.hasRoom)
        }
    }

    /// Appends a frame that a new connection sends before the pending ones (HELLO, the
    /// resubscriptions); the event loop drains right after.
    func appendAhead(_ frame: Frame) {
        state.withLockedValue { state in
            _ = try? state.ahead.writeFrame(frame)
        }
    }

    /// Appends a frame from the event loop, which drains right after; succeeds even while
    /// closing, so GOODBYE and PONGs still go out.
    func appendFromEventLoop(_ frame: Frame) {
        state.withLockedValue { state in
            // Frames the client builds are valid: encoding cannot fail on length limits.
            _ = try? state.pending.writeFrame(frame)
        }
    }

    /// Appends already encoded frames from the event loop.
    func appendFromEventLoop(encoded bytes: ByteBuffer) {
        state.withLockedValue { state in
            _ = state.pending.writeImmutableBuffer(bytes)
        }
    }

    /// Appends already encoded frames from the event loop, for a drain after the tasks queued
    /// there, as publishes are: whether the caller must schedule that drain (none is scheduled,
    /// and the channel is writable; else the next writability change drains).
    func appendFromEventLoopForLaterDrain(encoded bytes: ByteBuffer) -> Bool {
        state.withLockedValue { state in
            _ = state.pending.writeImmutableBuffer(bytes)
            let scheduleDrain = !state.drainScheduled && state.writable
            if scheduleDrain { state.drainScheduled = true }
            return scheduleDrain
        }
    }

    /// Suspends until the pending bytes are below the limit and the channel is writable, or
    /// throws when the connection ended first. Cancellation ends the wait early: the frame
    /// was already queued.
    nonisolated(nonsending) func waitForRoom() async throws {
        let id = state.withLockedValue { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLockedValue { state in
                    if let failure = state.failure { return .failure(failure) }
                    // While reconnecting publishes never wait: the reconnect buffer takes them or refuses.
                    if state.hasRoom || !state.isOpen { return .success(()) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }

    // MARK: Event loop side

    /// Takes the bytes to write: those sent ahead, then, once the connection is open, the
    /// pending ones; `nil` when there are none or the channel is not writable (the next
    /// writability change drains). `force` ignores writability, for closing.
    func takeForWriting(force: Bool = false) -> ByteBuffer? {
        state.withLockedValue { state in
            guard state.writable || force else { return nil }
            state.drainScheduled = false
            var bytes = state.ahead
            state.ahead = ByteBuffer()
            if state.isOpen && state.pending.readableBytes > 0 {
                if bytes.readableBytes == 0 {
                    swap(&bytes, &state.pending)
                } else {
                    bytes.writeBuffer(&state.pending)
                    state.pending = ByteBuffer()
                }
            }
            return bytes.readableBytes > 0 ? bytes : nil
        }
    }

    /// The connection was lost: the publishes not yet written become the reconnect buffer, every
    /// other pending frame is dropped, and waiting publishers resume (their frames are queued).
    func connectionLost() {
        let waiters = state.withLockedValue { state -> Deque<Waiter> in
            state.isOpen = false
            state.writable = true
            state.drainScheduled = false
            state.ahead = ByteBuffer()
            state.pending = Self.unacknowledgedPublishes(in: state.pending)
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// The new connection is ready: the pending frames may be written after those sent ahead.
    func open() {
        state.withLockedValue { $0.isOpen = true }
    }

    /// The PUBLISH frames of `frames` that asked for no acknowledgement, in order. Those that
    /// did were failed with the connection (their outcome is unknown to their callers), so they
    /// must not be sent again.
    static func unacknowledgedPublishes(in frames: ByteBuffer) -> ByteBuffer {
        var frames = frames
        var kept = ByteBuffer()
        // PROTOCOL.md section 5.3: PUBLISH is type 0x03, its ACK flag 0x01.
        let (publish, ack): (UInt8, UInt8) = (FrameType.publish.rawValue, 0x01)
        while let length = frames.getInteger(at: frames.readerIndex, as: UInt32.self),
              let type = frames.getInteger(at: frames.readerIndex + 4, as: UInt8.self),
              let flags = frames.getInteger(at: frames.readerIndex + 5, as: UInt8.self),
              var frame = frames.readSlice(length: 4 + Int(length)) {
            if type == publish && flags & ack == 0 { kept.writeBuffer(&frame) }
        }
        return kept
    }

    /// Resumes the waiting publishers if there is room again. Call after a write.
    func resumeWaitersIfRoom() {
        let waiters = state.withLockedValue { state -> Deque<Waiter> in
            guard state.hasRoom, !state.waiters.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Records the channel's writability; `true` when the caller should drain now.
    func setWritable(_ writable: Bool) -> Bool {
        state.withLockedValue { state in
            state.writable = writable
            return writable && state.pending.readableBytes > 0
        }
    }

    /// Refuses further appends with `error` and fails the waiting publishers.
    func fail(_ error: TernClientError) {
        let waiters = state.withLockedValue { state -> Deque<Waiter> in
            if state.failure == nil { state.failure = error }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }
}
