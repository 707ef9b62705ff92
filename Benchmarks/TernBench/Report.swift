import Foundation

/// One figure of a result: its JSON/CSV key, its label in the table, its value and unit.
struct ReportField: Sendable {
    enum Value: Sendable {
        case int(Int)
        /// A number that names something (a process ID): shown without digit grouping.
        case identifier(Int)
        case double(Double)
        case string(String)
        case bool(Bool)
    }

    var key: String
    var label: String
    var value: Value
    var unit: String

    init(_ key: String, _ label: String, _ value: Value, unit: String = "") {
        self.key = key
        self.label = label
        self.value = value
        self.unit = unit
    }
}

/// A scenario's result: its fields in a fixed order, rendered as JSON, a CSV row or a table.
struct Report: Sendable {
    var fields: [ReportField]

    /// One JSON object on one line, keys in field order.
    var json: String {
        "{" + fields.map { "\"\($0.key)\":" + $0.value.json }.joined(separator: ",") + "}"
    }

    var csvHeader: String {
        fields.map(\.key).joined(separator: ",")
    }

    var csvRow: String {
        fields.map(\.value.csv).joined(separator: ",")
    }
}

extension ReportField.Value {
    var json: String {
        switch self {
        case .int(let value), .identifier(let value): "\(value)"
        case .double(let value): value.isFinite ? "\((value * 1000).rounded() / 1000)" : "null"
        case .string(let value): "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .bool(let value): "\(value)"
        }
    }

    var csv: String {
        switch self {
        case .string(let value) where value.contains(",") || value.contains("\""):
            "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case .string(let value): value
        default: json
        }
    }
}
