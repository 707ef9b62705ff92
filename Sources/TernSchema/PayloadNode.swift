/// A schema type compiled for walking payloads: children are shared references, records carry
/// their field names, defaults and lookup tables, and every node knows its minimum encoded size.
final class PayloadNode: Sendable {
    enum Kind: Sendable {
        case bool, int32, int64, float64, string, bytes, timestamp
        case enumeration(symbols: [String], indices: [String: Int])
        case optional(PayloadNode)
        case list(PayloadNode)
        case map(PayloadNode)
        case record(RecordLayout)
    }

    /// A record's fields in order.
    struct RecordLayout: Sendable {
        let name: String
        let names: [String]
        let nodes: [PayloadNode]
        let defaults: [SchemaValue?]
    }

    let kind: Kind
    /// The fewest bytes any value of this type takes (at least 1, as records are never empty).
    let minimumSize: Int

    init(_ type: SchemaType) {
        switch type {
        case .bool: kind = .bool
        case .int32: kind = .int32
        case .int64: kind = .int64
        case .float64: kind = .float64
        case .string: kind = .string
        case .bytes: kind = .bytes
        case .timestamp: kind = .timestamp
        case .enumeration(let schema):
            let indices = Dictionary(schema.symbols.enumerated().map { ($1, $0) }) { first, _ in first }
            kind = .enumeration(symbols: schema.symbols, indices: indices)
        case .optional(let wrapped): kind = .optional(PayloadNode(wrapped))
        case .list(let item): kind = .list(PayloadNode(item))
        case .map(let value): kind = .map(PayloadNode(value))
        case .record(let schema):
            kind = .record(RecordLayout(
                name: schema.name,
                names: schema.fields.map(\.name),
                nodes: schema.fields.map { PayloadNode($0.type) },
                defaults: schema.fields.map(\.defaultValue)
            ))
        }
        switch kind {
        case .float64: minimumSize = 8
        case .record(let layout): minimumSize = max(1, layout.nodes.reduce(0) { $0 + $1.minimumSize })
        default: minimumSize = 1
        }
    }
}

/// A run of payload bytes compared by content, to find duplicate map keys without copying.
struct ByteRun: Hashable {
    let bytes: UnsafeRawBufferPointer

    static func == (lhs: ByteRun, rhs: ByteRun) -> Bool {
        lhs.bytes.elementsEqual(rhs.bytes)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: bytes)
    }
}
