import ArgumentParser
import TernClientOptions

/// `tern schema show SUBJECT [--version N]`.
struct SchemaShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one version of a subject's schema, after a comment line that describes it."
    )

    @Argument(help: "The subject.")
    var subject: String

    @Option(name: .long, help: "The version (default: the latest).")
    var version: UInt32?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if version == 0 { throw ValidationError("--version starts at 1") }
    }

    func run() async throws {
        try await withClient(connection, name: "tern schema") { client in
            let registered = try await client.schema(subject: subject, version: version)
            var definition = registered.definition
            while definition.last?.isNewline == true { definition.removeLast() }
            print("// \(registered.summary)\n\(definition)")
        }
    }
}
