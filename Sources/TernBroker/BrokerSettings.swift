import Logging
import NIOCore
import TernProtocol
import TernSettingValues

/// Everything a broker process is set up with: the ``BrokerConfiguration`` the broker runs
/// with, and what the process around it needs (where its state lives, how it logs, its TLS
/// files, its threads). Each setting is declared once, in ``BrokerSetting/all``; read them
/// from any `ConfigReader` with ``init(config:)``.
public struct BrokerSettings: Sendable {
    /// The broker's configuration, except ``BrokerConfiguration/tls`` and
    /// ``BrokerConfiguration/dataDirectory``, which the process sets up from the settings below.
    public var configuration = BrokerConfiguration()
    /// Where the broker keeps its state; generated certificates go to `tls/` in it.
    public var dataDirectory = ".tern"
    public var logLevel = Logger.Level.info
    /// How `ternd` writes its log lines.
    public var logFormat = LogFormat.text
    /// Whether clients connect over TLS.
    public var usesTLS = true
    /// Whether a change of the config file reloads it, as SIGHUP does.
    public var watchesConfig = false
    /// The server's certificate chain (PEM), with ``keyFile``; when neither is set, a private CA
    /// and a server certificate are used from the data directory, and created there if missing.
    public var certificateFile: String?
    public var keyFile: String?
    /// When set, clients must present a certificate signed by this CA (PEM).
    public var clientCAFile: String?
    /// The threads that run connections and topics.
    public var eventLoops = Self.defaultEventLoops
    /// The scheduling slice the event loops' threads ask the kernel for; zero keeps its default.
    public var schedulerSlice = TimeAmount.microseconds(100)
    /// The cluster this broker is a node of, if any.
    public var cluster = ClusterSettings()
    /// The addresses clients reach this broker at, announced to them in SERVERS; in a cluster,
    /// the first is the client address the node registers.
    public var clientAdvertise: [ServerAddress] = []

    /// Whether the broker announces SERVERS: in a cluster, or with addresses to advertise.
    public var announcesServers: Bool { cluster.isEnabled || !clientAdvertise.isEmpty }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        /// `info ternd: connection=3 peer=127.0.0.1:51234 connection opened`.
        case text
        /// One JSON object per line, for log shippers.
        case json
    }

    /// The settings with no setting given.
    public init() {}

    /// Half the cores, at least one. A hand-off between two loops wakes another thread, for
    /// each batch of messages and each request, and on a machine shared with clients (or with
    /// the kernel's network work) fewer, busier loops move more and answer sooner; one loop per
    /// two cores still spreads a many-core server's connections.
    static let defaultEventLoops = max(1, System.coreCount / 2)

    static let maxEventLoops = 1024
    static let maxConnections = 1 << 24
    /// The smallest max frame size: room for a 4 KiB payload and a frame's other fields.
    static let minimumFrameSize = 8 << 10
    /// What a frame needs beyond its payload when only the max frame size is set, as in
    /// PROTOCOL.md's defaults.
    static let frameOverhead = 4096
    /// The write buffer's high watermark, which pending outbound bytes must leave room for.
    static let writeBufferHighWatermark = 1 << 20

    /// The address to listen on.
    var listen: ServerAddress {
        get { configuration.listen }
        set { configuration.listen = newValue }
    }

    /// The max frame length; setting it sets the max payload to what such a frame leaves.
    var maxFrameSize: UInt32 {
        get { configuration.limits.maxFrameLength }
        set {
            configuration.limits.maxFrameLength = newValue
            configuration.limits.maxPayloadLength = newValue - UInt32(Self.frameOverhead)
        }
    }

    /// The least bytes a mailbox or a subscription's queue holds: one frame of the largest size.
    var leastQueueBytes: Int { Int(configuration.limits.maxFrameLength) }

    /// The least bytes a connection may have waiting to be written: the write buffer's high
    /// watermark and two frames of the largest size.
    var leastPendingBytes: Int { Self.writeBufferHighWatermark + 2 * Int(configuration.limits.maxFrameLength) }
}
