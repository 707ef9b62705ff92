import Atomics
import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Finds out who the client of `hello` is (PROTOCOL.md section 6.4), from its credentials
    /// and its TLS session, against the broker's users now. Meanwhile the input after the HELLO
    /// waits. A token is checked off the event loop; a failure is answered
    /// ``BrokerConfiguration/authenticationFailureDelay`` after the HELLO, whatever it was.
    func authenticate(_ hello: Frame.Hello) {
        let users = core.authorization
        guard users.requiresAuthentication else {
            run(state.authenticated(as: nil))
            return
        }
        guard let context else { return }
        helloReceived = context.eventLoop.now
        let method = hello.credentials == nil ? "certificate" : hello.credentials?.user.hasPrefix("ed25519:") == true ? "public key" : "token"
        switch Authenticator.authenticate(hello.credentials, tls: tlsHandshake, users: users) {
        case .authenticated(let user):
            // Decided at once, within this read: the frames after the HELLO go on as they are.
            admit(user, method: method)
        case .refused(let reason, let detail):
            holdInput()
            refuseAuthentication(reason: reason, detail: detail, method: method, context: context)
        case .checkToken(let token, let candidates):
            holdInput()
            let abandoned = ManagedAtomic(false)
            tokenCheckAbandoned = abandoned
            let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
            core.tokenChecks.check(token, candidates: candidates, on: context.eventLoop) {
                !abandoned.load(ordering: .relaxed)
            }.whenSuccess { outcome in
                loopBoundSelf.value.tokenCheckAbandoned = nil
                loopBoundSelf.value.finishTokenCheck(outcome, method: method)
            }
        }
    }

    /// Holds the input after the HELLO back until the authentication is decided.
    private func holdInput() {
        awaitingAuthentication = true
        state.readGate.inputDeferred()
    }

    /// Lets the client of a checked token in, or refuses it once the failure delay has passed;
    /// the input after its HELLO goes on.
    private func finishTokenCheck(_ outcome: Authenticator.Outcome, method: String) {
        guard !state.isClosing, let context else { return }
        switch outcome {
        case .authenticated(let user):
            // A reload during the check: the user as it is now, or no more.
            guard let current = core.authorization.user(named: user.name), current.credential == user.credential else {
                refuseAuthentication(reason: "the token is not valid", detail: "user '\(user.name)' was removed during its check", method: method, context: context)
                return
            }
            admit(current, method: method)
            awaitingAuthentication = false
            flushIfNeeded()
            inputMayGoOn()
        case .refused(let reason, let detail):
            refuseAuthentication(reason: reason, detail: detail, method: method, context: context)
        case .checkToken:
            // The token checks answer with a verdict; this is not one.
            refuseAuthentication(reason: "the token was not checked", detail: "no verdict on the token", method: method, context: context)
        }
    }

    /// Welcomes the client as `user`.
    private func admit(_ user: User, method: String) {
        logger.info("client authenticated", metadata: ["method": "\(method)", "user": "\(user.name)"])
        run(state.authenticated(as: user))
    }

    /// Logs and counts a failed authentication (never with the secret), and answers it with
    /// `authentication_failed` at the HELLO's time plus the failure delay.
    private func refuseAuthentication(reason: String, detail: String, method: String, context: ChannelHandlerContext) {
        core.statistics.authenticationFailed()
        logger.warning("authentication failed", metadata: ["method": "\(method)", "reason": "\(detail)"])
        let answerAt = (helloReceived ?? context.eventLoop.now) + core.configuration.authenticationFailureDelay
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: answerAt) {
            let handler = loopBoundSelf.value
            if let error = handler.state.authenticationFailed("authentication failed: \(reason)") { handler.sendError(error) }
        }
    }

    /// Applies a reloaded configuration's users to this connection: closes it with
    /// `authentication_failed` when its user is gone (or its credential changed, or the broker
    /// now has users and the client never authenticated), otherwise takes the user's new
    /// permissions and ends each subscription they no longer allow with an ERROR
    /// `permission_denied`. Returns whether the connection closes and how many subscriptions ended.
    func reauthorize(with users: Authorization) -> (closed: Bool, endedSubscriptions: Int) {
        guard state.isReady else { return (false, 0) }
        let current = state.authorization?.user
        guard current != nil || users.requiresAuthentication else { return (false, 0) }
        guard let current, let updated = users.user(named: current.name), updated.credential == current.credential else {
            core.statistics.authenticationFailed()
            let reason = current.map { "user '\($0.name)' was removed from the broker's users" } ?? "the broker now requires authentication"
            logger.warning("closing a connection after a reload", metadata: ["reason": "\(reason)"])
            sendError(Frame.Error(code: .authenticationFailed, message: "authentication failed: " + reason, closesConnection: true))
            return (true, 0)
        }
        let ended = state.reauthorized(as: updated)
        for (subscriber, refusal) in ended {
            core.statistics.permissionDenied()
            logger.info("ended a subscription its user may no longer have", metadata: ["subscription": "\(subscriber.subscriptionID)", "pattern": "\(subscriber.pattern)"])
            send(.error(Frame.Error(code: .permissionDenied, subject: .subscription, id: UInt64(subscriber.subscriptionID), message: refusal, closesConnection: false)))
        }
        retire(ended.map(\.0))
        flushIfNeeded()
        return (false, ended.count)
    }
}
