/// Reads the text form (grammar in Protocol/SCHEMAS.md) by recursive descent.
struct SchemaParser {
    private let tokens: [SchemaToken]
    private var position = 0
    /// Named types by name, as first defined, for references.
    private var named: [String: SchemaType] = [:]
    /// Records whose definition is still open: referring to one is recursion.
    private var open: Set<String> = []
    /// Where each record and field was declared, to place definition errors.
    private var places: [[String]: SchemaToken] = [:]

    private init(tokens: [SchemaToken]) {
        self.tokens = tokens
    }

    static func parse(_ text: String) throws(SchemaParseError) -> Schema {
        var parser = SchemaParser(tokens: try SchemaLexer.tokens(text))
        let record = try parser.record(path: [], depth: 0)
        guard case .end = parser.current.kind else { throw parser.expected("end of text") }
        do {
            return try Schema(record)
        } catch {
            throw parser.failure(at: parser.place(of: error.path), .definition(error))
        }
    }

    private var current: SchemaToken { tokens[position] }

    private mutating func advance() -> SchemaToken {
        defer { position = min(position + 1, tokens.count - 1) }
        return current
    }

    private func failure(at token: SchemaToken, _ reason: SchemaParseError.Reason) -> SchemaParseError {
        SchemaParseError(line: token.line, column: token.column, reason: reason)
    }

    private func expected(_ wanted: String) -> SchemaParseError {
        failure(at: current, .expected(wanted, found: current.display))
    }

    /// The declaration closest to `path`: the path itself or its longest recorded prefix.
    private func place(of path: [String]) -> SchemaToken {
        var path = path
        while !path.isEmpty {
            if let token = places[path] { return token }
            path.removeLast()
        }
        return tokens[0]
    }

    private mutating func consume(_ punctuation: Unicode.Scalar) -> Bool {
        guard current.kind == .punctuation(punctuation) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ punctuation: Unicode.Scalar) throws(SchemaParseError) {
        guard consume(punctuation) else { throw expected("\"\(punctuation)\"") }
    }

    private mutating func identifier(_ what: String) throws(SchemaParseError) -> String {
        guard case .identifier(let name) = current.kind else { throw expected(what) }
        position += 1
        return name
    }

    private mutating func keyword(_ word: String) throws(SchemaParseError) {
        guard current.kind == .identifier(word) else { throw expected("\"\(word)\"") }
        position += 1
    }

    // MARK: Definitions

    /// `record Name { field… }`; `path` leads to the field holding it, empty at the top.
    private mutating func record(path: [String], depth: Int) throws(SchemaParseError) -> RecordSchema {
        let doc = current.doc
        try keyword("record")
        let nameToken = current
        let name = try identifier("a record name")
        let recordPath = path.isEmpty ? [name] : path
        if path.isEmpty { places[recordPath] = nameToken }
        try expect("{")
        open.insert(name)
        var fields: [SchemaField] = []
        while !consume("}") {
            fields.append(try field(in: recordPath, depth: depth))
            _ = consume(",") || consume(";")
        }
        open.remove(name)
        let record = RecordSchema(name: name, doc: doc, fields: fields)
        if named[name] == nil { named[name] = .record(record) }
        return record
    }

    private mutating func field(in path: [String], depth: Int) throws(SchemaParseError) -> SchemaField {
        let start = current
        let name = try identifier("a field name or \"}\"")
        let fieldPath = path + [name]
        places[fieldPath] = start
        try expect(":")
        let type = try self.type(path: fieldPath, depth: depth + 1)
        let value: SchemaValue? = consume("=") ? try literal(as: type, depth: depth + 1) : nil
        return SchemaField(name: name, type: type, defaultValue: value, doc: start.doc)
    }

    private mutating func type(path: [String], depth: Int) throws(SchemaParseError) -> SchemaType {
        guard depth <= Schema.maximumDepth else { throw failure(at: current, .tooDeep) }
        let start = current
        guard case .identifier(let word) = start.kind else { throw expected("a type") }
        switch word {
        case "bool": position += 1; return .bool
        case "int32": position += 1; return .int32
        case "int64": position += 1; return .int64
        case "float64": position += 1; return .float64
        case "string": position += 1; return .string
        case "bytes": position += 1; return .bytes
        case "timestamp": position += 1; return .timestamp
        case "optional", "list", "map":
            position += 1
            try expect("<")
            let inner = try type(path: path, depth: depth + 1)
            try expect(">")
            return word == "optional" ? .optional(inner) : word == "list" ? .list(inner) : .map(inner)
        case "record":
            return .record(try record(path: path, depth: depth))
        case "enum":
            return .enumeration(try enumeration())
        default:
            position += 1
            if open.contains(word) { throw failure(at: start, .recursiveType(word)) }
            guard let type = named[word] else { throw failure(at: start, .unknownType(word)) }
            return type
        }
    }

    /// `enum Name { symbol, … }`, commas optional.
    private mutating func enumeration() throws(SchemaParseError) -> EnumSchema {
        let doc = current.doc
        try keyword("enum")
        let name = try identifier("an enum name")
        try expect("{")
        var symbols: [String] = []
        while !consume("}") {
            symbols.append(try identifier("a symbol or \"}\""))
            _ = consume(",")
        }
        let schema = EnumSchema(name: name, doc: doc, symbols: symbols)
        if named[name] == nil { named[name] = .enumeration(schema) }
        return schema
    }

    // MARK: Default literals

    private mutating func literal(as type: SchemaType, depth: Int) throws(SchemaParseError) -> SchemaValue {
        guard depth <= Schema.maximumDepth else { throw failure(at: current, .tooDeep) }
        let token = current
        let mismatch = failure(at: token, .invalidLiteral(expected: type.description, found: token.display))
        switch (type, token.kind) {
        case (.optional, .identifier("null")):
            position += 1
            return .null
        case (.optional(let wrapped), _):
            return try literal(as: wrapped, depth: depth)
        case (.bool, .identifier("true")), (.bool, .identifier("false")):
            position += 1
            return .bool(token.kind == .identifier("true"))
        case (.int32, .number(let text)):
            guard let number = Int32(text) else { throw mismatch }
            position += 1
            return .int32(number)
        case (.int64, .number(let text)), (.timestamp, .number(let text)):
            guard let number = Int64(text) else { throw mismatch }
            position += 1
            return type == .int64 ? .int64(number) : .timestamp(number)
        case (.float64, .number(let text)):
            guard let number = Double(text) else { throw mismatch }
            position += 1
            return .float64(number)
        case (.float64, .identifier("nan")), (.float64, .identifier("inf")):
            position += 1
            return .float64(token.kind == .identifier("nan") ? .nan : .infinity)
        case (.float64, .punctuation("-")):
            position += 1
            guard current.kind == .identifier("inf") else { throw mismatch }
            position += 1
            return .float64(-.infinity)
        case (.string, .string(let text)):
            position += 1
            return .string(text)
        case (.bytes, .bytes(let data)):
            position += 1
            return .bytes(data)
        case (.timestamp, .string(let text)):
            guard let micros = RFC3339.parse(Array(text.utf8)) else { throw failure(at: token, .invalidTimestamp(text)) }
            position += 1
            return .timestamp(micros)
        case (.enumeration(let schema), .identifier(let symbol)):
            guard schema.symbols.contains(symbol) else { throw mismatch }
            position += 1
            return .enumSymbol(symbol)
        case (.list(let item), .punctuation("[")):
            position += 1
            var items: [SchemaValue] = []
            while !consume("]") {
                items.append(try literal(as: item, depth: depth + 1))
                _ = consume(",")
            }
            return .list(items)
        case (.map(let value), .punctuation("{")):
            position += 1
            return .map(try entries(depth: depth) { parser throws(SchemaParseError) in
                guard case .string(let key) = parser.current.kind else { throw parser.expected("a quoted key or \"}\"") }
                parser.position += 1
                return (key, value)
            })
        case (.record(let schema), .punctuation("{")):
            position += 1
            return .record(try entries(depth: depth) { parser throws(SchemaParseError) in
                let keyToken = parser.current
                let name = try parser.identifier("a field name or \"}\"")
                guard let field = schema.field(named: name) else {
                    throw parser.failure(at: keyToken, .expected("a field of record \(schema.name)", found: keyToken.display))
                }
                return (name, field.type)
            })
        default:
            throw mismatch
        }
    }

    /// `{ key: value, … }` up to the closing brace; `key` reads a key and gives its value's type.
    private mutating func entries(
        depth: Int,
        key: (inout SchemaParser) throws(SchemaParseError) -> (String, SchemaType)
    ) throws(SchemaParseError) -> [String: SchemaValue] {
        var result: [String: SchemaValue] = [:]
        while !consume("}") {
            let keyToken = current
            let (name, type) = try key(&self)
            try expect(":")
            guard result[name] == nil else { throw failure(at: keyToken, .duplicateKey(name)) }
            result[name] = try literal(as: type, depth: depth + 1)
            _ = consume(",")
        }
        return result
    }
}

extension Schema {
    /// Parses the text form, e.g. `record Point { x: int32  y: int32 }`.
    public init(parsing text: String) throws(SchemaParseError) {
        self = try SchemaParser.parse(text)
    }
}
