import Foundation
import NIOCore
import Testing
import TernClient
import TernProtocol

/// The per-topic entries of a config file, in README's format, on the built `ternd`: they take
/// effect, and a bad one refuses the start.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TopicOverrideTests {
    /// 32 MB of messages: far more than a frozen subscriber's queue, its topic's mailbox and
    /// its connection's buffers (in the kernel too) hold.
    private static let count = 8000
    private static let payload = ByteBuffer(repeating: UInt8(ascii: "m"), count: 4096)

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tern-topics-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A message whose payload starts with its sequence number.
    private func message(_ sequence: Int) -> ByteBuffer {
        var buffer = ByteBuffer(string: "\(sequence):")
        buffer.writeImmutableBuffer(Self.payload)
        return buffer
    }

    /// A subscriber over TLS that reads nothing until asked to.
    private func frozenSubscriber(to topic: String, on daemon: RunningDaemon) async throws -> RawConnection {
        let connection = try await RawConnection.connect(port: daemon.port, tls: RawConnection.tlsContext(trusting: daemon.caFile), reads: false)
        try await connection.handshake()
        try await connection.subscribe(to: topic)
        return connection
    }

    /// Reads `connection` until every message was received or reported dropped; returns the
    /// received messages' sequence numbers and the drop notices.
    private func readUntilAccounted(_ connection: RawConnection) async throws -> (received: [Int], notices: [Frame.DropNotice]) {
        var received: [Int] = []
        var notices: [Frame.DropNotice] = []
        while received.count + notices.reduce(0, { $0 + Int($1.count) }) < Self.count {
            switch try await connection.nextFrame(within: 30) {
            case .message(let message): received.append(Int(String(buffer: message.payload).prefix { $0 != ":" }) ?? -1)
            case .dropNotice(let notice): notices.append(notice)
            default: break
            }
        }
        return (received, notices)
    }

    @Test func aTopicSetToDropOldestUnderABlockDefaultDropsTheOldestWithoutSlowingItsPublisherWhileAnotherTopicBlocks() async throws {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("ternd.json")
        // Small mailboxes and queues, so that a frozen subscriber fills them at once; a long
        // slow-consumer timeout, so that the blocked topic stays blocked while the test looks.
        try Data("""
            {
              "overflow-policy": "block",
              "mailbox-messages": 64,
              "subscriber-queue-messages": 64,
              "slow-consumer-timeout": "60s",
              "topics": [
                { "pattern": "metrics.>", "overflow-policy": "drop-oldest", "mailbox-messages": 100 }
              ]
            }
            """.utf8).write(to: config)
        let daemon = try await RunningDaemon.start(["--config", config.path], in: directory)
        let frozenMetrics = try await frozenSubscriber(to: "metrics.cpu", on: daemon)
        let frozenJobs = try await frozenSubscriber(to: "jobs.build", on: daemon)

        // The drop-oldest topic takes every message past a frozen subscriber without holding its
        // publisher back.
        let metricsPublisher = try await daemon.connect(name: "metrics")
        try await within(30, "the drop-oldest topic to take every message") {
            for index in 0..<Self.count { try await metricsPublisher.publish(message(index), to: "metrics.cpu") }
            try await metricsPublisher.flush()
        }
        // The same to a topic under the default, block: its publisher is held back.
        let jobsPublisher = try await daemon.connect(name: "jobs")
        let finished = Counter()
        let jobs = Task {
            for index in 0..<Self.count { try await jobsPublisher.publish(message(index), to: "jobs.build") }
            try await jobsPublisher.flush()
            await finished.increment()
        }
        try await Task.sleep(for: .seconds(3))
        #expect(await finished.value == 0, "the block topic holds its publisher back")

        let metrics = try await readUntilAccounted(frozenMetrics)
        #expect(!metrics.notices.isEmpty && metrics.notices.allSatisfy { $0.reason == .droppedOldest }, "\(metrics.notices)")
        #expect(metrics.received.count < Self.count, "the oldest messages were dropped")
        #expect(metrics.received == metrics.received.sorted(), "what is left stays in order")
        #expect(metrics.received.last == Self.count - 1, "the newest message survives")

        // Once its subscriber reads, the block topic delivers everything, and its publisher goes on.
        let blocked = try await readUntilAccounted(frozenJobs)
        #expect(blocked.notices.isEmpty, "\(blocked.notices)")
        #expect(blocked.received == Array(0..<Self.count))
        try await within(30, "the block topic's publisher to finish") { try await jobs.value }

        for connection in [frozenMetrics, frozenJobs] { await connection.close() }
        for client in [metricsPublisher, jobsPublisher] { await client.close() }
        try await daemon.stop()
    }

    @Test func aTopicEntryWithABadValueOrAnUnknownKeyRefusesTheStartNamingIt() async throws {
        let directory = try temporaryDirectory()
        let entries: [(String, String)] = [
            (
                #"{ "pattern": "metrics.>", "overflow-policy": "drop-oldest" }, { "pattern": "audit.>", "overflow-policy": "bogus" }"#,
                "topics[1].overflow-policy: invalid value 'bogus' (block, drop-oldest, drop-newest or reject)"
            ),
            (#"{ "pattern": "metrics.>", "mailbox-message": 10 }"#, "topics[0]: unknown key 'mailbox-message'"),
            (#"{ "pattern": "metrics.>", "mailbox-messages": "ten" }"#, "topics[0].mailbox-messages: expected a whole number, not a string"),
            (#"{ "overflow-policy": "reject" }"#, "topics[0]: missing key 'pattern'"),
            (#"{ "pattern": "metrics..cpu" }"#, "topics[0].pattern: invalid value 'metrics..cpu' (pattern 'metrics..cpu' has an empty token)"),
            (#"{ "pattern": "metrics.>", "listen": "0.0.0.0:1" }"#, "topics[0]: unknown key 'listen'"),
        ]
        for (entry, complaint) in entries {
            let config = directory.appendingPathComponent("ternd.json")
            try Data(#"{ "overflow-policy": "block", "topics": [\#(entry)] }"#.utf8).write(to: config)
            let result = try await run("ternd", ["--config", config.path, "--listen", "127.0.0.1:0"], in: directory)
            #expect(result.status == 1, "\(entry): \(result.errors)")
            #expect(result.errors == "ternd: config file \(config.path): \(complaint)\n")
        }
    }
}
