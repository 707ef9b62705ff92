import CSchedulerSlice
import Logging
import NIOCore
import NIOPosix
import TernSettingValues

/// The scheduling slice of the event loops' threads (`--scheduler-slice`).
///
/// Under Linux's EEVDF scheduler (6.12 and later) a thread woken by a socket write often takes
/// the core of the thread that wrote, as soon as that thread's write returns. A loop writing one
/// publish to four subscribers' connections on a 2-core machine was preempted that way about
/// twice per batch, and the later subscribers waited for the earlier ones' clients. A thread
/// with a shorter slice than the threads it wakes keeps its core until it sleeps or its slice
/// ends, and is picked sooner when it is woken: with 100 µs the 1:4 steady-rate p50 fell by a
/// tenth, and nothing else moved.
enum SchedulerSlice {
    /// Asks the kernel for `slice` on the thread of each of `group`'s loops; says what the
    /// kernel made of it, for the start-up log: the slice, or why the kernel's default stays.
    static func request(_ slice: TimeAmount, on group: MultiThreadedEventLoopGroup, logger: Logger) async -> String {
        guard slice > .zero else { return "kernel default" }
        let asked = Int64(slice.nanoseconds)
        var allGranted = true
        var refusal: Int32 = 0
        for loop in group.makeIterator() {
            let outcome = try? await loop.submit { () -> (error: Int32, slice: Int64) in
                let error = tern_request_scheduler_slice(UInt64(asked))
                return (error, tern_scheduler_slice(0))
            }.get()
            guard let outcome else { continue }
            if outcome.error != 0 { refusal = outcome.error }
            allGranted = allGranted && outcome.slice == asked
        }
        if refusal != 0 {
            logger.notice("the kernel refused the event loops' scheduler slice; they keep its default", metadata: [
                "error": "\(SystemErrorText.describe(errno: refusal))"
            ])
            return "kernel default"
        }
        guard allGranted else {
            logger.notice("this kernel keeps no slice per thread (Linux 6.12 and later do); the event loops keep its default")
            return "kernel default"
        }
        return "\(HumanDuration(Duration(slice)))"
    }
}
