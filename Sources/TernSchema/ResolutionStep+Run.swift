extension ResolutionStep {
    /// Reads one writer value and appends the reader's encoding of it.
    func run(_ reader: inout PayloadReader, into output: inout [UInt8]) throws(SchemaValueError) {
        switch self {
        case .copy(let node):
            let start = reader.offset
            try node.skip(&reader)
            output.append(contentsOf: reader.bytes[start..<reader.offset])
        case .toFloat64(let node):
            let number = if case .int32 = node.kind { Double(try reader.int32()) } else { Double(try reader.int64()) }
            output.appendFloat64(number)
        case .enumeration(let writerSymbols, let readerIndices):
            let index = try reader.enumIndex(symbolCount: writerSymbols.count)
            guard let readerIndex = readerIndices[index] else {
                throw SchemaValueError(reason: .symbolUnknownToReader(writerSymbols[index]))
            }
            output.appendVarint(UInt64(readerIndex))
        case .optional(let inner):
            let present = try reader.isPresent()
            output.append(present ? 1 : 0)
            if present { try inner.run(&reader, into: &output) }
        case .wrap(let inner):
            output.append(1)
            try inner.run(&reader, into: &output)
        case .list(let item, let writerItem):
            let count = try reader.count(minimumItemSize: writerItem.minimumSize)
            output.appendVarint(UInt64(count))
            for index in 0..<count {
                do { try item.run(&reader, into: &output) } catch { throw error.under(.pathIndex(index)) }
            }
        case .map(let value, let writerValue):
            let count = try reader.count(minimumItemSize: 1 + writerValue.minimumSize)
            output.appendVarint(UInt64(count))
            var seen = Set<ByteRun>(minimumCapacity: count)
            for _ in 0..<count {
                let keyRange = try reader.utf8()
                let key = UnsafeRawBufferPointer(rebasing: reader.bytes[keyRange])
                let keyText = { String(decoding: key, as: UTF8.self) }
                guard seen.insert(ByteRun(bytes: key)).inserted else { throw SchemaValueError(reason: .duplicateKey(keyText())) }
                output.appendLengthPrefixed(key)
                do { try value.run(&reader, into: &output) } catch { throw error.under(.pathKey(keyText())) }
            }
        case .record(let plan):
            try plan.run(&reader, into: &output)
        }
    }
}

extension RecordResolution {
    func run(_ reader: inout PayloadReader, into output: inout [UInt8]) throws(SchemaValueError) {
        let start = output.count
        var nextSlot = 0
        var ranges = inOrder ? [] : [Range<Int>?](repeating: nil, count: slotCount)
        for index in actions.indices {
            do {
                switch actions[index] {
                case .skip(let node):
                    try node.skip(&reader)
                case .resolve(let slot, let step):
                    if inOrder {
                        appendDefaults(upTo: slot, from: &nextSlot, into: &output)
                        nextSlot = slot + 1
                    }
                    let fieldStart = output.count
                    try step.run(&reader, into: &output)
                    if !inOrder { ranges[slot] = fieldStart..<output.count }
                }
            } catch {
                throw error.under(writerNames[index])
            }
        }
        if inOrder {
            appendDefaults(upTo: slotCount, from: &nextSlot, into: &output)
        } else {
            let written = Array(output[start...])
            output.removeSubrange(start...)
            for slot in 0..<slotCount {
                if let range = ranges[slot] {
                    output.append(contentsOf: written[(range.lowerBound - start)..<(range.upperBound - start)])
                } else {
                    output.append(contentsOf: defaults[slot] ?? [])
                }
            }
        }
    }

    private func appendDefaults(upTo end: Int, from slot: inout Int, into output: inout [UInt8]) {
        while slot < end {
            output.append(contentsOf: defaults[slot] ?? [])
            slot += 1
        }
    }
}
