import Foundation
import Testing
import TernBroker
import TernChildProcesses
import TernProtocol

/// `ternd`'s settings as an operator gives them: flags, `TERN_` environment variables and a
/// config file, in that order of precedence, each checked whole, and its help.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SettingsTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tern-settings-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheConfigFile() async throws {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("ternd.json")
        try Data(#"{ "max-topic-length": 100, "max-subscriptions": 7, "max-header-bytes": "3KiB", "no-tls": false }"#.utf8).write(to: config)
        let daemon = try await RunningDaemon.start(
            ["--config", config.path, "--max-topic-length", "300"], in: directory,
            environment: ["TERN_MAX_TOPIC_LENGTH": "200", "TERN_MAX_SUBSCRIPTIONS": "8", "TERN_NO_TLS": "yes", "TERN_PING_INTERVAL": "0"]
        )
        // Plaintext: the environment's switch wins over the file's.
        let raw = try await RawConnection.connect(port: daemon.port)
        let welcome = try await raw.handshake()
        #expect(welcome.limits.maxTopicLength == 300, "the flag wins over the environment")
        #expect(welcome.limits.maxSubscriptions == 8, "the environment wins over the file")
        #expect(welcome.limits.maxHeaderBytes == 3 << 10, "the file sets what nothing else does")
        #expect(welcome.pingIntervalMilliseconds == 0)
        await raw.close()
        try await daemon.stop()
    }

    @Test func theEnvironmentAloneSetsTheAddressAndTheDataDirectory() async throws {
        let directory = try temporaryDirectory()
        let port = try await Loopback.freePort()
        let broker = try await ChildProcess("ternd", [], in: directory, environment: ["TERN_LISTEN": "127.0.0.1:\(port)", "TERN_DATA_DIR": "state"])
        defer { broker.signal(SIGKILL) }
        try await Loopback.waitForListener(on: port)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("state/tls/ca.pem").path))
        broker.signal(SIGTERM)
        #expect(try await broker.wait() == 0, "\(broker.standardError)")
    }

    @Test func aBadSettingFromAnySourceIsRefusedInOneLineNamingWhereItIs() async throws {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("ternd.json").path
        let file = "ternd: config file \(config): "
        let refusals: [(flags: [String], environment: [String: String], file: String?, status: Int32, message: String)] = [
            (["--mailbox-byte", "1MiB"], [:], nil, 2, "ternd: unknown option '--mailbox-byte'"),
            (["--mailbox-bytes", "lots"], [:], nil, 2, "ternd: --mailbox-bytes: invalid value 'lots' (a size such as 64MiB, 512KB or 4096)"),
            (["--overflow-policy=sideways"], [:], nil, 2, "ternd: --overflow-policy: invalid value 'sideways' (block, drop-oldest, drop-newest or reject)"),
            (["--listen"], [:], nil, 2, "ternd: missing value for '--listen <host:port>'"),
            (["stray"], [:], nil, 2, "ternd: unexpected argument 'stray'"),
            ([], ["TERN_MAILBOX_BYTES": "lots"], nil, 1, "ternd: TERN_MAILBOX_BYTES: invalid value 'lots' (a size such as 64MiB, 512KB or 4096)"),
            ([], ["TERN_NO_TLS": "maybe"], nil, 1, "ternd: TERN_NO_TLS: invalid value 'maybe' (true or false)"),
            ([], ["TERN_MAILBOX_BYTE": "1MiB"], nil, 1, "ternd: unknown environment variable TERN_MAILBOX_BYTE"),
            ([], ["TERN_MAILBOX_BYTES": "0"], nil, 1, "ternd: mailbox-bytes must be between 1MiB and 1024GiB, not 0 (TERN_MAILBOX_BYTES)"),
            ([], [:], #"{ "mailbox-byte": "64MiB" }"#, 1, file + "unknown key 'mailbox-byte'"),
            ([], [:], #"{ "mailbox-messages": "64" }"#, 1, file + "mailbox-messages: expected a whole number, not a string"),
            ([], [:], #"{ "no-tls": "yes" }"#, 1, file + "no-tls: expected true or false, not a string"),
            ([], [:], #"{ "listen": "127.0.0.1:1", "listen": "127.0.0.1:2" }"#, 1, file + "duplicate key 'listen'"),
            ([], [:], #"[1]"#, 1, file + "expected an object, not an array"),
            ([], [:], #"{ "slow-consumer-timeout": "soon" }"#, 1, file + "slow-consumer-timeout: invalid value 'soon' (a duration such as 100us, 250ms, 5s, 1.5m or 1h)"),
            // A bad value in the file is refused even where a flag overrides it.
            (["--mailbox-bytes", "1MiB"], [:], #"{ "mailbox-bytes": "lots" }"#, 1, file + "mailbox-bytes: invalid value 'lots'"),
            ([], [:], #"{ "max-connections": 0 }"#, 1, "ternd: max-connections must be between 1 and 16777216, not 0 (config file \(config))"),
            ([], [:], #"{ "topics": [{ "pattern": "a.>", "mailbox-bytes": "1KiB" }] }"#, 1,
             "ternd: topics[0].mailbox-bytes must be between 1MiB and 1024GiB, not 1KiB (config file \(config))"),
        ]
        for refusal in refusals {
            if let text = refusal.file { try Data(text.utf8).write(to: URL(fileURLWithPath: config)) }
            let arguments = ["--listen", "127.0.0.1:0"] + (refusal.file == nil ? [] : ["--config", config]) + refusal.flags
            let result = try await run("ternd", arguments, in: directory, environment: refusal.environment)
            let label = "\(refusal.flags) \(refusal.environment) \(refusal.file ?? "")"
            #expect(result.status == refusal.status, "\(label): \(result.errors)")
            #expect(result.errors.hasPrefix(refusal.message), "\(label): \(result.errors)")
            #expect(result.errors.split(separator: "\n").count == 1, "\(label): \(result.errors)")
        }
    }

    @Test func helpListsEverySettingWithItsHelpDefaultAndVariable() async throws {
        let help = try await run("ternd", ["--help"])
        #expect(help.status == 0, "\(help.errors)")
        // Wrapped lines joined again: each setting's sentence is whole.
        let text = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for setting in BrokerSetting.all {
            #expect(text.contains("--\(setting.key)"), "\(setting.key)")
            #expect(text.contains(setting.help), "\(setting.key)")
            #expect(text.contains("(default: \(setting.defaultDescription); TERN_\(setting.key.uppercased().replacingOccurrences(of: "-", with: "_")))"), "\(setting.key)")
        }
        #expect(text.contains("--config <file>"))
    }
}
