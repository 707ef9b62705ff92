/// A schema that is well-formed text but not a valid definition, e.g. with a duplicate field.
public struct SchemaDefinitionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record and field names leading to the problem, e.g. `["Order", "status"]`.
    public var path: [String]
    public var reason: Reason

    public init(path: [String], reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// What makes a definition invalid.
    public enum Reason: Hashable, Sendable {
        /// Not an identifier: a letter or `_`, then letters, digits or `_`.
        case invalidName(String)
        /// A record, enum or symbol named like a keyword, e.g. `string` or `null`.
        case reservedName(String)
        case emptyRecord
        case emptyEnum
        case duplicateField(String)
        case duplicateSymbol(String)
        /// `optional<optional<T>>`, which the encoding cannot tell apart from `optional<T>`.
        case nestedOptional
        case invalidDefault(SchemaValueError)
        /// Two different definitions under one record or enum name.
        case conflictingDefinition(String)
        /// Types nested deeper than `Schema.maximumDepth`.
        case tooDeep
    }

    public var description: String {
        path.joined(separator: ".") + ": " + reason.description
    }
}

extension SchemaDefinitionError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidName(let name): "invalid name \"\(name)\""
        case .reservedName(let name): "\"\(name)\" is a reserved word"
        case .emptyRecord: "a record needs at least one field"
        case .emptyEnum: "an enum needs at least one symbol"
        case .duplicateField(let name): "duplicate field \"\(name)\""
        case .duplicateSymbol(let symbol): "duplicate enum symbol \"\(symbol)\""
        case .nestedOptional: "an optional cannot wrap another optional"
        case .invalidDefault(let error): "invalid default: \(error)"
        case .conflictingDefinition(let name): "\"\(name)\" is already defined differently"
        case .tooDeep: "types nested deeper than \(Schema.maximumDepth) levels"
        }
    }
}
