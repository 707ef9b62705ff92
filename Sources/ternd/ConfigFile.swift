#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TernCommandSupport

/// The `--config` file: JSON with the same settings as the flags (flags win), plus mailbox
/// overrides for topic patterns.
///
/// ```json
/// {
///   "listen": "127.0.0.1:8376",
///   "data-dir": "/var/lib/tern",
///   "overflow-policy": "block",
///   "mailbox-messages": 65536,
///   "topics": [{ "pattern": "metrics.>", "overflow-policy": "drop-oldest", "mailbox-messages": 1000 }]
/// }
/// ```
struct ConfigFile: Decodable {
    /// Mailbox settings for the topics matching `pattern`; unset values take the broker's.
    struct TopicSettings: Decodable {
        var pattern: String
        var overflowPolicy: String?
        var mailboxMessages: Int?
        var mailboxBytes: String?
    }

    var listen: String?
    var dataDir: String?
    var tlsCert: String?
    var tlsKey: String?
    var tlsClientCA: String?
    var noTLS: Bool?
    var logLevel: String?
    var overflowPolicy: String?
    var mailboxMessages: Int?
    var mailboxBytes: String?
    var subscriberQueueMessages: Int?
    var subscriberQueueBytes: String?
    var slowConsumerTimeout: String?
    var shutdownTimeout: String?
    var maxConnections: Int?
    var eventLoops: Int?
    var maxFrameSize: String?
    var maxPayload: String?
    var maxHeaderBytes: String?
    var maxTopicLength: Int?
    var maxSubscriptions: Int?
    var maxPendingBytes: String?
    var handshakeTimeout: String?
    var pingInterval: String?
    var topics: [TopicSettings]?

    enum CodingKeys: String, CodingKey {
        case listen, topics
        case dataDir = "data-dir"
        case tlsCert = "tls-cert"
        case tlsKey = "tls-key"
        case tlsClientCA = "tls-client-ca"
        case noTLS = "no-tls"
        case logLevel = "log-level"
        case overflowPolicy = "overflow-policy"
        case mailboxMessages = "mailbox-messages"
        case mailboxBytes = "mailbox-bytes"
        case subscriberQueueMessages = "subscriber-queue-messages"
        case subscriberQueueBytes = "subscriber-queue-bytes"
        case slowConsumerTimeout = "slow-consumer-timeout"
        case shutdownTimeout = "shutdown-timeout"
        case maxConnections = "max-connections"
        case eventLoops = "event-loops"
        case maxFrameSize = "max-frame-size"
        case maxPayload = "max-payload"
        case maxHeaderBytes = "max-header-bytes"
        case maxTopicLength = "max-topic-length"
        case maxSubscriptions = "max-subscriptions"
        case maxPendingBytes = "max-pending-bytes"
        case handshakeTimeout = "handshake-timeout"
        case pingInterval = "ping-interval"
    }

    /// Why `path` could not be read, in the system's words when it has them.
    private static func reason(reading path: String, failedWith error: any Error) -> String {
        var status = stat()
        guard stat(path, &status) == 0, access(path, R_OK) == 0 else { return SystemErrorText.describe(errno: errno) }
        if status.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        return "\(error)"
    }

    /// Reads and parses a config file, failing with a one-line reason.
    static func load(from path: String) throws(DaemonError) -> ConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DaemonError("cannot read config file \(path): \(Self.reason(reading: path, failedWith: error))")
        }
        do {
            return try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw DaemonError("config file \(path) is not valid JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw DaemonError("config file \(path): '\(key)': \(context.debugDescription)")
        } catch {
            throw DaemonError("config file \(path): \(error)")
        }
    }
}

/// A failure that ends `ternd` with a one-line message and exit code 1.
struct DaemonError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
