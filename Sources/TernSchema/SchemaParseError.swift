/// Why schema text could not be read, with the 1-based line and column (in Unicode scalars)
/// where the problem starts.
public struct SchemaParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: Reason

    public init(line: Int, column: Int, reason: Reason) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// What is wrong at the position.
    public enum Reason: Hashable, Sendable {
        case unexpectedCharacter(String)
        case unterminatedString
        case unterminatedComment
        case invalidEscape
        case invalidBytesLiteral
        /// Something else than the grammar allows here, e.g. expected `:`, found `}`.
        case expected(String, found: String)
        case unknownType(String)
        /// A record that refers to itself; recursive types are not supported.
        case recursiveType(String)
        /// A default literal that does not fit the field's type.
        case invalidLiteral(expected: String, found: String)
        case invalidTimestamp(String)
        case duplicateKey(String)
        case tooDeep
        /// Readable text whose definition is invalid, e.g. a duplicate field.
        case definition(SchemaDefinitionError)
    }

    public var description: String { "\(line):\(column): \(reason)" }
}

extension SchemaParseError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unexpectedCharacter(let text): "unexpected character \(text)"
        case .unterminatedString: "unterminated string"
        case .unterminatedComment: "unterminated comment"
        case .invalidEscape: "invalid escape sequence"
        case .invalidBytesLiteral: "invalid bytes literal: expected pairs of hex digits"
        case .expected(let wanted, let found): "expected \(wanted), found \(found)"
        case .unknownType(let name): "unknown type \"\(name)\""
        case .recursiveType(let name): "\"\(name)\" refers to itself; recursive types are not supported"
        case .invalidLiteral(let expected, let found): "expected \(expected) literal, found \(found)"
        case .invalidTimestamp(let text): "invalid RFC 3339 timestamp \"\(text)\""
        case .duplicateKey(let key): "duplicate key \"\(key)\""
        case .tooDeep: "nested deeper than \(Schema.maximumDepth) levels"
        case .definition(let error): error.description
        }
    }
}
