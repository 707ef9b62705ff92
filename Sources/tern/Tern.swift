import ArgumentParser

/// The `tern` command-line client.
@main
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Publish to and subscribe on a Tern broker.",
        subcommands: [PublishCommand.self, SubscribeCommand.self]
    )
}
