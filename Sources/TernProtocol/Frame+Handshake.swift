import NIOCore

extension Frame {
    /// HELLO (client → server), the first frame after TLS: the versions the client speaks.
    public struct Hello: Sendable, Hashable {
        /// Credentials a client may present; servers without authentication ignore them.
        ///
        /// Its description leaves the secret out, so that logging a HELLO never shows it.
        public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
            public var user: String
            public var secret: String

            public init(user: String, secret: String) {
                self.user = user
                self.secret = secret
            }

            public var description: String {
                "Credentials(user: \"\(user)\", secret: <\(secret.utf8.count) bytes>)"
            }

            public var debugDescription: String { description }
        }

        public var minVersion: UInt16
        public var maxVersion: UInt16
        public var clientName: String
        public var credentials: Credentials?

        public init(minVersion: UInt16, maxVersion: UInt16, clientName: String, credentials: Credentials? = nil) {
            self.minVersion = minVersion
            self.maxVersion = maxVersion
            self.clientName = clientName
            self.credentials = credentials
        }
    }

    /// WELCOME (server → client): the chosen version and the limits the client must respect.
    public struct Welcome: Sendable, Hashable {
        public var version: UInt16
        public var serverID: String
        public var limits: Limits
        public var features: Features
        /// How often the server pings an idle connection, in milliseconds; 0 when it does not.
        public var pingIntervalMilliseconds: UInt32

        public init(version: UInt16, serverID: String, limits: Limits, features: Features, pingIntervalMilliseconds: UInt32) {
            self.version = version
            self.serverID = serverID
            self.limits = limits
            self.features = features
            self.pingIntervalMilliseconds = pingIntervalMilliseconds
        }
    }

    /// GOODBYE (either way): the sender sends nothing more and closes after this frame.
    public struct Goodbye: Sendable, Hashable {
        public var code: ErrorCode
        public var message: String

        public init(code: ErrorCode = .ok, message: String = "") {
            self.code = code
            self.message = message
        }
    }

    /// PING and PONG (either way): a PONG echoes its PING's token.
    ///
    /// A peer answers PINGs in order with the frames before them, so a PONG also proves that
    /// everything sent before its PING has been processed.
    public struct Ping: Sendable, Hashable {
        public var token: UInt64

        public init(token: UInt64) {
            self.token = token
        }
    }

    /// ERROR (server → client): a failure, what it concerns, and whether the server closes.
    public struct Error: Sendable, Hashable {
        /// What an error is about; ``id`` is then that thing's identifier.
        public enum Subject: UInt8, Sendable, Hashable {
            case connection = 0
            case subscription = 1
            case publish = 2
            case request = 3
            case registry = 4
        }

        public var code: ErrorCode
        public var subject: Subject
        /// The subscription id, ack id, request id or registry operation id the error concerns;
        /// for ``ErrorCode/unsupportedVersion`` the server's range: min in bits 16–31, max in bits 0–15.
        public var id: UInt64
        public var message: String
        /// Whether the server closes the connection after this frame.
        public var closesConnection: Bool

        public init(code: ErrorCode, subject: Subject = .connection, id: UInt64 = 0, message: String, closesConnection: Bool) {
            self.code = code
            self.subject = subject
            self.id = id
            self.message = message
            self.closesConnection = closesConnection
        }
    }

    /// A frame of a type this version does not know.
    public struct Unknown: Sendable, Hashable {
        public var type: UInt8
        public var flags: UInt8
        public var body: ByteBuffer

        public init(type: UInt8, flags: UInt8, body: ByteBuffer) {
            self.type = type
            self.flags = flags
            self.body = body
        }
    }
}

/// The limits a server announces in WELCOME.
public struct Limits: Sendable, Hashable {
    /// The largest frame, counting its type, flags and body but not its length prefix.
    public var maxFrameLength: UInt32
    public var maxPayloadLength: UInt32
    /// The most bytes of header names and values one frame may carry.
    public var maxHeaderBytes: UInt32
    public var maxTopicLength: UInt16
    public var maxSubscriptions: UInt32

    public init(maxFrameLength: UInt32, maxPayloadLength: UInt32, maxHeaderBytes: UInt32, maxTopicLength: UInt16, maxSubscriptions: UInt32) {
        self.maxFrameLength = maxFrameLength
        self.maxPayloadLength = maxPayloadLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxTopicLength = maxTopicLength
        self.maxSubscriptions = maxSubscriptions
    }

    /// The limits of a server started with no configuration.
    public static let defaults = Limits(
        maxFrameLength: 1 << 20,
        maxPayloadLength: (1 << 20) - 4096,
        maxHeaderBytes: 16 << 10,
        maxTopicLength: 255,
        maxSubscriptions: 10_000
    )
}

/// Capabilities a server announces in WELCOME, one bit each.
public struct Features: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let acknowledgements = Features(rawValue: 1 << 0)
    public static let queueGroups = Features(rawValue: 1 << 1)
    public static let requestReply = Features(rawValue: 1 << 2)
    public static let schemas = Features(rawValue: 1 << 3)
    /// The server may send LAME_DUCK before it leaves.
    public static let lameDuck = Features(rawValue: 1 << 4)
    /// The server may send SERVERS after WELCOME.
    public static let servers = Features(rawValue: 1 << 6)
    /// The server authenticates clients (PROTOCOL.md section 6.4) and checks each user's
    /// permissions: operations may be refused with ``ErrorCode/permissionDenied``.
    public static let authentication = Features(rawValue: 1 << 5)
}
