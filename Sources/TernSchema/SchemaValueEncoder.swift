/// Turns an `Encodable` value into a `SchemaValue` of a given schema.
///
/// Swift types map to schema types as follows: `Bool`; any integer type to `int32`, `int64`,
/// `float64` or `timestamp` (microseconds) when the value fits; `Double`/`Float`; `String`
/// (also to `enum` symbols, so `String`-backed enums work); `[UInt8]` to `bytes`;
/// `SchemaTimestamp` to `timestamp`; `Optional`; arrays to lists; `[String: T]` to maps;
/// structs to records. A record field the value leaves out takes its default, or null when
/// optional; a key the record lacks is an error.
public struct SchemaValueEncoder: Sendable {
    public init() {}

    /// The value of `value` under `schema`. Throws `SchemaValueError` naming the field when the
    /// value does not fit, or whatever the type's `encode(to:)` throws.
    public func encode(_ value: some Encodable, as schema: Schema) throws -> SchemaValue {
        let slot = EncodingSlot()
        try slot.store(value, codingPath: [])
        do {
            return try slot.value.schemaValue(as: .record(schema.root))
        } catch {
            throw error.under(schema.name)
        }
    }
}

/// What an `Encodable` wrote, before the schema gives it its final shape.
enum EncodedTree {
    case empty
    case null
    case bool(Bool)
    case signed(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case timestamp(Int64)
    case keyed(KeyedStorage)
    case unkeyed(UnkeyedStorage)

    final class KeyedStorage {
        var entries: [String: EncodingSlot] = [:]
    }

    final class UnkeyedStorage {
        var items: [EncodingSlot] = []
    }

    var kindName: String {
        switch self {
        case .empty: "nothing"
        case .null: "nil"
        case .bool: "Bool"
        case .signed, .unsigned: "an integer"
        case .double: "a floating-point number"
        case .string: "String"
        case .bytes: "[UInt8]"
        case .timestamp: "SchemaTimestamp"
        case .keyed: "a keyed container"
        case .unkeyed: "an unkeyed container"
        }
    }

    func schemaValue(as type: SchemaType) throws(SchemaValueError) -> SchemaValue {
        let mismatch = SchemaValueError(reason: .typeMismatch(expected: type.description, found: kindName))
        switch (type, self) {
        case (.optional, .null), (.optional, .empty): return .null
        case (.optional(let wrapped), _): return try schemaValue(as: wrapped)
        case (.bool, .bool(let bool)): return .bool(bool)
        case (.int32, _):
            guard let number = integer(Int32.self) else { throw integer(Int64.self) == nil ? mismatch : outOfRange(type) }
            return .int32(number)
        case (.int64, _), (.timestamp, .signed), (.timestamp, .unsigned):
            guard let number = integer(Int64.self) else { throw isInteger ? outOfRange(type) : mismatch }
            return type == .int64 ? .int64(number) : .timestamp(number)
        case (.timestamp, .timestamp(let micros)): return .timestamp(micros)
        case (.float64, .double(let number)): return .float64(number)
        case (.float64, .signed(let number)): return .float64(Double(number))
        case (.float64, .unsigned(let number)): return .float64(Double(number))
        case (.string, .string(let text)): return .string(text)
        case (.enumeration(let schema), .string(let symbol)):
            guard schema.symbols.contains(symbol) else { throw SchemaValueError(reason: .unknownSymbol(symbol)) }
            return .enumSymbol(symbol)
        case (.bytes, .bytes(let data)): return .bytes(data)
        case (.bytes, .unkeyed(let storage)):
            var data: [UInt8] = []
            for (index, item) in storage.items.enumerated() {
                guard let byte = item.value.integer(UInt8.self) else { throw outOfRange(.bytes).under(.pathIndex(index)) }
                data.append(byte)
            }
            return .bytes(data)
        case (.list(let itemType), .bytes(let data)):
            // A `[UInt8]`, or an empty array of any element type (which casts to `[UInt8]`).
            var items: [SchemaValue] = []
            for (index, byte) in data.enumerated() {
                do { items.append(try EncodedTree.unsigned(UInt64(byte)).schemaValue(as: itemType)) } catch { throw error.under(.pathIndex(index)) }
            }
            return .list(items)
        case (.list(let itemType), .unkeyed(let storage)):
            var items: [SchemaValue] = []
            for (index, item) in storage.items.enumerated() {
                do { items.append(try item.value.schemaValue(as: itemType)) } catch { throw error.under(.pathIndex(index)) }
            }
            return .list(items)
        case (.map(let valueType), .keyed(let storage)):
            var entries: [String: SchemaValue] = [:]
            for (key, slot) in storage.entries {
                do { entries[key] = try slot.value.schemaValue(as: valueType) } catch { throw error.under(.pathKey(key)) }
            }
            return .map(entries)
        case (.record(let schema), .keyed(let storage)):
            return .record(try record(storage, as: schema))
        default:
            throw mismatch
        }
    }

    private func record(_ storage: KeyedStorage, as schema: RecordSchema) throws(SchemaValueError) -> [String: SchemaValue] {
        if let unknown = storage.entries.keys.sorted().first(where: { schema.field(named: $0) == nil }) {
            throw SchemaValueError(reason: .unknownField(unknown))
        }
        var fields: [String: SchemaValue] = [:]
        for field in schema.fields {
            if let slot = storage.entries[field.name] {
                do { fields[field.name] = try slot.value.schemaValue(as: field.type) } catch { throw error.under(field.name) }
            } else if let fallback = field.defaultValue {
                fields[field.name] = fallback
            } else if case .optional = field.type {
                fields[field.name] = .null
            } else {
                throw SchemaValueError(reason: .missingField(field.name))
            }
        }
        return fields
    }

    private var isInteger: Bool {
        switch self {
        case .signed, .unsigned: true
        default: false
        }
    }

    private func integer<Integer: FixedWidthInteger>(_: Integer.Type) -> Integer? {
        switch self {
        case .signed(let number): Integer(exactly: number)
        case .unsigned(let number): Integer(exactly: number)
        default: nil
        }
    }

    private func outOfRange(_ type: SchemaType) -> SchemaValueError {
        SchemaValueError(reason: .outOfRange(type: type.description))
    }
}

/// A place an encoder writes one value into.
final class EncodingSlot {
    var value = EncodedTree.empty

    /// Stores `value`, taking `[UInt8]` and `SchemaTimestamp` whole.
    func store(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        switch value {
        case let bytes as [UInt8]: self.value = .bytes(bytes)
        case let timestamp as SchemaTimestamp: self.value = .timestamp(timestamp.microsecondsSinceEpoch)
        default: try value.encode(to: TreeEncoder(slot: self, codingPath: codingPath))
        }
    }
}

struct TreeEncoder: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let storage: EncodedTree.KeyedStorage
        if case .keyed(let existing) = slot.value {
            storage = existing
        } else {
            storage = EncodedTree.KeyedStorage()
            slot.value = .keyed(storage)
        }
        return KeyedEncodingContainer(KeyedContainer(storage: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let storage: EncodedTree.UnkeyedStorage
        if case .unkeyed(let existing) = slot.value {
            storage = existing
        } else {
            storage = EncodedTree.UnkeyedStorage()
            slot.value = .unkeyed(storage)
        }
        return UnkeyedContainer(storage: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(slot: slot, codingPath: codingPath)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: EncodedTree.KeyedStorage
        let codingPath: [any CodingKey]

        private func slot(for key: Key) -> EncodingSlot {
            slot(named: key.stringValue)
        }

        private func slot(named name: String) -> EncodingSlot {
            let slot = EncodingSlot()
            storage.entries[name] = slot
            return slot
        }

        mutating func encodeNil(forKey key: Key) throws { slot(for: key).value = .null }

        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            try slot(for: key).store(value, codingPath: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            TreeEncoder(slot: slot(for: key), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            TreeEncoder(slot: slot(for: key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            TreeEncoder(slot: slot(named: "super"), codingPath: codingPath)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            TreeEncoder(slot: slot(for: key), codingPath: codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let storage: EncodedTree.UnkeyedStorage
        let codingPath: [any CodingKey]
        var count: Int { storage.items.count }

        private func appendSlot() -> EncodingSlot {
            let slot = EncodingSlot()
            storage.items.append(slot)
            return slot
        }

        mutating func encodeNil() throws { appendSlot().value = .null }

        mutating func encode(_ value: some Encodable) throws {
            try appendSlot().store(value, codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            TreeEncoder(slot: appendSlot(), codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            TreeEncoder(slot: appendSlot(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            TreeEncoder(slot: appendSlot(), codingPath: codingPath)
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let slot: EncodingSlot
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { slot.value = .null }
        mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
        mutating func encode(_ value: String) throws { slot.value = .string(value) }
        mutating func encode(_ value: Double) throws { slot.value = .double(value) }
        mutating func encode(_ value: Float) throws { slot.value = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { slot.value = .signed(Int64(value)) }
        mutating func encode(_ value: Int8) throws { slot.value = .signed(Int64(value)) }
        mutating func encode(_ value: Int16) throws { slot.value = .signed(Int64(value)) }
        mutating func encode(_ value: Int32) throws { slot.value = .signed(Int64(value)) }
        mutating func encode(_ value: Int64) throws { slot.value = .signed(value) }
        mutating func encode(_ value: UInt) throws { slot.value = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { slot.value = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { slot.value = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { slot.value = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { slot.value = .unsigned(value) }

        mutating func encode(_ value: some Encodable) throws {
            try slot.store(value, codingPath: codingPath)
        }
    }
}
