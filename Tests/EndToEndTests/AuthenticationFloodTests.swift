import Foundation
import Testing
import TernClient
import TernTLS

/// A thousand connections with wrong tokens in a row, against the built `ternd`: the clients
/// already connected go on at their pace, every wrong token is refused, and the broker's memory
/// stays bounded.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AuthenticationFloodTests {
    private static let token = "flood-test-token"
    private static let attempts = 1000

    @Test func aThousandWrongTokensNeitherSlowConnectedClientsNorGrowMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-flood-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A cheaper hash than the default, so that a thousand checks take seconds, not minutes.
        let hash = try TokenHash(hashing: Self.token, costLog2: 10)
        let config = directory.appendingPathComponent("ternd.json")
        try Data("""
            {"authorization": {"users": [{"name": "svc", "token-hash": "\(hash)", "publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}]}}
            """.utf8).write(to: config)
        // Plaintext, so that what the flood costs the broker is its tokens, not TLS handshakes.
        let daemon = try await RunningDaemon.start(["--config", config.path, "--no-tls"], in: directory)
        func configuration(_ token: String) -> TernClient.Configuration {
            TernClient.Configuration(
                servers: [.init(host: "127.0.0.1", port: daemon.port)], security: .plaintext, clientName: "flood", credentials: .token(token)
            )
        }
        let client = try await TernClient.connect(configuration(Self.token))
        let clock = ContinuousClock()
        func slowestAck(of count: Int) async throws -> Duration {
            var slowest = Duration.zero
            for index in 0..<count {
                let start = clock.now
                try await client.publish("\(index)", to: "flood.check", acknowledged: true)
                slowest = max(slowest, clock.now - start)
            }
            return slowest
        }
        _ = try await slowestAck(of: 50)
        let idleBytes = daemon.residentBytes
        let progress = FloodProgress()
        let flood = Task {
            let refused = try await withThrowingTaskGroup(of: Bool.self) { group in
                var refused = 0
                var started = 0
                func attack() {
                    started += 1
                    let wrong = configuration("wrong-\(started)")
                    group.addTask {
                        do {
                            let intruder = try await TernClient.connect(wrong)
                            await intruder.close()
                            return false
                        } catch TernClientError.authenticationFailed {
                            return true
                        }
                    }
                }
                for _ in 0..<64 { attack() }
                while let wasRefused = try await group.next() {
                    refused += wasRefused ? 1 : 0
                    if started < Self.attempts { attack() }
                }
                return refused
            }
            await progress.end()
            return refused
        }
        var slowestDuringFlood = Duration.zero
        for _ in 0..<500 {
            slowestDuringFlood = max(slowestDuringFlood, try await slowestAck(of: 20))
            if await progress.isOver { break }
        }
        let refused = try await flood.value
        #expect(refused == Self.attempts, "every wrong token is refused")
        #expect(slowestDuringFlood < .seconds(1), "a connected client's publishes are acknowledged promptly during the flood: the slowest took \(slowestDuringFlood)")
        let floodedBytes = daemon.residentBytes
        #expect(floodedBytes < idleBytes + (96 << 20), "ternd's memory after the flood: \(floodedBytes >> 20) MiB, idle \(idleBytes >> 20) MiB")
        await client.close()
        try await daemon.stop()
        #expect(daemon.process.standardError.components(separatedBy: "authentication failed").count - 1 == Self.attempts)
    }
}

/// Whether the flood is over, for the loop that measures meanwhile.
private actor FloodProgress {
    private(set) var isOver = false

    func end() {
        isOver = true
    }
}
