import Atomics
import NIOCore

/// How many event loops of a process may poll at once (see ``LoopPoller``).
///
/// Fewer than the cores: a thread that polls holds its core, and loops polling on every core
/// leave none to the threads they wait for (two polling loops on two cores answered requests at
/// a third of the rate of one). A loop that finds no slot free sleeps as it would without
/// polling.
public final class PollingSlots: Sendable {
    /// The slots of this process: one fewer than its cores.
    public static let shared = PollingSlots(count: System.coreCount - 1)

    /// How many loops may poll at once.
    public let count: Int
    private let taken = ManagedAtomic(0)

    public init(count: Int) {
        self.count = max(0, count)
    }

    /// Takes a slot; `false` when all are taken.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < count {
            let (exchanged, original) = taken.weakCompareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives back a slot taken with ``take()``.
    func release() {
        taken.wrappingDecrement(ordering: .acquiringAndReleasing)
    }
}
