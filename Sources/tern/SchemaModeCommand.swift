import ArgumentParser
import TernClientOptions
import TernProtocol

/// `tern schema mode SUBJECT MODE`.
struct SchemaModeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode",
        abstract: "Set the compatibility mode that later versions of a subject are checked with."
    )

    @Argument(help: "The subject.")
    var subject: String

    @Argument(help: ArgumentHelp("The compatibility mode (case-insensitive, - for _).", valueName: "mode"))
    var mode: ModeArgument

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await withClient(connection, name: "tern schema") { client in
            try await client.setCompatibility(mode.mode, subject: subject)
            print("\(subject): \(mode.mode)")
        }
    }
}

/// A compatibility mode on the command line, e.g. `FULL` or `backward-transitive`.
struct ModeArgument: ExpressibleByArgument {
    let mode: CompatibilityMode

    init?(argument: String) {
        guard let mode = CompatibilityMode(name: argument) else { return nil }
        self.mode = mode
    }

    static var allValueStrings: [String] {
        CompatibilityMode.allCases.map(\.description)
    }
}
