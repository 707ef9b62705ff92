/// Writes default values as literals of the text form.
struct SchemaLiteral {
    let style: SchemaPrinter.Style

    private var pretty: Bool { style == .pretty }

    func text(_ value: SchemaValue, as type: SchemaType) -> String {
        switch (value, type) {
        case (.bool(let bool), _): String(bool)
        case (.int32(let number), _): String(number)
        case (.int64(let number), _): String(number)
        case (.float64(let number), _): pretty ? Self.prettyFloat(number) : Self.canonicalFloat(number)
        case (.string(let text), _): Self.quoted(text)
        case (.bytes(let data), _): "x\"" + Base16.encode(data) + "\""
        case (.timestamp(let micros), _):
            if pretty, let text = RFC3339.format(micros) { Self.quoted(text) } else { String(micros) }
        case (.enumSymbol(let symbol), _): symbol
        case (.null, _): "null"
        case (.list(let items), .list(let itemType)):
            "[" + items.map { text($0, as: itemType) }.joined(separator: separator) + "]"
        case (.map(let entries), .map(let valueType)):
            braced(entries.keysInUTF8Order.map { Self.quoted($0) + colon + text(entries[$0] ?? .null, as: valueType) })
        case (.record(let fields), .record(let schema)):
            braced(schema.fields.compactMap { field in
                fields[field.name].map { field.name + colon + text($0, as: field.type) }
            })
        case (_, .optional(let wrapped)): text(value, as: wrapped)
        // Unreachable for checked defaults, which always fit their type.
        case (.list, _), (.map, _), (.record, _): "null"
        }
    }

    private var separator: String { pretty ? ", " : "," }
    private var colon: String { pretty ? ": " : ":" }

    private func braced(_ entries: [String]) -> String {
        guard pretty else { return "{" + entries.joined(separator: ",") + "}" }
        return entries.isEmpty ? "{}" : "{ " + entries.joined(separator: ", ") + " }"
    }

    static func quoted(_ text: String) -> String {
        QuotedString.make(text, isControl: { $0 < 0x20 || $0 == 0x7F }) { "\\u{" + String($0, radix: 16) + "}" }
    }

    static func prettyFloat(_ number: Double) -> String {
        number.isNaN ? "nan" : number.description
    }

    /// `<digits>e<exponent>`: the shortest round-trip decimal digits without leading or trailing
    /// zeros, and the power of ten they are multiplied by; `0e0`, `-0e0`, `nan`, `inf`, `-inf`.
    static func canonicalFloat(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        let sign = number.sign == .minus ? "-" : ""
        let text = number.magnitude.description
        let parts = text.split(separator: "e", maxSplits: 1)
        var exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = mantissa.count == 2 ? mantissa[1] : ""
        var digits = Substring(mantissa[0] + fraction)
        exponent -= fraction.count
        while digits.count > 1, digits.first == "0" { digits.removeFirst() }
        while digits.count > 1, digits.last == "0" {
            digits.removeLast()
            exponent += 1
        }
        if digits == "0" { exponent = 0 }
        return sign + digits + "e" + String(exponent)
    }
}

extension Dictionary where Key == String {
    /// The keys sorted by their UTF-8 bytes: the order of map entries in encodings and text.
    var keysInUTF8Order: [String] {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// Lowercase hexadecimal, for `bytes` literals.
enum Base16 {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func decode(_ text: some Collection<Unicode.Scalar>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var high: UInt8?
        for scalar in text {
            guard scalar.isASCII, let nibble = UInt8(String(scalar), radix: 16) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
