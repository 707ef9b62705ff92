import Testing
import TernSchema

@Suite("JSON mapping")
struct JSONTests {
    @Test("the worked example as JSON, and back")
    func sample() throws {
        let schema = try Fixtures.sample
        let json = try schema.encodeJSON(Fixtures.sampleValue)
        #expect(json == #"{"id":-3,"name":"hé","ok":true,"ratio":1.5,"at":"2024-01-01T00:00:00Z","level":"high","#
            + #""note":"x","raw":"3q0=","counts":{"a":1,"b":-1},"tags":[]}"#)
        #expect(try schema.decodeJSON(json) == Fixtures.sampleValue)
    }

    @Test("pretty output round trips; defaults fill missing fields")
    func pretty() throws {
        let schema = try Fixtures.order
        let json = try schema.encodeJSON(Fixtures.orderValue, pretty: true)
        #expect(json.contains("\n  \"customer\": {\n    \"name\": \"Ada\",\n    \"email\": null\n  }\n}"))
        #expect(try schema.decodeJSON(json) == Fixtures.orderValue)
        let minimal = try schema.decodeJSON(#"{"id":"o","price":2,"placed":0,"customer":{"name":"C"}}"#)
        #expect(try schema.decode(try schema.encode(minimal)) == minimal)
    }

    @Test("numbers stay exact; special floats and timestamps have their own spellings")
    func numbers() throws {
        let schema = try Schema(parsing: "record N { big: int64  f: list<float64>  t: list<timestamp> }")
        let value = SchemaValue.record([
            "big": .int64(.max),
            "f": .list([.float64(.infinity), .float64(-.infinity), .float64(1e-7), .float64(-0.0)]),
            "t": .list([.timestamp(-1), .timestamp(.max)]),
        ])
        let json = try schema.encodeJSON(value)
        #expect(json == #"{"big":9223372036854775807,"f":["Infinity","-Infinity",1e-07,-0.0],"#
            + #""t":["1969-12-31T23:59:59.999999Z",9223372036854775807]}"#)
        #expect(try schema.decodeJSON(json) == value)
        let nan = try schema.decodeJSON(#"{"big":1e3,"f":["NaN"],"t":["2024-01-01T01:00:00+01:00"]}"#)
        guard case .record(let fields) = nan, case .list(let floats)? = fields["f"], case .float64(let first)? = floats.first else {
            Issue.record("unexpected \(nan)")
            return
        }
        #expect(first.isNaN)
        #expect(fields["big"] == .int64(1000))
        #expect(fields["t"] == .list([.timestamp(1_704_067_200_000_000)]))
    }

    static let errors: [(String, String)] = [
        (#"{"id":"o","price":2,"placed":0}"#, "Order: missing field \"customer\""),
        (#"{"id":"o","price":"2","placed":0,"customer":{"name":"C"}}"#, "Order.price: expected float64, found a string"),
        (#"{"id":"o","price":2,"placed":"yesterday","customer":{"name":"C"}}"#, "Order.placed: invalid timestamp \"yesterday\""),
        (#"{"id":"o","price":2,"placed":0,"status":"lost","customer":{"name":"C"}}"#, "Order.status: unknown enum symbol \"lost\""),
        (#"{"id":"o","price":2,"placed":0,"quantity":1.5,"customer":{"name":"C"}}"#, "Order.quantity: value out of range for int32"),
        (#"{"id":"o","price":2,"placed":0,"tags":["a",3],"customer":{"name":"C"}}"#, "Order.tags[1]: expected string, found a number"),
        (#"{"id":"o","price":2,"placed":0,"attributes":{"k":true},"customer":{"name":"C"}}"#,
         "Order.attributes[\"k\"]: expected int64, found a boolean"),
        (#"{"id":"o","price":2,"placed":0,"customer":{"name":"C","mail":null}}"#, "Order.customer: unknown field \"mail\""),
        (#"{"id":"o","id":"p","price":2,"placed":0,"customer":{"name":"C"}}"#, "Order: duplicate key \"id\""),
        (#"{"id":"o","#, "Order: invalid JSON: expected a member name at offset 10"),
        (#"[1]"#, "Order: expected record Order, found an array"),
        (#"{"id":"\ud800"}"#, "Order: invalid JSON: lone surrogate at offset 13"),
    ]

    @Test("errors name the field", arguments: errors.indices)
    func fieldErrors(index: Int) throws {
        let (json, message) = Self.errors[index]
        let schema = try Fixtures.order
        do {
            let value = try schema.decodeJSON(json)
            Issue.record("decoded \(value)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("bytes use standard base64 with padding")
    func base64() throws {
        let schema = try Schema(parsing: "record B { b: list<bytes> }")
        let value = SchemaValue.record(["b": .list([.bytes([]), .bytes([0xFF]), .bytes([1, 2]), .bytes([1, 2, 3]), .bytes(Array(0...255))])])
        let json = try schema.encodeJSON(value)
        #expect(json.hasPrefix(#"{"b":["","/w==","AQI=","AQID","AAECAwQFBgc"#))
        #expect(try schema.decodeJSON(json) == value)
        #expect(try schema.decodeJSON(#"{"b":["AQI"]}"#) == .record(["b": .list([.bytes([1, 2])])]), "padding is optional")
        #expect(throws: SchemaValueError(path: ["B", "b", "[0]"], reason: .invalidBase64)) { try schema.decodeJSON(#"{"b":["A"]}"#) }
    }
}
