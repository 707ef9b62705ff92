import Foundation
import NIOCore
import NIOPosix
import Testing
import TernChildProcesses
import TernClient
import TernProtocol
import TernTLS

/// `ternd` run as an operator runs a service: as an ordinary user, stopped and signalled,
/// given bad values, two of them on one directory, a broker that freezes.
@Suite struct OrdinaryServiceTests {
    @Test func asAnUnprivilegedUserTerndServesTernAndTernBench() async throws {
        let daemon = try await RunningDaemon.start([])
        if let user = UnprivilegedUser.current {
            #expect(daemon.userID == user.uid, "ternd runs as nobody")
        }
        try await daemon.commandLineRoundTrip("as nobody")
        let bench = try await run("tern-bench", ["pubsub", "--messages", "2000", "--server", "127.0.0.1:\(daemon.port)"], in: daemon.directory)
        #expect(bench.status == 0, "tern-bench: \(bench.errors)")
        try await daemon.stop()
    }

    @Test func sigtermDeliversEverythingASlowSubscriberCanTakeAndReportsTheRest() async throws {
        let daemon = try await RunningDaemon.start(["--shutdown-timeout", "2s"])
        let subscriber = try await Self.subscriber(to: "backlog", on: daemon)
        let publisher = try await daemon.connect(name: "publisher")
        let count = 20_000
        let payload = String(repeating: "x", count: 1000)
        for _ in 0..<count { try await publisher.publish(payload, to: "backlog") }
        try await publisher.flush()  // every message is accepted by now
        daemon.process.signal(SIGTERM)
        let outcome = Delivery(try await subscriber.readUntilClosed(every: .milliseconds(5)))
        #expect(try await daemon.process.wait() == 0, "\(daemon.process.standardError)")
        let log = daemon.process.standardError
        let notified = Self.metadata("undelivered-notified", in: log)
        let lost = Self.metadata("lost-in-write-buffers", in: log)
        print("SIGTERM with a slow subscriber of \(count) messages: \(outcome); the log: notified \(notified), lost in write buffers \(lost)")
        #expect(outcome.received + outcome.notified <= UInt64(count), "nothing twice")
        #expect(outcome.received + notified + lost >= UInt64(count), "every accepted message delivered or counted: \(outcome), \(log)")
        if lost == 0 {
            // The subscriber took everything written to it, the notice and GOODBYE included.
            #expect(outcome.notified == notified, "the DROP_NOTICE's count is the log's: \(log)")
            #expect(outcome.sawGoodbye, "GOODBYE after the notice")
            #expect(outcome.received + outcome.notified == UInt64(count))
        }
        #expect(notified > 0, "the backlog was larger than the deadline allowed")
        #expect(log.contains("not every accepted message was delivered"), "\(log)")
    }

    @Test func sigtermWithSubscribersThatKeepUpDeliversEverything() async throws {
        let daemon = try await RunningDaemon.start([])
        let subscriber = try await Self.subscriber(to: "small", on: daemon)
        let publisher = try await daemon.connect(name: "publisher")
        for index in 0..<2000 { try await publisher.publish("message \(index)", to: "small") }
        try await publisher.flush()
        daemon.process.signal(SIGTERM)
        let outcome = Delivery(try await subscriber.readUntilClosed(every: .milliseconds(1)))
        #expect(try await daemon.process.wait() == 0)
        #expect(outcome.received == 2000 && outcome.notified == 0 && outcome.sawGoodbye, "\(outcome)")
        #expect(daemon.process.standardError.contains("every accepted message was delivered"))
    }

    @Test func sigtermWithAFrozenSubscriberCountsWhatItCouldNotWrite() async throws {
        let daemon = try await RunningDaemon.start(["--shutdown-timeout", "500ms"])
        let subscriber = try await Self.subscriber(to: "frozen", on: daemon)
        let publisher = try await daemon.connect(name: "publisher")
        let count = 10_000
        let payload = String(repeating: "y", count: 1000)
        for _ in 0..<count { try await publisher.publish(payload, to: "frozen") }
        try await publisher.flush()
        daemon.process.signal(SIGTERM)
        #expect(try await daemon.process.wait() == 0, "\(daemon.process.standardError)")
        let log = daemon.process.standardError
        let notified = Self.metadata("undelivered-notified", in: log)
        let lost = Self.metadata("lost-in-write-buffers", in: log)
        // What reached the subscriber's socket before the broker gave up is still there to read.
        let outcome = Delivery(try await subscriber.readUntilClosed(every: .milliseconds(1)))
        #expect(lost > 0, "a frozen subscriber's write buffer is counted: \(log)")
        #expect(outcome.received + notified + lost >= UInt64(count), "every accepted message delivered or counted: \(outcome), \(log)")
    }

    @Test func hangupAndTheUserSignalsLeaveTerndServing() async throws {
        let daemon = try await RunningDaemon.start([])
        for signal in [SIGHUP, SIGUSR1, SIGALRM, SIGPIPE] {
            daemon.process.signal(signal)
        }
        try await eventually(within: 10, "the signals to be logged") { daemon.process.standardError.contains("signal=SIGHUP") }
        #expect(daemon.process.isRunning)
        try await daemon.commandLineRoundTrip("after SIGHUP")
        try await daemon.stop()
    }

    @Test func badValuesAreRefusedInOneLineWithStatusOneOrTwo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-bad-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let emptyDataDir = directory.appendingPathComponent("empty-data-dir.json")
        try Data(#"{"data-dir": ""}"#.utf8).write(to: emptyDataDir)
        let refusals: [(String, [String], Int32, String)] = [
            ("ternd", ["--data-dir", ""], 1, "ternd: data-dir must not be empty"),
            ("ternd", ["--config", emptyDataDir.path], 1, "ternd: data-dir must not be empty"),
            ("ternd", ["--mailbox-bytes", "0"], 1, "ternd: mailbox-bytes must be between 1MiB and 1024GiB, not 0"),
            ("ternd", ["--slow-consumer-timeout", "1e300s"], 1, "ternd: slow-consumer-timeout must be between 10ms and 24h"),
            ("ternd", ["--handshake-timeout", "0"], 1, "ternd: handshake-timeout must be between 10ms and 24h, not 0ms"),
            ("ternd", ["--max-connections", "0"], 1, "ternd: max-connections must be between 1 and"),
            ("ternd", ["--no-tls", "--tls-client-ca", "ca.pem"], 1, "ternd: no-tls cannot be combined with"),
            ("tern", ["req", "a", "b", "--timeout", "1e300s"], 2, "tern: --timeout must be between 1ms and"),
            ("tern", ["sub", "a", "--keepalive", "1e300s"], 2, "tern: --keepalive must be between 10ms and"),
            ("tern-bench", ["pubsub", "--duration", "1e300s"], 2, "tern-bench: --duration must be between 1ms and"),
        ]
        for (executable, arguments, status, message) in refusals {
            let result = try await run(executable, arguments, in: directory)
            #expect(result.status == status, "\(executable) \(arguments): \(result.errors)")
            #expect(result.errors.hasPrefix(message), "\(executable) \(arguments): \(result.errors)")
            #expect(result.errors.split(separator: "\n").count == 1, "\(executable) \(arguments): \(result.errors)")
        }
    }

    @Test func aSecondTerndOnTheSameDataDirectoryIsRefusedNamingTheHolder() async throws {
        let daemon = try await RunningDaemon.start([])
        let port = try await Loopback.freePort()
        let second = try await run("ternd", ["--listen", "127.0.0.1:\(port)"], in: daemon.directory)
        #expect(second.status == 1)
        #expect(second.errors == "ternd: data directory .tern is in use by another process (pid \(daemon.process.processIdentifier))\n")
        try await daemon.commandLineRoundTrip("after a second ternd was refused")
        try await daemon.stop()
    }

    @Test func aFullDiskDuringTheFirstStartLeavesNoHalfWrittenCertificate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-full-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try await Loopback.freePort()
        // A file size limit stands in for a full disk: every write past 300 bytes fails.
        let limited = try await ChildProcess(
            path: URL(fileURLWithPath: "/usr/bin/prlimit"), ["--fsize=300", Executables.url("ternd").path, "--listen", "127.0.0.1:\(port)"], in: directory
        )
        #expect(try await limited.wait() == 1, "\(limited.standardError)")
        #expect(limited.standardError.contains("cannot create certificates"), "\(limited.standardError)")
        #expect(limited.standardError.contains("file too large"), "\(limited.standardError)")
        let tls = directory.appendingPathComponent(".tern/tls").path
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tls)) ?? []
        #expect(!left.contains("server.pem") && !left.contains { $0.hasSuffix(".tmp") }, "\(left)")
        // The next start, with room, creates them and serves.
        let daemon = try await RunningDaemon.start([], in: directory)
        try await daemon.commandLineRoundTrip("after a full disk")
        try await daemon.stop()
    }

    @Test func aDamagedRegistryRefusesTheStartNamingTheEntryAndAFailedSaveIsLoggedAndRefused() async throws {
        let daemon = try await RunningDaemon.start([])
        let server = ["--server", "127.0.0.1:\(daemon.port)"]
        try Data("record Order { id: string }".utf8).write(to: daemon.directory.appendingPathComponent("order.tern"))
        let registered = try await run("tern", ["schema", "register", "orders", "order.tern"] + server, in: daemon.directory)
        #expect(registered.status == 0, "\(registered.errors)")
        let registry = daemon.directory.appendingPathComponent(".tern/registry")
        if UnprivilegedUser.current != nil {
            // ternd runs as nobody: a registry directory it may not write makes saves fail.
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: registry.path)
            let refused = try await run("tern", ["schema", "register", "audit", "order.tern"] + server, in: daemon.directory)
            #expect(refused.status == 1 && refused.errors.contains("could not be saved"), "\(refused.errors)")
            #expect(daemon.process.standardError.contains("a registry change was refused: it could not be saved"), "\(daemon.process.standardError)")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: registry.path)
        }
        try await daemon.stop(removingDirectory: false)

        let file = registry.appendingPathComponent("registry.json")
        let saved = try String(contentsOf: file, encoding: .utf8)
        try saved.replacingOccurrences(of: "BACKWARD", with: "SIDEWAYS").write(to: file, atomically: true, encoding: .utf8)
        let port = try await Loopback.freePort()
        let refused = try await run("ternd", ["--listen", "127.0.0.1:\(port)"], in: daemon.directory)
        #expect(refused.status == 1)
        #expect(refused.errors.hasSuffix("registry.json is invalid: subject 'orders': unknown compatibility mode 'SIDEWAYS'\n"), "\(refused.errors)")
        #expect(refused.errors.split(separator: "\n").filter { $0.hasPrefix("ternd: ") }.count == 1, "one line says why")
    }

    @Test func aFrozenBrokerIsNoticedByKeepAliveAndByTheRequestTimeout() async throws {
        let daemon = try await RunningDaemon.start([])
        let server = ["--server", "127.0.0.1:\(daemon.port)"]
        let subscriber = try await ChildProcess("tern", ["sub", "frozen", "--keepalive", "500ms"] + server, in: daemon.directory)
        try await eventually(within: 30, "the subscriber to be connected") {
            _ = try await run("tern", ["pub", "frozen", "ready"] + server, in: daemon.directory)
            return subscriber.standardOutput.contains("ready")
        }
        daemon.process.signal(SIGSTOP)
        defer { daemon.process.signal(SIGCONT) }
        let stopped = ContinuousClock.now
        try await eventually(within: 10, "the subscriber to notice") { subscriber.standardError.contains("answered nothing") }
        #expect(ContinuousClock.now - stopped < .seconds(5), "noticed within 3 keep-alive intervals and a little")
        // It goes on trying to reconnect until stopped.
        #expect(subscriber.isRunning, "\(subscriber.standardError)")
        subscriber.signal(SIGKILL)

        let started = ContinuousClock.now
        let request = try await run("tern", ["req", "svc", "x", "--timeout", "1s"] + server, in: daemon.directory)
        #expect(request.status == 1, "\(request.errors)")
        #expect(ContinuousClock.now - started < .seconds(4), "the timeout bounds the connect too")
        daemon.process.signal(SIGCONT)
        try await daemon.stop()
    }

    /// What a subscriber got before the broker closed its connection.
    private struct Delivery: CustomStringConvertible {
        var received: UInt64 = 0
        var notified: UInt64 = 0
        var sawGoodbye = false

        init(_ frames: [Frame]) {
            for frame in frames {
                switch frame {
                case .message: received += 1
                case .dropNotice(let notice): notified += notice.count
                case .goodbye: sawGoodbye = true
                default: break
                }
            }
        }

        var description: String { "received \(received), notified \(notified), goodbye \(sawGoodbye)" }
    }

    /// A subscriber over TLS that reads only when asked to, at most 4 KiB at a time.
    private static func subscriber(to topic: String, on daemon: RunningDaemon) async throws -> RawConnection {
        let connection = try await RawConnection.connect(port: daemon.port, tls: RawConnection.tlsContext(trusting: daemon.caFile), reads: false)
        try await connection.handshake()
        try await connection.subscribe(to: topic)
        return connection
    }

    private static func metadata(_ key: String, in log: String) -> UInt64 {
        guard let range = log.range(of: key + "=") else { return 0 }
        return UInt64(log[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}
