/// How to turn a writer's encoding of one type into a reader's encoding of another.
indirect enum ResolutionStep: Sendable {
    /// Same encoding on both sides: check the value and copy its bytes.
    case copy(PayloadNode)
    /// An int32 or int64 (as the node says) rewritten as a float64.
    case toFloat64(PayloadNode)
    /// Writer symbol index → reader symbol index; nil where the reader lacks the symbol.
    case enumeration(writerSymbols: [String], readerIndices: [Int?])
    /// Optional on both sides.
    case optional(ResolutionStep)
    /// A plain writer value for an optional reader: a presence byte, then the value.
    case wrap(ResolutionStep)
    case list(ResolutionStep, writerItem: PayloadNode)
    case map(ResolutionStep, writerValue: PayloadNode)
    case record(RecordResolution)
}

/// How to turn a writer's record into a reader's record.
struct RecordResolution: Sendable {
    enum FieldAction: Sendable {
        case skip(PayloadNode)
        case resolve(slot: Int, ResolutionStep)
    }

    let writerNames: [String]
    let actions: [FieldAction]
    /// The reader's field count.
    let slotCount: Int
    /// The encoded default of each reader field the writer lacks, by reader slot.
    let defaults: [[UInt8]?]
    /// Whether the writer's fields come in the reader's order, so output can be streamed.
    let inOrder: Bool
}

/// Compares a writer's type with a reader's, recording every rule broken, and builds the plan.
struct ResolutionCompiler {
    struct Issue {
        var path: [String]
        var rule: CompatibilityViolation.Rule
    }

    private(set) var issues: [Issue] = []

    mutating func step(writer: SchemaType, reader: SchemaType, path: [String]) -> ResolutionStep {
        if writer == reader { return .copy(PayloadNode(writer)) }
        switch (writer, reader) {
        case (.int32, .int64): return .copy(PayloadNode(.int32))
        case (.int32, .float64), (.int64, .float64): return .toFloat64(PayloadNode(writer))
        case (.optional(let writerInner), .optional(let readerInner)):
            return .optional(step(writer: writerInner, reader: readerInner, path: path))
        case (_, .optional(let readerInner)):
            return .wrap(step(writer: writer, reader: readerInner, path: path))
        case (.list(let writerItem), .list(let readerItem)):
            return .list(step(writer: writerItem, reader: readerItem, path: path + ["[]"]), writerItem: PayloadNode(writerItem))
        case (.map(let writerValue), .map(let readerValue)):
            return .map(step(writer: writerValue, reader: readerValue, path: path + ["[*]"]), writerValue: PayloadNode(writerValue))
        case (.enumeration(let writerEnum), .enumeration(let readerEnum)):
            checkName(writerEnum.name, readerEnum.name, path: path)
            let indices = writerEnum.symbols.map { readerEnum.symbols.firstIndex(of: $0) }
            let missing = zip(writerEnum.symbols, indices).filter { $0.1 == nil }.map(\.0)
            if !missing.isEmpty { issues.append(Issue(path: path, rule: .missingSymbols(missing))) }
            return .enumeration(writerSymbols: writerEnum.symbols, readerIndices: indices)
        case (.record(let writerRecord), .record(let readerRecord)):
            checkName(writerRecord.name, readerRecord.name, path: path)
            return .record(record(writer: writerRecord, reader: readerRecord, path: path))
        default:
            issues.append(Issue(path: path, rule: .typeMismatch(writer: writer.description, reader: reader.description)))
            return .copy(PayloadNode(writer))
        }
    }

    private mutating func checkName(_ writer: String, _ reader: String, path: [String]) {
        if writer != reader { issues.append(Issue(path: path, rule: .nameMismatch(writer: writer, reader: reader))) }
    }

    mutating func record(writer: RecordSchema, reader: RecordSchema, path: [String]) -> RecordResolution {
        var actions: [RecordResolution.FieldAction] = []
        var filled = Set<Int>()
        var inOrder = true
        var lastSlot = -1
        for field in writer.fields {
            guard let slot = reader.fields.firstIndex(where: { $0.name == field.name }) else {
                actions.append(.skip(PayloadNode(field.type)))
                continue
            }
            let readerField = reader.fields[slot]
            actions.append(.resolve(slot: slot, step(writer: field.type, reader: readerField.type, path: path + [field.name])))
            filled.insert(slot)
            if slot < lastSlot { inOrder = false }
            lastSlot = slot
        }
        var defaults: [[UInt8]?] = []
        for (slot, field) in reader.fields.enumerated() {
            guard !filled.contains(slot) else {
                defaults.append(nil)
                continue
            }
            guard let value = field.defaultValue else {
                issues.append(Issue(path: path + [field.name], rule: .missingDefault(field: field.name)))
                defaults.append(nil)
                continue
            }
            var bytes: [UInt8] = []
            // Cannot fail: `Schema` has checked every default by encoding it.
            try? PayloadNode(field.type).encode(value, into: &bytes)
            defaults.append(bytes)
        }
        return RecordResolution(
            writerNames: writer.fields.map(\.name), actions: actions,
            slotCount: reader.fields.count, defaults: defaults, inOrder: inOrder
        )
    }
}
