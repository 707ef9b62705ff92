/// JSON text helpers shared with the command-line tools.
public enum JSONText {
    /// `text` as a JSON string literal, with quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        JSONWriter.quoted(text)
    }

    /// `bytes` as standard base64 (RFC 4648 §4) with padding, the JSON form of `bytes` values.
    public static func base64(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes)
    }
}
