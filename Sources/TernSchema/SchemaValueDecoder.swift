/// Turns a `SchemaValue` of a given schema into a `Decodable` value, with the mapping
/// `SchemaValueEncoder` describes; `timestamp` decodes as `SchemaTimestamp` or as an integer.
public struct SchemaValueDecoder: Sendable {
    public init() {}

    /// Throws `DecodingError` with the coding path when the value does not fit `type`.
    public func decode<Value: Decodable>(_ type: Value.Type, from value: SchemaValue, schema: Schema) throws -> Value {
        try TreeDecoder(value: value, type: .record(schema.root), codingPath: []).decode(type)
    }
}

struct TreeDecoder: Decoder {
    let value: SchemaValue
    /// The value's type; never optional unless the value is null.
    let type: SchemaType
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: SchemaValue, type: SchemaType, codingPath: [any CodingKey]) {
        self.value = value
        self.codingPath = codingPath
        if case .optional(let wrapped) = type, value != .null { self.type = wrapped } else { self.type = type }
    }

    func decode<Value: Decodable>(_: Value.Type) throws -> Value {
        switch value {
        case .bytes(let data): if let result = data as? Value { return result }
        case .timestamp(let micros):
            if let result = SchemaTimestamp(microsecondsSinceEpoch: micros) as? Value { return result }
        default: break
        }
        return try Value(from: self)
    }

    func mismatch(_ expected: Any.Type) -> DecodingError {
        DecodingError.typeMismatch(expected, DecodingError.Context(
            codingPath: codingPath, debugDescription: "expected \(expected), found \(value.kindName) of type \(type)"
        ))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch (value, self.type) {
        case (.record(let fields), .record(let schema)):
            let types = Dictionary(schema.fields.map { ($0.name, $0.type) }) { first, _ in first }
            return KeyedDecodingContainer(KeyedContainer(entries: fields, types: types, defaultType: nil, codingPath: codingPath))
        case (.map(let entries), .map(let valueType)):
            return KeyedDecodingContainer(KeyedContainer(entries: entries, types: [:], defaultType: valueType, codingPath: codingPath))
        default:
            throw mismatch([String: Any].self)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch (value, type) {
        case (.list(let items), .list(let itemType)):
            return UnkeyedContainer(items: items, itemType: itemType, codingPath: codingPath)
        case (.bytes(let data), _):
            return UnkeyedContainer(items: data.map { .int32(Int32($0)) }, itemType: .int32, codingPath: codingPath)
        default:
            throw mismatch([Any].self)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func child(_ value: SchemaValue, type: SchemaType, key: (any CodingKey)?) -> TreeDecoder {
        TreeDecoder(value: value, type: type, codingPath: key.map { codingPath + [$0] } ?? codingPath)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let entries: [String: SchemaValue]
        /// Field types of a record.
        let types: [String: SchemaType]
        /// The value type of a map.
        let defaultType: SchemaType?
        let codingPath: [any CodingKey]

        var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

        private func decoder(for key: Key) throws -> TreeDecoder {
            guard let value = entries[key.stringValue], let type = types[key.stringValue] ?? defaultType else {
                throw DecodingError.keyNotFound(key, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "no value for \"\(key.stringValue)\""
                ))
            }
            return TreeDecoder(value: value, type: type, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool { try decoder(for: key).value == .null }

        func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
            try decoder(for: key).decode(type)
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder(for: key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder(for: key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            guard let key = Key(stringValue: "super") else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "no super key"))
            }
            return try decoder(for: key)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [SchemaValue]
        let itemType: SchemaType
        let codingPath: [any CodingKey]
        var currentIndex = 0

        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        private mutating func next() throws -> TreeDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "no more items"
                ))
            }
            defer { currentIndex += 1 }
            return TreeDecoder(value: items[currentIndex], type: itemType, codingPath: codingPath)
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try next().decode(type)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }
}

extension TreeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value == .null }

    func decode(_: Bool.Type) throws -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(Bool.self) }
        return bool
    }

    func decode(_: String.Type) throws -> String {
        switch value {
        case .string(let text), .enumSymbol(let text): return text
        default: throw mismatch(String.self)
        }
    }

    func decode(_: Double.Type) throws -> Double {
        switch value {
        case .float64(let number): return number
        case .int32(let number): return Double(number)
        case .int64(let number): return Double(number)
        default: throw mismatch(Double.self)
        }
    }

    func decode(_: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_: Int.Type) throws -> Int { try integer() }
    func decode(_: Int8.Type) throws -> Int8 { try integer() }
    func decode(_: Int16.Type) throws -> Int16 { try integer() }
    func decode(_: Int32.Type) throws -> Int32 { try integer() }
    func decode(_: Int64.Type) throws -> Int64 { try integer() }
    func decode(_: UInt.Type) throws -> UInt { try integer() }
    func decode(_: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_: UInt64.Type) throws -> UInt64 { try integer() }

    private func integer<Integer: FixedWidthInteger>() throws -> Integer {
        let wide: Int64
        switch value {
        case .int32(let number): wide = Int64(number)
        case .int64(let number), .timestamp(let number): wide = number
        default: throw mismatch(Integer.self)
        }
        guard let number = Integer(exactly: wide) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: codingPath, debugDescription: "\(wide) does not fit in \(Integer.self)"
            ))
        }
        return number
    }
}
