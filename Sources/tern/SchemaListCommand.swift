import ArgumentParser
import TernClientOptions

/// `tern schema list`.
struct SchemaListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registry's subjects with their modes and versions, one per line."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await withClient(connection, name: "tern schema") { client in
            for subject in try await client.schemaSubjects() {
                let versions = subject.versions.map(String.init).joined(separator: ", ")
                print("\(subject.name) (subject id \(subject.subjectID), \(subject.mode)): versions \(versions)")
            }
        }
    }
}
