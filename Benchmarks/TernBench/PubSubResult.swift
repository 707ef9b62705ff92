/// The figures of a pubsub run, computed like natsbench's so the two compare.
struct PubSubResult {
    let plan: PubSubBenchmark.Plan
    let outcome: PubSubBenchmark.Outcome
    let latency: LatencyHistogram
    let check: DeliveryCheck

    init(plan: PubSubBenchmark.Plan, outcome: PubSubBenchmark.Outcome) {
        self.plan = plan
        self.outcome = outcome
        latency = outcome.tallies.reduce(into: LatencyHistogram()) { $0.add($1.latency) }
        check = DeliveryCheck(sent: outcome.sent, tallies: outcome.tallies)
    }

    /// The report fields after the common leading ones.
    var fields: [ReportField] {
        let published = outcome.sent.reduce(0, +)
        let delivered = outcome.tallies.reduce(0) { $0 + $1.received.reduce(0, +) }
        let lastArrival = outcome.tallies.map(\.lastArrival).max() ?? 0
        // From the start of publishing until the last subscriber received its last message.
        let deliverySeconds = Double(max(lastArrival, outcome.published) - outcome.start) / 1e9
        let publishSeconds = Double(outcome.published - outcome.start) / 1e9
        let deliveredPerSecond = Double(delivered) / deliverySeconds
        return [
            ReportField("publishers", "publishers", .int(plan.publishers)),
            ReportField("subscribers", "subscribers", .int(plan.subscribers)),
            ReportField("topics", "topics", .int(plan.topics)),
            ReportField("messages", "messages per publisher", .int(Int(published) / plan.publishers)),
            ReportField("size", "payload size", .int(plan.size), unit: "B"),
            ReportField("published", "published", .int(Int(published)), unit: "msgs"),
            ReportField("delivered", "delivered", .int(Int(delivered)), unit: "msgs"),
            ReportField("missing", "missing", .int(Int(check.missing)), unit: "msgs"),
            ReportField("out_of_order", "out of order", .int(Int(check.outOfOrder)), unit: "msgs"),
            ReportField("seconds", "time", .double(deliverySeconds), unit: "s"),
            ReportField("published_msgs_per_sec", "publish rate", .double(Double(published) / publishSeconds), unit: "msgs/s"),
            ReportField("delivered_msgs_per_sec", "delivery rate", .double(deliveredPerSecond), unit: "msgs/s"),
            ReportField("delivered_mb_per_sec", "delivery throughput", .double(deliveredPerSecond * Double(plan.size) / 1e6), unit: "MB/s"),
        ] + latency.fields(labelled: "latency")
    }
}
