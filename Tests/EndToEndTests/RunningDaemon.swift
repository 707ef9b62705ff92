import Foundation
import Testing
import TernChildProcesses
import TernClient
import TernTLS

/// A `ternd` process started from the built executable in a fresh directory, on a free port.
struct RunningDaemon {
    let process: ChildProcess
    let directory: URL
    let port: Int

    /// Starts `ternd` with `arguments` and `environment`, in `directory` or a new one, on `port`
    /// or a free one.
    static func start(
        _ arguments: [String], in directory: URL? = nil, port: Int? = nil, environment: [String: String] = [:]
    ) async throws -> RunningDaemon {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("tern-daemon-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = if let port { port } else { try await Loopback.freePort() }
        let process = try await ChildProcess("ternd", ["--listen", "127.0.0.1:\(port)"] + arguments, in: directory, environment: environment)
        do {
            try await Loopback.waitForListener(on: port)
        } catch {
            process.signal(SIGKILL)
            Issue.record("ternd did not start: \(process.standardError)")
            throw error
        }
        return RunningDaemon(process: process, directory: directory, port: port)
    }

    var caFile: String { directory.appendingPathComponent(".tern/tls/ca.pem").path }

    /// A second `ternd` in a directory of its own, with this one's CA and certificate: the
    /// clients of one trust the other.
    func startAnother() async throws -> RunningDaemon {
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("tern-daemon-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: other.appendingPathComponent(".tern"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: directory.appendingPathComponent(".tern/tls"), to: other.appendingPathComponent(".tern/tls"))
        return try await RunningDaemon.start([], in: other)
    }

    /// The resident set size of the process now, from /proc/<pid>/status.
    var residentBytes: Int {
        (Int(status("VmRSS:") ?? "") ?? 0) * 1024
    }

    /// The real user id the process runs as.
    var userID: uid_t? {
        status("Uid:").flatMap { uid_t($0) }
    }

    /// The first value of the line of /proc/<pid>/status that starts with `key`.
    private func status(_ key: String) -> Substring? {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first
    }

    /// A client configuration for this daemon, trusting its CA.
    func configuration(name: String, subscriptionBufferSize: Int = 1024) -> TernClient.Configuration {
        TernClient.Configuration(
            servers: [.init(host: "127.0.0.1", port: port)],
            security: .tls(caFile: caFile, certificateFile: nil, keyFile: nil, serverName: nil),
            clientName: name, subscriptionBufferSize: subscriptionBufferSize
        )
    }

    func connect(name: String, subscriptionBufferSize: Int = 1024) async throws -> TernClient {
        try await TernClient.connect(configuration(name: name, subscriptionBufferSize: subscriptionBufferSize))
    }

    /// `tern sub` and `tern pub` against this daemon, as a user runs them: the subscriber must
    /// print what was published.
    func commandLineRoundTrip(_ label: String) async throws {
        let topic = "roundtrip." + label.filter { $0.isLetter || $0.isNumber }
        let server = ["--server", "127.0.0.1:\(port)"]
        let subscriber = try await ChildProcess("tern", ["sub", topic, "--count", "1"] + server, in: directory)
        // The subscription is live at some point after `tern sub` starts: publish until it arrives.
        let deadline = ContinuousClock.now + .seconds(30)
        while subscriber.isRunning && ContinuousClock.now < deadline {
            let publish = try await run("tern", ["pub", topic, label] + server, in: directory)
            #expect(publish.status == 0, "tern pub after \(label): \(publish.errors)")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await subscriber.wait() == 0, "tern sub after \(label): \(subscriber.standardError)")
        #expect(subscriber.standardOutput == label + "\n", "tern sub after \(label)")
    }

    func stop(removingDirectory: Bool = true) async throws {
        process.signal(SIGTERM)
        #expect(try await process.wait() == 0, "ternd exits cleanly: \(process.standardError)")
        if removingDirectory { try? FileManager.default.removeItem(at: directory) }
    }
}
