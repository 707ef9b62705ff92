import NIOConcurrencyHelpers

/// The buffer through which a connection's event loop hands one subscription's deliveries to
/// the task that iterates them.
///
/// The event loop appends a read's deliveries under a lock; the iterating task takes everything
/// buffered at once and then returns it element by element without locking or suspending, so a
/// fast stream costs one lock per batch on each side rather than one per message.
///
/// Once `highWatermark` deliveries wait, ``yield(contentsOf:)`` says to stop producing; when the
/// consumer takes them, the delegate's `produceMore()` is called. Its `didTerminate()` is called
/// once when the consumer is gone: its iterator was dropped, its task was cancelled while
/// waiting, or the sequence was dropped without being iterated.
final class DeliveryQueue<Element: Sendable>: Sendable {
    private enum End {
        case finished
        case failed(any Error)
    }

    private struct State {
        var buffer = DeliveryBatches<Element>()
        var waiter: CheckedContinuation<Void, Never>?
        /// How the producer ended the stream, once it did.
        var end: End?
        /// The consumer is gone: deliveries are discarded.
        var isTerminated = false
        var isCancelled = false
        /// `false` after a yield reached the high watermark, until the consumer takes the buffer.
        var isProducing = true
        var hasIterator = false

        /// What a consumer finds.
        enum Taken {
            /// Everything buffered, and whether the producer was paused and may resume.
            case elements(DeliveryBatches<Element>, resumeProducer: Bool)
            case ended
            case cancelled
            case empty
        }

        /// Takes everything buffered, or says why there is nothing to take.
        mutating func takeOrTellWhy() -> Taken {
            if !buffer.isEmpty {
                defer {
                    buffer = DeliveryBatches()
                    isProducing = true
                }
                return .elements(buffer, resumeProducer: !isProducing)
            }
            if end != nil || isTerminated { return .ended }
            return isCancelled ? .cancelled : .empty
        }
    }

    private let state = NIOLockedValueBox(State())
    private let highWatermark: Int
    private let delegate: any DeliveryQueueDelegate

    /// A queue whose producer is asked to pause once `highWatermark` (at least 1) deliveries wait.
    init(highWatermark: Int, delegate: some DeliveryQueueDelegate) {
        self.highWatermark = max(highWatermark, 1)
        self.delegate = delegate
    }

    /// A new queue and the sequence that iterates it.
    static func makeSequence(highWatermark: Int, delegate: some DeliveryQueueDelegate) -> (queue: DeliveryQueue, sequence: Deliveries<Element>) {
        let queue = DeliveryQueue(highWatermark: highWatermark, delegate: delegate)
        return (queue, Deliveries(queue: queue))
    }

    // MARK: Producer

    /// Appends `elements`; `false` when the producer should pause until `produceMore()`.
    @discardableResult
    func yield(contentsOf elements: DeliveryBatches<Element>.Batch) -> Bool {
        let (waiter, keepProducing) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.isTerminated, state.end == nil else { return (nil, true) }
            state.buffer.append(elements)
            if state.buffer.count >= highWatermark { state.isProducing = false }
            defer { state.waiter = nil }
            return (state.waiter, state.isProducing)
        }
        waiter?.resume()
        return keepProducing
    }

    /// Appends one element; `false` when the producer should pause until `produceMore()`.
    @discardableResult
    func yield(_ element: Element) -> Bool {
        yield(contentsOf: [element])
    }

    /// Ends the stream after the buffered elements: normally, or with `error`.
    func finish(_ error: (any Error)? = nil) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard state.end == nil else { return nil }
            state.end = error.map { .failed($0) } ?? .finished
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    // MARK: Consumer

    /// Waits until elements are buffered and takes them all; `nil` at the end of the stream.
    fileprivate nonisolated(nonsending) func take() async throws -> DeliveryBatches<Element>? {
        while true {
            switch state.withLockedValue({ $0.takeOrTellWhy() }) {
            case .elements(let taken, let resumeProducer):
                if resumeProducer { delegate.produceMore() }
                return taken
            case .ended:
                return try endOfStream()
            case .cancelled:
                terminate()
                throw CancellationError()
            case .empty:
                break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let mayWait = state.withLockedValue { state in
                        let mayWait = state.buffer.isEmpty && state.end == nil && !state.isTerminated && !state.isCancelled
                        if mayWait { state.waiter = continuation }
                        return mayWait
                    }
                    if !mayWait { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                    state.isCancelled = true
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }

    /// The stream's end as the iterator reports it: `nil`, or the producer's error once.
    private func endOfStream() throws -> DeliveryBatches<Element>? {
        let end = state.withLockedValue { state -> End? in
            defer { state.end = .finished }
            return state.end
        }
        terminate()
        if case .failed(let error) = end { throw error }
        return nil
    }

    /// The consumer is gone: discards what is buffered and tells the delegate, once.
    fileprivate func terminate() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.isTerminated = true }
            state.buffer.removeAll()
            return !state.isTerminated
        }
        if first { delegate.didTerminate() }
    }

    /// Records that an iterator was made; `false` if one already was.
    fileprivate func makeIterator() -> Bool {
        state.withLockedValue { state in
            defer { state.hasIterator = true }
            return !state.hasIterator
        }
    }

    /// Every copy of the sequence is gone: without an iterator nobody will consume.
    fileprivate func sequenceDropped() {
        if !state.withLockedValue({ $0.hasIterator }) { terminate() }
    }
}

/// What a ``DeliveryQueue`` tells its producer.
protocol DeliveryQueueDelegate: Sendable {
    /// The consumer took what was waiting: production may resume.
    func produceMore()
    /// The consumer is gone.
    func didTerminate()
}

/// The deliveries of one subscription as an `AsyncSequence`, iterated once.
struct Deliveries<Element: Sendable>: AsyncSequence, Sendable {
    /// Tells the queue when the last copy of what holds it, the sequence or its iterator, is gone.
    fileprivate final class QueueReference: Sendable {
        enum Holder {
            case sequence
            case iterator
        }

        let queue: DeliveryQueue<Element>
        let holder: Holder

        init(_ queue: DeliveryQueue<Element>, heldBy holder: Holder) {
            self.queue = queue
            self.holder = holder
        }

        deinit {
            switch holder {
            case .sequence: queue.sequenceDropped()
            case .iterator: queue.terminate()
            }
        }
    }

    private let reference: QueueReference

    fileprivate init(queue: DeliveryQueue<Element>) {
        reference = QueueReference(queue, heldBy: .sequence)
    }

    func makeAsyncIterator() -> AsyncIterator {
        let queue = reference.queue
        precondition(queue.makeIterator(), "a subscription's deliveries can be iterated only once")
        return AsyncIterator(reference: QueueReference(queue, heldBy: .iterator))
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        private let reference: QueueReference
        /// Elements taken from the queue and not returned yet.
        private var taken = DeliveryBatches<Element>()

        fileprivate init(reference: QueueReference) {
            self.reference = reference
        }

        mutating func next() async throws -> Element? {
            try await next(isolation: nil)
        }

        /// The next element, on the caller's executor: a buffered one without suspending.
        mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            if let element = taken.popFirst() { return element }
            guard let batch = try await reference.queue.take() else { return nil }
            taken = batch
            return taken.popFirst()
        }

        /// Everything buffered, at least one element, for a caller that returns them one by one
        /// itself; `nil` at the end of the stream.
        mutating func nextBatch() async throws -> DeliveryBatches<Element>? {
            if !taken.isEmpty {
                defer { taken = DeliveryBatches() }
                return taken
            }
            return try await reference.queue.take()
        }
    }
}
