import ArgumentParser
import TernClient
import TernClientOptions

/// `tern schema check SUBJECT FILE`.
struct SchemaCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Tell whether a schema would be accepted as the next version of a subject.",
        discussion: """
            Prints "compatible" and exits with status 0 when it would; otherwise exits with status \
            1 and prints the reasons (each offending field and rule) on standard error. Registers \
            nothing.
            """
    )

    @Argument(help: "The subject.")
    var subject: String

    @Argument(help: ArgumentHelp("The schema's text form, or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let definition = try readDefinition(file)
        try await withClient(connection, name: "tern schema") { client in
            try await client.checkSchema(definition, subject: subject)
            print("compatible")
        }
    }
}
