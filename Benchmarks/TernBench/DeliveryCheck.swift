/// Compares what every subscriber received with what every publisher sent: each subscriber
/// must get each publisher's messages, all of them, once, in order.
struct DeliveryCheck {
    private(set) var missing: UInt64 = 0
    private(set) var outOfOrder: UInt64 = 0
    /// One line per problem, naming the subscriber and the publisher.
    private(set) var problems: [String] = []

    var isComplete: Bool { problems.isEmpty }

    init(sent: [UInt64], tallies: [DeliveryTally]) {
        for (subscriber, tally) in tallies.enumerated() {
            let who = "subscriber \(subscriber)"
            if let failure = tally.failure {
                problems.append("\(who)'s subscription ended: \(failure)")
            }
            for (publisher, expected) in sent.enumerated() {
                let (received, late) = (tally.received[publisher], tally.outOfOrder[publisher])
                if received < expected {
                    missing += expected - received
                    problems.append("\(who) missed \(count(expected - received)) of \(count(expected)) messages from publisher \(publisher)")
                } else if received > expected {
                    problems.append("\(who) received \(count(received - expected)) more messages than publisher \(publisher) sent")
                }
                if late > 0 {
                    outOfOrder += late
                    problems.append("\(who) received \(count(late)) messages from publisher \(publisher) out of order")
                }
            }
            if tally.droppedByBroker > 0 {
                problems.append("\(who): the broker reported \(count(tally.droppedByBroker)) messages dropped")
            }
            if tally.unrecognized > 0 {
                problems.append("\(who) received \(count(tally.unrecognized)) messages that tern-bench did not send")
            }
        }
    }

    /// The reason for exiting non-zero, in one line.
    var summary: String {
        "delivery incomplete: \(count(missing)) missing, \(count(outOfOrder)) out of order (\(problems.count) problem\(problems.count == 1 ? "" : "s"))"
    }

    private func count(_ number: UInt64) -> String {
        ReportTable.grouped(Int(clamping: number))
    }
}
