import Atomics
import TernClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The connections scenario: opens client connections (TLS and protocol handshake each), a
/// few at a time, holds them all, notes the broker's memory before and after, then closes
/// them.
struct ConnectionsBenchmark {
    /// Connections to open; `nil` opens them for `duration` instead.
    var connections: Int?
    var duration: Duration?
    var warmup: Duration?
    /// Connections being opened at once.
    var concurrency: Int
    var configuration: TernClient.Configuration
    /// The broker's process, when its memory can be read.
    var brokerPID: Int32?

    struct Outcome {
        var connected: Int
        var seconds: Double
        /// Time from starting to connect until the broker's welcome, per connection.
        var latency: LatencyHistogram
        var brokerMemoryBefore: Int?
        var brokerMemoryAfter: Int?
    }

    func run() async throws -> Outcome {
        Self.raiseOpenFileLimit()
        if let warmup {
            let (clients, _) = try await open(count: nil, for: warmup, progress: ManagedAtomic(0))
            await clients.closeAll()
        }
        let memoryBefore = brokerPID.flatMap(BrokerProcess.residentBytes(of:))
        let start = ContinuousClock.now
        let connected = ManagedAtomic(0)
        let (count, duration) = (connections, self.duration)
        let fraction: @Sendable () -> Double = {
            if let count { return Double(connected.load(ordering: .relaxed)) / Double(count) }
            return Double((ContinuousClock.now - start).nanoseconds) / Double(duration?.nanoseconds ?? 1)
        }
        let (clients, latency) = try await ProgressBar.showing("connecting", fraction: fraction) {
            try await open(count: connections, for: duration, progress: connected)
        }
        let elapsed = ContinuousClock.now - start
        let memoryAfter = brokerPID.flatMap(BrokerProcess.residentBytes(of:))
        await clients.closeAll()
        return Outcome(
            connected: clients.count, seconds: Double(elapsed.nanoseconds) / 1e9, latency: latency,
            brokerMemoryBefore: memoryBefore, brokerMemoryAfter: memoryAfter
        )
    }

    /// Opens `count` connections, or as many as it can until `duration` has passed, keeping
    /// `concurrency` handshakes in flight.
    func open(count: Int?, for duration: Duration?, progress: ManagedAtomic<Int>) async throws -> ([TernClient], LatencyHistogram) {
        let deadline = duration.map { ContinuousClock.now + $0 }
        var clients: [TernClient] = []
        var latency = LatencyHistogram()
        do {
            try await withThrowingTaskGroup(of: (TernClient, UInt64).self) { group in
                var started = 0
                func startOne() -> Bool {
                    if let count, started >= count { return false }
                    if let deadline, ContinuousClock.now >= deadline { return false }
                    let settings = configuration.named("tern-bench conn \(started)")
                    group.addTask {
                        let begin = MonotonicClock.nanoseconds()
                        let client = try await TernClient.connect(settings)
                        return (client, MonotonicClock.nanoseconds() - begin)
                    }
                    started += 1
                    return true
                }
                for _ in 0..<concurrency {
                    guard startOne() else { break }
                }
                while let (client, nanoseconds) = try await group.next() {
                    clients.append(client)
                    progress.store(clients.count, ordering: .relaxed)
                    latency.record(nanoseconds: nanoseconds)
                    _ = startOne()
                }
            }
        } catch {
            await clients.closeAll()
            throw BenchFailure("after \(clients.count) connections: \(error)")
        }
        return (clients, latency)
    }

    /// Lets this process open as many sockets as the system allows it (the hard limit).
    static func raiseOpenFileLimit() {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}
