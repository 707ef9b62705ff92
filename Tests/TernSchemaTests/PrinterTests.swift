import Testing
import TernSchema

@Suite("Printer, canonical form and fingerprint")
struct PrinterTests {
    static let orderCanonical =
        "record Order{id:string,quantity:int32=1,price:float64,placed:timestamp,"
        + "status:enum Status{pending,shipped,delivered}=pending,note:optional<string>=null,"
        + "tags:list<string>=[],attributes:map<int64>={},"
        + "customer:record Customer{name:string,email:optional<string>=null}}"

    @Test("the pretty form parses back to the same schema, docs included")
    func roundTrip() throws {
        let schema = try Fixtures.order
        #expect(try Schema(parsing: schema.text) == schema)
        #expect(schema.text == """
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
              customer: record Customer {
                name: string
                email: optional<string> = null
              }
            }

            """)
    }

    @Test("named types are written in full once, then by name; nested docs survive")
    func namedTypes() throws {
        let text = """
            record A {
              /// field doc
              b:
                /// record doc
                record B { x: int32 = 2 }
              c: B = { x: 3 }
              d: list<
                /// enum doc
                enum E { p, q }> = [q]
              e: map<E> = { "k": p }
              f: timestamp = "1970-01-01T00:00:00.000001Z"
              g: float64 = 0.1
              h: bytes = x"0a"
              i: string = "\\u{1}"
            }
            """
        let schema = try Schema(parsing: text)
        #expect(try Schema(parsing: schema.text) == schema)
        #expect(try Schema(parsing: schema.canonicalText).canonicalText == schema.canonicalText)
        #expect(schema.canonicalText == """
            record A{b:record B{x:int32=2},c:B={x:3},d:list<enum E{p,q}>=[q],e:map<E>={"k":p},\
            f:timestamp=1,g:float64=1e-1,h:bytes=x"0a",i:string="\\u{1}"}
            """)
    }

    @Test("the canonical form drops docs and fixes spacing; the fingerprint is pinned")
    func canonical() throws {
        let schema = try Fixtures.order
        #expect(schema.canonicalText == Self.orderCanonical)
        let respaced = try Schema(parsing: Self.orderCanonical.replacingSpacing())
        #expect(respaced.canonicalText == Self.orderCanonical)
        #expect(respaced.fingerprint == schema.fingerprint)
        #expect(schema.fingerprint == Self.orderFingerprint)
        let changed = try Schema(parsing: Self.orderCanonical.replacing("quantity:int32=1", with: "quantity:int32=2"))
        #expect(changed.fingerprint != schema.fingerprint, "defaults take part in the fingerprint")
    }

    static let orderFingerprint: UInt64 = 0x4180_5771_4096_65EA

    @Test("floats have one canonical spelling", arguments: [
        (1.0, "1e0"), (0.1, "1e-1"), (-1500.0, "-15e2"), (0.0, "0e0"), (-0.0, "-0e0"),
        (1e-5, "1e-5"), (123.456, "123456e-3"), (1.5e300, "15e299"), (Double.infinity, "inf"),
    ])
    func canonicalFloats(value: Double, spelling: String) throws {
        let schema = try Schema(RecordSchema(name: "F", fields: [SchemaField(name: "x", type: .float64, defaultValue: .float64(value))]))
        #expect(schema.canonicalText == "record F{x:float64=\(spelling)}")
        #expect(try Schema(parsing: schema.canonicalText) == schema)
    }
}

extension String {
    /// The text with spaces and line breaks around punctuation, to test that spacing is free.
    func replacingSpacing() -> String {
        var result = ""
        for character in self {
            if "{},:=".contains(character) { result += " \(character)\n  " } else { result.append(character) }
        }
        return result
    }
}

extension PrinterTests {
    @Test("the worked example of SCHEMAS.md")
    func workedExample() throws {
        let schema = try Schema(parsing: "/// A point.\nrecord Point {\n  x: int32\n  y: int32 = 0 // no doc\n}")
        #expect(schema.canonicalText == "record Point{x:int32,y:int32=0}")
        #expect(schema.fingerprint == 0x4E21_A386_18FB_8A4E)
    }
}
