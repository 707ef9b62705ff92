import NIOCore
import TernProtocol

extension BrokerServer {
    /// Lame duck mode: the broker leaves without a thundering herd, then stops.
    ///
    /// It stops accepting connections and tells every client with LAME_DUCK, then closes the
    /// connections one after the other at even intervals over the configured
    /// `lameDuckDuration`, so that their clients reconnect to other brokers a few at a time. Each
    /// connection stops reading, gets what the broker accepted for it (for at most the interval,
    /// or a second when that is shorter), then DROP_NOTICEs for what it will not get and GOODBYE
    /// `server_shutting_down`, as in ``shutdown()``, which ends the mode. Returns once the broker
    /// is stopped. From its start the monitoring listener's `/healthz` answers 503 (`lame_duck`),
    /// so that load balancers and readiness probes send the broker no new clients.
    public func enterLameDuckMode() async {
        core.health.lameDuck()
        try? await serverChannel.close()
        let open = core.openConnections.shuffled()
        let duration = core.configuration.lameDuckDuration
        core.logger.notice("lame duck mode", metadata: ["connections": "\(open.count)", "lame-duck-duration": "\(duration)"])
        let milliseconds = UInt32(clamping: duration.nanoseconds / 1_000_000)
        for connection in open {
            connection.execute { $0.announceLameDuck(durationMilliseconds: milliseconds) }
        }
        let start = NIODeadline.now()
        let interval = TimeAmount.nanoseconds(duration.nanoseconds / Int64(open.count + 1))
        for (index, connection) in open.enumerated() {
            guard !Task.isCancelled else { break }
            let closeAt = start + interval * Int64(index + 1)
            let wait = closeAt - .now()
            if wait > .zero { try? await Task.sleep(for: .nanoseconds(wait.nanoseconds)) }
            connection.execute { $0.quiesce() }
            let drainedBy = NIODeadline.now() + max(min(interval, .seconds(1)), .milliseconds(20))
            while NIODeadline.now() < drainedBy, !Task.isCancelled {
                let eventLoop = connection.eventLoop
                let drained = (try? await connection.submit({ eventLoop.makeSucceededFuture($0.isDrained) }, otherwise: true).get()) ?? true
                if drained { break }
                try? await Task.sleep(for: .milliseconds(10))
            }
            _ = connection.submit({ $0.finishShutdown(missedInTopics: [:]) }, otherwise: ConnectionShutdownOutcome())
        }
        await shutdown()
    }
}
