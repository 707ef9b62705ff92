/// Renders a report for people: one aligned line per field, numbers grouped by thousands.
enum ReportTable {
    static func render(_ report: Report) -> String {
        let labelWidth = report.fields.map(\.label.count).max() ?? 0
        let values = report.fields.map { format($0.value) }
        let valueWidth = values.map(\.count).max() ?? 0
        return zip(report.fields, values).map { field, value in
            let label = field.label.padding(toLength: labelWidth)
            let number = String(repeating: " ", count: valueWidth - value.count) + value
            return "  \(label)  \(number) \(field.unit)".trailingSpacesRemoved
        }.joined(separator: "\n")
    }

    static func format(_ value: ReportField.Value) -> String {
        switch value {
        case .int(let number): grouped(number)
        case .identifier(let number): "\(number)"
        case .double(let number) where !number.isFinite: "-"
        case .double(let number) where abs(number) >= 1000: grouped(Int(number.rounded()))
        case .double(let number): decimal(number, digits: abs(number) >= 10 ? 1 : 2)
        case .string(let text): text
        case .bool(let flag): flag ? "yes" : "no"
        }
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return number < 0 ? "-" + result : result
    }

    private static func decimal(_ number: Double, digits: Int) -> String {
        let scale = digits == 1 ? 10.0 : 100.0
        let scaled = Int((number * scale).rounded())
        let whole = String(abs(scaled) / Int(scale))
        var fraction = String(abs(scaled) % Int(scale))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        return (scaled < 0 ? "-" : "") + whole + "." + fraction
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        self + String(repeating: " ", count: Swift.max(0, length - count))
    }

    fileprivate var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
