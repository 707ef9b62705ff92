import Configuration
import TernBroker

/// The settings in `ternd`'s environment: `TERN_` and the key in capitals with `_` for `-`,
/// `TERN_MAILBOX_BYTES` for `mailbox-bytes`.
enum SettingEnvironment {
    /// The variable that holds `setting`.
    static func variable(for setting: BrokerSetting) -> String {
        "TERN_" + String(setting.key.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The variables of `environment` as ternd's second configuration provider, once every
    /// `TERN_` variable is checked.
    ///
    /// - Throws: ``DaemonError`` for a `TERN_` variable that is no setting's, or whose value is
    ///   not one of its setting.
    static func provider(reading environment: [String: String]) throws(DaemonError) -> KeyMappingProvider<EnvironmentVariablesProvider> {
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("TERN_") {
            guard let setting = BrokerSetting.all.first(where: { variable(for: $0) == name }) else {
                throw DaemonError("unknown environment variable \(name): no setting is called that (ternd --help lists them)")
            }
            if let problem = setting.problem(with: text) { throw DaemonError("\(name): \(problem)") }
        }
        return EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "tern")
    }
}
