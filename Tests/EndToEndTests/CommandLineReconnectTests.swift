import Foundation
import Testing
import TernChildProcesses
import TernClient

/// `tern` and `tern-bench` when the broker dies: the built executables against the built
/// `ternd`, killed with SIGKILL.
@Suite(.timeLimit(.minutes(2))) struct CommandLineReconnectTests {
    @Test func ternSubFailsOverToTheSecondAddressOfServerWhenTheFirstBrokerIsKilled() async throws {
        let first = try await RunningDaemon.start([])
        let second = try await first.startAnother()
        let servers = ["--server", "127.0.0.1:\(first.port),127.0.0.1:\(second.port)"]
        let subscriber = try await ChildProcess("tern", ["sub", "news.>"] + servers, in: first.directory)
        defer { subscriber.signal(SIGKILL) }
        try await eventually(within: 30, "tern sub to be connected") {
            _ = try await run("tern", ["pub", "news.a", "first"] + servers, in: first.directory)
            return subscriber.standardOutput.contains("first")
        }
        first.process.signal(SIGKILL)
        _ = try await first.process.wait()
        try await eventually(within: 10, "tern sub to fail over") {
            subscriber.standardError.contains("tern: reconnected to 127.0.0.1:\(second.port)")
        }
        try await eventually(within: 10, "tern sub to print what the second broker delivers") {
            _ = try await run("tern", ["pub", "news.b", "second"] + servers, in: first.directory)
            return subscriber.standardOutput.contains("second")
        }
        #expect(subscriber.standardError.contains("tern: lost the connection to 127.0.0.1:\(first.port): "), "\(subscriber.standardError)")
        subscriber.signal(SIGTERM)
        #expect(try await subscriber.wait(seconds: 10) == 0, "\(subscriber.standardError)")
        try await second.stop()
    }

    @Test func ternReqInFlightWhenTheBrokerDiesFailsAtOnceInOneLine() async throws {
        let daemon = try await RunningDaemon.start([])
        let silent = try await SilentResponder(on: "slow", of: daemon)
        let request = try await ChildProcess("tern", ["req", "slow", "x", "--timeout", "30s", "--server", "127.0.0.1:\(daemon.port)"], in: daemon.directory)
        try await eventually(within: 20, "the request to be delivered") { silent.delivered }
        let killed = ContinuousClock.now
        daemon.process.signal(SIGKILL)
        #expect(try await request.wait(seconds: 10) == 1)
        #expect(ContinuousClock.now - killed < .seconds(5), "at once, not at the 30 s timeout")
        #expect(request.standardError == "tern: connection to the broker lost: the connection was closed abruptly\n", "\(request.standardError)")
        await silent.stop()
    }

    @Test func ternBenchReconnectReportsEveryClientBackAfterARestart() async throws {
        let daemon = try await RunningDaemon.start([])
        let bench = try await ChildProcess("tern-bench", [
            "reconnect", "--clients", "20", "--concurrency", "10", "--patience", "30s",
            "--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caFile, "--json",
        ], in: daemon.directory)
        defer { bench.signal(SIGKILL) }
        try await eventually(within: 30, "the clients to be subscribed") { bench.standardError.contains("connected and subscribed") }
        daemon.process.signal(SIGKILL)
        _ = try await daemon.process.wait()
        try await Task.sleep(for: .milliseconds(500))
        let restarted = try await RunningDaemon.start([], in: daemon.directory, port: daemon.port)
        #expect(try await bench.wait(seconds: 40) == 0, "\(bench.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(bench.standardOutput.utf8)) as? [String: Any]
        #expect(report?["disconnected"] as? Int == 20, "\(bench.standardOutput)")
        #expect(report?["resubscribed"] as? Int == 20, "\(bench.standardOutput)")
        #expect((report?["seconds_until_all_resubscribed"] as? Double ?? 99) < 20, "\(bench.standardOutput)")
        try await restarted.stop()
    }
}
