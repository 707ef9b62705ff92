import ArgumentParser
import TernClient
import TernProtocol

/// `tern pub TOPIC [MESSAGE]`.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub",
        abstract: "Publish a message, or each line of standard input as one message."
    )

    @Argument(help: "The topic to publish to.")
    var topic: String

    @Argument(help: "The message; without it, each line of standard input is one message.")
    var message: String?

    @Option(name: .long, help: ArgumentHelp("A header to send with each message (repeatable).", valueName: "name=value"))
    var header: [String] = []

    @Flag(name: .long, help: "Wait for the broker to accept each message into its topic.")
    var ack = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try Headers(arguments: header)
    }

    func run() async throws {
        let headers = try Headers(arguments: header)
        try await withClient(connection, name: "tern pub") { client in
            if let message {
                try await client.publish(message, to: topic, headers: headers, acknowledged: ack)
            } else {
                var lines = StandardInputLines()
                while let line = lines.next() {
                    try await client.publish(line, to: topic, headers: headers, acknowledged: ack)
                }
            }
            // Nothing is lost on exit: return once the broker has processed every message.
            try await client.flush()
        }
    }
}
