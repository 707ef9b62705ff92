/// A validated message schema: a named record at the top.
///
/// Create one from the text form with `init(parsing:)` or from a model with `init(_:)`.
/// Two schemas are equal when their definitions are, docs included; `fingerprint` ignores docs.
public struct Schema: Hashable, Sendable, CustomStringConvertible {
    /// The deepest nesting of types a schema may have.
    public static let maximumDepth = 32

    /// The top-level record, with defaults normalized.
    public let root: RecordSchema
    /// The canonical text form: docs dropped, fixed spacing; see Protocol/SCHEMAS.md.
    public let canonicalText: String
    /// The CRC-64-AVRO fingerprint of the canonical form's UTF-8 bytes.
    public let fingerprint: UInt64
    let node: PayloadNode

    /// Validates `root`: names, duplicates, defaults, nesting, named type reuse.
    public init(_ root: RecordSchema) throws(SchemaDefinitionError) {
        var check = SchemaDefinitionCheck()
        let checked = try check.record(root, path: [root.name], depth: 0)
        self.root = checked
        self.canonicalText = SchemaPrinter(style: .canonical).print(checked)
        self.fingerprint = Fingerprint.crc64Avro(canonicalText.utf8)
        self.node = PayloadNode(.record(checked))
    }

    /// The record's name.
    public var name: String { root.name }

    /// The pretty-printed text form, docs included.
    public var text: String { SchemaPrinter(style: .pretty).print(root) }

    public var description: String { text }

    public static func == (lhs: Schema, rhs: Schema) -> Bool { lhs.root == rhs.root }

    public func hash(into hasher: inout Hasher) { hasher.combine(root) }
}
