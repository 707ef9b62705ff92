import ArgumentParser
import TernMonitoring

/// `tern stats`: the broker's summary, from its monitoring listener.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the broker's summary: health, uptime, connections, topics, totals and rates.",
        discussion: "Reads /stats from the monitoring listener of a ternd started with --monitor."
    )

    @OptionGroup var options: MonitorOptions

    @Flag(name: .long, help: "Print /stats as JSON, as the broker serves it.")
    var json = false

    func run() async throws {
        let stats = try await options.read(ServerStats.self, at: "/stats")
        if json {
            try StandardOutput.writeLine(String(decoding: try MonitorJSON.encode(stats).dropLast(), as: UTF8.self))
        } else {
            try StandardOutput.writeLine(Self.summary(of: stats))
        }
    }

    /// The summary as lines of text.
    static func summary(of stats: ServerStats) -> String {
        let totals = stats.totals
        let rates = stats.rates
        let settings = stats.settings
        let health = stats.health.status.rawValue + (stats.health.reason.map { " (\($0))" } ?? "")
        var lines = [
            "ternd \(stats.version), server \(stats.serverID), up \(Figures.duration(seconds: stats.uptimeSeconds)), \(health)",
            "listening on \(settings.listen)" + (settings.tls ? (settings.mutualTLS ? " with mutual TLS" : " with TLS") : " without TLS")
                + (settings.monitor.map { ", monitoring on \($0)" } ?? ""),
            "connections  \(Figures.count(totals.connections)) open, \(Figures.count(totals.connectionsAccepted)) accepted, "
                + "\(Figures.count(totals.connectionsRefused)) refused",
            "topics       \(Figures.count(totals.topics)), \(Figures.count(totals.subscriptions)) subscriptions",
            "received     \(Figures.count(totals.messagesReceived)) messages, \(Figures.bytes(totals.bytesReceived))  "
                + "(\(Figures.rate(rates.messagesReceived)) msgs/s, \(Figures.bytes(rates.bytesReceived))/s)",
            "delivered    \(Figures.count(totals.messagesDelivered)) messages, \(Figures.bytes(totals.bytesDelivered))  "
                + "(\(Figures.rate(rates.messagesDelivered)) msgs/s, \(Figures.bytes(rates.bytesDelivered))/s)",
            "refused      \(Figures.count(totals.publishesRefused)) publishes; dropped \(Figures.count(totals.messagesDropped)) messages; "
                + "\(Figures.count(totals.slowConsumers)) slow consumers",
            "requests     \(Figures.count(totals.requests)) routed, \(Figures.count(totals.requestsWithoutResponders)) without responders, "
                + "\(Figures.count(totals.requestsTimedOut)) timed out",
            "waiting      \(Figures.count(totals.mailboxMessages)) messages (\(Figures.bytes(totals.mailboxBytes))) in mailboxes, "
                + "\(Figures.count(totals.subscriberQueueMessages)) (\(Figures.bytes(totals.subscriberQueueBytes))) in subscriber queues",
        ]
        if !settings.metricsTopics.isEmpty {
            lines.append("metrics      topics of their own: \(settings.metricsTopics.joined(separator: " "))")
        }
        return lines.joined(separator: "\n")
    }
}
