import Atomics
import NIOCore
import TernClient

/// The reqrep scenario: one connection answers every request by echoing its payload; another
/// keeps `concurrency` requests in flight and times each one.
struct ReqRepBenchmark {
    /// Requests to make; `nil` makes them for `duration` instead.
    var requests: Int?
    var duration: Duration?
    var warmup: Duration?
    var size: Int
    var concurrency: Int
    var configuration: TernClient.Configuration

    struct Outcome {
        var completed: Int
        var seconds: Double
        var latency: LatencyHistogram
    }

    static let requestTimeout = Duration.seconds(5)

    func run() async throws -> Outcome {
        let topic = "tern-bench.\(String(UInt32.random(in: .min ... .max), radix: 16)).service"
        return try await withClients { clients in
            let responder = try await TernClient.connect(configuration.named("tern-bench responder"))
            clients.append(responder)
            let requester = try await TernClient.connect(configuration.named("tern-bench requester"))
            clients.append(requester)
            return try await run(requester: requester, responder: try await responder.makeResponder(on: topic), on: responder, topic: topic)
        }
    }

    /// Both sides' tasks run on their connection's event loop (``TernClient/taskExecutor``), as a
    /// latency-minded service would run them.
    private func run(requester: TernClient, responder: TernResponder, on responderClient: TernClient, topic: String) async throws -> Outcome {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: responderClient.taskExecutor) {
                try await responder.run(maxConcurrentHandlers: concurrency) { request in TernReply(request.payload) }
            }
            defer { group.cancelAll() }
            if let warmup {
                _ = try await phase(requester, topic: topic, count: nil, duration: warmup, label: "warming up")
            }
            let start = ContinuousClock.now
            let (completed, latency) = try await phase(requester, topic: topic, count: requests, duration: duration, label: "requesting")
            let seconds = Double((ContinuousClock.now - start).nanoseconds) / 1e9
            return Outcome(completed: completed, seconds: seconds, latency: latency)
        }
    }

    /// Makes `count` requests, or as many as fit in `duration`, from `concurrency` tasks, each
    /// with its own histogram; returns how many completed and their merged latencies.
    private func phase(_ requester: TernClient, topic: String, count: Int?, duration: Duration?, label: String) async throws -> (Int, LatencyHistogram) {
        let issued = ManagedAtomic(0)
        let start = MonotonicClock.nanoseconds()
        let deadline = duration.map { start + $0.nanoseconds }
        let fraction: @Sendable () -> Double = {
            if let count { return Double(issued.load(ordering: .relaxed)) / Double(count) }
            return Double(MonotonicClock.nanoseconds() - start) / Double(duration?.nanoseconds ?? 1)
        }
        return try await ProgressBar.showing(label, fraction: fraction) {
            try await withThrowingTaskGroup(of: (Int, LatencyHistogram).self) { group in
                for _ in 0..<concurrency {
                    group.addTask(executorPreference: requester.taskExecutor) {
                        try await requestLoop(requester, topic: topic, issued: issued, count: count, deadline: deadline)
                    }
                }
                var (completed, latency) = (0, LatencyHistogram())
                for try await (done, histogram) in group {
                    completed += done
                    latency.add(histogram)
                }
                return (completed, latency)
            }
        }
    }

    /// One task's requests: each carries its number in its first bytes, and the reply must
    /// echo the payload.
    private func requestLoop(
        _ requester: TernClient, topic: String, issued: ManagedAtomic<Int>, count: Int?, deadline: UInt64?
    ) async throws -> (Int, LatencyHistogram) {
        var payload = ByteBuffer(repeating: 0, count: size)
        var latency = LatencyHistogram()
        var completed = 0
        while true {
            let number = issued.loadThenWrappingIncrement(ordering: .relaxed)
            if let count, number >= count { break }
            let sentAt = MonotonicClock.nanoseconds()
            if let deadline, sentAt >= deadline { break }
            if size >= 8 { payload.setInteger(UInt64(number), at: 0) }
            let reply: TernMessage
            do {
                reply = try await requester.request(payload, to: topic, timeout: Self.requestTimeout)
            } catch {
                throw BenchFailure("request \(number) failed: \(error)")
            }
            latency.record(nanoseconds: MonotonicClock.nanoseconds() - sentAt)
            guard reply.payload.readableBytes == size, size < 8 || reply.payload.getInteger(at: reply.payload.readerIndex, as: UInt64.self) == UInt64(number) else {
                throw BenchFailure("the reply to request \(number) is not its echo (\(reply.payload.readableBytes) bytes)")
            }
            completed += 1
        }
        return (completed, latency)
    }
}
