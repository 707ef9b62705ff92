import ArgumentParser
import TernClientOptions
import TernCommandSupport

/// `tern schema register SUBJECT FILE`.
struct SchemaRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a schema as the next version of a subject and print that version.",
        discussion: """
            A schema identical to an existing version returns that version. A schema the \
            subject's compatibility mode forbids is refused with each offending field and rule.
            """
    )

    @Argument(help: "The subject, e.g. a topic's name.")
    var subject: String

    @Argument(help: ArgumentHelp("The schema's text form, or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let definition = try readDefinition(file)
        try await withClient(connection, name: "tern schema") { client in
            print(try await client.registerSchema(definition, subject: subject).summary)
        }
    }
}

/// The text of the schema file `path`, or a one-line error and exit code 1.
func readDefinition(_ path: String) throws -> String {
    do {
        return try TextFile.contents(of: path)
    } catch {
        StandardError.writeLine("tern: \(error)")
        throw ExitCode.failure
    }
}
