import Testing
import TernSchema

@Suite("Compatibility modes")
struct CompatibilityTests {
    /// One kind of change from an old version to a new one, and whether it keeps each direction.
    struct Change: CustomTestStringConvertible, Sendable {
        let name: String
        let old: String
        let new: String
        /// The new version can read data of the old one.
        let backward: Bool
        /// The old version can read data of the new one.
        let forward: Bool

        var testDescription: String { name }
    }

    static let changes: [Change] = [
        Change(name: "add field with default", old: "a: int32", new: "a: int32  b: string = \"x\"", backward: true, forward: true),
        Change(name: "add field without default", old: "a: int32", new: "a: int32  b: string", backward: false, forward: true),
        Change(name: "remove field with default", old: "a: int32  b: string = \"x\"", new: "a: int32", backward: true, forward: true),
        Change(name: "remove field without default", old: "a: int32  b: string", new: "a: int32", backward: true, forward: false),
        Change(name: "rename field", old: "a: int32  b: string", new: "a: int32  c: string", backward: false, forward: false),
        Change(name: "rename field, both with defaults", old: "a: int32  b: string = \"x\"", new: "a: int32  c: string = \"x\"",
               backward: true, forward: true),
        Change(name: "reorder fields", old: "a: int32  b: string", new: "b: string  a: int32", backward: true, forward: true),
        Change(name: "change a default", old: "a: int32 = 1", new: "a: int32 = 2", backward: true, forward: true),
        Change(name: "promote int32 to int64", old: "a: int32", new: "a: int64", backward: true, forward: false),
        Change(name: "promote int32 to float64", old: "a: int32", new: "a: float64", backward: true, forward: false),
        Change(name: "promote int64 to float64", old: "a: int64", new: "a: float64", backward: true, forward: false),
        Change(name: "narrow int64 to int32", old: "a: int64", new: "a: int32", backward: false, forward: true),
        Change(name: "narrow float64 to int32", old: "a: float64", new: "a: int32", backward: false, forward: true),
        Change(name: "change string to int32", old: "a: string", new: "a: int32", backward: false, forward: false),
        Change(name: "change timestamp to int64", old: "a: timestamp", new: "a: int64", backward: false, forward: false),
        Change(name: "add an enum symbol", old: "e: enum E { p, q }", new: "e: enum E { p, q, r }", backward: true, forward: false),
        Change(name: "remove an enum symbol", old: "e: enum E { p, q }", new: "e: enum E { p }", backward: false, forward: true),
        Change(name: "reorder enum symbols", old: "e: enum E { p, q }", new: "e: enum E { q, p }", backward: true, forward: true),
        Change(name: "rename an enum", old: "e: enum E { p }", new: "e: enum F { p }", backward: false, forward: false),
        Change(name: "widen T to optional<T>", old: "a: string", new: "a: optional<string>", backward: true, forward: false),
        Change(name: "narrow optional<T> to T", old: "a: optional<string>", new: "a: string", backward: false, forward: true),
        Change(name: "promote inside an optional", old: "a: optional<int32>", new: "a: optional<int64>", backward: true, forward: false),
        Change(name: "nested record: add field with default", old: "n: record N { x: int32 }",
               new: "n: record N { x: int32  y: bool = false }", backward: true, forward: true),
        Change(name: "nested record: add field without default", old: "n: record N { x: int32 }",
               new: "n: record N { x: int32  y: bool }", backward: false, forward: true),
        Change(name: "nested record: remove field without default", old: "n: record N { x: int32  y: bool }",
               new: "n: record N { x: int32 }", backward: true, forward: false),
        Change(name: "rename a nested record", old: "n: record N { x: int32 }", new: "n: record M { x: int32 }",
               backward: false, forward: false),
        Change(name: "promote list items", old: "l: list<int32>", new: "l: list<int64>", backward: true, forward: false),
        Change(name: "change map values", old: "m: map<string>", new: "m: map<bool>", backward: false, forward: false),
        Change(name: "list of records: add field without default", old: "l: list<record I { x: int32 }>",
               new: "l: list<record I { x: int32  y: int32 }>", backward: false, forward: true),
        Change(name: "change a list to a map", old: "l: list<int32>", new: "l: map<int32>", backward: false, forward: false),
    ]

    static func accepted(_ change: Change, by mode: SchemaCompatibility.Mode) -> Bool {
        switch mode {
        case .none: true
        case .backward, .backwardTransitive: change.backward
        case .forward, .forwardTransitive: change.forward
        case .full, .fullTransitive: change.backward && change.forward
        }
    }

    @Test("each kind of change × each mode", arguments: changes, SchemaCompatibility.Mode.allCases)
    func table(change: Change, mode: SchemaCompatibility.Mode) throws {
        let old = try Schema(parsing: "record R { \(change.old) }")
        let new = try Schema(parsing: "record R { \(change.new) }")
        let violations = SchemaCompatibility.check(new, against: [old], mode: mode)
        #expect(violations.isEmpty == Self.accepted(change, by: mode), "\(violations)")
    }

    @Test("violations name the field and the rule")
    func messages() throws {
        let old = try Schema(parsing: "record Order { quantity: int64  price: float64  status: enum S { a, b }  tags: list<int32> }")
        let new = try Schema(parsing: "record Order { quantity: int64  price: int32  status: enum S { a, c }  tags: list<string>  note: string }")
        let backward = SchemaCompatibility.check(new, against: [old], mode: .backward).map(\.description)
        #expect(backward == [
            "Order.price: type changed from float64 to int32, which is not a promotion (BACKWARD: new readers cannot read old messages)",
            "Order.status: enum symbols removed: b (BACKWARD: new readers cannot read old messages)",
            "Order.tags[]: type changed from int32 to string, which is not a promotion (BACKWARD: new readers cannot read old messages)",
            "Order.note: field added without a default (BACKWARD: new readers cannot read old messages)",
        ])
        // Old readers can read the new int32 price: int32 → float64 is a promotion.
        let forward = SchemaCompatibility.check(new, against: [old], mode: .forward).map(\.description)
        #expect(forward == [
            "Order.status: enum symbols added: c (FORWARD: old readers cannot read new messages)",
            "Order.tags[]: type changed from int32 to string, and string cannot be read as int32 (FORWARD: old readers cannot read new messages)",
        ])
    }

    /// Three versions where the latest is fine against the second but not against the first.
    @Test("transitive modes check every previous version, the others only the latest", arguments: [
        (["a: int32", "a: int32  b: string = \"x\"", "a: int32  b: string"], SchemaCompatibility.Mode.backward, SchemaCompatibility.Mode.backwardTransitive),
        (["a: int32  b: string", "a: int32  b: string = \"x\"", "a: int32"], .forward, .forwardTransitive),
        (["a: int32", "a: int32  b: string = \"x\"", "a: int32  b: string"], .full, .fullTransitive),
    ])
    func transitive(versions: [String], plain: SchemaCompatibility.Mode, transitive: SchemaCompatibility.Mode) throws {
        let schemas = try versions.map { try Schema(parsing: "record R { \($0) }") }
        let previous = Array(schemas.prefix(2))
        #expect(SchemaCompatibility.check(schemas[2], against: previous, mode: plain).isEmpty)
        let violations = SchemaCompatibility.check(schemas[2], against: previous, mode: transitive)
        #expect(!violations.isEmpty)
        #expect(violations.allSatisfy { $0.previousIndex == 0 && $0.path == "R.b" })
    }

    @Test("a first version is always accepted, and NONE accepts anything")
    func trivial() throws {
        let schema = try Schema(parsing: "record R { a: int32 }")
        let other = try Schema(parsing: "record Q { z: bytes }")
        for mode in SchemaCompatibility.Mode.allCases {
            #expect(SchemaCompatibility.check(schema, against: [], mode: mode).isEmpty)
        }
        #expect(SchemaCompatibility.check(other, against: [schema], mode: .none).isEmpty)
    }
}
