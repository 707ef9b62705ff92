import ArgumentParser
import TernCommandSupport

/// The `tern` command-line client.
@main
struct Tern: AsyncParsableCommand {
    static func main() async {
        await runAsTool()
    }

    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Publish to, subscribe on, send requests to and answer requests on a Tern broker, manage its schemas, watch it, make its users' credentials, and see its cluster.",
        subcommands: [
            PublishCommand.self, SubscribeCommand.self, RequestCommand.self, ReplyCommand.self, SchemaCommand.self, StatsCommand.self, TopCommand.self,
            AuthCommand.self, ClusterCommand.self,
        ]
    )
}
