#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON of etcd's HTTP gateway (the v3 API's protobuf messages in proto3's JSON mapping):
/// keys and values in base64, 64-bit integers as strings, fields at their default left out.
enum EtcdWire {
    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// A range's end that makes it cover every key starting with `prefix`.
    static func prefixEnd(_ prefix: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        // Every byte 0xFF, or the empty prefix: to the end of the keyspace.
        return [0]
    }

    struct RangeRequest: Encodable {
        var key: String
        var rangeEnd: String?

        enum CodingKeys: String, CodingKey {
            case key, rangeEnd = "range_end"
        }
    }

    struct PutRequest: Encodable {
        var key: String
        var value: String
        var lease: String?
    }

    struct LeaseGrantRequest: Encodable {
        var ttl: String

        enum CodingKeys: String, CodingKey {
            case ttl = "TTL"
        }
    }

    struct LeaseIDRequest: Encodable {
        var id: String

        enum CodingKeys: String, CodingKey {
            case id = "ID"
        }
    }

    struct Compare: Encodable {
        var key: String
        var result = "EQUAL"
        var target: String
        var version: String?
        var createRevision: String?
        var modRevision: String?
        var value: String?

        enum CodingKeys: String, CodingKey {
            case key, result, target, version, value, createRevision = "create_revision", modRevision = "mod_revision"
        }
    }

    struct RequestOp: Encodable {
        var requestPut: PutRequest?
        var requestDeleteRange: RangeRequest?
        var requestRange: RangeRequest?

        enum CodingKeys: String, CodingKey {
            case requestPut = "request_put", requestDeleteRange = "request_delete_range", requestRange = "request_range"
        }
    }

    struct TxnRequest: Encodable {
        var compare: [Compare]
        var success: [RequestOp]
        var failure: [RequestOp]
    }

    struct WatchCreate: Encodable {
        struct Create: Encodable {
            var key: String
            var rangeEnd: String
            var startRevision: String?

            enum CodingKeys: String, CodingKey {
                case key, rangeEnd = "range_end", startRevision = "start_revision"
            }
        }

        var createRequest: Create

        enum CodingKeys: String, CodingKey {
            case createRequest = "create_request"
        }
    }

    struct Header: Decodable, Sendable {
        var revision: Int64String?
    }

    struct KeyValue: Decodable, Sendable {
        var key: String?
        var value: String?
        var createRevision: Int64String?
        var modRevision: Int64String?
        var version: Int64String?
        var lease: Int64String?

        enum CodingKeys: String, CodingKey {
            case key, value, version, lease, createRevision = "create_revision", modRevision = "mod_revision"
        }
    }

    struct RangeResponse: Decodable, Sendable {
        var header: Header?
        var kvs: [KeyValue]?
    }

    struct LeaseResponse: Decodable, Sendable {
        var id: Int64String?
        var ttl: Int64String?

        enum CodingKeys: String, CodingKey {
            case id = "ID", ttl = "TTL"
        }
    }

    /// A stream's message: `{"result": …}` or `{"error": …}`.
    struct StreamMessage<Result: Decodable & Sendable>: Decodable, Sendable {
        var result: Result?
        var error: ErrorBody?
    }

    struct ResponseOp: Decodable, Sendable {
        var responseRange: RangeResponse?

        enum CodingKeys: String, CodingKey {
            case responseRange = "response_range"
        }
    }

    struct TxnResponse: Decodable, Sendable {
        var header: Header?
        var succeeded: Bool?
        var responses: [ResponseOp]?
    }

    struct Event: Decodable, Sendable {
        var type: String?
        var kv: KeyValue?
    }

    struct WatchResponse: Decodable, Sendable {
        var header: Header?
        var created: Bool?
        var canceled: Bool?
        var cancelReason: String?
        var compactRevision: Int64String?
        var events: [Event]?

        enum CodingKeys: String, CodingKey {
            case header, created, canceled, events, cancelReason = "cancel_reason", compactRevision = "compact_revision"
        }
    }

    /// What the gateway answers for a refused request.
    struct ErrorBody: Decodable, Sendable {
        var code: Int?
        var message: String?
        var error: String?
    }

    /// A 64-bit integer, which proto3's JSON writes as a string (and some encoders as a number).
    struct Int64String: Decodable, Sendable {
        var value: Int64

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                value = number
            } else if let number = Int64(try container.decode(String.self)) {
                value = number
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 64-bit integer")
            }
        }
    }
}

extension Optional where Wrapped == EtcdWire.Int64String {
    /// The number, or proto3's default when it was left out.
    var number: Int64 { self?.value ?? 0 }
}

extension EtcdWire.KeyValue {
    /// The key and value decoded from base64; `nil` when either is not base64 or the key not UTF-8.
    var decoded: EtcdKeyValue? {
        guard let keyBytes = Data(base64Encoded: key ?? ""), let key = String(validating: keyBytes, as: UTF8.self),
            let value = Data(base64Encoded: value ?? "")
        else { return nil }
        return EtcdKeyValue(
            key: key, value: Array(value), createRevision: createRevision.number, modRevision: modRevision.number,
            version: version.number, lease: lease.number
        )
    }
}
