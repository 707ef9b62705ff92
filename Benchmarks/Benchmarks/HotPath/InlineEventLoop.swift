import Dispatch
import NIOCore

/// An event loop that is current on every thread: a topic on it runs inline on the benchmark's
/// thread, so that an iteration measures the topic's work and not a hop between threads.
///
/// The benchmarks never make a topic ask its loop for anything (its queues never fill up and it
/// always has subscribers), so this loop runs nothing itself and fails if asked to.
final class InlineEventLoop: EventLoop, NIOSerialEventLoopExecutor {
    var inEventLoop: Bool { true }

    func execute(_ task: @escaping @Sendable () -> Void) {
        fatalError("InlineEventLoop runs nothing itself")
    }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        fatalError("InlineEventLoop runs nothing itself")
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        fatalError("InlineEventLoop runs nothing itself")
    }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        fatalError("InlineEventLoop runs nothing itself")
    }
}
