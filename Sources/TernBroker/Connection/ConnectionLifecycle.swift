import TernProtocol

/// The life of one connection as the protocol defines it: HELLO first, then its authentication,
/// then frames until GOODBYE or an error that closes; PINGs to a quiet client and the handshake
/// deadline.
struct ConnectionLifecycle {
    enum State: Equatable {
        /// TLS is up (or not used); the client must speak HELLO first.
        case awaitingHello
        /// HELLO agreed on `version`; the broker is deciding who the client is.
        case authenticating(version: UInt16)
        case ready(version: UInt16)
        /// The client said GOODBYE; anything more is a protocol error.
        case clientLeft
        /// The server is closing the connection.
        case closing
    }

    enum Action: Equatable {
        case none
        case sendWelcome(version: UInt16)
        /// Find out who the client is from the HELLO (and its TLS session), then call
        /// ``authenticated()`` or ``authenticationFailed(_:)``; later frames wait until then.
        case authenticate(Frame.Hello)
        /// Send the error and, when it says so, close.
        case sendError(Frame.Error)
        case sendPong(Frame.Ping)
        case sendPing(Frame.Ping)
        /// A frame for the broker to act on.
        case process(Frame)
        /// Close once the frames of the current read are processed and what was written is flushed.
        case close
    }

    private(set) var state = State.awaitingHello
    /// The name the client gave in its HELLO.
    private(set) var clientName: String?
    /// Set for a connection accepted beyond the connection limit: its HELLO is answered with
    /// this ERROR instead of WELCOME.
    private var refusal: Frame.Error?
    private var missedPings = 0
    private var heardSinceLastTick = false
    private var nextPingToken: UInt64 = 1

    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    mutating func frameReceived(_ frame: Frame) -> Action {
        heardSinceLastTick = true
        switch state {
        case .awaitingHello:
            guard case .hello(let hello) = frame else {
                return fail(.unexpectedFrame, "the first frame must be HELLO, not \(Self.name(of: frame))")
            }
            clientName = hello.clientName
            guard let version = ProtocolVersion.negotiate(clientMin: hello.minVersion, clientMax: hello.maxVersion) else {
                state = .closing
                return .sendError(ProtocolVersion.unsupportedVersionError(clientMin: hello.minVersion, clientMax: hello.maxVersion))
            }
            // A connection that will be refused costs no authentication.
            if let refusal {
                state = .closing
                return .sendError(refusal)
            }
            state = .authenticating(version: version)
            return .authenticate(hello)
        case .authenticating:
            // The handler holds frames back until the client is authenticated.
            return .none
        case .ready:
            return readyFrameReceived(frame)
        case .clientLeft:
            return fail(.unexpectedFrame, "\(Self.name(of: frame)) after GOODBYE")
        case .closing:
            return .none
        }
    }

    private mutating func readyFrameReceived(_ frame: Frame) -> Action {
        switch frame {
        case .publish, .subscribe, .unsubscribe, .request, .reply,
            .registerSchema, .getSchema, .listSchemas, .setCompatibility, .bindTopic, .checkSchema:
            return .process(frame)
        case .ping(let ping):
            return .sendPong(ping)
        case .pong:
            missedPings = 0
            return .none
        case .goodbye:
            state = .clientLeft
            return .close
        case .unknown(let unknown):
            return .sendError(Frame.Error(
                code: .unknownFrameType, id: UInt64(unknown.type),
                message: "unknown frame type 0x\(String(unknown.type, radix: 16)) skipped", closesConnection: false
            ))
        case .hello, .welcome, .message, .incomingRequest, .ack, .error, .dropNotice, .lameDuck, .servers, .schemaInfo, .schemaList,
            .registryResult:
            return fail(.unexpectedFrame, "\(Self.name(of: frame)) is not a frame a client sends here")
        }
    }

    /// The client is who it says (or the broker does not ask): WELCOME.
    mutating func authenticated() -> Action {
        guard case .authenticating(let version) = state else { return .none }
        state = .ready(version: version)
        return .sendWelcome(version: version)
    }

    /// The client could not prove who it is: the ERROR that closes, with `reason`.
    mutating func authenticationFailed(_ reason: String) -> Action {
        guard case .authenticating = state else { return .none }
        return fail(.authenticationFailed, reason)
    }

    /// A frame the broker acts on (publish, subscription, request, reply, registry) arrived:
    /// `true` when the connection is ready and the broker takes it as it is, `false` when
    /// ``frameReceived(_:)`` must decide what it means.
    mutating func workReceived() -> Bool {
        guard isReady else { return false }
        heardSinceLastTick = true
        return true
    }

    /// Bytes that are not a frame: report the decoding error and close.
    mutating func decodingFailed(_ error: FrameDecodingError) -> Action {
        guard state != .closing else { return .none }
        return fail(error.code, error.description)
    }

    /// The deadline for TLS, HELLO and authentication has passed.
    mutating func handshakeDeadlinePassed() -> Action {
        switch state {
        case .awaitingHello: fail(.handshakeTimeout, "no HELLO within the handshake deadline")
        case .authenticating: fail(.handshakeTimeout, "authentication did not finish within the handshake deadline")
        default: .none
        }
    }

    /// The ping interval has passed: ping a quiet connection; close one that missed two pings.
    mutating func pingIntervalPassed() -> Action {
        guard isReady else { return .none }
        defer { heardSinceLastTick = false }
        if heardSinceLastTick {
            missedPings = 0
            return .none
        }
        guard missedPings < 2 else {
            return fail(.pingTimeout, "no answer to \(missedPings) pings")
        }
        missedPings += 1
        nextPingToken += 1
        return .sendPing(Frame.Ping(token: nextPingToken))
    }

    /// The connection is beyond the broker's limit of `maxConnections`: it is read until its
    /// HELLO, which is answered `too_many_connections` (PROTOCOL.md section 6.1), so that the
    /// client hears why rather than meeting a reset.
    mutating func connectionLimitReached(maxConnections: Int) {
        refusal = Frame.Error(
            code: .tooManyConnections, message: "the broker is at its limit of \(maxConnections) connections", closesConnection: true
        )
    }

    /// The server closes the connection on its own account.
    mutating func closeRequested() {
        state = .closing
    }

    private mutating func fail(_ code: ErrorCode, _ message: String) -> Action {
        state = .closing
        return .sendError(Frame.Error(code: code, message: message, closesConnection: true))
    }

    private static func name(of frame: Frame) -> String {
        frame.type.map { "\($0)" } ?? "an unknown frame"
    }
}
