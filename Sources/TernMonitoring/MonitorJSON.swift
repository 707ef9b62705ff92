#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the monitoring endpoints write and read JSON: keys as the properties of the views are
/// named (`messagesIn`), times in ISO 8601 (`2026-05-01T10:00:00Z`), keys sorted so that a
/// response reads the same each time.
public enum MonitorJSON {
    /// The JSON text of `value`, ending with a newline.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    /// The value of type `Value` that the JSON text `bytes` holds.
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }
}
