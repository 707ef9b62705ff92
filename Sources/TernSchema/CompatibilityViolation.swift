/// One reason why data of one schema version cannot be read with another.
public struct CompatibilityViolation: Hashable, Sendable, CustomStringConvertible {
    /// Which way the data would flow.
    public enum Direction: Hashable, Sendable {
        /// The new schema reading data written with a previous one.
        case backward
        /// A previous schema reading data written with the new one.
        case forward
        /// A resolver's reader reading its writer's data; no order between them.
        case resolution
    }

    /// The rule that is broken, in terms of the writer's and the reader's schema.
    public enum Rule: Hashable, Sendable {
        /// The reader has a field without a default that the writer lacks.
        case missingDefault(field: String)
        /// The writer's type can neither be read as the reader's, nor promoted to it.
        case typeMismatch(writer: String, reader: String)
        /// Writer enum symbols that the reader's enum lacks.
        case missingSymbols([String])
        /// A record or enum whose name differs between writer and reader.
        case nameMismatch(writer: String, reader: String)
    }

    /// Where, from the root record down, e.g. `Order.customer.email`; list items are `[]`
    /// and map values `[*]`.
    public var path: String
    public var rule: Rule
    public var direction: Direction
    /// The index in `previous` of the version checked against; 0 for a resolver.
    public var previousIndex: Int

    public init(path: String, rule: Rule, direction: Direction, previousIndex: Int) {
        self.path = path
        self.rule = rule
        self.direction = direction
        self.previousIndex = previousIndex
    }

    /// E.g. `Order.quantity: field added without a default (BACKWARD: new readers cannot read
    /// old messages)`.
    public var description: String {
        let consequence = switch direction {
        case .backward: " (BACKWARD: new readers cannot read old messages)"
        case .forward: " (FORWARD: old readers cannot read new messages)"
        case .resolution: ""
        }
        return "\(path): \(explanation)\(consequence)"
    }

    /// The rule in words, phrased from the older version to the newer one.
    private var explanation: String {
        switch (rule, direction) {
        case (.missingDefault, .backward): "field added without a default"
        case (.missingDefault, .forward): "field removed, and the previous version has no default for it"
        case (.missingDefault(let field), .resolution): "the reader's field \"\(field)\" has no default and the writer lacks it"
        case (.typeMismatch(let writer, let reader), .backward):
            "type changed from \(writer) to \(reader), which is not a promotion"
        case (.typeMismatch(let writer, let reader), .forward):
            "type changed from \(reader) to \(writer), and \(writer) cannot be read as \(reader)"
        case (.typeMismatch(let writer, let reader), .resolution): "\(writer) cannot be read as \(reader)"
        case (.missingSymbols(let symbols), .backward): "enum symbols removed: " + symbols.joined(separator: ", ")
        case (.missingSymbols(let symbols), .forward): "enum symbols added: " + symbols.joined(separator: ", ")
        case (.missingSymbols(let symbols), .resolution): "the reader lacks enum symbols " + symbols.joined(separator: ", ")
        case (.nameMismatch(let writer, let reader), .backward), (.nameMismatch(let writer, let reader), .resolution):
            "renamed from \(writer) to \(reader)"
        case (.nameMismatch(let writer, let reader), .forward): "renamed from \(reader) to \(writer)"
        }
    }
}
