import Testing
import TernSchema

@Suite("Text form parser")
struct ParserTests {
    @Test("the order example parses into the expected model")
    func orderExample() throws {
        let schema = try Fixtures.order
        #expect(schema.name == "Order")
        #expect(schema.root.doc == "An order placed by a customer.")
        #expect(schema.root.fields.map(\.name) == [
            "id", "quantity", "price", "placed", "status", "note", "tags", "attributes", "customer",
        ])
        let quantity = try #require(schema.root.field(named: "quantity"))
        #expect(quantity.type == .int32)
        #expect(quantity.defaultValue == .int32(1))
        #expect(quantity.doc == "How many items.")
        let status = try #require(schema.root.field(named: "status"))
        #expect(status.type == .enumeration(EnumSchema(name: "Status", symbols: ["pending", "shipped", "delivered"])))
        #expect(status.defaultValue == .enumSymbol("pending"))
        #expect(schema.root.field(named: "note")?.type == .optional(.string))
        #expect(schema.root.field(named: "note")?.defaultValue == SchemaValue.null)
        #expect(schema.root.field(named: "tags")?.defaultValue == .list([]))
        #expect(schema.root.field(named: "attributes")?.type == .map(.int64))
        let customer = RecordSchema(name: "Customer", fields: [
            SchemaField(name: "name", type: .string),
            SchemaField(name: "email", type: .optional(.string), defaultValue: .null),
        ])
        #expect(schema.root.field(named: "customer")?.type == .record(customer))
    }

    @Test("defaults of every type, comments, separators and named type reuse")
    func literals() throws {
        let schema = try Schema(parsing: """
            // a line comment
            record All { /* a block
               comment */
              a: bool = true, b: int32 = -7; c: int64 = 9223372036854775807
              d: float64 = -1.5e3  e: float64 = nan  f: float64 = -inf
              g: string = "q\\"\\\\\\n\\t\\u{1F600}é"
              h: bytes = x"00FFa0"
              i: timestamp = "2024-05-01T12:30:00.25+02:00"
              j: timestamp = -1
              k: list<list<int32>> = [[1, 2] [3]]
              l: map<optional<string>> = { "x": "y", "z": null }
              m: record Inner { p: int32 = 5  q: string } = { q: "r" }
              n: Inner = { p: 1, q: "s" }
              o: list<Inner> = [{ q: "t" }]
            }
            """)
        let defaults = Dictionary(uniqueKeysWithValues: schema.root.fields.map { ($0.name, $0.defaultValue) })
        #expect(defaults["a"] == .bool(true))
        #expect(defaults["b"] == .int32(-7))
        #expect(defaults["c"] == .int64(.max))
        #expect(defaults["d"] == .float64(-1500))
        if case .float64(let nan)?? = defaults["e"] { #expect(nan.isNaN) } else { Issue.record("e is not a float") }
        #expect(defaults["f"] == .float64(-.infinity))
        #expect(defaults["g"] == .string("q\"\\\n\t😀é"))
        #expect(defaults["h"] == .bytes([0, 255, 160]))
        #expect(defaults["i"] == .timestamp(1_714_559_400_250_000))
        #expect(defaults["j"] == .timestamp(-1))
        #expect(defaults["k"] == .list([.list([.int32(1), .int32(2)]), .list([.int32(3)])]))
        #expect(defaults["l"] == .map(["x": .string("y"), "z": .null]))
        #expect(defaults["m"] == .record(["p": .int32(5), "q": .string("r")]), "missing record fields take their defaults")
        #expect(defaults["o"] == .list([.record(["p": .int32(5), "q": .string("t")])]))
        #expect(schema.root.field(named: "n")?.type == schema.root.field(named: "m")?.type)
    }

    /// Text, expected line, column and message.
    static let errorCases: [(String, Int, Int, String)] = [
        ("record A { x: strin }", 1, 15, "unknown type \"strin\""),
        ("record A {\n  x: int32 = \"one\"\n}", 2, 14, "expected int32 literal, found \"one\""),
        ("record A { x: int32 = 3000000000 }", 1, 23, "expected int32 literal, found 3000000000"),
        ("record A { x: int32\n  x: string }", 2, 3, "A.x: duplicate field \"x\""),
        ("record A {\n  e: enum E { a, b, a }\n}", 2, 3, "A.e: duplicate enum symbol \"a\""),
        ("record A { e: enum E { a } = b }", 1, 30, "expected enum E literal, found \"b\""),
        ("record A { b: record B { x: int32 }  c: record B { y: int32 } }", 1, 38, "A.c: \"B\" is already defined differently"),
        ("record A { b: optional<optional<int32>> }", 1, 12, "A.b: an optional cannot wrap another optional"),
        ("record A { }", 1, 8, "A: a record needs at least one field"),
        ("record A { x: A }", 1, 15, "\"A\" refers to itself; recursive types are not supported"),
        ("record A { x: int32 ", 1, 21, "expected a field name or \"}\", found end of text"),
        ("record A { x int32 }", 1, 14, "expected \":\", found \"int32\""),
        ("record A { x: int32 } extra", 1, 23, "expected end of text, found \"extra\""),
        ("record A { x: string = \"abc }", 1, 24, "unterminated string"),
        ("record A { x: string = \"\\q\" }", 1, 26, "invalid escape sequence"),
        ("record A { x: bytes = x\"abc\" }", 1, 23, "invalid bytes literal: expected pairs of hex digits"),
        ("record A { x: timestamp = \"2024-02-30T00:00:00Z\" }", 1, 27, "invalid RFC 3339 timestamp \"2024-02-30T00:00:00Z\""),
        ("record A { x: map<int32> = { \"k\": 1, \"k\": 2 } }", 1, 38, "duplicate key \"k\""),
        ("record A { x: int32 } /* open", 1, 23, "unterminated comment"),
        ("record A { x: int32 @ }", 1, 21, "unexpected character \"@\""),
        ("record string { x: int32 }", 1, 8, "string: \"string\" is a reserved word"),
        ("record A { x: record B { y: int32 } = { z: 1 } }", 1, 41, "expected a field of record B, found \"z\""),
        ("record A { x: enum E { } }", 1, 12, "A.x: an enum needs at least one symbol"),
    ]

    @Test("errors carry line, column and a clear reason", arguments: errorCases.indices)
    func errors(index: Int) {
        let (text, line, column, message) = Self.errorCases[index]
        do {
            let schema = try Schema(parsing: text)
            Issue.record("parsed: \(schema.canonicalText)")
        } catch {
            #expect(error.line == line, "\(text)")
            #expect(error.column == column, "\(text)")
            #expect(error.reason.description == message, "\(text)")
        }
    }

    @Test("nesting deeper than the limit is refused, not a stack overflow")
    func depthLimit() {
        let deep = "record A { x: " + String(repeating: "list<", count: 10_000) + "int32" + String(repeating: ">", count: 10_000) + " }"
        #expect(throws: SchemaParseError.self) { try Schema(parsing: deep) }
        let literal = "record A { x: list<int32> = " + String(repeating: "[", count: 10_000) + " }"
        #expect(throws: SchemaParseError.self) { try Schema(parsing: literal) }
    }

    @Test("a model built in code is checked the same way")
    func modelChecks() {
        let duplicate = RecordSchema(name: "A", fields: [SchemaField(name: "x", type: .bool), SchemaField(name: "x", type: .bool)])
        #expect(throws: SchemaDefinitionError(path: ["A", "x"], reason: .duplicateField("x"))) { try Schema(duplicate) }
        let badDefault = RecordSchema(name: "A", fields: [SchemaField(name: "x", type: .int32, defaultValue: .string("no"))])
        #expect(throws: SchemaDefinitionError(
            path: ["A", "x"], reason: .invalidDefault(SchemaValueError(reason: .typeMismatch(expected: "int32", found: "string")))
        )) { try Schema(badDefault) }
        let badName = RecordSchema(name: "1A", fields: [SchemaField(name: "x", type: .bool)])
        #expect(throws: SchemaDefinitionError(path: ["1A"], reason: .invalidName("1A"))) { try Schema(badName) }
    }
}
