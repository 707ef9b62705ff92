import Foundation
import TernChildProcesses
import Testing

/// `ternd` and `tern` run as a user runs them: built executables, real TLS, real sockets.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CLITests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tern-cli-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `ternd` with `arguments` in `directory` and waits until it listens on `port`.
    private func startBroker(_ arguments: [String], in directory: URL, port: Int) async throws -> ChildProcess {
        let broker = try await ChildProcess("ternd", arguments, in: directory)
        do {
            try await Loopback.waitForListener(on: port)
        } catch {
            broker.signal(SIGKILL)
            Issue.record("ternd did not start: \(broker.standardError)")
            throw error
        }
        return broker
    }

    @Test func withNoFlagsTernTalksToTerndOverVerifiedTLS13() async throws {
        let directory = try temporaryDirectory()
        let broker = try await startBroker([], in: directory, port: 8376)
        defer { broker.signal(SIGKILL) }

        let tls = directory.appendingPathComponent(".tern/tls")
        for name in ["ca.pem", "server.pem", "server.key"] {
            #expect(FileManager.default.fileExists(atPath: tls.appendingPathComponent(name).path), "\(name) was created")
        }
        let keyMode = try FileManager.default.attributesOfItem(atPath: tls.appendingPathComponent("server.key").path)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        let subscriber = try await ChildProcess("tern", ["sub", "demo", "--count", "1"], in: directory)
        try await publish("hello", to: "demo", until: subscriber, in: directory)
        #expect(try await subscriber.wait() == 0, "\(subscriber.standardError)")
        #expect(subscriber.standardOutput == "hello\n")

        let openssl = try await ChildProcess(
            program: "openssl", ["s_client", "-connect", "127.0.0.1:8376", "-CAfile", ".tern/tls/ca.pem", "-verify_return_error", "-brief"],
            in: directory.path
        ).result()
        let report = openssl.output + openssl.errors
        #expect(openssl.status == 0, "\(report)")
        #expect(report.contains("TLSv1.3"), "\(report)")
        #expect(report.contains("Verification: OK"), "\(report)")
    }

    @Test func plaintextOnTheTLSPortIsRefusedAndTheBrokerKeepsServing() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let broker = try await startBroker(["--listen", "127.0.0.1:\(port)"], in: directory, port: port)
        defer { broker.signal(SIGKILL) }

        #expect(try await Loopback.sendAndAwaitClose("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", to: port))
        #expect(try await Loopback.sendAndAwaitClose("\u{0}\u{0}\u{0}\u{6}\u{1}\u{0}\u{0}\u{1}\u{0}\u{1}", to: port))

        let server = ["--server", "127.0.0.1:\(port)"]
        let subscriber = try await ChildProcess("tern", ["sub", "after.attack", "--count", "1"] + server, in: directory)
        try await publish("still here", to: "after.attack", until: subscriber, server, in: directory)
        #expect(try await subscriber.wait() == 0)
        #expect(subscriber.standardOutput == "still here\n")
    }

    @Test func pubReadsLinesFromStandardInputAndSubPrintsJSON() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let broker = try await startBroker(["--listen", "127.0.0.1:\(port)"], in: directory, port: port)
        defer { broker.signal(SIGKILL) }
        let server = ["--server", "127.0.0.1:\(port)"]

        let subscriber = try await ChildProcess("tern", ["sub", "lines.>", "--count", "3", "--json"] + server, in: directory)
        try await Task.sleep(for: .milliseconds(500))
        let publish = try await run("tern", ["pub", "lines.in", "--header", "source=stdin"] + server, in: directory, input: "one\ntwo\nthree\n")
        #expect(publish.status == 0, "\(publish.errors)")
        #expect(try await subscriber.wait() == 0, "\(subscriber.standardError)")
        let objects = try subscriber.standardOutput.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.map { $0?["payload"] as? String } == ["one", "two", "three"])
        #expect(objects.allSatisfy { $0?["topic"] as? String == "lines.in" })
        #expect(objects.allSatisfy { ($0?["headers"] as? [String: String])?["source"] == "stdin" })
    }

    @Test func terndExplainsBadStartsInOneLine() async throws {
        let directory = try temporaryDirectory()
        let badFlag = try await run("ternd", ["--no-such-flag"], in: directory)
        #expect(badFlag.status != 0)
        #expect(badFlag.errors.contains("--no-such-flag"))

        let unreadable = try await run("ternd", ["--tls-cert", "missing.pem", "--tls-key", "missing.key", "--listen", "127.0.0.1:0"], in: directory)
        #expect(unreadable.status != 0)
        #expect(unreadable.errors.split(separator: "\n").count == 1, "\(unreadable.errors)")
        #expect(unreadable.errors.contains("missing.pem"))

        let port = try await Loopback.freePort()
        let broker = try await startBroker(["--listen", "127.0.0.1:\(port)", "--no-tls"], in: directory, port: port)
        defer { broker.signal(SIGKILL) }
        let busy = try await run("ternd", ["--listen", "127.0.0.1:\(port)", "--no-tls", "--log-level", "error", "--data-dir", "second"], in: directory)
        #expect(busy.status != 0)
        #expect(busy.errors.contains("cannot listen on 127.0.0.1:\(port)"), "\(busy.errors)")
        #expect(busy.errors.split(separator: "\n").count == 1, "\(busy.errors)")

        let configPath = directory.appendingPathComponent("broken.json").path
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: configPath))
        let badConfig = try await run("ternd", ["--config", configPath], in: directory)
        #expect(badConfig.status != 0)
        #expect(badConfig.errors.contains("broken.json"), "\(badConfig.errors)")

        let missingConfig = try await run("ternd", ["--config", "absent.json"], in: directory)
        #expect(missingConfig.status != 0)
        #expect(missingConfig.errors == "ternd: cannot read config file absent.json: no such file or directory\n", "\(missingConfig.errors)")
        let directoryConfig = try await run("ternd", ["--config", directory.path], in: directory)
        #expect(directoryConfig.errors.hasSuffix(": it is a directory\n"), "\(directoryConfig.errors)")
    }

    @Test func aConfigFileSetsTheSameSettingsAndFlagsWin() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let config = directory.appendingPathComponent("ternd.json")
        try Data(#"{ "listen": "127.0.0.1:1", "no-tls": true, "topics": [{ "pattern": "metrics.>", "overflow-policy": "drop-oldest" }] }"#.utf8).write(to: config)
        let broker = try await startBroker(["--config", config.path, "--listen", "127.0.0.1:\(port)"], in: directory, port: port)
        defer { broker.signal(SIGKILL) }
        let subscriber = try await ChildProcess("tern", ["sub", "metrics.cpu", "--count", "1", "--no-tls", "--server", "127.0.0.1:\(port)"], in: directory)
        try await publish("42", to: "metrics.cpu", until: subscriber, ["--no-tls", "--server", "127.0.0.1:\(port)"], in: directory)
        #expect(try await subscriber.wait() == 0)
        #expect(subscriber.standardOutput == "42\n")
    }

    @Test func sigtermSaysGoodbyeToClientsAndExitsCleanlyAndTernSubReconnectsWhenTheBrokerIsBack() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let broker = try await startBroker(["--listen", "127.0.0.1:\(port)"], in: directory, port: port)
        let subscriber = try await ChildProcess("tern", ["sub", "forever", "--server", "127.0.0.1:\(port)"], in: directory)
        defer { subscriber.signal(SIGKILL) }
        // The subscriber is connected once a message published to its topic reaches it.
        try await eventually(within: 30, "the subscriber to be connected") {
            _ = try await run("tern", ["pub", "forever", "ready", "--server", "127.0.0.1:\(port)"], in: directory)
            return subscriber.standardOutput.contains("ready")
        }
        broker.signal(SIGTERM)
        #expect(try await broker.wait() == 0, "\(broker.standardError)")
        #expect(broker.standardError.contains("stopped"))
        // `tern sub` says so in one line and waits for the broker to come back.
        try await eventually(within: 10, "tern sub to report the disconnect") {
            subscriber.standardError.contains("tern: lost the connection to 127.0.0.1:\(port): disconnected by the broker: ")
        }
        #expect(subscriber.standardError.contains("the broker is shutting down"), "\(subscriber.standardError)")
        #expect(subscriber.isRunning)

        let restarted = try await startBroker(["--listen", "127.0.0.1:\(port)"], in: directory, port: port)
        defer { restarted.signal(SIGKILL) }
        try await eventually(within: 30, "the subscriber to be back") {
            _ = try await run("tern", ["pub", "forever", "again", "--server", "127.0.0.1:\(port)"], in: directory)
            return subscriber.standardOutput.contains("again")
        }
        #expect(subscriber.standardError.contains("tern: reconnected to 127.0.0.1:\(port) after "), "\(subscriber.standardError)")
        // SIGINT drains it: it ends normally.
        subscriber.signal(SIGINT)
        #expect(try await subscriber.wait(seconds: 10) == 0, "\(subscriber.standardError)")
        #expect(subscriber.standardError.split(separator: "\n").count == 2, "one line per disconnect and reconnect: \(subscriber.standardError)")
    }

    @Test func ternExplainsAStandardStreamItCannotUseInOneLine() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let broker = try await startBroker(["--listen", "127.0.0.1:\(port)", "--no-tls"], in: directory, port: port)
        defer { broker.signal(SIGKILL) }
        let server = ["--server", "127.0.0.1:\(port)", "--no-tls"]
        let tern = Executables.url("tern").path
        let flags = server.joined(separator: " ")
        let shell = URL(fileURLWithPath: "/bin/sh")

        let full = try await ChildProcess(path: shell, ["-c", "exec \(tern) sub full \(flags) > /dev/full"], in: directory)
        try await eventually(within: 30, "tern sub to fail") {
            _ = try await run("tern", ["pub", "full", "x"] + server, in: directory)
            return !full.isRunning
        }
        #expect(try await full.wait() == 1)
        #expect(full.standardError == "tern: cannot write to standard output: no space left on device\n", "\(full.standardError)")

        let unreadable = try await ChildProcess(path: shell, ["-c", "exec \(tern) pub lines \(flags) < /"], in: directory).result()
        #expect(unreadable.status == 1)
        #expect(unreadable.errors == "tern: cannot read standard input: is a directory\n", "\(unreadable.errors)")
    }

    @Test func ternExplainsAConnectionFailureInOneLine() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let result = try await run("tern", ["pub", "nowhere", "x", "--server", "127.0.0.1:\(port)", "--no-tls"], in: directory)
        #expect(result.status != 0)
        #expect(result.errors.split(separator: "\n").count == 1, "\(result.errors)")
        #expect(result.errors.contains("127.0.0.1:\(port)") || result.errors.contains("connect"), "\(result.errors)")
    }
}

/// `tern req` and `tern reply` as a user runs them, against a running `ternd`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RequestReplyCLITests {
    private func startBroker() async throws -> (ChildProcess, URL, [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-rr-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try await Loopback.freePort()
        let broker = try await ChildProcess("ternd", ["--listen", "127.0.0.1:\(port)"], in: directory)
        try await Loopback.waitForListener(on: port)
        return (broker, directory, ["--server", "127.0.0.1:\(port)"])
    }

    /// Runs `tern req topic payload` until a responder answers it: a `tern reply` just started
    /// may take longer than any fixed pause to register, and until then the broker answers "no
    /// responders".
    private func request(_ topic: String, _ payload: String, _ server: [String], in directory: URL) async throws -> (status: Int32, output: String, errors: String) {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let result = try await run("tern", ["req", topic, payload] + server, in: directory)
            guard result.errors.contains("no responders"), ContinuousClock.now < deadline else { return result }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func anEchoResponderAnswersARequest() async throws {
        let (broker, directory, server) = try await startBroker()
        defer { broker.signal(SIGKILL) }
        let responder = try await ChildProcess("tern", ["reply", "svc", "--echo"] + server, in: directory)
        defer { responder.signal(SIGKILL) }
        let reply = try await request("svc", "hello", server, in: directory)
        #expect(reply.status == 0, "\(reply.errors)")
        #expect(reply.output == "hello\n")

        let command = try await ChildProcess("tern", ["reply", "upper"] + server + ["--", "tr", "a-z", "A-Z"], in: directory)
        defer { command.signal(SIGKILL) }
        let upper = try await request("upper", "hello world", server, in: directory)
        #expect(upper.output == "HELLO WORLD\n", "\(upper.errors)")
    }

    @Test func aRequestNobodyAnswersFailsAtOnce() async throws {
        let (broker, directory, server) = try await startBroker()
        defer { broker.signal(SIGKILL) }
        // The timeout is long: the answer must come from "no responders", not from waiting.
        let result = try await run("tern", ["req", "nobody", "x", "--timeout", "60s"] + server, in: directory, seconds: 20)
        #expect(result.status != 0)
        #expect(result.errors.contains("no responders"), "\(result.errors)")
    }

    @Test func killingTheResponderFailsItsRequestAtOnce() async throws {
        let (broker, directory, server) = try await startBroker()
        defer { broker.signal(SIGKILL) }
        let responder = try await ChildProcess("tern", ["reply", "slow"] + server + ["--", "sleep", "120"], in: directory)
        try await Task.sleep(for: .milliseconds(500))
        let request = try await ChildProcess("tern", ["req", "slow", "x", "--timeout", "120s"] + server, in: directory)
        try await Task.sleep(for: .milliseconds(500))
        responder.signal(SIGKILL)
        #expect(try await request.wait(seconds: 20) != 0)
        #expect(request.standardError.contains("went away"), "\(request.standardError)")
    }
}
