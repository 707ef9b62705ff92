import ArgumentParser
import Configuration
import TernBroker

/// The settings on `ternd`'s command line: `--KEY VALUE` or `--KEY=VALUE` for each key of
/// ``BrokerSetting/all``; a switch (`--no-tls`) takes no value, or `=true` or `=false`. The
/// last of a repeated flag wins.
struct SettingFlags {
    /// Each given setting's text, by key.
    private(set) var values: [String: String] = [:]

    /// Reads the arguments that are not ternd's own options.
    ///
    /// - Throws: `ValidationError` (exit status 2) for an unknown flag, a missing or invalid
    ///   value, or an argument that is no flag's.
    init(_ arguments: [String]) throws(ValidationError) {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else { throw ValidationError("unexpected argument '\(argument)'") }
            let equals = argument.firstIndex(of: "=")
            let flag = String(argument[..<(equals ?? argument.endIndex)])
            guard let setting = BrokerSetting.named(String(flag.dropFirst(2))) else { throw ValidationError("unknown option '\(flag)'") }
            let text: String
            if let equals {
                text = String(argument[argument.index(after: equals)...])
            } else if setting.form == .switch {
                text = "true"
            } else if let next = remaining.first, !next.hasPrefix("--") {
                text = next
                remaining.removeFirst()
            } else {
                throw ValidationError("missing value for '\(flag) <\(setting.valueName)>'")
            }
            if let problem = setting.problem(with: text) { throw ValidationError("\(flag): \(problem)") }
            values[setting.key] = text
        }
    }

    /// The flags as the first of ternd's configuration providers.
    var provider: InMemoryProvider {
        InMemoryProvider(name: "command line", values: Dictionary(uniqueKeysWithValues: values.map { key, text in
            (AbsoluteConfigKey([key]), ConfigValue(.string(text), isSecret: false))
        }))
    }
}
