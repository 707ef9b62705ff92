import TernProtocol
import TernTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TernClient {
    /// Where a client connects, how it secures the connection and how it replaces a lost one.
    public struct Configuration: Sendable, Hashable {
        /// How the connection is secured.
        public enum Security: Sendable, Hashable {
            /// TLS, verifying the broker against the CAs in `caFile` (the system's CAs when `nil`).
            /// `certificateFile` and `keyFile` name a client certificate for brokers that require
            /// one. `serverName` is the name expected in the broker's certificate; `nil` expects
            /// the host the client connects to.
            case tls(caFile: String?, certificateFile: String?, keyFile: String?, serverName: String?)
            /// No encryption: only for brokers started with `--no-tls`.
            case plaintext
        }

        /// How the client finds out that a broker is gone without a word (frozen, or cut off
        /// by the network): when the connection has been quiet for `interval`, it sends PING;
        /// after `maxUnansweredPings` of them went unanswered in a row it gives the connection
        /// up with ``TernClientError/disconnected(code:reason:)``. The check runs every
        /// `interval`, so a dead broker is noticed between `interval × (maxUnansweredPings + 1)`
        /// and `interval × (maxUnansweredPings + 2)` after its last word.
        public struct KeepAlive: Sendable, Hashable {
            public var interval: Duration
            public var maxUnansweredPings: Int

            /// A PING after 10 seconds of quiet; dead after 2 unanswered: 30 to 40 seconds.
            public init(interval: Duration = .seconds(10), maxUnansweredPings: Int = 2) {
                self.interval = interval
                self.maxUnansweredPings = maxUnansweredPings
            }
        }

        /// How a client reconnects when its connection is lost: it tries its servers one after
        /// the other, waiting before each attempt a backoff of `initialDelay`, doubled with each
        /// failed attempt up to `maxDelay`, of which it waits a random part between half and
        /// all, and gives up after `maxAttempts` failed attempts in a row (`nil`: never).
        /// Meanwhile publishes wait in a reconnect buffer of `bufferSize` bytes.
        public struct Reconnect: Sendable, Hashable {
            public var initialDelay: Duration
            public var maxDelay: Duration
            public var maxAttempts: Int?
            public var bufferSize: Int

            /// The first attempt 25 to 50 ms after the loss, then 50 to 100 ms, 100 to 200 ms …
            /// and 1 to 2 s between attempts, for ever; 8 MiB of publishes buffered.
            public init(initialDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2), maxAttempts: Int? = nil, bufferSize: Int = 8 << 20) {
                self.initialDelay = initialDelay
                self.maxDelay = maxDelay
                self.maxAttempts = maxAttempts
                self.bufferSize = bufferSize
            }
        }

        /// The CA file a broker started with no configuration creates in its working directory.
        public static let defaultCAFile = ".tern/tls/ca.pem"

        /// The brokers' addresses. The client connects to one of them, and on a lost connection
        /// to the next; addresses the brokers announce are added.
        public var servers: [ServerAddress]
        /// Whether the servers are tried in a random order (so that many clients spread over
        /// them), or in the order given.
        public var randomizeServers: Bool
        public var security: Security
        /// The name the client gives the broker in its HELLO; brokers show it in their logs.
        public var clientName: String
        /// How long connecting, the TLS handshake and the protocol handshake may take together,
        /// for each attempt.
        public var connectTimeout: Duration
        /// How long ``TernClient/connect(_:)`` keeps trying, with the reconnect backoff, when no
        /// server can be reached; `nil` tries each server once.
        public var retryFirstConnectionFor: Duration?
        /// How a lost connection is replaced; `nil` never reconnects: the client ends with the
        /// connection.
        public var reconnect: Reconnect?
        /// How many bytes of unsent publishes may be queued before `publish` waits for the
        /// connection to catch up.
        public var maxPendingBytes: Int
        /// How many messages may wait for a subscription's consumer before the client stops
        /// reading from the socket; it reads again once the consumer has taken them (it takes
        /// what waits all at once, and works through that batch before taking again).
        public var subscriptionBufferSize: Int
        /// How a dead broker is noticed; `nil` never pings (a dead broker is then noticed only
        /// when the network reports it, which may be never).
        public var keepAlive: KeepAlive?
        /// Who the client is, for a broker with users; `nil` presents none (a client certificate
        /// in ``security`` may still identify it).
        public var credentials: Credentials?
        /// How long the connection's event loop keeps polling its socket after sending a request
        /// while no other is in flight, instead of sleeping until something arrives: a reply that
        /// comes within it saves waking the loop's thread (tens of microseconds), for CPU while it
        /// polls. Zero turns it off.
        public var replyPolling: Duration

        public init(
            servers: [ServerAddress] = [.local],
            randomizeServers: Bool = true,
            security: Security = Configuration.defaultSecurity(),
            clientName: String = "tern-swift",
            connectTimeout: Duration = .seconds(10),
            retryFirstConnectionFor: Duration? = nil,
            reconnect: Reconnect? = Reconnect(),
            maxPendingBytes: Int = 1 << 20,
            subscriptionBufferSize: Int = 1024,
            keepAlive: KeepAlive? = KeepAlive(),
            credentials: Credentials? = nil,
            replyPolling: Duration = .microseconds(200)
        ) {
            self.servers = servers
            self.randomizeServers = randomizeServers
            self.security = security
            self.clientName = clientName
            self.connectTimeout = connectTimeout
            self.retryFirstConnectionFor = retryFirstConnectionFor
            self.reconnect = reconnect
            self.maxPendingBytes = maxPendingBytes
            self.subscriptionBufferSize = subscriptionBufferSize
            self.keepAlive = keepAlive
            self.credentials = credentials
            self.replyPolling = replyPolling
        }

        /// TLS trusting ``defaultCAFile`` when that file exists in the working directory, and the
        /// system's CAs otherwise.
        public static func defaultSecurity() -> Security {
            defaultSecurity(isReadable: { access($0, R_OK) == 0 })
        }

        static func defaultSecurity(isReadable: (String) -> Bool) -> Security {
            .tls(caFile: isReadable(defaultCAFile) ? defaultCAFile : nil, certificateFile: nil, keyFile: nil, serverName: nil)
        }
    }
}

extension TernClient.Configuration.Security {
    /// The TLS configuration for connecting to `host`; `nil` for plaintext.
    func tlsConfiguration(host: String) -> TLSConfiguration? {
        guard case .tls(let caFile, let certificateFile, let keyFile, let serverName) = self else { return nil }
        return .client(
            serverName: serverName ?? host,
            trustRootsFile: caFile,
            certificateChainFile: certificateFile,
            privateKeyFile: keyFile
        )
    }
}
