import ArgumentParser
import TernClientOptions

/// `tern schema bind TOPIC SUBJECT` and `tern schema bind TOPIC --unbind`.
struct SchemaBindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Bind a topic to a subject, or remove its binding with --unbind.",
        discussion: """
            A bound topic accepts only messages tagged with a registered version of the subject \
            whose payload matches it; an unbound topic carries any bytes.
            """
    )

    @Argument(help: "The topic (no wildcards).")
    var topic: String

    @Argument(help: "The subject.")
    var subject: String?

    @Flag(name: .long, help: "Remove the topic's binding instead.")
    var unbind = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (subject == nil) == unbind else {
            throw ValidationError(unbind ? "--unbind takes no subject" : "give a subject, or --unbind")
        }
    }

    func run() async throws {
        try await withClient(connection, name: "tern schema") { client in
            if let subject {
                try await client.bind(topic: topic, toSubject: subject)
                print("'\(topic)' is bound to subject '\(subject)'")
            } else {
                try await client.unbind(topic: topic)
                print("'\(topic)' is unbound")
            }
        }
    }
}
