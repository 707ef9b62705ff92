import UnixSignals

/// SIGINT and SIGTERM, the signals that stop a command that listens.
enum StopSignals {
    /// Traps both signals and returns `true` when the first arrives, or `false` when the
    /// calling task is cancelled first.
    static func next() async -> Bool {
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
            return true
        }
        return false
    }
}
