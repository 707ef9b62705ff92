/// One setting of a broker process, declared once: its key, how its value is written, its
/// default, the values it takes and its help. Everything that reads or documents settings
/// derives from these declarations (``BrokerSetting/all``): ``BrokerSettings/init(config:)``,
/// the settings file (``BrokerSettingsFile``), and `ternd`'s flags, environment variables and
/// help.
public struct BrokerSetting: Sendable {
    /// How a value is written, as text: on a command line, in an environment variable, or as a
    /// string in a config file (which also takes JSON numbers and booleans where they fit).
    public enum Form: Sendable, Hashable {
        /// A whole number: `65536`.
        case count
        /// A byte count: `64MiB`, `512KB`, `4096`.
        case size
        /// A duration: `250ms`, `5s`, `1.5m`; a bare number is seconds.
        case duration
        /// `HOST:PORT`, with an IPv6 host in brackets.
        case address
        /// One of these words.
        case choice([String])
        /// Any text, such as a path.
        case text
        /// A topic pattern: `metrics.>`.
        case pattern
        /// Topic patterns separated by spaces: `orders.> audit.*`.
        case patterns
        /// On or off: `true` or `false` (also `yes`, `no`, `1`, `0`); a flag alone is on.
        case `switch`

        /// What a value of this form looks like, for a refusal.
        public var expectation: String {
            switch self {
            case .count: "a whole number"
            case .size: "a size such as 64MiB, 512KB or 4096"
            case .duration: "a duration such as 100us, 250ms, 5s, 1.5m or 1h"
            case .address: "host:port"
            case .choice(let words): words.dropLast().joined(separator: ", ") + " or " + (words.last ?? "")
            case .text: "text"
            case .pattern: "a topic pattern such as metrics.>"
            case .patterns: "topic patterns separated by spaces, such as 'orders.> audit.*'"
            case .switch: "true or false"
            }
        }

        /// `text` as a switch's state.
        static func state(_ text: String) -> Bool? {
            switch text.lowercased() {
            case "true", "yes", "1": true
            case "false", "no", "0": false
            default: nil
            }
        }
    }

    /// The setting's name: `mailbox-bytes`.
    public let key: String
    public let form: Form
    /// What the value is, in help: `size`, `n`, `host:port`.
    public let valueName: String
    /// What the setting does, in a sentence.
    public let help: String
    /// The value when the setting is not given, as written, or in words when it depends on
    /// other settings.
    public let defaultDescription: String
    /// Whether a topic's entry in a settings file (`topics`) may set it too, for the topics
    /// that match the entry's pattern.
    public let appliesPerTopic: Bool
    /// Why `text` is not a value of the setting, or `nil` when it is one.
    private let refusal: @Sendable (String) -> String?
    /// Parses `text`, checks the value against the settings so far and stores it in them.
    let apply: @Sendable (String, inout BrokerSettings) throws(BrokerSettingError) -> Void

    /// A setting whose text `parse` turns into a value, which `refusing` may refuse given the
    /// settings so far (with a sentence whose subject is the setting) and `store` stores.
    init<Value>(
        _ key: String, form: Form, valueName: String, default defaultDescription: String, appliesPerTopic: Bool = false, help: String,
        parse: @escaping @Sendable (String) -> Value?,
        refusing: @escaping @Sendable (Value, BrokerSettings) -> String? = { _, _ in nil },
        store: @escaping @Sendable (Value, inout BrokerSettings) -> Void
    ) {
        self.key = key
        self.form = form
        self.valueName = valueName
        self.help = help
        self.defaultDescription = defaultDescription
        self.appliesPerTopic = appliesPerTopic
        refusal = { text in parse(text) == nil ? form.expectation : nil }
        apply = { text, settings throws(BrokerSettingError) in
            guard let value = parse(text) else {
                throw BrokerSettingError(key: [key], problem: .invalidValue(text, expected: form.expectation))
            }
            if let reason = refusing(value, settings) {
                throw BrokerSettingError(key: [key], problem: .refused(reason))
            }
            store(value, &settings)
        }
    }

    /// Why `text` cannot be a value of this setting, `invalid value 'x' (a whole number)`, or
    /// `nil` when it can; whether the value fits with the other settings is checked when they
    /// are read together.
    public func problem(with text: String) -> String? {
        refusal(text).map { "invalid value '\(text)' (\($0))" }
    }
}
