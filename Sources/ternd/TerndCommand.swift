import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TernBroker
import TernCommandSupport
import TernFiles
import TernTLS

/// `ternd`: the Tern broker daemon.
@main
struct TerndCommand: AsyncParsableCommand {
    static func main() async {
        await runAsTool()
    }

    static let configuration = CommandConfiguration(
        commandName: "ternd",
        abstract: "The Tern message broker.",
        discussion: """
            With no flags, listens on 127.0.0.1:8376 with TLS, keeping its state in ./.tern; on a \
            first start it creates a private CA and a server certificate in .tern/tls/.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen: ServerAddress?

    @Option(help: ArgumentHelp("Directory for the broker's state (default .tern).", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("Server certificate chain (PEM); default: <data-dir>/tls/server.pem, created if missing.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("Private key of --tls-cert (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"), help: ArgumentHelp("Require client certificates signed by this CA (PEM).", valueName: "file"))
    var tlsClientCA: String?

    @Flag(name: .customLong("no-tls"), help: "Serve plaintext, for local experiments and benchmarks.")
    var noTLS = false

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default info).", valueName: "level"))
    var logLevel: Logger.Level?

    @Option(help: ArgumentHelp("A JSON file with these settings; flags win over it.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Default overflow policy: block, drop-oldest, drop-newest or reject (default block).", valueName: "policy"))
    var overflowPolicy: OverflowPolicy?

    @Option(help: ArgumentHelp("Messages a topic's mailbox holds (default 65536).", valueName: "n"))
    var mailboxMessages: Int?

    @Option(help: ArgumentHelp("Bytes a topic's mailbox holds (default 64MiB).", valueName: "size"))
    var mailboxBytes: ByteCountArgument?

    @Option(help: ArgumentHelp("Messages queued for one subscription (default 65536).", valueName: "n"))
    var subscriberQueueMessages: Int?

    @Option(help: ArgumentHelp("Bytes queued for one subscription (default 16MiB).", valueName: "size"))
    var subscriberQueueBytes: ByteCountArgument?

    @Option(help: ArgumentHelp("How long a subscriber holding a blocked topic back may take nothing (default 5s).", valueName: "duration"))
    var slowConsumerTimeout: DurationArgument?

    @Option(help: ArgumentHelp(
        "How long SIGTERM waits for subscribers to take what the broker accepted; the rest is reported to them and logged (default 25s).",
        valueName: "duration"
    ))
    var shutdownTimeout: DurationArgument?

    @Option(help: ArgumentHelp("Most client connections at once (default 65536).", valueName: "n"))
    var maxConnections: Int?

    @Option(help: ArgumentHelp("Threads that run connections and topics (default: half the cores, at least 1).", valueName: "n"))
    var eventLoops: Int?

    @Option(help: ArgumentHelp("Largest frame, announced in WELCOME (default 1MiB).", valueName: "size"))
    var maxFrameSize: ByteCountArgument?

    @Option(help: ArgumentHelp("Largest payload (default: max-frame-size minus 4KiB).", valueName: "size"))
    var maxPayload: ByteCountArgument?

    @Option(help: ArgumentHelp("Most bytes of header names and values in one frame (default 16KiB).", valueName: "size"))
    var maxHeaderBytes: ByteCountArgument?

    @Option(help: ArgumentHelp("Longest topic or pattern, in bytes (default 255).", valueName: "n"))
    var maxTopicLength: Int?

    @Option(help: ArgumentHelp("Most subscriptions one connection holds (default 10000).", valueName: "n"))
    var maxSubscriptions: Int?

    @Option(help: ArgumentHelp("Most bytes waiting to be written to one connection before it is closed (default 32MiB).", valueName: "size"))
    var maxPendingBytes: ByteCountArgument?

    @Option(help: ArgumentHelp("How long a client has for TLS and HELLO (default 10s).", valueName: "duration"))
    var handshakeTimeout: DurationArgument?

    @Option(help: ArgumentHelp("How often a quiet connection is pinged; 0 turns pings off (default 30s).", valueName: "duration"))
    var pingInterval: DurationArgument?

    func run() async throws {
        do {
            try await serve()
        } catch let error as DaemonError {
            StandardError.writeLine("ternd: \(error)")
            throw ExitCode.failure
        }
    }

    private func serve() async throws {
        IgnoredSignals.silence()
        let file = try config.map { path throws(DaemonError) in try ConfigFile.load(from: path) }
        var settings = try DaemonSettings(flags: self, file: file)
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ternd")
        // The data directory is locked before anything is written in it, certificates included.
        do {
            _ = try DataDirectoryLock.acquire(settings.dataDirectory)
        } catch {
            throw DaemonError("\(error)")
        }
        settings.configuration.tls = try TLSSetup.context(for: settings, logger: logger)
        settings.configuration.dataDirectory = settings.dataDirectory
        // The broker starts inside the service group, whose SIGTERM and SIGINT handlers are in
        // place by then: a signal that comes as soon as the port listens is a graceful shutdown.
        let service = BrokerService(configuration: settings.configuration, eventLoops: settings.eventLoops, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: service),
                .init(service: IgnoredSignals(logger: logger), successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        do {
            try await group.run()
        } catch let error as BrokerStartError {
            throw DaemonError(error.description)
        } catch let error as BrokerService.ListenError {
            throw DaemonError(
                "cannot listen on \(settings.configuration.host):\(settings.configuration.port): \(SystemErrorText.describe(error.underlying))"
            )
        }
        logger.info("stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension OverflowPolicy: ExpressibleByArgument {}
