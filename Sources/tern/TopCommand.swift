#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TernCommandSupport
import TernMonitoring

/// `tern top`: a live view of the busiest topics and connections, refreshed every second.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show the busiest topics and connections, refreshed every second.",
        discussion: """
            Reads /stats, /topics and /connections from the monitoring listener of a ternd started \
            with --monitor. Rates are per second over the last refresh, so they show from the \
            second view on. On a terminal each view replaces the last; otherwise the views follow \
            each other, separated by a blank line. Stop it with Ctrl-C, or give --count.
            """
    )

    /// What the lists are sorted by, the largest first.
    enum SortKey: String, CaseIterable, ExpressibleByArgument {
        /// Messages in and out per second.
        case rate
        /// Messages in and out since they began.
        case messages
        /// Bytes in and out since they began.
        case bytes
        /// What waits: a topic's mailbox, a connection's unwritten bytes.
        case pending
        /// A topic's subscribers, a connection's subscriptions.
        case subscriptions

        var topicKey: String {
            switch self {
            case .rate, .messages, .bytes: rawValue
            case .pending: "mailbox"
            case .subscriptions: "subscribers"
            }
        }

        var connectionKey: String { rawValue }
    }

    @OptionGroup var options: MonitorOptions

    @Option(name: .long, help: ArgumentHelp("Sort by rate, messages, bytes, pending or subscriptions.", valueName: "key"))
    var sort = SortKey.rate

    @Option(name: .long, help: ArgumentHelp("How many topics and connections to show.", valueName: "n"))
    var limit = 10

    @Option(name: .long, help: ArgumentHelp("Time between views.", valueName: "duration"))
    var interval = DurationArgument(.seconds(1))

    @Option(name: .long, help: ArgumentHelp("Stop after this many views.", valueName: "n"))
    var count: Int?

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        try interval.validate("--interval", within: .milliseconds(100)...Duration.seconds(3600))
    }

    func run() async throws {
        let onTerminal = isatty(STDOUT_FILENO) == 1
        var shown = 0
        while count.map({ shown < $0 }) ?? true {
            if shown > 0 { try await Task.sleep(for: interval.duration) }
            let stats = try await options.read(ServerStats.self, at: "/stats")
            let topics = try await options.read(MonitorPage<TopicInfo>.self, at: "/topics?sort=\(sort.topicKey)&limit=\(limit)")
            let connections = try await options.read(MonitorPage<ConnectionInfo>.self, at: "/connections?sort=\(sort.connectionKey)&limit=\(limit)")
            let view = TopView(stats: stats, topics: topics, connections: connections, sort: sort.rawValue).text
            try StandardOutput.writeLine(onTerminal ? "\u{1B}[H\u{1B}[2J" + view : (shown > 0 ? "\n" : "") + view)
            shown += 1
        }
    }
}

/// One view of `tern top`, as text.
struct TopView {
    var stats: ServerStats
    var topics: MonitorPage<TopicInfo>
    var connections: MonitorPage<ConnectionInfo>
    var sort: String

    var text: String {
        let rates = stats.rates
        var lines = [
            "ternd \(stats.version) \(stats.serverID), up \(Figures.duration(seconds: stats.uptimeSeconds)), \(stats.health.status.rawValue); sorted by \(sort)",
            "received \(Figures.rate(rates.messagesReceived)) msgs/s (\(Figures.bytes(rates.bytesReceived))/s), "
                + "delivered \(Figures.rate(rates.messagesDelivered)) msgs/s (\(Figures.bytes(rates.bytesDelivered))/s); "
                + "\(Figures.count(stats.totals.connections)) connections, \(Figures.count(stats.totals.topics)) topics",
            "",
            row(["TOPIC", "SUBS", "MAILBOX", "MSGS/S", "IN", "OUT", "DROPS"], widths: Self.topicWidths),
        ]
        for topic in topics.items {
            lines.append(row([
                topic.name, Figures.count(topic.subscribers), Figures.count(topic.mailboxMessages), Figures.rate(topic.messagesPerSecond),
                Figures.count(topic.messagesIn), Figures.count(topic.messagesOut), Figures.count(topic.drops),
            ], widths: Self.topicWidths))
        }
        lines.append(contentsOf: [
            "", row(["CONNECTION", "PEER", "CLIENT", "SUBS", "PENDING", "MSGS/S", "IN", "OUT"], widths: Self.connectionWidths),
        ])
        for connection in connections.items {
            lines.append(row([
                "\(connection.id)", connection.peer, connection.clientName ?? "", Figures.count(connection.subscriptions),
                Figures.bytes(connection.pendingBytes), Figures.rate(connection.messagesPerSecond), Figures.count(connection.messagesIn),
                Figures.count(connection.messagesOut),
            ], widths: Self.connectionWidths))
        }
        return lines.joined(separator: "\n")
    }

    /// Column widths; a negative width aligns right.
    private static let topicWidths = [32, -6, -9, -10, -13, -13, -9]
    private static let connectionWidths = [10, 22, 16, -6, -10, -10, -13, -13]

    private func row(_ cells: [String], widths: [Int]) -> String {
        zip(cells, widths).map { Figures.column($0, abs($1), alignRight: $1 < 0) }.joined(separator: " ")
    }
}
