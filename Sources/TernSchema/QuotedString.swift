/// Double-quoted string literals, as the JSON and schema text forms write them: they escape the
/// same characters and differ only in how they spell other control characters.
enum QuotedString {
    /// `text` in quotes, with `"`, `\`, newline, return and tab escaped, and every other
    /// character for which `isControl` holds written by `escapeControl`.
    static func make(_ text: String, isControl: (UInt32) -> Bool, escapeControl: (UInt32) -> String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar.value): result += escapeControl(scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
