#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TernBroker

/// Reads ternd's settings from its flags, its environment and its config file, at the start and
/// again at each reload (SIGHUP): the flags and the environment stay those of the start, the
/// config file is read anew.
struct SettingsReader: Sendable {
    let flags: SettingFlags
    let environment: [String: String]
    let configFile: String?

    /// The settings now, checked whole.
    func read() async throws(DaemonError) -> BrokerSettings {
        let sources = try await SettingSources(flags: flags, environment: environment, configFile: configFile)
        do {
            return try await BrokerSettings(config: sources.reader)
        } catch {
            throw DaemonError(sources.explain(error))
        }
    }

    /// The settings now with their TLS context: what a reload puts in force.
    func reload(logger: Logger) async throws(DaemonError) -> BrokerSettings {
        var settings = try await read()
        settings.configuration.tls = try TLSSetup.context(for: settings, logger: logger)
        return settings
    }
}
