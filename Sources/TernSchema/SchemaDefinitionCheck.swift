/// Checks a record definition and normalizes its defaults (missing record fields filled in),
/// so that equal definitions compare equal and print the same.
struct SchemaDefinitionCheck {
    static let reservedWords: Set<String> = [
        "bool", "int32", "int64", "float64", "string", "bytes", "timestamp",
        "enum", "optional", "list", "map", "record", "true", "false", "null",
    ]

    private var named: [String: SchemaType] = [:]

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || ("0"..."9").contains($0) }
    }

    mutating func record(_ record: RecordSchema, path: [String], depth: Int) throws(SchemaDefinitionError) -> RecordSchema {
        try Self.checkTypeName(record.name, path: path)
        guard !record.fields.isEmpty else { throw SchemaDefinitionError(path: path, reason: .emptyRecord) }
        var names = Set<String>()
        var checked = record
        for index in record.fields.indices {
            let field = record.fields[index]
            let fieldPath = path + [field.name]
            guard Self.isIdentifier(field.name) else {
                throw SchemaDefinitionError(path: fieldPath, reason: .invalidName(field.name))
            }
            guard names.insert(field.name).inserted else {
                throw SchemaDefinitionError(path: fieldPath, reason: .duplicateField(field.name))
            }
            let type = try self.type(field.type, path: fieldPath, depth: depth + 1)
            checked.fields[index].type = type
            if let value = field.defaultValue {
                checked.fields[index].defaultValue = try Self.normalize(value, as: type, path: fieldPath)
            }
        }
        return try register(.record(checked), named: record.name, path: path).recordSchema ?? checked
    }

    private mutating func type(_ type: SchemaType, path: [String], depth: Int) throws(SchemaDefinitionError) -> SchemaType {
        guard depth <= Schema.maximumDepth else { throw SchemaDefinitionError(path: path, reason: .tooDeep) }
        switch type {
        case .bool, .int32, .int64, .float64, .string, .bytes, .timestamp:
            return type
        case .enumeration(let schema):
            try Self.checkTypeName(schema.name, path: path)
            guard !schema.symbols.isEmpty else { throw SchemaDefinitionError(path: path, reason: .emptyEnum) }
            var seen = Set<String>()
            for symbol in schema.symbols {
                try Self.checkTypeName(symbol, path: path)
                guard seen.insert(symbol).inserted else {
                    throw SchemaDefinitionError(path: path, reason: .duplicateSymbol(symbol))
                }
            }
            return try register(type, named: schema.name, path: path)
        case .optional(.optional):
            throw SchemaDefinitionError(path: path, reason: .nestedOptional)
        case .optional(let wrapped):
            return .optional(try self.type(wrapped, path: path, depth: depth + 1))
        case .list(let item):
            return .list(try self.type(item, path: path, depth: depth + 1))
        case .map(let value):
            return .map(try self.type(value, path: path, depth: depth + 1))
        case .record(let schema):
            return .record(try record(schema, path: path, depth: depth))
        }
    }

    /// Records a named type, or checks it against the earlier definition of that name.
    private mutating func register(_ type: SchemaType, named name: String, path: [String]) throws(SchemaDefinitionError) -> SchemaType {
        if let earlier = named[name] {
            guard earlier == type else { throw SchemaDefinitionError(path: path, reason: .conflictingDefinition(name)) }
            return earlier
        }
        named[name] = type
        return type
    }

    private static func checkTypeName(_ name: String, path: [String]) throws(SchemaDefinitionError) {
        guard isIdentifier(name) else { throw SchemaDefinitionError(path: path, reason: .invalidName(name)) }
        guard !reservedWords.contains(name) else { throw SchemaDefinitionError(path: path, reason: .reservedName(name)) }
    }

    /// The default as the decoder would produce it: checked by encoding it, then decoded back.
    private static func normalize(_ value: SchemaValue, as type: SchemaType, path: [String]) throws(SchemaDefinitionError) -> SchemaValue {
        let node = PayloadNode(type)
        var bytes: [UInt8] = []
        do {
            try node.encode(value, into: &bytes)
            return try bytes.withPayloadReader { (reader) throws(SchemaValueError) in try node.decode(&reader) }
        } catch {
            throw SchemaDefinitionError(path: path, reason: .invalidDefault(error))
        }
    }
}

extension SchemaType {
    var recordSchema: RecordSchema? {
        if case .record(let schema) = self { schema } else { nil }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
