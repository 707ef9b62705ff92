import ArgumentParser
import CFreedMemory
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Metrics
import Prometheus
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
        // Before any thread starts: the event loops' allocations grow one heap in large steps.
        tern_allocate_from_one_heap()
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
        let reader = SettingsReader(flags: flags, environment: ProcessInfo.processInfo.environment, configFile: config)
        var settings = try await reader.read()
        if settings.watchesConfig && config == nil {
            throw DaemonError("watch-config needs a config file to watch: give --config FILE")
        }
        let (level, format) = (settings.logLevel, settings.logFormat)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        // Metrics of every library in the process, the broker's included, go to one registry,
        // which the monitoring listener's /metrics serves.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "ternd")
        // The data directory is locked before anything is written in it, certificates included.
        do {
            _ = try DataDirectoryLock.acquire(settings.dataDirectory)
        } catch {
            throw DaemonError("\(error)")
        }
        settings.configuration.tls = try TLSSetup.context(for: settings, logger: logger)
        settings.configuration.dataDirectory = settings.dataDirectory
        let announced = settings.announcesServers ? AnnouncedServers(settings.clientAdvertise.map(\.description)) : nil
        settings.configuration.announcedServers = announced
        let cluster = settings.cluster.isEnabled ? try ClusterServices(settings: settings, announced: announced, logger: logger) : nil
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: BrokerService(
                    configuration: settings.configuration, eventLoops: settings.eventLoops, schedulerSlice: settings.schedulerSlice,
                    metrics: metrics, settings: reader,
                    watched: settings.watchesConfig ? config : nil, logger: logger, membership: cluster?.membership, clusterRegistry: cluster?.registry
                ),
                successTerminationBehavior: .gracefullyShutdownGroup
            ),
            .init(service: IgnoredSignals(logger: logger), successTerminationBehavior: .ignore),
        ]
        if let cluster { services += [.init(service: cluster.membership), .init(service: cluster.registry)] }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
