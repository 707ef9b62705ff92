/// A dynamically typed value of some schema type.
///
/// An optional is `.null` or the wrapped value itself (optionals do not nest, so this is
/// unambiguous). A record maps field names to values; `Equatable` ignores order.
public enum SchemaValue: Hashable, Sendable {
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    case float64(Double)
    case string(String)
    case bytes([UInt8])
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)
    case enumSymbol(String)
    case null
    case list([SchemaValue])
    case map([String: SchemaValue])
    case record([String: SchemaValue])
}

extension SchemaValue {
    /// A short name of the value's kind for error messages, e.g. `int64` or `record`.
    var kindName: String {
        switch self {
        case .bool: "bool"
        case .int32: "int32"
        case .int64: "int64"
        case .float64: "float64"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        case .enumSymbol: "enum symbol"
        case .null: "null"
        case .list: "list"
        case .map: "map"
        case .record: "record"
        }
    }
}
