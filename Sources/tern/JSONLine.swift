import TernSchema
import TernClient

/// Formats a message as one line of JSON, without Foundation.
enum JSONLine {
    /// `message` as an object with "topic", "headers" and the payload: `payloadJSON` when
    /// given (a typed message already converted to JSON), else "payload" as a string when it
    /// is UTF-8, or "payload_base64".
    static func format(_ message: TernMessage, payloadJSON: String? = nil) -> String {
        var line = "{\"topic\":" + JSONText.quoted(message.topic) + ",\"headers\":{"
        var names: [String] = []
        var values: [String: [String]] = [:]
        for field in message.headers {
            if values[field.name] == nil { names.append(field.name) }
            values[field.name, default: []].append(field.value)
        }
        line += names.map { JSONText.quoted($0) + ":" + JSONText.quoted(values[$0, default: []].joined(separator: ", ")) }.joined(separator: ",")
        line += "},"
        let bytes = message.payload.readableBytesView
        if let payloadJSON {
            line += "\"payload\":" + payloadJSON
        } else if let text = String(validating: bytes, as: UTF8.self) {
            line += "\"payload\":" + JSONText.quoted(text)
        } else {
            line += "\"payload_base64\":\"" + JSONText.base64(Array(bytes)) + "\""
        }
        return line + "}"
    }
}
