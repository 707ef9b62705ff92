import Testing
import TernSchema

@Suite("Binary payload encoding")
struct EncodingTests {
    @Test("the worked example of SCHEMAS.md encodes to its golden bytes and back")
    func golden() throws {
        let schema = try Fixtures.sample
        let bytes = try schema.encode(Fixtures.sampleValue)
        #expect(Fixtures.hex(bytes) == Fixtures.sampleHex)
        #expect(try schema.decode(bytes) == Fixtures.sampleValue)
        try schema.validate(bytes)
    }

    @Test("values round trip, and missing fields take their defaults")
    func roundTrip() throws {
        let schema = try Fixtures.order
        let bytes = try schema.encode(Fixtures.orderValue)
        #expect(try schema.decode(bytes) == Fixtures.orderValue)
        let minimal = SchemaValue.record([
            "id": .string("o-2"), "price": .float64(1), "placed": .timestamp(0),
            "customer": .record(["name": .string("Bo")]),
        ])
        let decoded = try schema.decode(try schema.encode(minimal))
        guard case .record(let fields) = decoded else {
            Issue.record("not a record")
            return
        }
        #expect(fields["quantity"] == .int32(1))
        #expect(fields["status"] == .enumSymbol("pending"))
        #expect(fields["tags"] == .list([]))
        #expect(fields["customer"] == .record(["name": .string("Bo"), "email": .null]))
    }

    /// Values that do not fit, and the error they give.
    static let valueErrors: [(SchemaValue, String)] = [
        (.record(["id": .string("x")]), "Order: missing field \"price\""),
        (.record(["id": .int32(1), "price": .float64(1), "placed": .timestamp(0), "customer": .record(["name": .string("a")])]),
         "Order.id: expected string, found int32"),
        (.record(["id": .string("x"), "price": .float64(1), "placed": .timestamp(0), "status": .enumSymbol("lost"),
                  "customer": .record(["name": .string("a")])]), "Order.status: unknown enum symbol \"lost\""),
        (.record(["id": .string("x"), "price": .float64(1), "placed": .timestamp(0), "tags": .list([.string("a"), .null]),
                  "customer": .record(["name": .string("a")])]), "Order.tags[1]: expected string, found null"),
        (.record(["id": .string("x"), "price": .float64(1), "placed": .timestamp(0), "colour": .string("red"),
                  "customer": .record(["name": .string("a")])]), "Order: unknown field \"colour\""),
        (.record(["id": .string("x"), "price": .float64(1), "placed": .timestamp(0),
                  "customer": .record(["name": .string("a"), "email": .int64(1)])]),
         "Order.customer.email: expected string, found int64"),
    ]

    @Test("encoding a value that does not fit names the field", arguments: valueErrors.indices)
    func encodingErrors(index: Int) throws {
        let (value, message) = Self.valueErrors[index]
        let schema = try Fixtures.order
        #expect(throws: SchemaValueError.self) { try schema.encode(value) }
        do { _ = try schema.encode(value) } catch { #expect(error.description == message) }
    }

    /// Mutations of the golden bytes of `Sample`, and the error validation and decoding give.
    static let badPayloads: [(String, String, String)] = [
        ("truncated inside a string", "05" + "0368c3", "Sample.name: truncated"),
        ("invalid UTF-8", "05" + "0368c328", "Sample.name: invalid UTF-8"),
        ("bad bool", "05" + "0368c3a9" + "02", "Sample.ok: invalid bool byte 2"),
        ("short float", "05" + "0368c3a9" + "01" + "0000", "Sample.ratio: truncated"),
        ("enum index", "05" + "0368c3a9" + "01" + "000000000000f83f" + "00" + "07",
         "Sample.level: enum index 7 out of range (2 symbols)"),
        ("optional tag", "05" + "0368c3a9" + "01" + "000000000000f83f" + "00" + "01" + "05",
         "Sample.note: invalid optional presence byte 5"),
        ("varint overflow", "ffffffffffffffffff7f", "Sample.id: varint overflow"),
        ("huge length", "05" + "ffffffffffffffff7f", "Sample.name: truncated"),
        ("huge map count", "05" + "0100" + "01" + "000000000000f83f" + "00" + "00" + "00" + "00" + "ffffffff0f",
         "Sample.counts: truncated"),
        ("duplicate map key", "05" + "0100" + "01" + "000000000000f83f" + "00" + "00" + "00" + "00" + "02" + "016100" + "016100",
         "Sample.counts: duplicate key \"a\""),
        ("bad map value", "05" + "0100" + "01" + "000000000000f83f" + "00" + "00" + "00" + "00" + "01" + "0161" + "ffffffff7f",
         "Sample.counts[\"a\"]: value out of range for int32"),
        ("bad list item", "05" + "0100" + "01" + "000000000000f83f" + "00" + "00" + "00" + "00" + "00" + "02" + "0161" + "01ff",
         "Sample.tags[1]: invalid UTF-8"),
        ("trailing bytes", Fixtures.sampleHex + "0000", "Sample: 2 trailing bytes"),
        ("empty", "", "Sample.id: truncated"),
    ]

    @Test("validation and decoding refuse bad bytes, naming the field and the reason", arguments: badPayloads.indices)
    func byteErrors(index: Int) throws {
        let (name, hex, message) = Self.badPayloads[index]
        let schema = try Fixtures.sample
        let bytes = Fixtures.bytes(hex)
        do {
            try schema.validate(bytes)
            Issue.record("\(name): validated")
        } catch {
            #expect(error.description == message, "\(name)")
        }
        do {
            _ = try schema.decode(bytes)
            Issue.record("\(name): decoded")
        } catch {
            #expect(error.description == message, "\(name)")
        }
    }

    @Test("a list of hostile length is refused before anything is reserved")
    func hostileCounts() throws {
        let schema = try Schema(parsing: "record L { items: list<record P { a: int32  b: int32 }> }")
        #expect(throws: SchemaValueError(path: ["L", "items"], reason: .truncated)) {
            try schema.decode(Fixtures.bytes("ffffffffffffffff7f"))
        }
        #expect(throws: SchemaValueError(path: ["L", "items"], reason: .truncated)) {
            try schema.decode(Fixtures.bytes("03" + "0202" + "0202"))
        }
    }

    @Test("int32 and int64 edge values, and the shortest varints")
    func integers() throws {
        let schema = try Schema(parsing: "record N { a: int32  b: int64  c: timestamp }")
        let extreme = SchemaValue.record(["a": .int32(.min), "b": .int64(.min), "c": .timestamp(.max)])
        let bytes = try schema.encode(extreme)
        #expect(Fixtures.hex(bytes) == "ffffffff0f" + "ffffffffffffffffff01" + "feffffffffffffffff01")
        #expect(try schema.decode(bytes) == extreme)
        let small = try schema.encode(.record(["a": .int32(-1), "b": .int64(1), "c": .timestamp(-64)]))
        #expect(Fixtures.hex(small) == "01" + "02" + "7f")
    }
}
