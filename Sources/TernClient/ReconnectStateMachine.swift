import NIOCore
import TernProtocol

/// Where and when a client connects, as a value: the server of each attempt, the backoff with
/// jitter between attempts, the attempts counted against the limit, and when to give up.
/// Events in (a connection ready or lost, an attempt failed, a broker in lame duck mode,
/// addresses announced), actions out; ``ClientSession`` carries them out. Time is the event
/// loop's, passed in; randomness comes from the caller's generator.
struct ReconnectStateMachine {
    enum Phase: Equatable {
        /// Trying to connect for the first time.
        case connecting
        case connected(ServerAddress)
        /// The connection was lost; trying to connect again.
        case reconnecting
        /// Closed by the client, or given up.
        case closed
    }

    enum Action: Equatable {
        /// Open a connection to the server once `delay` has passed.
        case connect(ServerAddress, after: Duration)
        /// Stop trying: the client is finished with `error`.
        case giveUp(TernClientError)
    }

    private(set) var phase = Phase.connecting
    private(set) var pool: ServerPool
    private let policy: TernClient.Configuration.Reconnect?
    /// Until when a failed first connection is retried; `nil` tries each server once.
    private let firstConnectionDeadline: NIODeadline?
    /// The server of the attempt under way, or of the connection.
    private(set) var server: ServerAddress?
    /// Failed attempts since the last connection (or since the start).
    private(set) var failedAttempts = 0
    /// When the last connection was lost.
    private var lostAt: NIODeadline?

    /// - Parameters:
    ///   - policy: How to reconnect; `nil` never does.
    ///   - retryingFirstConnectionUntil: Until when a failed first connection is retried with the
    ///     backoff; `nil` tries each server once.
    init(
        servers: [ServerAddress], randomize: Bool, policy: TernClient.Configuration.Reconnect?,
        retryingFirstConnectionUntil deadline: NIODeadline? = nil, using random: inout some RandomNumberGenerator
    ) {
        pool = ServerPool(servers, randomize: randomize, using: &random)
        self.policy = policy
        firstConnectionDeadline = deadline
    }

    /// The server of the first attempt, or `nil` when there is none to try.
    mutating func start() -> ServerAddress? {
        server = pool.next(after: nil)
        return server
    }

    /// The attempt under way succeeded: the event to report.
    mutating func connected(at now: NIODeadline) -> TernClientEvent? {
        guard let server else { return nil }
        let wasReconnecting = phase == .reconnecting
        phase = .connected(server)
        failedAttempts = 0
        guard wasReconnecting, let lostAt else { return .connected(server) }
        return .reconnected(server, after: .nanoseconds((now - lostAt).nanoseconds))
    }

    /// The connection was lost with `error`: where to reconnect, or to give up when the policy
    /// says never.
    mutating func connectionLost(_ error: TernClientError, at now: NIODeadline, using random: inout some RandomNumberGenerator) -> Action {
        guard case .connected(let lost) = phase else { return .giveUp(error) }
        guard let policy, !Self.isFinal(error) else {
            phase = .closed
            return .giveUp(error)
        }
        phase = .reconnecting
        lostAt = now
        failedAttempts = 0
        return attempt(after: lost, delay: policy.delay(beforeAttempt: 1, using: &random))
    }

    /// The attempt under way failed with `error`: the next attempt, or to give up.
    mutating func attemptFailed(_ error: TernClientError, at now: NIODeadline, using random: inout some RandomNumberGenerator) -> Action {
        failedAttempts += 1
        if Self.isFinal(error) { return giveUp(error) }
        switch phase {
        case .connecting:
            guard let deadline = firstConnectionDeadline else {
                // Each server once, one after the other.
                return failedAttempts < pool.count ? attempt(after: server, delay: .zero) : giveUp(error)
            }
            let delay = (policy ?? TernClient.Configuration.Reconnect()).delay(beforeAttempt: failedAttempts, using: &random)
            return now + TimeAmount(delay) < deadline ? attempt(after: server, delay: delay) : giveUp(error)
        case .reconnecting:
            guard let policy else { return giveUp(error) }
            if let maxAttempts = policy.maxAttempts, failedAttempts >= maxAttempts {
                return giveUp(.disconnected(code: nil, reason: "no broker answered \(failedAttempts) attempts to reconnect; the last: \(error)"))
            }
            return attempt(after: server, delay: policy.delay(beforeAttempt: failedAttempts + 1, using: &random))
        case .connected, .closed:
            return giveUp(error)
        }
    }

    /// The broker of the connection is in lame duck mode: the next attempts try the others first.
    mutating func lameDuck() {
        guard case .connected(let server) = phase else { return }
        pool.demote(server)
    }

    /// A broker announced addresses: they replace those announced before (configured ones stay).
    mutating func learn(_ addresses: [String]) {
        pool.learn(addresses)
    }

    /// The client closes: no attempt follows. Returns whether it was open.
    mutating func close() -> Bool {
        defer { phase = .closed }
        return phase != .closed
    }

    private mutating func attempt(after previous: ServerAddress?, delay: Duration) -> Action {
        guard let next = pool.next(after: previous) else { return giveUp(.connectionFailed(reason: "no server to connect to")) }
        server = next
        return .connect(next, after: delay)
    }

    /// Whether no other attempt can succeed: the broker refused the client's credentials, and
    /// every attempt presents the same ones.
    private static func isFinal(_ error: TernClientError) -> Bool {
        if case .authenticationFailed = error { true } else { false }
    }

    private mutating func giveUp(_ error: TernClientError) -> Action {
        phase = .closed
        return .giveUp(error)
    }
}

extension TernClient.Configuration.Reconnect {
    /// How long to wait before attempt `attempt` (1 for the first after a loss): `initialDelay`
    /// doubled for each attempt before it, at most `maxDelay`, of which a random part is
    /// waited: between half of it and all of it ("equal jitter"), so that many clients that lost
    /// the same broker spread their attempts, and each waits at least half the backoff.
    func delay(beforeAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let doublings = min(max(attempt - 1, 0), 32)
        let ceiling = min(initialDelay * (1 << doublings), maxDelay)
        let milliseconds = max(ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000, 0)
        return .milliseconds(Int64.random(in: milliseconds / 2...milliseconds, using: &random))
    }
}
