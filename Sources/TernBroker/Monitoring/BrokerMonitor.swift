import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TernMonitoring
import TernProtocol

/// What the monitoring listener answers, path by path: `/metrics` (Prometheus text), `/healthz`,
/// `/stats`, `/connections` and `/topics` (JSON). It runs off the broker's event loops; what it
/// gathers from connections and topics it gathers a bounded number at a time (``BrokerSurvey``).
final class BrokerMonitor: Sendable {
    private let core: BrokerCore
    private let survey: BrokerSurvey
    /// Where clients connect and where the monitoring listener is, once both listen.
    let addresses = NIOLockedValueBox<(listen: ServerAddress?, monitor: ServerAddress?)>((nil, nil))
    private let topicRates = NIOLockedValueBox(RateTracker<String>())
    private let connectionRates = NIOLockedValueBox(RateTracker<UInt64>())

    init(core: BrokerCore) {
        self.core = core
        self.survey = BrokerSurvey(core: core)
    }

    /// One answer.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
    }

    /// The paths the listener serves.
    static let paths = ["/metrics", "/healthz", "/stats", "/connections", "/topics"]

    /// The answer to `method` on `target` (a path and query).
    func respond(to method: HTTPMethod, target: String) async -> Response {
        guard method == .GET else {
            return error(.methodNotAllowed, "only GET is served, not \(method)")
        }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let (path, query) = (parts[0], parts.count > 1 ? parts[1] : nil)
        do {
            switch path {
            case "/metrics":
                try Self.checkEmpty(query)
                core.updateMetrics()
                return Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: core.metrics.registry.emitToBuffer())
            case "/healthz":
                try Self.checkEmpty(query)
                let health = core.health.current
                return try json(health.isServing ? .ok : .serviceUnavailable, health)
            case "/stats":
                try Self.checkEmpty(query)
                return try json(.ok, stats())
            case "/connections":
                return try json(.ok, await connections(MonitorQuery(query, defaultSort: .id)))
            case "/topics":
                return try json(.ok, await topics(MonitorQuery(query, defaultSort: .name)))
            default:
                return error(.notFound, "no such path: \(path) (\(Self.paths.joined(separator: ", ")) are served)")
            }
        } catch let refusal as MonitorQuery<ConnectionSortKey>.Refusal {
            return error(.badRequest, refusal.reason)
        } catch let refusal as MonitorQuery<TopicSortKey>.Refusal {
            return error(.badRequest, refusal.reason)
        } catch {
            return self.error(.internalServerError, "\(error)")
        }
    }

    private static func checkEmpty(_ query: Substring?) throws(MonitorQuery<TopicSortKey>.Refusal) {
        guard let query, !query.isEmpty else { return }
        throw MonitorQuery<TopicSortKey>.Refusal(reason: "this path takes no parameters, not '\(query)'")
    }

    private func json(_ status: HTTPResponseStatus, _ value: some Encodable) throws -> Response {
        Response(status: status, contentType: "application/json", body: try MonitorJSON.encode(value))
    }

    private func error(_ status: HTTPResponseStatus, _ message: String) -> Response {
        let body = (try? MonitorJSON.encode(MonitorErrorBody(error: message))) ?? Array("{\"error\": \"\"}\n".utf8)
        return Response(status: status, contentType: "application/json", body: body)
    }

    // MARK: Views

    /// The summary `/stats` serves.
    func stats() -> ServerStats {
        let statistics = core.statistics.snapshot
        let configuration = core.configuration
        let (listen, monitor) = addresses.withLockedValue { $0 }
        return ServerStats(
            version: BrokerServer.version, serverID: configuration.serverID, startedAt: core.clock.startedAt, now: core.clock.date(of: .now()),
            uptimeSeconds: core.clock.uptime, health: core.health.current,
            settings: ServerStats.Settings(
                listen: "\(listen ?? configuration.listen)", monitor: monitor.map { "\($0)" }, tls: configuration.tls != nil,
                mutualTLS: configuration.tls?.configuration.clientAuthentication == .required, maxConnections: configuration.maxConnections,
                maxPayload: Int(configuration.limits.maxPayloadLength), maxTopics: configuration.maxTopics,
                overflowPolicy: configuration.mailbox.policy.rawValue, mailboxMessages: configuration.mailbox.capacity.messages,
                mailboxBytes: configuration.mailbox.capacity.bytes, subscriberQueueMessages: configuration.subscriberQueue.messages,
                subscriberQueueBytes: configuration.subscriberQueue.bytes,
                slowConsumerTimeoutSeconds: Double(configuration.slowConsumerTimeout.nanoseconds) / 1e9,
                shutdownTimeoutSeconds: Double(configuration.shutdownTimeout.nanoseconds) / 1e9, metricsTopics: configuration.metricsTopics
            ),
            totals: ServerStats.Totals(
                connections: statistics.connections, connectionsAccepted: statistics.connectionsAccepted,
                connectionsRefused: statistics.connectionsRefused, topics: statistics.topics, subscriptions: core.subscriptions,
                messagesReceived: statistics.published, bytesReceived: statistics.publishedBytes, messagesDelivered: statistics.delivered,
                bytesDelivered: statistics.deliveredBytes, publishesRefused: statistics.publishesRefused, messagesDropped: statistics.dropped,
                slowConsumers: statistics.slowConsumers, requests: statistics.requests,
                requestsWithoutResponders: statistics.requestsWithoutResponders, requestsTimedOut: statistics.requestsTimedOut,
                mailboxMessages: statistics.mailboxMessages, mailboxBytes: statistics.mailboxBytes,
                subscriberQueueMessages: statistics.subscriberQueueMessages, subscriberQueueBytes: statistics.subscriberQueueBytes
            ),
            rates: core.rates.withLockedValue { $0.current },
            cluster: core.routes?.stats
        )
    }

    /// The page of connections `query` asks for.
    private func connections(_ query: MonitorQuery<ConnectionSortKey>) async -> MonitorPage<ConnectionInfo> {
        let summaries = await survey.connections()
        let now = NIODeadline.now()
        let rated = connectionRates.withLockedValue { rates in
            defer { rates.forgetStale(at: now) }
            return summaries.map { summary in
                (summary, rates.rates(
                    of: summary.id, messages: summary.messagesIn + summary.messagesOut, bytes: summary.bytesIn + summary.bytesOut, at: now
                ))
            }
        }
        let sorted = rated.sorted { lhs, rhs in
            let (left, right) = (lhs.0, rhs.0)
            switch query.sort {
            case .id: return left.id < right.id
            case .messages: return (left.messagesIn + left.messagesOut, right.id) > (right.messagesIn + right.messagesOut, left.id)
            case .bytes: return (left.bytesIn + left.bytesOut, right.id) > (right.bytesIn + right.bytesOut, left.id)
            case .pending: return (left.pendingBytes, right.id) > (right.pendingBytes, left.id)
            case .rate: return (lhs.1.messages, right.id) > (rhs.1.messages, left.id)
            case .subscriptions: return (left.subscriptions, right.id) > (right.subscriptions, left.id)
            }
        }
        let items = query.page(of: sorted).map { summary, rates in
            ConnectionInfo(
                id: summary.id, peer: summary.peer, clientName: summary.clientName, user: nil, tlsVersion: summary.tls?.version,
                tlsCipher: summary.tls?.cipher, clientCertificate: summary.tls?.clientCertificate, subscriptions: summary.subscriptions,
                pendingBytes: summary.pendingBytes, messagesIn: summary.messagesIn, messagesOut: summary.messagesOut, bytesIn: summary.bytesIn,
                bytesOut: summary.bytesOut, messagesPerSecond: rates.messages, bytesPerSecond: rates.bytes,
                connectedSince: core.clock.date(of: summary.connectedAt), lastActivity: core.clock.date(of: summary.lastActivity)
            )
        }
        return MonitorPage(total: summaries.count, offset: query.offset, limit: query.limit, sort: query.sort.rawValue, items: items)
    }

    /// The page of topics `query` asks for. Sorted by name, only the page's topics are asked for
    /// their statistics; sorted otherwise, every topic is.
    private func topics(_ query: MonitorQuery<TopicSortKey>) async -> MonitorPage<TopicInfo> {
        let topics = core.directory.topics
        let statistics = await survey.statistics(of: query.sort == .name ? Array(query.page(of: topics)) : topics)
        let now = NIODeadline.now()
        let rated = topicRates.withLockedValue { rates in
            defer { rates.forgetStale(at: now) }
            return statistics.map { topic in
                (topic, rates.rates(of: topic.name, messages: topic.counters.published + topic.counters.queued, bytes: topic.counters.publishedBytes, at: now))
            }
        }
        let sorted = rated.sorted { lhs, rhs in
            let (left, right) = (lhs.0, rhs.0)
            switch query.sort {
            case .name: return left.name < right.name
            case .messages:
                return (left.counters.published + left.counters.queued, right.name) > (right.counters.published + right.counters.queued, left.name)
            case .bytes: return (left.counters.publishedBytes, right.name) > (right.counters.publishedBytes, left.name)
            case .mailbox: return (left.mailboxMessages, right.name) > (right.mailboxMessages, left.name)
            case .subscribers: return (left.subscribers, right.name) > (right.subscribers, left.name)
            case .drops: return (left.counters.dropped, right.name) > (right.counters.dropped, left.name)
            case .rate: return (lhs.1.messages, right.name) > (rhs.1.messages, left.name)
            }
        }
        let page = query.sort == .name ? sorted[...] : query.page(of: sorted)
        let items = page.map { topic, rates in
            TopicInfo(
                name: topic.name, subscribers: topic.subscribers, queueGroups: topic.queueGroups.sorted(), mailboxMessages: topic.mailboxMessages,
                mailboxBytes: topic.mailboxBytes, overflowPolicy: topic.policy.rawValue, messagesIn: topic.counters.published,
                bytesIn: topic.counters.publishedBytes, messagesOut: topic.counters.queued, drops: topic.counters.dropped,
                refused: topic.counters.rejected, slowConsumers: topic.counters.slowConsumers,
                schemaSubject: core.registry.binding(forTopic: topic.name)?.subject.name, messagesPerSecond: rates.messages
            )
        }
        return MonitorPage(total: topics.count, offset: query.offset, limit: query.limit, sort: query.sort.rawValue, items: items)
    }
}
