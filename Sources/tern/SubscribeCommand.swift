import ArgumentParser
import TernClient

/// `tern sub PATTERN`.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub",
        abstract: "Print the messages of the topics matching a pattern, one per line.",
        discussion: """
            With --json each line is an object with "topic", "headers" (repeated names joined \
            with ", ") and "payload" when the payload is UTF-8, or "payload_base64" otherwise. \
            Drop notices from the broker go to standard error.
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

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        try await withClient(connection, name: "tern sub") { client in
            let subscription = try await client.subscribe(to: pattern, queueGroup: queue) { notice in
                StandardError.writeLine("tern: \(notice)")
            }
            var received = 0
            for try await message in subscription {
                print(json ? JSONLine.format(message) : message.string)
                received += 1
                if let count, received >= count { break }
            }
        }
    }
}
