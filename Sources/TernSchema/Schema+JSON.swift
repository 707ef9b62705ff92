/// The JSON mapping for people (Protocol/SCHEMAS.md, "JSON mapping").
extension Schema {
    /// Writes a record value as JSON: fields in schema order, map keys in UTF-8 order.
    public func encodeJSON(_ value: SchemaValue, pretty: Bool = false) throws(SchemaValueError) -> String {
        let complete = try decode(try encode(value))
        var writer = JSONWriter(pretty: pretty)
        writer.write(SchemaJSON.json(complete, as: .record(root)))
        return writer.output
    }

    /// Reads a record value from JSON. Missing fields take their defaults; unknown ones are refused.
    public func decodeJSON(_ text: String) throws(SchemaValueError) -> SchemaValue {
        do {
            return try SchemaJSON.value(JSONReader.parse(text), as: .record(root))
        } catch {
            throw error.under(name)
        }
    }
}

/// Converts between JSON values and schema values, guided by the type.
enum SchemaJSON {
    /// A value already known to fit `type` as JSON.
    static func json(_ value: SchemaValue, as type: SchemaType) -> JSONValue {
        switch (value, type) {
        case (.null, _): .null
        case (_, .optional(let wrapped)): json(value, as: wrapped)
        case (.bool(let bool), _): .bool(bool)
        case (.int32(let number), _): .number(String(number))
        case (.int64(let number), _): .number(String(number))
        case (.float64(let number), _):
            if number.isNaN { .string("NaN") }
            else if number.isInfinite { .string(number < 0 ? "-Infinity" : "Infinity") }
            else { .number(number.description) }
        case (.string(let text), _), (.enumSymbol(let text), _): .string(text)
        case (.bytes(let data), _): .string(Base64.encode(data))
        case (.timestamp(let micros), _): RFC3339.format(micros).map(JSONValue.string) ?? .number(String(micros))
        case (.list(let items), .list(let item)): .array(items.map { json($0, as: item) })
        case (.map(let entries), .map(let valueType)):
            .object(entries.keysInUTF8Order.map { ($0, json(entries[$0] ?? .null, as: valueType)) })
        case (.record(let fields), .record(let schema)):
            .object(schema.fields.map { ($0.name, json(fields[$0.name] ?? .null, as: $0.type)) })
        // Unreachable for decoded values, which always fit their type.
        case (.list, _), (.map, _), (.record, _): .null
        }
    }

    static func value(_ json: JSONValue, as type: SchemaType) throws(SchemaValueError) -> SchemaValue {
        let mismatch = SchemaValueError(reason: .typeMismatch(expected: type.description, found: json.kindName))
        switch (type, json) {
        case (.optional, .null): return .null
        case (.optional(let wrapped), _): return try value(json, as: wrapped)
        case (.bool, .bool(let bool)): return .bool(bool)
        case (.int32, .number(let text)):
            guard let number = Int32(text) ?? integral(text).flatMap({ Int32(exactly: $0) }) else {
                throw SchemaValueError(reason: .outOfRange(type: "int32"))
            }
            return .int32(number)
        case (.int64, .number(let text)), (.timestamp, .number(let text)):
            guard let number = Int64(text) ?? integral(text) else {
                throw SchemaValueError(reason: .outOfRange(type: type.description))
            }
            return type == .int64 ? .int64(number) : .timestamp(number)
        case (.float64, .number(let text)):
            guard let number = Double(text) else { throw SchemaValueError(reason: .outOfRange(type: "float64")) }
            return .float64(number)
        case (.float64, .string(let text)):
            switch text {
            case "NaN": return .float64(.nan)
            case "Infinity": return .float64(.infinity)
            case "-Infinity": return .float64(-.infinity)
            default: throw mismatch
            }
        case (.string, .string(let text)): return .string(text)
        case (.bytes, .string(let text)):
            guard let data = Base64.decode(text) else { throw SchemaValueError(reason: .invalidBase64) }
            return .bytes(data)
        case (.timestamp, .string(let text)):
            guard let micros = RFC3339.parse(Array(text.utf8)) else { throw SchemaValueError(reason: .invalidTimestamp(text)) }
            return .timestamp(micros)
        case (.enumeration(let schema), .string(let symbol)):
            guard schema.symbols.contains(symbol) else { throw SchemaValueError(reason: .unknownSymbol(symbol)) }
            return .enumSymbol(symbol)
        case (.list(let item), .array(let items)):
            var values: [SchemaValue] = []
            values.reserveCapacity(items.count)
            for (index, element) in items.enumerated() {
                do { values.append(try value(element, as: item)) } catch { throw error.under(.pathIndex(index)) }
            }
            return .list(values)
        case (.map(let valueType), .object(let members)):
            var entries: [String: SchemaValue] = [:]
            for (key, member) in members {
                guard entries[key] == nil else { throw SchemaValueError(reason: .duplicateKey(key)) }
                do { entries[key] = try value(member, as: valueType) } catch { throw error.under(.pathKey(key)) }
            }
            return .map(entries)
        case (.record(let schema), .object(let members)):
            return .record(try record(members, as: schema))
        default:
            throw mismatch
        }
    }

    /// A number written with a fraction or an exponent, when its value is a whole Int64.
    /// (Compares after a truncating conversion rather than calling libm's `trunc`.)
    private static func integral(_ text: String) -> Int64? {
        guard let number = Double(text), number >= -0x1p63, number < 0x1p63 else { return nil }
        let whole = Int64(number)
        return Double(whole) == number ? whole : nil
    }

    private static func record(
        _ members: [(key: String, value: JSONValue)], as schema: RecordSchema
    ) throws(SchemaValueError) -> [String: SchemaValue] {
        var fields: [String: SchemaValue] = [:]
        for (key, member) in members {
            guard let field = schema.field(named: key) else { throw SchemaValueError(reason: .unknownField(key)) }
            guard fields[key] == nil else { throw SchemaValueError(reason: .duplicateKey(key)) }
            do { fields[key] = try value(member, as: field.type) } catch { throw error.under(key) }
        }
        for field in schema.fields where fields[field.name] == nil {
            guard let fallback = field.defaultValue else { throw SchemaValueError(reason: .missingField(field.name)) }
            fields[field.name] = fallback
        }
        return fields
    }
}
