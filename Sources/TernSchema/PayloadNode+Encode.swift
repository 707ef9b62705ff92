extension PayloadNode {
    /// Writes one value, which must have exactly this node's type. Record fields that are
    /// missing take their defaults; map entries are written in ascending key order.
    func encode(_ value: SchemaValue, into output: inout [UInt8]) throws(SchemaValueError) {
        switch (kind, value) {
        case (.bool, .bool(let bool)): output.appendBool(bool)
        case (.int32, .int32(let number)): output.appendZigZag(Int64(number))
        case (.int64, .int64(let number)), (.timestamp, .timestamp(let number)): output.appendZigZag(number)
        case (.float64, .float64(let number)): output.appendFloat64(number)
        case (.string, .string(let text)): output.appendString(text)
        case (.bytes, .bytes(let data)): output.appendLengthPrefixed(data)
        case (.enumeration(_, let indices), .enumSymbol(let symbol)):
            guard let index = indices[symbol] else { throw SchemaValueError(reason: .unknownSymbol(symbol)) }
            output.appendVarint(UInt64(index))
        case (.optional, .null): output.appendBool(false)
        case (.optional(let wrapped), _):
            output.appendBool(true)
            try wrapped.encode(value, into: &output)
        case (.list(let item), .list(let items)):
            output.appendVarint(UInt64(items.count))
            for (index, element) in items.enumerated() {
                do { try item.encode(element, into: &output) } catch { throw error.under(.pathIndex(index)) }
            }
        case (.map(let valueNode), .map(let entries)):
            output.appendVarint(UInt64(entries.count))
            for key in entries.keysInUTF8Order {
                output.appendString(key)
                do { try valueNode.encode(entries[key] ?? .null, into: &output) } catch { throw error.under(.pathKey(key)) }
            }
        case (.record(let layout), .record(let fields)):
            try layout.encode(fields, into: &output)
        default:
            throw SchemaValueError(reason: .typeMismatch(expected: typeName, found: value.kindName))
        }
    }

    /// The type's name for messages, e.g. `list` or `record Customer`.
    var typeName: String {
        switch kind {
        case .bool: "bool"
        case .int32: "int32"
        case .int64: "int64"
        case .float64: "float64"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        case .enumeration: "enum symbol"
        case .optional(let wrapped): "\(wrapped.typeName) or null"
        case .list: "list"
        case .map: "map"
        case .record(let layout): "record \(layout.name)"
        }
    }
}

extension PayloadNode.RecordLayout {
    func encode(_ fields: [String: SchemaValue], into output: inout [UInt8]) throws(SchemaValueError) {
        var used = 0
        for index in nodes.indices {
            let name = names[index]
            let value: SchemaValue
            if let given = fields[name] {
                value = given
                used += 1
            } else if let fallback = defaults[index] {
                value = fallback
            } else {
                throw SchemaValueError(reason: .missingField(name))
            }
            do { try nodes[index].encode(value, into: &output) } catch { throw error.under(name) }
        }
        if used < fields.count, let unknown = fields.keys.sorted().first(where: { !names.contains($0) }) {
            throw SchemaValueError(reason: .unknownField(unknown))
        }
    }
}
