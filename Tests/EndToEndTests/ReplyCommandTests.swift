import Foundation
import Testing
import TernChildProcesses
import TernClient

/// `tern reply TOPIC -- COMMAND`: what the command gets, what becomes of its output and its
/// failures, and what becomes of the command when the broker stops; the built `ternd` and
/// `tern`, and requests from a client.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReplyCommandTests {
    @Test func largeInputAndOutputCrossAtTheSameTime() async throws {
        let responder = try await Responder.start(["cat"])
        // Far more than a pipe holds, both ways: writing it all before reading would deadlock.
        let payload = (0..<900_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let reply = try await responder.request(payload)
        #expect(Array(reply.payload.readableBytesView) == payload)
        try await responder.stop()
    }

    @Test func aCommandThatReadsPartOfItsInputStillAnswers() async throws {
        let responder = try await Responder.start(["head", "-c", "5"])
        let reply = try await responder.request(Array(repeating: UInt8(ascii: "x"), count: 1_000_000))
        #expect(reply.string == "xxxxx")
        #expect(try await responder.request(Array("again".utf8)).string == "again")
        try await responder.stop()
    }

    @Test func moreOutputThanTheLargestReplyFailsTheRequestAndStopsTheCommand() async throws {
        let responder = try await Responder.start(["yes"])
        let limit = responder.client.serverInfo.limits.maxPayloadLength
        let failure = "'yes' wrote more than the broker's limit of \(limit) bytes for a reply"
        #expect(try await responder.failure() == failure)
        #expect(responder.commands().isEmpty, "yes was stopped")
        #expect(try await responder.failure() == failure)
        try await responder.stop()
    }

    @Test func aFailedCommandsStatusAndStandardErrorReachTheRequesterAndTheLog() async throws {
        let script = "cat > /dev/null; echo 'no such order' >&2; exit 3"
        let exited = try await Responder.start(["sh", "-c", script])
        let failure = "'sh -c \(script)' exited with status 3: no such order"
        #expect(try await exited.failure() == failure)
        try await eventually("the failure to be logged") { exited.reply.standardError.contains("tern: request on '\(exited.topic)' failed: \(failure)") }
        try await exited.stop()

        let killed = try await Responder.start(["sh", "-c", "kill -KILL $$"])
        #expect(try await killed.failure() == "'sh -c kill -KILL $$' was killed by signal 9")
        try await killed.stop()
    }

    @Test func theStandardErrorOfAFailedCommandIsCutAt64KiB() async throws {
        let script = "head -c 1000000 /dev/zero | tr '\\0' e >&2; exit 1"
        let responder = try await Responder.start(["sh", "-c", script])
        let prefix = "'sh -c \(script)' exited with status 1: "
        #expect(try await responder.failure() == prefix + String(repeating: "e", count: 64 << 10))
        try await responder.stop()
    }

    @Test func theCommandGetsOnlyItsStandardStreamsAndNoSignalIgnoredOrBlocked() async throws {
        // The shell's descriptors and signal dispositions are what ls and grep inherit; ls lists
        // its own directory as descriptor 3. `tern reply` itself ignores SIGPIPE.
        let responder = try await Responder.start(["sh", "-c", "ls /proc/self/fd && grep -E '^Sig(Blk|Ign):' /proc/self/status"])
        let lines = try await responder.request(Array("x".utf8)).string.split(separator: "\n")
        #expect(lines.prefix(4) == ["0", "1", "2", "3"], "\(lines)")
        let mask = { (name: String) in
            lines.first { $0.hasPrefix(name + ":\t") }.flatMap { UInt64($0.dropFirst(name.count + 2), radix: 16) }
        }
        #expect(mask("SigBlk") == 0, "\(lines)")
        // glibc's posix_spawn leaves its two internal signals (32 and 33) ignored; no program
        // uses them. Every other signal has its default action.
        #expect(mask("SigIgn").map { $0 & ~0x1_8000_0000 } == 0, "\(lines)")
        try await responder.stop()
    }

    @Test(arguments: [
        ("tern-no-such-command", "not found in PATH"),
        ("./no-such-script", "no executable file there"),
    ])
    func aCommandThatCannotBeStartedFailsTheRequest(program: String, reason: String) async throws {
        let responder = try await Responder.start([program])
        #expect(try await responder.failure() == "cannot run '\(program)': \(reason)")
        try await responder.stop()
    }

    /// `tern reply` drains on SIGTERM: no new request, 5 seconds for the running commands, then
    /// SIGTERM for them; the second command ignores SIGTERM: SIGKILL ends it.
    @Test(arguments: [["sleep", "120"], ["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]])
    func whenTernReplyIsStoppedRunningCommandsAreStoppedAndItEndsNormally(command: [String]) async throws {
        let responder = try await Responder.start(command)
        let pending = Task { try await responder.request(Array("x".utf8)) }
        var running: [pid_t] = []
        try await eventually(within: 30, "the command to run") {
            running = responder.commands()
            return !running.isEmpty
        }
        let stopped = ContinuousClock.now
        responder.reply.signal(SIGTERM)
        #expect(try await responder.reply.wait(seconds: 20) == 0, "\(responder.reply.standardError)")
        #expect(ContinuousClock.now - stopped < .seconds(12), "5 s of drain and 2 s to SIGKILL")
        #expect(running.allSatisfy { !FileManager.default.fileExists(atPath: "/proc/\($0)") }, "the command was stopped and reaped")
        _ = await pending.result
        await responder.client.close()
        try await responder.daemon.stop()
    }

    @Test func ternReplyRegistersAgainAfterTheBrokerRestarts() async throws {
        let responder = try await Responder.start(["tr", "a-z", "A-Z"])
        #expect(try await responder.request(Array("before".utf8)).string == "BEFORE")
        responder.daemon.process.signal(SIGKILL)
        _ = try await responder.daemon.process.wait()
        try await Task.sleep(for: .seconds(1))
        let restarted = try await RunningDaemon.start([], in: responder.daemon.directory, port: responder.daemon.port)
        try await eventually(within: 10, "tern reply to be back") {
            responder.reply.standardError.contains("tern: reconnected to ")
        }
        // The requesting client reconnected too; its request waits for the responder.
        #expect(try await responder.request(Array("after".utf8)).string == "AFTER")
        #expect(responder.reply.standardError.contains("tern: lost the connection to "), "\(responder.reply.standardError)")
        await responder.client.close()
        responder.reply.signal(SIGINT)
        #expect(try await responder.reply.wait(seconds: 20) == 0, "\(responder.reply.standardError)")
        try await restarted.stop()
    }
}

/// A broker, `tern reply` running a command for one topic, and a client that sends requests.
private struct Responder {
    let daemon: RunningDaemon
    let reply: ChildProcess
    let client: TernClient
    let topic = "work"

    static func start(_ command: [String]) async throws -> Responder {
        let daemon = try await RunningDaemon.start([])
        let reply = try await ChildProcess("tern", ["reply", "work", "--server", "127.0.0.1:\(daemon.port)", "--"] + command, in: daemon.directory)
        return Responder(daemon: daemon, reply: reply, client: try await daemon.connect(name: "requester"))
    }

    /// Sends a request with `payload` and returns the reply, once `tern reply` has registered.
    func request(_ payload: [UInt8]) async throws -> TernMessage {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await client.request(payload, to: topic, timeout: .seconds(20))
            } catch TernClientError.noResponders where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// The message of the handler failure that a request gets, or `nil` when it gets a reply.
    func failure() async throws -> String? {
        do {
            _ = try await request(Array("x".utf8))
            return nil
        } catch TernClientError.handlerFailed(_, let message) {
            return message
        }
    }

    /// The commands `tern reply` runs now: its child processes.
    func commands() -> [pid_t] {
        let tasks = "/proc/\(reply.processIdentifier)/task"
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        return threads.flatMap { thread in
            let children = (try? String(contentsOfFile: "\(tasks)/\(thread)/children", encoding: .utf8)) ?? ""
            return children.split(separator: " ").compactMap { pid_t($0) }
        }
    }

    func stop() async throws {
        await client.close()
        reply.signal(SIGKILL)
        try await daemon.stop()
    }
}
