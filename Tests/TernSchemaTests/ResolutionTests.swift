import Testing
import TernSchema

@Suite("Writer → reader resolution")
struct ResolutionTests {
    static let v1Text = """
        record Order {
          id: string
          quantity: int32
          status: enum Status { pending, shipped }
          customer: record Customer { name: string }
        }
        """

    static let v2Text = """
        record Order {
          customer: record Customer { name: string  email: optional<string> = null }
          id: string
          quantity: float64
          status: enum Status { pending, shipped, delivered } = pending
          note: optional<string> = "none"
          tags: list<string> = ["new"]
        }
        """

    @Test("a v2 reader reads v1 data: defaults filled, int32 promoted, fields reordered")
    func newReadsOld() throws {
        let v1 = try Schema(parsing: Self.v1Text)
        let v2 = try Schema(parsing: Self.v2Text)
        let old = SchemaValue.record([
            "id": .string("o-1"), "quantity": .int32(4), "status": .enumSymbol("shipped"),
            "customer": .record(["name": .string("Ada")]),
        ])
        let resolver = try SchemaResolver(writer: v1, reader: v2)
        let expected = SchemaValue.record([
            "customer": .record(["name": .string("Ada"), "email": .null]),
            "id": .string("o-1"), "quantity": .float64(4), "status": .enumSymbol("shipped"),
            "note": .string("none"), "tags": .list([.string("new")]),
        ])
        let bytes = try resolver.resolve(try v1.encode(old))
        #expect(try v2.decode(bytes) == expected)
        #expect(bytes == (try v2.encode(expected)), "the output is the reader's own encoding")
        #expect(try resolver.resolve(old) == expected)
    }

    @Test("a v1 reader reads v2 data: extra fields dropped; a symbol v1 lacks is an error naming the field")
    func oldReadsNew() throws {
        let v1 = try Schema(parsing: Self.v1Text.replacing("quantity: int32", with: "quantity: float64"))
        let v2 = try Schema(parsing: Self.v2Text)
        let resolver = try SchemaResolver(writer: v2, reader: v1)
        let new = SchemaValue.record([
            "customer": .record(["name": .string("Bo"), "email": .string("bo@example.com")]),
            "id": .string("o-2"), "quantity": .float64(1.5), "status": .enumSymbol("pending"),
            "note": .null, "tags": .list([.string("x")]),
        ])
        #expect(try resolver.resolve(new) == .record([
            "id": .string("o-2"), "quantity": .float64(1.5), "status": .enumSymbol("pending"),
            "customer": .record(["name": .string("Bo")]),
        ]))
        var delivered = new
        if case .record(var fields) = delivered {
            fields["status"] = .enumSymbol("delivered")
            delivered = .record(fields)
        }
        #expect(throws: SchemaValueError(path: ["Order", "status"], reason: .symbolUnknownToReader("delivered"))) {
            try resolver.resolve(delivered)
        }
    }

    @Test("an incompatible pair is refused with every reason")
    func incompatible() throws {
        let writer = try Schema(parsing: "record R { a: string  b: int64 }")
        let reader = try Schema(parsing: "record R { a: int32  b: int32  c: bool }")
        do {
            _ = try SchemaResolver(writer: writer, reader: reader)
            Issue.record("resolver built")
        } catch {
            #expect(error.violations.map(\.description) == [
                "R.a: string cannot be read as int32",
                "R.b: int64 cannot be read as int32",
                "R.c: the reader's field \"c\" has no default and the writer lacks it",
            ])
        }
    }

    @Test("T → optional<T>, nested promotions, maps and identical schemas")
    func shapes() throws {
        let writer = try Schema(parsing: "record R { a: int32  m: map<list<int32>>  o: optional<int64> }")
        let reader = try Schema(parsing: "record R { a: optional<int64>  m: map<list<float64>>  o: optional<float64> }")
        let value = SchemaValue.record(["a": .int32(-5), "m": .map(["k": .list([.int32(1), .int32(2)])]), "o": .int64(7)])
        #expect(try SchemaResolver(writer: writer, reader: reader).resolve(value) == .record([
            "a": .int64(-5), "m": .map(["k": .list([.float64(1), .float64(2)])]), "o": .float64(7),
        ]))
        let same = try SchemaResolver(writer: writer, reader: writer)
        let bytes = try writer.encode(value)
        #expect(try same.resolve(bytes) == bytes)
    }

    @Test("resolving refuses bad writer bytes like validation does")
    func badBytes() throws {
        let v1 = try Schema(parsing: Self.v1Text)
        let v2 = try Schema(parsing: Self.v2Text)
        let resolver = try SchemaResolver(writer: v1, reader: v2)
        #expect(throws: SchemaValueError(path: ["Order", "status"], reason: .enumIndexOutOfRange(index: 9, symbolCount: 2))) {
            try resolver.resolve(Fixtures.bytes("0161" + "02" + "09"))
        }
        #expect(throws: SchemaValueError(path: ["Order", "customer", "name"], reason: .truncated)) {
            try resolver.resolve(Fixtures.bytes("0161" + "02" + "01" + "05"))
        }
    }
}
