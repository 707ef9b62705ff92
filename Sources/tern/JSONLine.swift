import TernClient

/// Formats a message as one line of JSON, without Foundation.
enum JSONLine {
    /// `message` as an object with "topic", "headers" and the payload: `payloadJSON` when
    /// given (a typed message already converted to JSON), else "payload" as a string when it
    /// is UTF-8, or "payload_base64".
    static func format(_ message: TernMessage, payloadJSON: String? = nil) -> String {
        var line = "{\"topic\":" + quoted(message.topic) + ",\"headers\":{"
        var names: [String] = []
        var values: [String: [String]] = [:]
        for field in message.headers {
            if values[field.name] == nil { names.append(field.name) }
            values[field.name, default: []].append(field.value)
        }
        line += names.map { quoted($0) + ":" + quoted(values[$0, default: []].joined(separator: ", ")) }.joined(separator: ",")
        line += "},"
        let bytes = message.payload.readableBytesView
        if let payloadJSON {
            line += "\"payload\":" + payloadJSON
        } else if let text = String(validating: bytes, as: UTF8.self) {
            line += "\"payload\":" + quoted(text)
        } else {
            line += "\"payload_base64\":\"" + base64(bytes) + "\""
        }
        return line + "}"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Standard base64 with padding.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 63)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(group & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
