import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import TernBroker
import TernCommandSupport
import TernFiles

/// `ternd`: the Tern broker daemon. Its settings are declared in TernBroker
/// (``BrokerSetting/all``) and read through swift-configuration from its flags, its environment
/// and its config file, in that order of precedence (``SettingSources``).
@main
struct TerndCommand: AsyncParsableCommand {
    static func main() async {
        await runAsTool()
    }

    static let configuration = CommandConfiguration(
        commandName: "ternd",
        abstract: "The Tern message broker.",
        usage: "ternd [--config <file>] [--<setting> <value> ...]",
        discussion: """
            With no settings, listens on 127.0.0.1:8376 with TLS, keeping its state in ./.tern; on a \
            first start it creates a private CA and a server certificate in .tern/tls/.
            """,
        // `--help` is ternd's own, to list the settings too.
        helpNames: []
    )

    @Option(help: ArgumentHelp("A JSON file of settings; the environment and flags win over it.", valueName: "file"))
    var config: String?

    @Flag(name: .shortAndLong, help: "Show this help, with every setting.")
    var help = false

    /// The settings' flags, which ``SettingFlags`` reads.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func run() async throws {
        guard !help else {
            print(Self.helpMessage() + "\n" + SettingsHelp.section)
            return
        }
        let flags = try SettingFlags(settings)
        do {
            try await serve(flags)
        } catch let error as DaemonError {
            StandardError.writeLine("ternd: \(error)")
            throw ExitCode.failure
        }
    }

    private func serve(_ flags: SettingFlags) async throws {
        IgnoredSignals.silence()
        let sources = try await SettingSources(flags: flags, environment: ProcessInfo.processInfo.environment, configFile: config)
        var settings: BrokerSettings
        do {
            settings = try await BrokerSettings(config: sources.reader)
        } catch {
            throw DaemonError(sources.explain(error))
        }
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
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: BrokerService(configuration: settings.configuration, eventLoops: settings.eventLoops, logger: logger)),
            .init(service: IgnoredSignals(logger: logger), successTerminationBehavior: .ignore),
        ]
        if settings.cluster.isEnabled {
            do {
                services.append(.init(service: try ClusterMembership(settings: settings.cluster, clientAddress: settings.configuration.listen, logger: logger)))
            } catch {
                throw DaemonError("etcd TLS: \(error)")
            }
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
