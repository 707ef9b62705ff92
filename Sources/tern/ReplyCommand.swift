import ArgumentParser
import NIOPosix
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
            failure with the command's standard error, and it is logged on standard error here.
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
        try await withClient(connection, name: "tern reply", untilBrokerStops: true) { client in
            let responder = try await client.makeResponder(on: pattern)
            if echo {
                try await responder.run(maxConcurrentHandlers: concurrency) { request in
                    TernReply(request.payload, headers: request.headers)
                }
            } else {
                try await runCommand(ExternalCommand(arguments: command), for: responder)
            }
        }
    }

    /// Answers each request with the output of `command`, run on threads of its own.
    private func runCommand(_ command: ExternalCommand, for responder: TernResponder) async throws {
        let threads = NIOThreadPool(numberOfThreads: concurrency)
        threads.start()
        do {
            try await responder.run(maxConcurrentHandlers: concurrency) { request in
                do {
                    return try await Self.reply(to: request, running: command, on: threads)
                } catch {
                    StandardError.writeLine("tern: request on '\(request.topic)' failed: \(error)")
                    throw error
                }
            }
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
        try await threads.shutdownGracefully()
    }

    private static func reply(to request: TernRequest, running command: ExternalCommand, on threads: NIOThreadPool) async throws -> TernReply {
        let input = request.bytes
        let output = try await threads.runIfActive { try command.run(input: input) }
        guard output.exitStatus == 0 else { throw CommandFailure(command: command, output: output) }
        var reply = output.standardOutput
        if reply.last == UInt8(ascii: "\n") { reply.removeLast() }
        return TernReply(reply)
    }
}

/// A command that exited with a non-zero status or was killed; its description is the message
/// the requester gets.
private struct CommandFailure: Error, CustomStringConvertible {
    let command: ExternalCommand
    let output: ExternalCommand.Output

    var description: String {
        let how = output.signal.map { "was killed by signal \($0)" } ?? "exited with status \(output.exitStatus ?? -1)"
        var errors = String(decoding: output.standardError, as: UTF8.self)
        while let last = errors.last, last.isWhitespace { errors.removeLast() }
        return "'\(command)' \(how)" + (errors.isEmpty ? "" : ": \(errors)")
    }
}
