import Foundation
import Logging
import NIOCore
import TernBroker
import TernClient
import TernTLS
import Tracing

/// A real broker on 127.0.0.1 (a free port) with real TLS, and clients for it.
final class TestBroker: Sendable {
    let server: BrokerServer
    let files: TLSServerFiles
    private let directory: String

    /// Starts a broker with a fresh private CA; `configure` adjusts its configuration.
    static func start(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) async throws -> TestBroker {
        let directory = NSTemporaryDirectory() + "tern-e2e-" + UUID().uuidString
        let files = try TLSCertificateAuthority.generateServerFiles(in: directory)
        var configuration = BrokerConfiguration()
        // A port never handed out before in this process: a port the kernel picks could be one a
        // test killed its daemon on, to restart it there, and that test's clients would reach us.
        configuration.listen.port = try await Loopback.freePort()
        // Tests stop brokers with clients that read nothing: a short deadline keeps them quick.
        configuration.shutdownTimeout = .seconds(2)
        configuration.tls = try TLSContext(configuration: .server(certificateChainFile: files.certificateChainFile, privateKeyFile: files.privateKeyFile))
        configure(&configuration)
        var logger = Logger(label: "test-broker")
        logger.logLevel = .critical
        let server = try await BrokerServer.start(configuration: configuration, logger: logger)
        return TestBroker(server: server, files: files, directory: directory)
    }

    private init(server: BrokerServer, files: TLSServerFiles, directory: String) {
        self.server = server
        self.files = files
        self.directory = directory
    }

    /// A client configuration trusting this broker's CA (plaintext when the broker has no TLS).
    func clientConfiguration(name: String = "e2e") -> TernClient.Configuration {
        TernClient.Configuration(
            servers: [.init(host: "127.0.0.1", port: server.port)],
            security: server.configuration.tls == nil
                ? .plaintext : .tls(caFile: files.caCertificateFile, certificateFile: nil, keyFile: nil, serverName: nil),
            clientName: name
        )
    }

    /// A client of this broker, tracing with `tracer` when one is given.
    func connect(
        name: String = "e2e", tracer: (any Tracer)? = nil, _ configure: (inout TernClient.Configuration) -> Void = { _ in }
    ) async throws -> TernClient {
        var configuration = clientConfiguration(name: name)
        configure(&configuration)
        return try await TernClient.connect(configuration, tracer: tracer)
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The live topic's statistics, if it exists.
    func statistics(ofTopic name: String) async -> TopicStatistics? {
        await server.topicStatistics().first { $0.name == name }
    }
}

/// Runs `body` with a started broker and stops the broker afterwards, even when `body` throws.
func withBroker<Result>(
    _ configure: (inout BrokerConfiguration) -> Void = { _ in }, _ body: (TestBroker) async throws -> Result
) async throws -> Result {
    let broker = try await TestBroker.start(configure)
    do {
        let result = try await body(broker)
        await broker.stop()
        return result
    } catch {
        await broker.stop()
        throw error
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `operation`, failing with ``TimedOut`` if it takes longer than `seconds`.
func within<Value: Sendable>(_ seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

extension TernSubscription {
    /// The next `count` messages' payloads as strings, within `seconds`.
    func strings(_ count: Int, within seconds: Double = 20) async throws -> [String] {
        try await within(seconds, "\(count) messages on \(pattern)") {
            var received: [String] = []
            guard count > 0 else { return received }
            for try await message in self {
                received.append(message.string)
                if received.count == count { break }
            }
            return received
        }
    }

    /// The next `count` messages, within `seconds`.
    func messages(_ count: Int, within seconds: Double = 20) async throws -> [TernMessage] {
        try await within(seconds, "\(count) messages on \(pattern)") {
            var received: [TernMessage] = []
            for try await message in self {
                received.append(message)
                if received.count == count { break }
            }
            return received
        }
    }
}

/// Polls `condition` until it holds, for at most `seconds`.
func eventually(within seconds: Double = 10, _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    throw TimedOut(what: what)
}
