/// Writes a record definition in the text form: pretty (indented, with docs) or canonical.
///
/// A named type is written in full where it first appears and by name afterwards.
struct SchemaPrinter {
    enum Style { case pretty, canonical }

    let style: Style
    private var output = ""
    private var printed = Set<String>()

    init(style: Style) {
        self.style = style
    }

    func print(_ record: RecordSchema) -> String {
        var printer = self
        printer.doc(record.doc, indent: 0)
        printer.record(record, indent: 0)
        if style == .pretty { printer.output += "\n" }
        return printer.output
    }

    private var pretty: Bool { style == .pretty }

    private mutating func doc(_ doc: String?, indent: Int) {
        guard pretty, let doc else { return }
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            output += String(repeating: "  ", count: indent) + (line.isEmpty ? "///" : "/// \(line)") + "\n"
        }
    }

    private mutating func record(_ record: RecordSchema, indent: Int) {
        output += "record \(record.name)" + (pretty ? " {\n" : "{")
        for (index, field) in record.fields.enumerated() {
            if !pretty, index > 0 { output += "," }
            doc(field.doc, indent: indent + 1)
            if pretty { output += String(repeating: "  ", count: indent + 1) }
            output += field.name + (pretty ? ": " : ":")
            type(field.type, indent: indent + 1)
            if let value = field.defaultValue {
                output += pretty ? " = " : "="
                output += SchemaLiteral(style: style).text(value, as: field.type)
            }
            if pretty { output += "\n" }
        }
        output += pretty ? String(repeating: "  ", count: indent) + "}" : "}"
    }

    private mutating func type(_ type: SchemaType, indent: Int) {
        switch type {
        case .bool, .int32, .int64, .float64, .string, .bytes, .timestamp:
            output += type.description
        case .optional(let inner), .list(let inner), .map(let inner):
            let keyword = switch type {
            case .optional: "optional"
            case .list: "list"
            default: "map"
            }
            output += keyword + "<"
            self.type(inner, indent: indent)
            output += ">"
        case .enumeration(let schema):
            guard printed.insert(schema.name).inserted else { return output += schema.name }
            namedTypeDoc(schema.doc, indent: indent)
            let separator = pretty ? ", " : ","
            output += "enum \(schema.name)" + (pretty ? " { " : "{")
            output += schema.symbols.joined(separator: separator) + (pretty ? " }" : "}")
        case .record(let schema):
            guard printed.insert(schema.name).inserted else { return output += schema.name }
            namedTypeDoc(schema.doc, indent: indent)
            record(schema, indent: indent)
        }
    }

    /// A named type's doc goes on lines of its own between the field name and the keyword.
    private mutating func namedTypeDoc(_ doc: String?, indent: Int) {
        guard pretty, doc != nil else { return }
        output += "\n"
        self.doc(doc, indent: indent + 1)
        output += String(repeating: "  ", count: indent + 1)
    }
}
