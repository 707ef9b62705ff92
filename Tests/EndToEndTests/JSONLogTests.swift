import Foundation
import Testing

/// `ternd --log-format json`: every line one JSON object, connection lines with the connection's
/// id and peer, for log shippers.
@Suite(.timeLimit(.minutes(1))) struct JSONLogTests {
    @Test func everyLineIsOneJSONObjectAndConnectionLinesNameTheConnection() async throws {
        let daemon = try await RunningDaemon.start(["--log-format", "json", "--log-level", "debug"])
        let client = try await daemon.connect(name: "quote \" and\nnewline")
        try await client.publish("hello", to: "logged")
        await client.close()
        try await daemon.stop()

        let lines = daemon.process.standardError.split(separator: "\n")
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
        }
        #expect(objects.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["label"] == "ternd" && $0["message"] != nil })
        #expect(objects.contains { $0["message"] == "listening" && $0["address"] == "127.0.0.1:\(daemon.port)" })
        // The client's connection (before it, the daemon's start was probed with a bare one).
        let closed = try #require(objects.first { $0["message"] == "connection closed" && $0["client"] != nil }, "\(lines)")
        #expect(closed["client"] == "quote \" and\nnewline")
        let opened = try #require(objects.first { $0["message"] == "connection opened" && $0["connection"] == closed["connection"] }, "\(lines)")
        #expect(opened["peer"]?.hasPrefix("127.0.0.1:") == true && closed["peer"] == opened["peer"])
        #expect(objects.last?["message"] == "stopped")
    }
}
