import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport

/// `tern sub PATTERN`.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub",
        abstract: "Print the messages of the topics matching a pattern, one per line.",
        discussion: """
            With --json each line is an object with "topic", "headers" (repeated names joined \
            with ", ") and "payload" when the payload is UTF-8, or "payload_base64" otherwise. \
            With --schema each message is read as that schema version (the broker resolves \
            messages written with other versions of the subject) and printed as JSON, or with \
            --json as the "payload" object; a message that is not of the schema is reported on \
            standard error and skipped. Drop notices from the broker go to standard error. \
            When the connection is lost, tern sub reconnects (to the next address of --server \
            first) and subscribes again, with one line on standard error for each disconnect \
            and reconnect; messages published meanwhile are not replayed. SIGINT or SIGTERM \
            stops it after printing the messages already received.
            """
    )

    @Argument(help: "A topic, or a pattern where '*' matches one token and a final '>' one or more.")
    var pattern: String

    @Option(name: .long, help: "Exit after this many messages.")
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Share the messages with the other members of this queue group.", valueName: "group"))
    var queue: String?

    @Flag(name: .long, help: "Print one JSON object per message.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Read typed messages as this registered schema version (default: the subject's latest) and print them as JSON.",
        valueName: "subject[@version]"
    ))
    var schema: SchemaSelector?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let (pattern, count, queue, schema, json) = (pattern, count, queue, schema, json)
        try await withReconnectingClient(connection, name: "tern sub") { client in
            let typed = try await schema?.fetch(with: client)
            let subscription = try await client.subscribe(to: pattern, queueGroup: queue, readAs: typed?.registered.reference) { notice in
                StandardError.writeLine("tern: \(notice)")
            }
            var received = 0
            for try await message in subscription {
                guard let line = Self.format(message, as: typed, json: json) else { continue }
                try StandardOutput.writeLine(line)
                received += 1
                if let count, received >= count { break }
            }
        }
    }

    /// The line to print for `message`, or `nil` (after saying why) when it is not of `typed`.
    private static func format(_ message: TernMessage, as typed: MessageSchema?, json: Bool) -> String? {
        guard let typed else { return json ? JSONLine.format(message) : message.string }
        do {
            let payload = try typed.json(of: message)
            return json ? JSONLine.format(message, payloadJSON: payload) : payload
        } catch {
            StandardError.writeLine("tern: \(error)")
            return nil
        }
    }
}
