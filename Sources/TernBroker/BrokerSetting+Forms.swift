import NIOCore
import TernSettingValues

/// Declarations of settings of each form, stored in a property of ``BrokerSettings``; the
/// default in help is that property's value in `BrokerSettings()` unless given in words.
extension BrokerSetting {
    /// A whole number, refused outside `range`, which may depend on the settings before it.
    static func count<Value: FixedWidthInteger & Sendable>(
        _ key: String, _ property: WritableKeyPath<BrokerSettings, Value> & Sendable, default defaultDescription: String? = nil,
        appliesPerTopic: Bool = false, in range: @escaping @Sendable (BrokerSettings) -> ClosedRange<Int>, help: String
    ) -> BrokerSetting {
        BrokerSetting(
            key, form: .count, valueName: "n", default: defaultDescription ?? "\(BrokerSettings()[keyPath: property])",
            appliesPerTopic: appliesPerTopic, help: help, parse: { Int($0) },
            refusing: { value, settings in SettingRange.problem(with: value, in: range(settings)) },
            // The range is within what `Value` holds.
            store: { value, settings in settings[keyPath: property] = Value(value) }
        )
    }

    /// A byte count, refused outside `range`, which may depend on the settings before it.
    static func size<Value: FixedWidthInteger & Sendable>(
        _ key: String, _ property: WritableKeyPath<BrokerSettings, Value> & Sendable, default defaultDescription: String? = nil,
        appliesPerTopic: Bool = false, in range: @escaping @Sendable (BrokerSettings) -> ClosedRange<Int>, help: String
    ) -> BrokerSetting {
        size(key, property, default: defaultDescription, appliesPerTopic: appliesPerTopic, help: help) { size, settings in
            SettingRange.problem(with: size, in: range(settings))
        }
    }

    /// A byte count that `refusing` may refuse given the settings before it.
    static func size<Value: FixedWidthInteger & Sendable>(
        _ key: String, _ property: WritableKeyPath<BrokerSettings, Value> & Sendable, default defaultDescription: String? = nil,
        appliesPerTopic: Bool = false, help: String, refusing: @escaping @Sendable (ByteCount, BrokerSettings) -> String?
    ) -> BrokerSetting {
        BrokerSetting(
            key, form: .size, valueName: "size", default: defaultDescription ?? "\(ByteCount(bytes: Int(BrokerSettings()[keyPath: property])))",
            appliesPerTopic: appliesPerTopic, help: help, parse: { ByteCount($0) }, refusing: refusing,
            // What `refusing` lets through fits in `Value`.
            store: { size, settings in settings[keyPath: property] = Value(size.bytes) }
        )
    }

    /// A duration, refused outside `range`; with `allowingZero`, 0 ("off") is taken too.
    static func duration(
        _ key: String, _ property: WritableKeyPath<BrokerSettings, TimeAmount> & Sendable,
        in range: ClosedRange<Duration>, allowingZero: Bool = false, help: String
    ) -> BrokerSetting {
        BrokerSetting(
            key, form: .duration, valueName: "duration", default: "\(HumanDuration(Duration(BrokerSettings()[keyPath: property])))", help: help,
            parse: { HumanDuration($0) }, refusing: { duration, _ in SettingRange.problem(with: duration, in: range, allowingZero: allowingZero) },
            store: { duration, settings in settings[keyPath: property] = .nanoseconds(duration.nanoseconds) }
        )
    }

    /// One of the cases of `Value`, by its raw value.
    static func choice<Value: RawRepresentable<String> & CaseIterable & Sendable>(
        _ key: String, _ property: WritableKeyPath<BrokerSettings, Value> & Sendable, valueName: String, appliesPerTopic: Bool = false, help: String
    ) -> BrokerSetting {
        BrokerSetting(
            key, form: .choice(Value.allCases.map(\.rawValue)), valueName: valueName, default: BrokerSettings()[keyPath: property].rawValue,
            appliesPerTopic: appliesPerTopic, help: help, parse: { Value(rawValue: $0) },
            store: { value, settings in settings[keyPath: property] = value }
        )
    }

    /// A file's path, unset by default.
    static func file(_ key: String, _ property: WritableKeyPath<BrokerSettings, String?> & Sendable, default defaultDescription: String, help: String) -> BrokerSetting {
        BrokerSetting(
            key, form: .text, valueName: "file", default: defaultDescription, help: help, parse: { $0 },
            store: { path, settings in settings[keyPath: property] = path }
        )
    }
}
