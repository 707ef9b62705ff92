import ArgumentParser
import TernClient
import TernClientOptions
import TernProtocol

/// `tern pub TOPIC [MESSAGE]`.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub",
        abstract: "Publish a message, or each line of standard input as one message.",
        discussion: """
            With --schema each message is a JSON object of the schema's record, e.g. \
            '{"id": "o-1", "quantity": 2}': it is checked and encoded here, and published tagged \
            with that schema version. Blank input lines are skipped then.
            """
    )

    @Argument(help: "The topic to publish to.")
    var topic: String

    @Argument(help: "The message; without it, each line of standard input is one message.")
    var message: String?

    @Option(name: .long, help: ArgumentHelp("A header to send with each message (repeatable).", valueName: "name=value"))
    var header: [String] = []

    @Flag(name: .long, help: "Wait for the broker to accept each message into its topic.")
    var ack = false

    @Option(name: .long, help: ArgumentHelp(
        "Publish typed messages written as JSON, with this registered schema version (default: the subject's latest).",
        valueName: "subject[@version]"
    ))
    var schema: SchemaSelector?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try Headers(arguments: header)
    }

    func run() async throws {
        let headers = try Headers(arguments: header)
        try await withClient(connection, name: "tern pub") { client in
            let typed = try await schema?.fetch(with: client)
            if let message {
                try await publish(Array(message.utf8), as: typed, with: client, headers: headers)
            } else {
                var lines = StandardInputLines()
                var number = 0
                while let line = try lines.next() {
                    number += 1
                    if typed != nil, line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                        continue
                    }
                    do {
                        try await publish(line, as: typed, with: client, headers: headers)
                    } catch let error as MessageSchema.MismatchError {
                        throw MessageSchema.MismatchError(description: "line \(number): \(error)")
                    }
                }
            }
            // Nothing is lost on exit: return once the broker has processed every message.
            try await client.flush()
        }
    }

    /// Publishes `bytes`, or with `typed` the payload of the JSON they hold, tagged with its version.
    private func publish(_ bytes: some Collection<UInt8>, as typed: MessageSchema?, with client: TernClient, headers: Headers) async throws {
        guard let typed else {
            return try await client.publish(bytes, to: topic, headers: headers, acknowledged: ack)
        }
        let payload = try typed.payload(fromJSON: String(decoding: bytes, as: UTF8.self))
        try await client.publish(payload, to: topic, schema: typed.registered.reference, headers: headers, acknowledged: ack)
    }
}
