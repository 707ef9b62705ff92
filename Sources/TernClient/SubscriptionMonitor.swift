import Atomics

/// What a subscription shares between the event loop, which counts drops, and its users.
final class SubscriptionMonitor: Sendable {
    let pattern: String
    private let dropped = ManagedAtomic<UInt64>(0)
    private let onDropNotice: (@Sendable (TernDropNotice) -> Void)?

    init(pattern: String, onDropNotice: (@Sendable (TernDropNotice) -> Void)?) {
        self.pattern = pattern
        self.onDropNotice = onDropNotice
    }

    /// The messages the broker reported as dropped for this subscription so far.
    var droppedCount: UInt64 {
        dropped.load(ordering: .relaxed)
    }

    /// Counts a drop notice and passes it to the subscriber's callback.
    func record(_ notice: TernDropNotice) {
        dropped.wrappingIncrement(by: notice.count, ordering: .relaxed)
        onDropNotice?(notice)
    }
}
