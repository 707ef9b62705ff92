/// Numbers as `tern stats` and `tern top` print them: counts with thousands separators, bytes
/// in binary units, rates with one decimal where it matters, durations in days to seconds.
enum Figures {
    /// `1234567` as `1,234,567`.
    static func count(_ value: some BinaryInteger) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `1572864` as `1.5 MiB`.
    static func bytes(_ value: some BinaryInteger) -> String {
        bytes(Double(value))
    }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = value
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(scaled)) B" : "\(decimal(scaled)) \(units[unit])"
    }

    /// A rate per second: whole above 100, one decimal below.
    static func rate(_ value: Double) -> String {
        value >= 100 ? count(Int(value.rounded())) : decimal(value)
    }

    /// `value` with one decimal.
    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// `93784` seconds as `1d 2h 3m 4s`.
    static func duration(seconds: Double) -> String {
        var left = Int(seconds)
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where left >= size || !parts.isEmpty {
            parts.append("\(left / size)\(unit)")
            left %= size
        }
        return (parts + ["\(left)s"]).joined(separator: " ")
    }

    /// `text` cut or padded to `width` columns, on the left or the right.
    static func column(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
        let cut = text.count > width ? String(text.prefix(max(width - 1, 0))) + "…" : text
        let padding = String(repeating: " ", count: width - cut.count)
        return alignRight ? padding + cut : cut + padding
    }
}
