import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus
import TernProtocol

/// The broker's metrics, recorded through swift-metrics into a Prometheus registry, which the
/// monitoring listener's `/metrics` serves.
///
/// The per-message path counts with relaxed atomics once per batch (``BrokerStatistics``); the
/// metrics take what changed since their last update, once a second and before every scrape,
/// so they cost that path nothing more. The time a request takes is recorded once per request.
/// Topics whose names match ``topicPatterns`` have series of their own (``TopicSeries``), so
/// their number is bounded by configuration.
final class BrokerMetrics: Sendable {
    /// The registry the metrics are recorded in.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The patterns of the topics with series of their own.
    let topicPatterns: [String]
    /// How long responders take to answer: from the broker handing a request to the responder
    /// until its reply came back.
    let requestDuration: CoreMetrics.Timer
    private let exported = NIOLockedValueBox(Exported())

    static let requestDurationName = "tern_request_duration_seconds"

    init(registry: PrometheusCollectorRegistry, topicPatterns: [String], version: String, serverID: String, startedAt: Double) {
        self.registry = registry
        self.topicPatterns = topicPatterns
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.requestDurationName] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        requestDuration = CoreMetrics.Timer(label: Self.requestDurationName, factory: factory)
        CoreMetrics.Gauge(label: "tern_info", dimensions: [("version", version), ("server_id", serverID)], factory: factory).record(1)
        CoreMetrics.Gauge(label: "tern_start_time_seconds", factory: factory).record(startedAt)
    }

    /// The series of the topic `name`, or `nil` when no pattern matches it.
    func series(forTopic name: String) -> TopicSeries? {
        guard topicPatterns.contains(where: { TopicSyntax.matches(topic: name, pattern: $0) }) else { return nil }
        return TopicSeries(topic: name, factory: factory)
    }

    /// Brings every metric up to date with the broker's counters.
    func update(_ statistics: BrokerStatistics.Snapshot, subscriptions: Int, registrations: RegistrationCounts, routes: RouteMetrics? = nil) {
        exported.withLockedValue { exported in
            exported.gauge("tern_connections", statistics.connections, factory)
            exported.counter("tern_connections_total", statistics.connectionsAccepted, factory)
            exported.counter("tern_connections_refused_total", labels: ["reason": "max_connections"], statistics.connectionsRefused, factory)
            exported.counter("tern_tls_handshake_failures_total", statistics.tlsHandshakeFailures, factory)
            exported.gauge("tern_topics", statistics.topics, factory)
            exported.gauge("tern_subscriptions", subscriptions, factory)
            exported.counter("tern_messages_received_total", statistics.published, factory)
            exported.counter("tern_bytes_received_total", statistics.publishedBytes, factory)
            exported.counter("tern_messages_delivered_total", statistics.delivered, factory)
            exported.counter("tern_bytes_delivered_total", statistics.deliveredBytes, factory)
            for (code, count) in statistics.refusedByCode {
                exported.counter("tern_publishes_refused_total", labels: ["reason": Self.labelValue(code)], count, factory)
            }
            for (reason, count) in statistics.droppedByReason {
                exported.counter("tern_messages_dropped_total", labels: ["reason": reason.rawValue], count, factory)
            }
            exported.counter("tern_slow_consumers_total", statistics.slowConsumers, factory)
            exported.counter("tern_protocol_errors_total", statistics.protocolErrors, factory)
            exported.counter("tern_outbound_limit_exceeded_total", statistics.outboundLimitsExceeded, factory)
            exported.gauge("tern_mailbox_messages", statistics.mailboxMessages, factory)
            exported.gauge("tern_mailbox_bytes", statistics.mailboxBytes, factory)
            exported.gauge("tern_subscriber_queue_messages", statistics.subscriberQueueMessages, factory)
            exported.gauge("tern_subscriber_queue_bytes", statistics.subscriberQueueBytes, factory)
            for (outcome, count) in [
                ("answered", statistics.requestsAnswered), ("no_responders", statistics.requestsWithoutResponders),
                ("timed_out", statistics.requestsTimedOut), ("responder_gone", statistics.requestsWithResponderGone),
            ] {
                exported.counter("tern_requests_total", labels: ["outcome": outcome], count, factory)
            }
            exported.counter("tern_late_replies_total", statistics.lateRepliesDropped, factory)
            for outcome in RegistrationCounts.Outcome.allCases {
                exported.counter("tern_schema_registrations_total", labels: ["result": outcome.rawValue], registrations[outcome], factory)
            }
            if let routes { exported.record(routes, factory) }
        }
    }

    /// An error code as a label value: `mailbox_full`.
    private static func labelValue(_ code: ErrorCode) -> String {
        String(code.description.map { $0 == " " ? "_" : $0 })
    }

    /// The handles made so far and what the counters last reached.
    private struct Exported {
        private struct SeriesKey: Hashable {
            var name: String
            var labels: [String: String]
        }

        private var counters: [SeriesKey: (handle: CoreMetrics.Counter, value: UInt64)] = [:]
        private var gauges: [SeriesKey: CoreMetrics.Gauge] = [:]

        /// Adds to the counter `name` what `value` grew since the last update.
        mutating func counter(_ name: String, labels: [String: String] = [:], _ value: UInt64, _ factory: any MetricsFactory) {
            let key = SeriesKey(name: name, labels: labels)
            let (handle, last) = counters[key] ?? (CoreMetrics.Counter(label: name, dimensions: labels.sorted { $0.key < $1.key }, factory: factory), 0)
            if value > last { handle.increment(by: Int64(clamping: value - last)) }
            counters[key] = (handle, max(value, last))
        }

        /// The `tern_route_*` metrics of a cluster node.
        mutating func record(_ routes: RouteMetrics, _ factory: any MetricsFactory) {
            gauge("tern_routes", routes.routesUp, factory)
            gauge("tern_route_interest_entries", labels: ["side": "local"], routes.localInterest, factory)
            gauge("tern_route_interest_entries", labels: ["side": "remote"], routes.remoteInterest, factory)
            counter("tern_route_messages_total", labels: ["direction": "out"], routes.messagesOut, factory)
            counter("tern_route_messages_total", labels: ["direction": "in"], routes.messagesIn, factory)
            counter("tern_route_bytes_total", labels: ["direction": "out"], routes.bytesOut, factory)
            counter("tern_route_bytes_total", labels: ["direction": "in"], routes.bytesIn, factory)
            counter("tern_route_resyncs_total", routes.resyncs, factory)
            counter("tern_route_slow_peers_total", routes.slowPeers, factory)
            counter("tern_route_messages_dropped_total", routes.messagesDropped, factory)
        }

        mutating func gauge(_ name: String, labels: [String: String] = [:], _ value: Int, _ factory: any MetricsFactory) {
            let key = SeriesKey(name: name, labels: labels)
            let handle = gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: labels.sorted { $0.key < $1.key }, factory: factory)
            handle.record(value)
            gauges[key] = handle
        }
    }
}
