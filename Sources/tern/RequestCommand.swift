import ArgumentParser
import TernClient
import TernClientOptions
import TernCommandSupport
import TernProtocol

/// `tern req TOPIC MESSAGE`.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "req",
        abstract: "Send a request to one responder and print its reply.",
        discussion: """
            Exits with status 1 and the reason on standard error when there is no responder, \
            no reply within the timeout, the responder goes away or its handler fails.
            """
    )

    @Argument(help: "The topic to send the request to.")
    var topic: String

    @Argument(help: "The request's payload.")
    var message: String

    @Option(name: .long, help: ArgumentHelp("How long to wait for the reply (ms, s, m, h).", valueName: "duration"))
    var timeout = DurationArgument(.seconds(2))

    @Option(name: .long, help: ArgumentHelp("A header to send with the request (repeatable).", valueName: "name=value"))
    var header: [String] = []

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try Headers(arguments: header)
        if timeout.duration <= .zero { throw ValidationError("--timeout must be more than 0") }
    }

    func run() async throws {
        let headers = try Headers(arguments: header)
        try await withClient(connection, name: "tern req") { client in
            let reply = try await client.request(message, to: topic, headers: headers, timeout: timeout.duration)
            print(reply.string)
        }
    }
}
