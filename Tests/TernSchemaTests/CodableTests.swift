import Testing
import TernSchema

@Suite("Codable bridge")
struct CodableTests {
    struct Order: SchemaCodable, Equatable {
        enum Status: String, Codable { case pending, shipped, delivered }

        struct Customer: Codable, Equatable {
            var name: String
            var email: String?
        }

        static var schema: Schema {
            get throws { try Fixtures.order }
        }

        var id: String
        var quantity: Int
        var price: Double
        var placed: SchemaTimestamp
        var status: Status
        var note: String?
        var tags: [String]
        var attributes: [String: Int64]
        var customer: Customer
    }

    static let order = Order(
        id: "o-1", quantity: 3, price: 9.5, placed: SchemaTimestamp(microsecondsSinceEpoch: 1_714_557_600_000_000),
        status: .shipped, note: "fragile", tags: ["a", "b"], attributes: ["weight": 1200],
        customer: .init(name: "Ada", email: nil)
    )

    @Test("a Codable struct becomes the same SchemaValue as written by hand, and back")
    func roundTrip() throws {
        let schema = try Fixtures.order
        let value = try SchemaValueEncoder().encode(Self.order, as: schema)
        #expect(value == Fixtures.orderValue)
        #expect(try SchemaValueDecoder().decode(Order.self, from: value, schema: schema) == Self.order)
    }

    @Test("SchemaCodable encodes payloads and decodes them")
    func payloads() throws {
        let bytes = try Self.order.encodedPayload()
        #expect(bytes == (try Fixtures.order.encode(Fixtures.orderValue)))
        #expect(try Order(payload: bytes) == Self.order)
    }

    struct Kinds: Codable, Equatable {
        var small: Int8
        var unsigned: UInt32
        var wide: Int64
        var ratio: Float
        var flag: Bool
        var raw: [UInt8]
        var at: Int64
        var maybe: [Int32]?
        var nested: [[String: Double]]
    }

    @Test("integer widths, floats, bytes, timestamps as Int64, optionals and nesting")
    func kinds() throws {
        let schema = try Schema(parsing: """
            record Kinds { small: int32  unsigned: int64  wide: int64  ratio: float64  flag: bool  raw: bytes
              at: timestamp  maybe: optional<list<int32>>  nested: list<map<float64>> }
            """)
        let value = Kinds(small: -8, unsigned: 4_000_000_000, wide: .min, ratio: 0.5, flag: true, raw: [0, 255],
                          at: 42, maybe: nil, nested: [["x": 1.25], [:]])
        let encoded = try SchemaValueEncoder().encode(value, as: schema)
        #expect(encoded == .record([
            "small": .int32(-8), "unsigned": .int64(4_000_000_000), "wide": .int64(.min), "ratio": .float64(0.5),
            "flag": .bool(true), "raw": .bytes([0, 255]), "at": .timestamp(42), "maybe": .null,
            "nested": .list([.map(["x": .float64(1.25)]), .map([:])]),
        ]))
        let decoded = try SchemaValueDecoder().decode(Kinds.self, from: try schema.decode(try schema.encode(encoded)), schema: schema)
        #expect(decoded == value)
    }

    struct Lists: Codable, Equatable {
        var names: [String]
        var small: [UInt8]
    }

    @Test("empty arrays and [UInt8] under list types are lists, not bytes")
    func arraysThatCastToBytes() throws {
        let schema = try Schema(parsing: "record Lists { names: list<string>  small: list<int32> }")
        for value in [Lists(names: [], small: []), Lists(names: ["a"], small: [0, 255])] {
            let encoded = try SchemaValueEncoder().encode(value, as: schema)
            #expect(encoded == .record(["names": .list(value.names.map { .string($0) }), "small": .list(value.small.map { .int32(Int32($0)) })]))
            #expect(try SchemaValueDecoder().decode(Lists.self, from: encoded, schema: schema) == value)
        }
    }

    struct Loose: Codable {
        var a: Int
        var extra: String?
    }

    @Test("values that do not fit give errors naming the field")
    func errors() throws {
        let narrow = try Schema(parsing: "record Loose { a: int32 }")
        #expect(throws: SchemaValueError(path: ["Loose", "a"], reason: .outOfRange(type: "int32"))) {
            try SchemaValueEncoder().encode(Loose(a: 1 << 40), as: narrow)
        }
        #expect(throws: SchemaValueError(path: ["Loose"], reason: .unknownField("extra"))) {
            try SchemaValueEncoder().encode(Loose(a: 1, extra: "x"), as: narrow)
        }
        #expect(try SchemaValueEncoder().encode(Loose(a: 1), as: narrow) == .record(["a": .int32(1)]), "nil optionals are left out")
        let wrongEnum = try Schema(parsing: "record Loose { a: int32  extra: optional<enum E { p }> }")
        #expect(throws: SchemaValueError(path: ["Loose", "extra"], reason: .unknownSymbol("q"))) {
            try SchemaValueEncoder().encode(Loose(a: 1, extra: "q"), as: wrongEnum)
        }
        #expect(throws: DecodingError.self) {
            try SchemaValueDecoder().decode(Loose.self, from: .record(["a": .string("1")]), schema: narrow)
        }
    }
}
