/// The type of a field, a list item or a map value.
public indirect enum SchemaType: Hashable, Sendable {
    case bool
    case int32
    case int64
    case float64
    case string
    case bytes
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp
    case enumeration(EnumSchema)
    /// The wrapped type or null. The wrapped type may not itself be optional.
    case optional(SchemaType)
    case list(SchemaType)
    /// A map from string keys to values of the given type.
    case map(SchemaType)
    case record(RecordSchema)
}

/// A named record: an ordered list of named fields.
public struct RecordSchema: Hashable, Sendable {
    public var name: String
    public var doc: String?
    public var fields: [SchemaField]

    public init(name: String, doc: String? = nil, fields: [SchemaField]) {
        self.name = name
        self.doc = doc
        self.fields = fields
    }

    /// The field called `name`, if any.
    public func field(named name: String) -> SchemaField? {
        fields.first { $0.name == name }
    }
}

/// A named enumeration: an ordered list of symbols.
public struct EnumSchema: Hashable, Sendable {
    public var name: String
    public var doc: String?
    public var symbols: [String]

    public init(name: String, doc: String? = nil, symbols: [String]) {
        self.name = name
        self.doc = doc
        self.symbols = symbols
    }
}

/// A field of a record.
public struct SchemaField: Hashable, Sendable {
    public var name: String
    public var type: SchemaType
    /// The value a reader uses when the writer's data has no such field.
    public var defaultValue: SchemaValue?
    public var doc: String?

    public init(name: String, type: SchemaType, defaultValue: SchemaValue? = nil, doc: String? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

extension SchemaType: CustomStringConvertible {
    /// The type as written in the text form, with named types by name only:
    /// `int32`, `optional<string>`, `list<record Customer>`, `enum Status`.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int32: "int32"
        case .int64: "int64"
        case .float64: "float64"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        case .enumeration(let schema): "enum \(schema.name)"
        case .optional(let wrapped): "optional<\(wrapped)>"
        case .list(let item): "list<\(item)>"
        case .map(let value): "map<\(value)>"
        case .record(let schema): "record \(schema.name)"
        }
    }
}
