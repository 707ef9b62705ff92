import Configuration
import TernProtocol
import TernSchema

/// A broker's settings file, read with `FileProvider<BrokerSettingsFile>`: a JSON object
/// whose keys are those of ``BrokerSetting/all``, plus `topics`, mailbox overrides for topic
/// patterns (the first entry whose pattern matches a topic wins; an entry's unset values are
/// the broker's), `metrics`, whose `topics` lists the patterns of the topics with series of
/// their own in the metrics (the setting `metrics-topics`), and `authorization`, the users
/// (``UserEntry``):
///
/// ```json
/// {
///   "listen": "127.0.0.1:8376",
///   "overflow-policy": "block",
///   "mailbox-bytes": "64MiB",
///   "topics": [{ "pattern": "metrics.>", "overflow-policy": "drop-oldest", "mailbox-messages": 1000 }],
///   "metrics": { "topics": ["orders.>"] }
/// }
/// ```
///
/// Values are strings as on a command line; a count is a JSON number, a switch a JSON boolean,
/// and a size or a duration may be a number (of bytes, of seconds). The whole file is checked
/// as it is read: an unknown key, a value of the wrong type or one that is not a value of its
/// setting fails with a ``BrokerSettingError`` naming the key (`topics[1].overflow-policy`).
public struct BrokerSettingsFile: Sendable {
    /// The file has no options.
    public struct ParsingOptions: FileParsingOptions {
        public init() {}

        public static var `default`: ParsingOptions { ParsingOptions() }
    }

    public let providerName: String
    /// Each value as text, by its key's components joined with dots: `topics.0.pattern`.
    private let values: [String: String]

    /// Checks and reads the JSON text `bytes`.
    ///
    /// - Throws: ``BrokerSettingError`` naming the key that is not right, or, with no key, why
    ///   the text is not JSON.
    public init(bytes: [UInt8], providerName: String) throws(BrokerSettingError) {
        self.providerName = providerName
        let document: JSONValue
        do {
            document = try JSONReader.parse(bytes)
        } catch {
            guard case .invalidJSON(let detail) = error.reason else { throw BrokerSettingError(key: [], problem: .malformed("\(error)")) }
            throw BrokerSettingError(key: [], problem: .malformed("not valid JSON: \(detail)"))
        }
        var values: [String: String] = [:]
        try Self.read(document, of: BrokerSetting.all, at: [], into: &values)
        self.values = values
    }

    /// Reads the members of the object `value` at `path`, each the text of one of `settings`;
    /// at the top, `topics` too.
    private static func read(
        _ value: JSONValue, of settings: [BrokerSetting], at path: [String], into values: inout [String: String]
    ) throws(BrokerSettingError) {
        guard case .object(let members) = value else {
            throw BrokerSettingError(key: path, problem: .malformed("expected an object, not \(describe(value))"))
        }
        var seen: Set<String> = []
        for (key, member) in members {
            guard seen.insert(key).inserted else { throw BrokerSettingError(key: path, problem: .malformed("duplicate key '\(key)'")) }
            if path.isEmpty && key == "topics" {
                try readTopics(member, into: &values)
                continue
            }
            if path.isEmpty && key == "metrics" {
                try readMetrics(member, into: &values)
                continue
            }
            if path.isEmpty && key == "authorization" {
                try readAuthorization(member, into: &values)
                continue
            }
            guard let setting = settings.first(where: { $0.key == key }) else {
                throw BrokerSettingError(key: path, problem: .malformed("unknown key '\(key)'"))
            }
            let text = try self.text(of: member, for: setting.form, at: path + [key])
            if let problem = setting.problem(with: text) { throw BrokerSettingError(key: path + [key], problem: .malformed(problem)) }
            values[(path + [key]).joined(separator: ".")] = text
        }
    }

    /// Reads `topics`: an array of objects, each with a pattern and settings that apply per topic.
    private static func readTopics(_ value: JSONValue, into values: inout [String: String]) throws(BrokerSettingError) {
        guard case .array(let entries) = value else {
            throw BrokerSettingError(key: ["topics"], problem: .malformed("expected an array of objects, not \(describe(value))"))
        }
        let perTopic = BrokerSetting.all.filter(\.appliesPerTopic)
        for (index, entry) in entries.enumerated() {
            let path = ["topics", "\(index)"]
            guard case .object(let members) = entry, let (_, pattern) = members.first(where: { $0.key == "pattern" }) else {
                let problem = if case .object = entry { "missing key 'pattern'" } else { "expected an object, not \(describe(entry))" }
                throw BrokerSettingError(key: path, problem: .malformed(problem))
            }
            guard members.count(where: { $0.key == "pattern" }) == 1 else {
                throw BrokerSettingError(key: path, problem: .malformed("duplicate key 'pattern'"))
            }
            let text = try self.text(of: pattern, for: .pattern, at: path + ["pattern"])
            if let problem = TopicSyntax.problem(withPattern: text) {
                throw BrokerSettingError(key: path + ["pattern"], problem: .malformed("invalid value '\(text)' (\(problem))"))
            }
            try read(.object(members.filter { $0.key != "pattern" }), of: perTopic, at: path, into: &values)
            values[(path + ["pattern"]).joined(separator: ".")] = text
        }
    }

    /// Reads `metrics`: an object whose `topics` is an array of topic patterns, the setting
    /// `metrics-topics`.
    private static func readMetrics(_ value: JSONValue, into values: inout [String: String]) throws(BrokerSettingError) {
        guard case .object(let members) = value else {
            throw BrokerSettingError(key: ["metrics"], problem: .malformed("expected an object, not \(describe(value))"))
        }
        var patterns: [String]?
        for (key, member) in members {
            guard key == "topics", patterns == nil else {
                let problem = key == "topics" ? "duplicate key 'topics'" : "unknown key '\(key)'"
                throw BrokerSettingError(key: ["metrics"], problem: .malformed(problem))
            }
            guard case .array(let entries) = member else {
                throw BrokerSettingError(key: ["metrics", "topics"], problem: .malformed("expected an array of topic patterns, not \(describe(member))"))
            }
            patterns = []
            for (index, entry) in entries.enumerated() {
                let key = ["metrics", "topics", "\(index)"]
                let pattern = try text(of: entry, for: .pattern, at: key)
                if let problem = TopicSyntax.problem(withPattern: pattern) {
                    throw BrokerSettingError(key: key, problem: .malformed("invalid value '\(pattern)' (\(problem))"))
                }
                patterns?.append(pattern)
            }
        }
        values[BrokerSetting.metricsTopicsKey] = (patterns ?? []).joined(separator: " ")
    }

    /// The text of a value of `form`: a string, or a number or boolean where one fits.
    static func text(of value: JSONValue, for form: BrokerSetting.Form, at key: [String]) throws(BrokerSettingError) -> String {
        switch (form, value) {
        case (.switch, .bool(let on)):
            return on ? "true" : "false"
        case (.count, .number(let number)) where Int(number) != nil:
            return number
        case (.size, .number(let number)), (.duration, .number(let number)):
            return number
        case (.size, .string(let text)), (.duration, .string(let text)), (.address, .string(let text)), (.choice, .string(let text)),
             (.text, .string(let text)), (.pattern, .string(let text)), (.patterns, .string(let text)):
            return text
        default:
            let expected = switch form {
            case .count: "a whole number"
            case .switch: "true or false"
            case .size: "a size, as a string such as \"64MiB\" or a number of bytes"
            case .duration: "a duration, as a string such as \"5s\" or a number of seconds"
            case .address, .choice, .text, .pattern, .patterns: "a string"
            }
            throw BrokerSettingError(key: key, problem: .malformed("expected \(expected), not \(describe(value))"))
        }
    }

    /// A JSON value in a refusal: a number as written, anything else by its kind.
    static func describe(_ value: JSONValue) -> String {
        if case .number(let number) = value { return number }
        return value.kindName
    }
}

extension BrokerSettingsFile: FileConfigSnapshot {
    public init(data: RawSpan, providerName: String, parsingOptions: ParsingOptions) throws {
        try self.init(bytes: data.withUnsafeBytes { Array($0) }, providerName: providerName)
    }

    /// The text of the value at `key`, whatever `type` asks for: every setting is read as text.
    public func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        let name = key.components.joined(separator: ".")
        return LookupResult(encodedKey: name, value: values[name].map { ConfigValue(.string($0), isSecret: false) })
    }

    public var description: String {
        "\(providerName)[\(values.count) values]"
    }

    public var debugDescription: String {
        "\(providerName)[\(values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))]"
    }
}
