extension PayloadNode {
    /// Reads one encoded value.
    func decode(_ reader: inout PayloadReader) throws(SchemaValueError) -> SchemaValue {
        switch kind {
        case .bool: return .bool(try reader.bool())
        case .int32: return .int32(try reader.int32())
        case .int64: return .int64(try reader.int64())
        case .timestamp: return .timestamp(try reader.int64())
        case .float64: return .float64(try reader.float64())
        case .string: return .string(try reader.string())
        case .bytes: return .bytes(try reader.byteArray())
        case .enumeration(let symbols, _): return .enumSymbol(symbols[try reader.enumIndex(symbolCount: symbols.count)])
        case .optional(let wrapped): return try reader.isPresent() ? try wrapped.decode(&reader) : .null
        case .list(let item):
            let count = try reader.count(minimumItemSize: item.minimumSize)
            var items: [SchemaValue] = []
            items.reserveCapacity(count)
            for index in 0..<count {
                do { items.append(try item.decode(&reader)) } catch { throw error.under(.pathIndex(index)) }
            }
            return .list(items)
        case .map(let value):
            let count = try reader.count(minimumItemSize: 1 + value.minimumSize)
            var entries: [String: SchemaValue] = [:]
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = try reader.string()
                guard entries[key] == nil else { throw SchemaValueError(reason: .duplicateKey(key)) }
                do { entries[key] = try value.decode(&reader) } catch { throw error.under(.pathKey(key)) }
            }
            return .map(entries)
        case .record(let layout):
            var fields: [String: SchemaValue] = [:]
            fields.reserveCapacity(layout.nodes.count)
            for index in layout.nodes.indices {
                do {
                    fields[layout.names[index]] = try layout.nodes[index].decode(&reader)
                } catch {
                    throw error.under(layout.names[index])
                }
            }
            return .record(fields)
        }
    }
}
