import ArgumentParser
import Subprocess
import TernClient
import TernClientOptions
import TernCommandSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tern reply PATTERN --echo` and `tern reply PATTERN -- COMMAND [ARGS…]`.
struct ReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Answer the requests on the topics matching a pattern, until interrupted.",
        discussion: """
            With --echo each request is answered with its own payload and headers. With a command \
            after --, the command runs once per request with the request's payload on standard \
            input, and its standard output, without one trailing newline, is the reply. When the \
            command fails (a non-zero exit status or a signal), the requester gets a handler \
            failure with the command's standard error, and it is logged on standard error here; \
            so does a command that writes more than the broker's largest payload, which is \
            stopped. The command gets no descriptor of tern's but its standard input, output and \
            error. When the connection is lost, tern reply reconnects (to the next address of \
            --server first) and registers again, with one line on standard error for each \
            disconnect and reconnect; a reply to a request of the lost connection is dropped. \
            On SIGINT or SIGTERM it takes no new request and gives running commands 5 seconds; \
            then they get SIGTERM, and SIGKILL 2 seconds later.
            """
    )

    @Argument(help: "A topic, or a pattern where '*' matches one token and a final '>' one or more.")
    var pattern: String

    @Flag(name: .long, help: "Answer each request with its own payload and headers.")
    var echo = false

    @Option(name: .long, help: "How many requests to handle at once.")
    var concurrency = 16

    @OptionGroup var connection: ConnectionOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run for each request, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard echo != !command.isEmpty else {
            throw ValidationError("give either --echo or a command after --, e.g. tern reply \(pattern) -- tr a-z A-Z")
        }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        // A command that exits without reading its input must not kill us when we write to it.
        signal(SIGPIPE, SIG_IGN)
        let (pattern, echo, concurrency, command) = (pattern, echo, concurrency, command)
        try await withReconnectingClient(connection, name: "tern reply") { client in
            let responder = try await client.makeResponder(on: pattern)
            if echo {
                try await responder.run(maxConcurrentHandlers: concurrency) { request in
                    TernReply(request.payload, headers: request.headers)
                }
            } else {
                let limit = Int(client.serverInfo.limits.maxPayloadLength)
                // One byte more than a reply may hold: the trailing newline that is removed.
                let command = ExternalCommand(arguments: command, outputLimit: limit + 1, errorLimit: min(limit, Self.errorLimit))
                try await responder.run(maxConcurrentHandlers: concurrency) { request in
                    do {
                        return try await Self.reply(to: request, running: command, limit: limit)
                    } catch {
                        StandardError.writeLine("tern: request on '\(request.topic)' failed: \(error)")
                        throw error
                    }
                }
            }
        }
    }

    /// The most of a failed command's standard error that is kept for the requester.
    private static let errorLimit = 64 << 10

    /// Runs `command` with the request's payload and replies with its standard output, or fails
    /// with its standard error.
    private static func reply(to request: TernRequest, running command: ExternalCommand, limit: Int) async throws -> TernReply {
        let tooLong = CommandFailure(command: command, reason: "wrote more than the broker's limit of \(limit) bytes for a reply")
        let output: ExternalCommand.Output
        do {
            output = try await command.run(input: request.bytes)
        } catch is ExternalCommand.OutputLimitExceeded {
            throw tooLong
        }
        guard output.status.isSuccess else {
            var errors = String(decoding: output.standardError, as: UTF8.self)
            while let last = errors.last, last.isWhitespace { errors.removeLast() }
            throw CommandFailure(command: command, reason: output.status.explanation + (errors.isEmpty ? "" : ": \(errors)"))
        }
        var reply = output.standardOutput
        if reply.last == UInt8(ascii: "\n") { reply.removeLast() }
        guard reply.count <= limit else { throw tooLong }
        return TernReply(reply)
    }
}

/// A command that failed; its description is the message the requester gets.
private struct CommandFailure: Error, CustomStringConvertible {
    let command: ExternalCommand
    /// What went wrong, e.g. "exited with status 3: no such order".
    let reason: String

    var description: String {
        "'\(command)' \(reason)"
    }
}

extension TerminationStatus {
    /// "exited with status 3", "was killed by signal 9".
    fileprivate var explanation: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
    }
}
