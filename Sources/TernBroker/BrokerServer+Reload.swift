import TernTLS

extension BrokerServer {
    /// What a reload did to the connections that were open.
    public struct ReloadOutcome: Sendable, Hashable {
        /// Connections closed with `authentication_failed`: their user was removed, or its
        /// credential changed, or the broker now has users and they never authenticated.
        public var connectionsClosed = 0
        /// Subscriptions and responders ended with `permission_denied`: their user may no
        /// longer have them.
        public var subscriptionsEnded = 0

        public init() {}
    }

    /// Takes a reloaded configuration's users, TLS and topic overrides without a restart.
    ///
    /// Connections accepted from now on use `tls` (keep the broker's mode: TLS or plaintext) and
    /// authenticate against `authorization`; topics, live ones too, take `topicOverrides`. Every
    /// open connection is checked again: one whose user is gone or whose credential changed is
    /// closed with `authentication_failed`, and each subscription or responder its user's new
    /// permissions do not allow is ended with an ERROR `permission_denied` (subject
    /// subscription). Returns once every connection was checked.
    public func reload(authorization: Authorization, tls: TLSContext?, topicOverrides: [TopicOverride]) async -> ReloadOutcome {
        await core.reload(authorization: authorization, tls: tls, topicOverrides: topicOverrides)
    }
}

extension BrokerCore {
    /// What ``BrokerServer/reload(authorization:tls:topicOverrides:)`` does.
    func reload(authorization: Authorization, tls: TLSContext?, topicOverrides: [TopicOverride]) async -> BrokerServer.ReloadOutcome {
        replace(authorization: authorization, tls: tls, topicOverrides: topicOverrides)
        let checks = openConnections.map { connection in
            connection.submit({ handler in
                handler.context.map { $0.eventLoop.makeSucceededFuture(handler.reauthorize(with: authorization)) }
            }, otherwise: (closed: false, endedSubscriptions: 0))
        }
        var outcome = BrokerServer.ReloadOutcome()
        for check in checks {
            guard let result = try? await check.get() else { continue }
            outcome.connectionsClosed += result.closed ? 1 : 0
            outcome.subscriptionsEnded += result.endedSubscriptions
        }
        return outcome
    }
}
