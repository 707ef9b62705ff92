#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Configuration
import SystemPackage
import TernBroker

/// Where ternd's settings come from, in order of precedence: the command line, the environment
/// (`TERN_…`) and the config file (`--config`). Each source is checked whole before anything is
/// read, so that a bad value is refused even where another source overrides it.
struct SettingSources {
    private let flags: InMemoryProvider
    private let environment: KeyMappingProvider<EnvironmentVariablesProvider>
    private let file: (path: String, provider: FileProvider<BrokerSettingsFile>)?

    init(flags: SettingFlags, environment: [String: String], configFile: String?) async throws(DaemonError) {
        self.flags = flags.provider
        self.environment = try SettingEnvironment.provider(reading: environment)
        if let path = configFile {
            file = (path, try await Self.load(path))
        } else {
            file = nil
        }
    }

    /// The settings, read from every source in order.
    var reader: ConfigReader {
        ConfigReader(providers: [flags, environment] + (file.map { [$0.provider] } ?? []))
    }

    /// `error`, with where its setting was given when not on the command line:
    /// `mailbox-bytes must be between 1MiB and 1024GiB, not 0 (TERN_MAILBOX_BYTES)`.
    func explain(_ error: BrokerSettingError) -> String {
        let key = AbsoluteConfigKey(error.key)
        if (try? flags.value(forKey: key, type: .string).value) != nil { return "\(error)" }
        if let variable = try? environment.value(forKey: key, type: .string), variable.value != nil {
            return "\(error) (\(variable.encodedKey))"
        }
        if let file, (try? file.provider.value(forKey: key, type: .string).value) != nil {
            return "\(error) (config file \(file.path))"
        }
        return "\(error)"
    }

    /// Reads and checks the config file at `path`.
    private static func load(_ path: String) async throws(DaemonError) -> FileProvider<BrokerSettingsFile> {
        do {
            return try await FileProvider<BrokerSettingsFile>(filePath: FilePath(path))
        } catch let error as BrokerSettingError {
            throw DaemonError("config file \(path): \(error)")
        } catch {
            throw DaemonError("cannot read config file \(path): \(reason(reading: path, failedWith: error))")
        }
    }

    /// Why `path` could not be read, in the system's words when it has them.
    private static func reason(reading path: String, failedWith error: any Error) -> String {
        var status = stat()
        guard stat(path, &status) == 0, access(path, R_OK) == 0 else { return SystemErrorText.describe(errno: errno) }
        if status.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        return "\(error)"
    }
}
