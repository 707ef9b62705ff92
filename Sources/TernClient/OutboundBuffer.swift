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
final class OutboundBuffer: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending = ByteBuffer()
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
    }

    /// What an append asks of its caller.
    struct AppendOutcome {
        /// Schedule ``ConnectionHandler/drain()`` on the event loop.
        var scheduleDrain: Bool
        /// Call ``waitForRoom()`` before publishing more.
        var mustWait: Bool
    }

    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        state = NIOLockedValueBox(State(limit: limit))
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
            try encode(&state.pending, &state.validatedTopic)
            let scheduleDrain = !state.drainScheduled && state.writable
            if scheduleDrain { state.drainScheduled = true }
            return AppendOutcome(scheduleDrain: scheduleDrain, mustWait: !state.hasRoom)
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
                    if state.hasRoom { return .success(()) }
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

    /// Takes the pending bytes for writing; `nil` when there are none or the channel is not
    /// writable (the next writability change drains). `force` ignores writability, for closing.
    func takeForWriting(force: Bool = false) -> ByteBuffer? {
        state.withLockedValue { state in
            guard state.writable || force else { return nil }
            state.drainScheduled = false
            guard state.pending.readableBytes > 0 else { return nil }
            let bytes = state.pending
            state.pending = ByteBuffer()
            return bytes
        }
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
