import NIOCore
@testable import TernBroker
import TernProtocol

/// What must hold for the broker's connection state machine, whatever frames a client sends.
enum HandshakeProperties {
    static func check(_ decoded: DecodedStream) {
        var machine = ConnectionLifecycle()
        var welcomed = false
        var closed = false
        for (index, frame) in decoded.frames.enumerated() {
            let wasAwaitingHello = machine.state == .awaitingHello
            var action = machine.frameReceived(frame)
            if case .authenticate = action {
                // An open broker lets every client in: the handler says so to the machine.
                FuzzFrames.check(wasAwaitingHello, "\(frame) asked for authentication after the handshake")
                action = machine.authenticated()
            }
            follow(action, wasAwaitingHello: wasAwaitingHello, welcomed: &welcomed, closed: &closed, after: frame)
            // Timers fire between frames too: every third frame, a ping interval passes.
            if index % 3 == 2 {
                let tick = machine.pingIntervalPassed()
                switch tick {
                case .none, .sendPing: break
                case .sendError(let error): FuzzFrames.check(error.code == .pingTimeout && error.closesConnection, "a tick sent \(error)")
                default: FuzzFrames.check(false, "a ping tick returned \(tick)")
                }
                follow(tick, wasAwaitingHello: false, welcomed: &welcomed, closed: &closed, after: frame)
            }
        }
        if let error = decoded.error {
            let action = machine.decodingFailed(error)
            if closed {
                FuzzFrames.check(action == .none, "a closed connection reported a decoding error")
            } else {
                FuzzFrames.check(action == .sendError(Frame.Error(code: error.code, message: error.description, closesConnection: true)), "a decoding error gave \(action)")
                closed = true
            }
        }
        let deadline = machine.handshakeDeadlinePassed()
        FuzzFrames.check((deadline == .none) == (welcomed || closed), "the handshake deadline gave \(deadline) (welcomed \(welcomed), closed \(closed))")
    }

    /// Checks one action against the connection's history and updates it.
    private static func follow(_ action: ConnectionLifecycle.Action, wasAwaitingHello: Bool, welcomed: inout Bool, closed: inout Bool, after frame: Frame) {
        FuzzFrames.check(!closed || action == .none, "after closing, \(frame) gave \(action)")
        switch action {
        case .sendWelcome(let version):
            FuzzFrames.check(wasAwaitingHello && !welcomed, "a second WELCOME")
            FuzzFrames.check(ProtocolVersion.supported.contains(version), "WELCOME with version \(version)")
            welcomed = true
        case .process:
            FuzzFrames.check(welcomed, "\(frame) processed before the handshake")
        case .sendError(let error):
            var buffer = ByteBuffer()
            FuzzFrames.check((try? buffer.writeFrame(.error(error))) != nil, "an ERROR that does not encode: \(error)")
            if error.closesConnection { closed = true }
        case .close:
            guard case .goodbye = frame else { return FuzzFrames.check(false, "closed after \(frame)") }
            FuzzFrames.check(welcomed, "closed after GOODBYE before the handshake")
        case .authenticate:
            FuzzFrames.check(false, "authentication asked for twice after \(frame)")
        case .none, .sendPong, .sendPing:
            break
        }
    }
}
