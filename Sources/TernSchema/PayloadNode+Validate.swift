extension PayloadNode {
    /// Checks one encoded value and moves past it, without building it.
    func skip(_ reader: inout PayloadReader) throws(SchemaValueError) {
        switch kind {
        case .bool: _ = try reader.bool()
        case .int32: _ = try reader.int32()
        case .int64, .timestamp: _ = try reader.varint()
        case .float64:
            guard reader.remaining >= 8 else { throw SchemaValueError(reason: .truncated) }
            reader.offset += 8
        case .string: _ = try reader.utf8()
        case .bytes: _ = try reader.lengthPrefixed()
        case .enumeration(let symbols, _): _ = try reader.enumIndex(symbolCount: symbols.count)
        case .optional(let wrapped):
            if try reader.isPresent() { try wrapped.skip(&reader) }
        case .list(let item):
            let count = try reader.count(minimumItemSize: item.minimumSize)
            for index in 0..<count {
                do { try item.skip(&reader) } catch { throw error.under(.pathIndex(index)) }
            }
        case .map(let value):
            let count = try reader.count(minimumItemSize: 1 + value.minimumSize)
            var seen = Set<ByteRun>(minimumCapacity: count)
            for _ in 0..<count {
                let keyRange = try reader.utf8()
                let key = UnsafeRawBufferPointer(rebasing: reader.bytes[keyRange])
                let keyText = { String(decoding: key, as: UTF8.self) }
                guard seen.insert(ByteRun(bytes: key)).inserted else {
                    throw SchemaValueError(reason: .duplicateKey(keyText()))
                }
                do { try value.skip(&reader) } catch { throw error.under(.pathKey(keyText())) }
            }
        case .record(let layout):
            for index in layout.nodes.indices {
                do { try layout.nodes[index].skip(&reader) } catch { throw error.under(layout.names[index]) }
            }
        }
    }
}

extension PayloadReader {
    mutating func enumIndex(symbolCount: Int) throws(SchemaValueError) -> Int {
        let index = try varint()
        guard index < UInt64(symbolCount) else {
            throw SchemaValueError(reason: .enumIndexOutOfRange(index: index, symbolCount: symbolCount))
        }
        return Int(index)
    }
}
