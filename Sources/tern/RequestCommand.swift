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

    @Option(name: .long, help: ArgumentHelp("How long to wait for the connection and the reply together (ms, s, m, h).", valueName: "duration"))
    var timeout = DurationArgument(.seconds(2))

    @Option(name: .long, help: ArgumentHelp("A header to send with the request (repeatable).", valueName: "name=value"))
    var header: [String] = []

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try Headers(arguments: header)
        try timeout.validate("--timeout", within: .milliseconds(1)...ConnectionOptions.longestDuration)
    }

    func run() async throws {
        let headers = try Headers(arguments: header)
        let deadline = ContinuousClock.now + timeout.duration
        try await withClient(connection, name: "tern req", connectTimeout: timeout.duration) { client in
            let remaining = max(deadline - ContinuousClock.now, .milliseconds(1))
            let reply = try await client.request(message, to: topic, headers: headers, timeout: remaining)
            print(reply.string)
        }
    }
}
