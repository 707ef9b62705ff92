/// A value, a payload or a JSON document that does not fit its schema, with the place where
/// it went wrong, e.g. `Order.customer.email: truncated`.
public struct SchemaValueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is, from the root record down, e.g. `["Order", "tags", "[2]"]`.
    public var path: [String]
    public var reason: Reason

    public init(path: [String] = [], reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// Why a value does not fit.
    public enum Reason: Hashable, Sendable {
        /// The bytes end before the value does.
        case truncated
        /// A varint longer than 10 bytes or larger than 64 bits.
        case varintOverflow
        /// A number that the type cannot hold, e.g. an int32 beyond 32 bits.
        case outOfRange(type: String)
        case invalidBool(UInt8)
        /// An optional's presence byte other than 0 or 1.
        case invalidOptionalTag(UInt8)
        case enumIndexOutOfRange(index: UInt64, symbolCount: Int)
        case invalidUTF8
        /// Bytes remain after the root record.
        case trailingBytes(Int)
        case duplicateKey(String)
        /// A value of another kind than the schema asks for.
        case typeMismatch(expected: String, found: String)
        case missingField(String)
        case unknownField(String)
        case unknownSymbol(String)
        /// A writer's enum symbol that the reader's enum lacks.
        case symbolUnknownToReader(String)
        case invalidTimestamp(String)
        case invalidBase64
        /// Text that is not JSON, with a description of the problem.
        case invalidJSON(String)
    }

    /// The error with `component` put in front of its path.
    func under(_ component: String) -> SchemaValueError {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }

    /// The path as text: components joined by dots, with `[…]` components attached directly.
    public var pathDescription: String { pathText(path) }

    public var description: String {
        let place = pathDescription
        return place.isEmpty ? reason.description : "\(place): \(reason)"
    }
}

extension SchemaValueError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated: "truncated"
        case .varintOverflow: "varint overflow"
        case .outOfRange(let type): "value out of range for \(type)"
        case .invalidBool(let byte): "invalid bool byte \(byte)"
        case .invalidOptionalTag(let byte): "invalid optional presence byte \(byte)"
        case .enumIndexOutOfRange(let index, let count): "enum index \(index) out of range (\(count) symbols)"
        case .invalidUTF8: "invalid UTF-8"
        case .trailingBytes(let count): "\(count) trailing bytes"
        case .duplicateKey(let key): "duplicate key \"\(key)\""
        case .typeMismatch(let expected, let found): "expected \(expected), found \(found)"
        case .missingField(let name): "missing field \"\(name)\""
        case .unknownField(let name): "unknown field \"\(name)\""
        case .unknownSymbol(let symbol): "unknown enum symbol \"\(symbol)\""
        case .symbolUnknownToReader(let symbol): "enum symbol \"\(symbol)\" is unknown to the reader"
        case .invalidTimestamp(let text): "invalid timestamp \"\(text)\""
        case .invalidBase64: "invalid base64"
        case .invalidJSON(let detail): "invalid JSON: \(detail)"
        }
    }
}

/// Map and list element path components.
extension String {
    static func pathIndex(_ index: Int) -> String { "[\(index)]" }
    static func pathKey(_ key: String) -> String { "[\"\(key)\"]" }
}

/// Path components joined by dots, with `[…]` components attached directly: `Order.tags[2]`.
func pathText(_ path: [String]) -> String {
    var text = ""
    for component in path {
        if !text.isEmpty, !component.hasPrefix("[") { text += "." }
        text += component
    }
    return text
}
