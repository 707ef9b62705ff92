import ArgumentParser
import TernClient

/// `tern schema …`: the broker's schema registry.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Register, inspect and check versioned message schemas, and bind topics to them.",
        discussion: "The schema language is described in Protocol/SCHEMAS.md.",
        subcommands: [
            SchemaRegisterCommand.self, SchemaListCommand.self, SchemaShowCommand.self, SchemaCheckCommand.self,
            SchemaModeCommand.self, SchemaBindCommand.self,
        ]
    )
}

extension RegisteredSchema {
    /// E.g. `orders version 2 (subject id 1, BACKWARD, fingerprint 0x0123456789abcdef)`.
    var summary: String {
        let hex = String(fingerprint, radix: 16)
        return "\(subject) version \(version) (subject id \(reference.subjectID), \(mode), fingerprint 0x"
            + String(repeating: "0", count: 16 - hex.count) + hex + ")"
    }
}
