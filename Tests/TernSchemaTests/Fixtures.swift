import TernSchema

/// Schemas and values shared by the tests.
enum Fixtures {
    static let orderText = """
        /// An order placed by a customer.
        record Order {
          id: string
          /// How many items.
          quantity: int32 = 1
          price: float64
          placed: timestamp
          status: enum Status { pending, shipped, delivered } = pending
          note: optional<string> = null
          tags: list<string> = []
          attributes: map<int64> = {}
          customer: record Customer { name: string  email: optional<string> = null }
        }
        """

    static var order: Schema { get throws { try Schema(parsing: orderText) } }

    static let orderValue = SchemaValue.record([
        "id": .string("o-1"),
        "quantity": .int32(3),
        "price": .float64(9.5),
        "placed": .timestamp(1_714_557_600_000_000),
        "status": .enumSymbol("shipped"),
        "note": .string("fragile"),
        "tags": .list([.string("a"), .string("b")]),
        "attributes": .map(["weight": .int64(1200)]),
        "customer": .record(["name": .string("Ada"), "email": .null]),
    ])

    /// The worked example of Protocol/SCHEMAS.md, "Binary encoding".
    static let sampleText = """
        record Sample {
          id: int64
          name: string
          ok: bool
          ratio: float64
          at: timestamp
          level: enum Level { low, high }
          note: optional<string> = null
          raw: bytes
          counts: map<int32>
          tags: list<string>
        }
        """

    static var sample: Schema { get throws { try Schema(parsing: sampleText) } }

    static let sampleValue = SchemaValue.record([
        "id": .int64(-3),
        "name": .string("hé"),
        "ok": .bool(true),
        "ratio": .float64(1.5),
        "at": .timestamp(1_704_067_200_000_000),
        "level": .enumSymbol("high"),
        "note": .string("x"),
        "raw": .bytes([0xDE, 0xAD]),
        "counts": .map(["a": .int32(1), "b": .int32(-1)]),
        "tags": .list([]),
    ])

    static let sampleHex =
        "05" + "0368c3a9" + "01" + "000000000000f83f" + "80808982e2f58606" + "01" + "010178"
        + "02dead" + "02" + "016102" + "016201" + "00"

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }
}
