import NIOCore

extension EventLoop {
    /// Suspends the calling task until `deadline` on this loop's own timer.
    ///
    /// Unlike `Task.sleep`, whose timer runs on the global executor's threads and wakes two of
    /// them before it hands the task back, a task that prefers this loop sleeps and wakes on it:
    /// no other thread takes a core from the connections being measured.
    func sleep(until deadline: NIODeadline) async throws {
        let wakeUp = scheduleTask(deadline: deadline) {}
        try await withTaskCancellationHandler {
            try await wakeUp.futureResult.get()
        } onCancel: {
            wakeUp.cancel()
        }
    }
}
