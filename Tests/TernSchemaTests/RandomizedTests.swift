import TernTestSupport
import Testing
import TernSchema

/// Random schemas and values from a fixed seed: every run checks the same cases.
@Suite("Randomized")
struct RandomizedTests {
    struct Generator {
        var random: SeededGenerator
        var recordCount = 0

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }

        mutating func record(depth: Int) -> RecordSchema {
            recordCount += 1
            let name = "R\(recordCount)"
            let fields = (0..<int(1...5)).map { index in
                let type = type(depth: depth + 1)
                var field = SchemaField(name: "f\(index)", type: type)
                if chance(30) { field.defaultValue = value(type) }
                return field
            }
            return RecordSchema(name: name, fields: fields)
        }

        mutating func type(depth: Int, allowOptional: Bool = true) -> SchemaType {
            let choice = depth > 3 ? int(0...6) : int(0...11)
            switch choice {
            case 0: return .bool
            case 1: return .int32
            case 2: return .int64
            case 3: return .float64
            case 4: return .string
            case 5: return .bytes
            case 6: return .timestamp
            case 7:
                recordCount += 1
                return .enumeration(EnumSchema(name: "E\(recordCount)", symbols: (0..<int(1...4)).map { "s\($0)" }))
            case 8: return allowOptional ? .optional(type(depth: depth + 1, allowOptional: false)) : .string
            case 9: return .list(type(depth: depth + 1))
            case 10: return .map(type(depth: depth + 1))
            default: return .record(record(depth: depth + 1))
            }
        }

        mutating func value(_ type: SchemaType) -> SchemaValue {
            switch type {
            case .bool: return .bool(chance(50))
            case .int32: return .int32(chance(50) ? Int32(int(-3...3)) : Int32.random(in: .min ... .max, using: &random))
            case .int64: return .int64(chance(50) ? Int64(int(-3...3)) : Int64.random(in: .min ... .max, using: &random))
            case .timestamp: return .timestamp(Int64.random(in: .min ... .max, using: &random) >> int(0...63))
            case .float64:
                let bits = UInt64.random(in: .min ... .max, using: &random)
                let number = Double(bitPattern: bits)
                return .float64(number.isNaN ? 0.25 : number)
            case .string:
                let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "é", "😀", "\u{1}"]
                return .string(String((0..<int(0...6)).map { _ in alphabet[int(0...alphabet.count - 1)] }))
            case .bytes: return .bytes((0..<int(0...6)).map { _ in UInt8.random(in: 0...255, using: &random) })
            case .enumeration(let schema): return .enumSymbol(schema.symbols[int(0...schema.symbols.count - 1)])
            case .optional(let wrapped): return chance(30) ? .null : value(wrapped)
            case .list(let item): return .list((0..<int(0...3)).map { _ in value(item) })
            case .map(let valueType):
                return .map(Dictionary((0..<int(0...3)).map { ("k\($0)", value(valueType)) }) { first, _ in first })
            case .record(let schema):
                return .record(Dictionary(uniqueKeysWithValues: schema.fields.map { ($0.name, value($0.type)) }))
            }
        }
    }

    @Test("random schemas: print and parse, encode and decode, JSON, identity resolution")
    func roundTrips() throws {
        var generator = Generator(random: SeededGenerator(seed: 0x7E4E))
        for _ in 0..<2000 {
            let schema = try Schema(generator.record(depth: 0))
            let reparsed = try Schema(parsing: schema.text)
            #expect(reparsed == schema, "\(schema.text)")
            #expect(try Schema(parsing: schema.canonicalText).fingerprint == schema.fingerprint)
            let value = generator.value(.record(schema.root))
            let bytes = try schema.encode(value)
            try schema.validate(bytes)
            #expect(try schema.decode(bytes) == value, "\(schema.text)")
            #expect(try schema.decodeJSON(try schema.encodeJSON(value)) == value, "\(schema.text)")
            #expect(try SchemaResolver(writer: schema, reader: schema).resolve(bytes) == bytes)
        }
    }

    @Test("random and mutated bytes give values or typed errors, and validation agrees with decoding")
    func hostileBytes() throws {
        var generator = Generator(random: SeededGenerator(seed: 0xBAD))
        for _ in 0..<1000 {
            let schema = try Schema(generator.record(depth: 0))
            var bytes = try schema.encode(generator.value(.record(schema.root)))
            for _ in 0..<5 {
                switch generator.int(0...3) {
                case 0 where !bytes.isEmpty: bytes[generator.int(0...bytes.count - 1)] = UInt8.random(in: 0...255, using: &generator.random)
                case 1 where !bytes.isEmpty: bytes.removeLast(generator.int(1...bytes.count))
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator.random), at: generator.int(0...bytes.count))
                default: bytes = (0..<generator.int(0...40)).map { _ in UInt8.random(in: 0...255, using: &generator.random) }
                }
                let decoded = Result { () throws(SchemaValueError) in try schema.decode(bytes) }
                let validated = Result { () throws(SchemaValueError) in try schema.validate(bytes) }
                switch (decoded, validated) {
                case (.success(let value), .success):
                    #expect(try schema.decode(try schema.encode(value)) == value || value.containsNaN)
                case (.failure(let decodeError), .failure(let validateError)):
                    #expect(decodeError == validateError)
                default:
                    Issue.record("decode and validate disagree on \(Fixtures.hex(bytes)) for \(schema.canonicalText)")
                }
            }
        }
    }
}

extension SchemaValue {
    /// Whether a NaN hides inside, which makes `==` false for equal values.
    var containsNaN: Bool {
        switch self {
        case .float64(let number): number.isNaN
        case .list(let items): items.contains { $0.containsNaN }
        case .map(let entries), .record(let entries): entries.values.contains { $0.containsNaN }
        default: false
        }
    }
}
