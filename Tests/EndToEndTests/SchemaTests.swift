import Foundation
import NIOCore
import Testing
import TernBroker
import TernClient
import TernProtocol
import TernSchema

/// Versioned schemas through the real broker and the real client: the registry, enforcement on
/// bound topics, evolution for readers, typed messages, durability.
@Suite(.timeLimit(.minutes(2))) struct SchemaTests {
    static let v1 = "record Order { id: string  quantity: int32 }"
    /// v1 plus a field without a default: BACKWARD refuses it.
    static let incompatible = "record Order { id: string  quantity: int32  priority: int32 }"
    /// v1 plus a field with a default: BACKWARD accepts it.
    static let compatible = "record Order { id: string  quantity: int32  note: string = \"none\" }"

    @Test func anIncompatibleVersionIsRefusedNamingTheFieldAndAnIdenticalOneReturnsTheExistingVersion() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let first = try await client.registerSchema(Self.v1, subject: "orders")
            #expect(first.version == 1)
            #expect(first.mode == .backward, "new subjects default to BACKWARD")
            #expect(first.fingerprint == (try Schema(parsing: Self.v1)).fingerprint)

            let error = await #expect(throws: TernClientError.self) {
                try await client.registerSchema(Self.incompatible, subject: "orders")
            }
            guard case .registry(let code, let message)? = error else {
                Issue.record("not a registry error: \(String(describing: error))")
                return
            }
            #expect(code == .incompatibleSchema)
            #expect(message.contains("Order.priority"), "\(message)")
            #expect(error?.violations.count == 1 && error?.violations.first?.hasPrefix("Order.priority: field added without a default") == true, "\(message)")

            let again = try await client.registerSchema("/// Orders, documented.\nrecord Order {\n  id: string\n  quantity: int32\n}", subject: "orders")
            #expect(again.reference == first.reference, "the same canonical form is the same version")

            let checkError = await #expect(throws: TernClientError.self) {
                try await client.checkSchema(Self.incompatible, subject: "orders")
            }
            #expect(checkError?.violations == error?.violations)
            try await client.checkSchema(Self.compatible, subject: "orders")
            #expect(try await client.schemaSubjects() == [SchemaSubject(name: "orders", subjectID: first.reference.subjectID, mode: .backward, versions: [1])],
                    "checking registers nothing")

            let second = try await client.registerSchema(Self.compatible, subject: "orders")
            #expect(second.reference == SchemaReference(subjectID: first.reference.subjectID, version: 2))
            #expect(try await client.schema(subject: "orders").reference == second.reference, "no version is the latest")
            #expect(try await client.schema(subject: "orders", version: 1).definition == Self.v1)
            await #expect(throws: TernClientError.registry(code: .unknownVersion, message: "subject 'orders' has no version 3")) {
                try await client.schema(subject: "orders", version: 3)
            }
            let invalid = await #expect(throws: TernClientError.self) { try await client.registerSchema("record {", subject: "orders") }
            guard case .registry(.invalidSchema, _)? = invalid else {
                Issue.record("\(String(describing: invalid))")
                return
            }
            await client.close()
        }
    }

    @Test func aBoundTopicRefusesWhatDoesNotMatchAndDeliversNothingOfIt() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let orders = try await client.registerSchema(Self.v1, subject: "orders").reference
            let other = try await client.registerSchema("record Other { n: int64 }", subject: "other").reference
            try await client.bind(topic: "orders.placed", toSubject: "orders")
            let subscription = try await client.subscribe(to: "orders.placed")
            let schema = try Schema(parsing: Self.v1)
            func order(_ id: String) throws -> ByteBuffer {
                ByteBuffer(bytes: try schema.encode(.record(["id": .string(id), "quantity": .int32(1)])))
            }
            // The id alone: the payload ends where `quantity` should be.
            let truncated = ByteBuffer(bytes: try Schema(parsing: "record Order { id: string }").encode(.record(["id": .string("bad")])))

            try await client.publish(try order("first"), to: "orders.placed", schema: orders, acknowledged: true)
            let refused = await Self.refusal { try await client.publish(truncated, to: "orders.placed", schema: orders, acknowledged: true) }
            #expect(refused?.code == .invalidPayload)
            #expect(refused?.message.contains("Order.quantity: truncated") == true, "\(String(describing: refused))")
            try await client.publish(truncated, to: "orders.placed", schema: orders)
            // Acknowledged after the topic refused the unacknowledged one, so its ERROR has arrived.
            try await client.publish(try order("second"), to: "orders.placed", schema: orders, acknowledged: true)
            let atFlush = await Self.refusal { try await client.flush() }
            #expect(atFlush?.code == .invalidPayload, "an unacknowledged refusal surfaces at the next flush")
            #expect(atFlush?.message.contains("Order.quantity") == true, "\(String(describing: atFlush))")

            for (payload, reference, expected) in [
                (try order("untagged"), nil, ErrorCode.schemaRequired), (try order("other"), other, .schemaMismatch),
                (try order("unknown"), SchemaReference(subjectID: orders.subjectID, version: 9), .schemaMismatch),
            ] as [(ByteBuffer, SchemaReference?, ErrorCode)] {
                let refused = await Self.refusal {
                    if let reference {
                        try await client.publish(payload, to: "orders.placed", schema: reference, acknowledged: true)
                    } else {
                        try await client.publish(payload, to: "orders.placed", acknowledged: true)
                    }
                }
                #expect(refused?.code == expected, "\(String(describing: refused))")
            }

            try await client.publish(try order("third"), to: "orders.placed", schema: orders, acknowledged: true)
            try await client.unbind(topic: "orders.placed")
            try await client.publish("any bytes", to: "orders.placed", acknowledged: true)

            let delivered = try await subscription.messages(4)
            #expect(try delivered.prefix(3).map { try schema.decode(Array($0.payload.readableBytesView)) }
                == ["first", "second", "third"].map { .record(["id": .string($0), "quantity": .int32(1)]) },
                "the subscriber gets the next valid message, not the refused ones")
            #expect(delivered.prefix(3).allSatisfy { $0.schema == orders })
            #expect(delivered.last?.string == "any bytes", "an unbound topic carries any bytes")
            await client.close()
        }
    }

    @Test func readersOfOneVersionReceiveMessagesOfAnotherResolvedToIt() async throws {
        try await withBroker { broker in
            let writer = try await broker.connect(name: "writer")
            let reader = try await broker.connect(name: "reader")
            let oldReaders = try await reader.subscribe(to: "orders", as: OrderV1.self)
            let newReaders = try await reader.subscribe(to: "orders", as: OrderV2.self)
            #expect(oldReaders.reference.version == 1 && newReaders.reference.version == 2, "each type registered its schema in turn")
            try await writer.bind(topic: "orders", toSubject: "orders")

            try await writer.publish(OrderV2(id: "new", quantity: 5, note: "gift"), to: "orders", acknowledged: true)
            try await writer.publish(OrderV1(id: "old"), to: "orders", acknowledged: true)
            try await writer.publish(OrderV2(id: "newer", quantity: 7, note: nil), to: "orders", acknowledged: true)

            #expect(try await Self.first(3, of: oldReaders) == [OrderV1(id: "new"), OrderV1(id: "old"), OrderV1(id: "newer")],
                    "a version-1 reader keeps receiving version-2 messages, resolved to version 1")
            #expect(try await Self.first(3, of: newReaders)
                == [OrderV2(id: "new", quantity: 5, note: "gift"), OrderV2(id: "old", quantity: 1, note: nil), OrderV2(id: "newer", quantity: 7, note: nil)],
                "a version-2 reader gets version-1 messages with the defaults")

            let raw = try await reader.subscribe(to: "orders", readAs: oldReaders.reference)
            try await writer.publish(OrderV2(id: "tagged", quantity: 2, note: nil), to: "orders", acknowledged: true)
            #expect(try await raw.messages(1).first?.schema == oldReaders.reference, "delivered messages carry the read-as version")
            for client in [writer, reader] { await client.close() }
        }
    }

    @Test func typedMessagesMakeARoundTripThroughTheBroker() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let orders = try await client.subscribe(to: "shop.orders", as: Order.self, subject: "shop-order")
            try await client.bind(topic: "shop.orders", toSubject: "shop-order")
            let sent = [Order.sample, Order(
                id: "o-2", quantity: 1, placed: SchemaTimestamp(microsecondsSinceEpoch: -1), status: .pending, note: nil,
                tags: [], attributes: [:], customer: .init(name: "Bob", email: "bob@example.com")
            )]
            for order in sent {
                try await client.publish(order, to: "shop.orders", subject: "shop-order")
            }
            try await client.flush()
            #expect(try await Self.first(2, of: orders) == sent)
            #expect(try await client.schemaSubjects().map(\.versions) == [[1]], "one registration serves publisher and subscriber")

            let error = await #expect(throws: TernClientError.self) {
                try await client.publish(Loose(id: 1 << 40), to: "loose")
            }
            #expect(error.map { "\($0)" }?.contains("Loose.id: value out of range for int32") == true, "\(String(describing: error))")
            await client.close()
        }
    }

    @Test func aTypedSubscriptionEndsWithAClearErrorOnAPayloadOfAnotherShape() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            let orders = try await client.subscribe(to: "loose.orders", as: OrderV1.self)
            try await client.publish("not an order", to: "loose.orders")
            let error = await #expect(throws: TernClientError.self) { _ = try await Self.first(1, of: orders) }
            guard case .invalidPayload(let reason)? = error else {
                Issue.record("\(String(describing: error))")
                return
            }
            #expect(reason.contains("the message on 'loose.orders'"), "\(reason)")
            await client.close()
        }
    }

    @Test func compatibilityModesApplyToLaterRegistrations() async throws {
        try await withBroker { broker in
            let client = try await broker.connect()
            _ = try await client.registerSchema(Self.v1, subject: "loose")
            try await client.setCompatibility(.none, subject: "loose")
            let changedType = try await client.registerSchema("record Order { id: int64 }", subject: "loose")
            #expect(changedType.version == 2 && changedType.mode == .none, "NONE accepts an incompatible change")

            _ = try await client.registerSchema(Self.v1, subject: "strict")
            try await client.setCompatibility(.full, subject: "strict")
            let error = await #expect(throws: TernClientError.self) {
                try await client.registerSchema("record Order { id: string }", subject: "strict")
            }
            #expect(error?.violations.contains { $0.hasPrefix("Order.quantity: field removed") } == true, "\(String(describing: error))")
            _ = try await client.registerSchema("record Order { id: string  quantity: int32  note: string = \"\" }", subject: "strict")

            #expect(try await client.schemaSubjects().map { "\($0.name) \($0.mode) \($0.versions)" } == ["loose NONE [1, 2]", "strict FULL [1, 2]"])
            await #expect(throws: TernClientError.registry(code: .unknownSubject, message: "no subject 'missing'")) {
                try await client.setCompatibility(.full, subject: "missing")
            }
            await #expect(throws: TernClientError.registry(code: .unknownSubject, message: "no subject 'missing'")) {
                try await client.bind(topic: "somewhere", toSubject: "missing")
            }
            await #expect(throws: TernClientError.self) { try await client.bind(topic: "orders.*", toSubject: "loose") }
            await client.close()
        }
    }

    @Test func theRegistrySurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-registry-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registered = try await withBroker({ $0.dataDirectory = directory }) { broker in
            let client = try await broker.connect()
            _ = try await client.registerSchema(Self.v1, subject: "orders")
            let second = try await client.registerSchema(Self.compatible, subject: "orders")
            try await client.setCompatibility(.full, subject: "orders")
            try await client.bind(topic: "orders", toSubject: "orders")
            await client.close()
            return second
        }
        try await withBroker({ $0.dataDirectory = directory }) { broker in
            let client = try await broker.connect()
            var expected = registered
            expected.mode = .full
            #expect(try await client.schema(subject: "orders") == expected)
            #expect(try await client.schema(subject: "orders", version: 1).definition == Self.v1)
            await #expect(throws: TernClientError.self, "the binding survived too") {
                try await client.publish("untagged", to: "orders", acknowledged: true)
            }
            let third = try await client.registerSchema("record Order { id: string  quantity: int32  note: string = \"none\"  n: int64 = 0 }", subject: "orders")
            #expect(third.reference == SchemaReference(subjectID: registered.reference.subjectID, version: 3))
            let another = try await client.registerSchema(Self.v1, subject: "another")
            #expect(another.reference.subjectID != registered.reference.subjectID, "subject ids are not reused")
            await client.close()
        }
    }

    @Test func noRegistryAnswerIsLongerThanTheFrameLimit() async throws {
        let limit: UInt32 = 4096
        try await withBroker({ $0.limits = Limits(maxFrameLength: limit, maxPayloadLength: 2048, maxHeaderBytes: 1024, maxTopicLength: 255, maxSubscriptions: 10) }) { broker in
            let client = try await broker.connect()
            // A REGISTER_SCHEMA 5 bytes under the limit: its SCHEMA_INFO, 17 bytes longer, is not.
            let (subject, tail) = ("big", "\nrecord Big { id: string }")
            let registerLength = 2 + 8 + (2 + subject.utf8.count) + 4 + 4 + tail.utf8.count
            let definition = "/// " + String(repeating: "x", count: Int(limit) - 5 - registerLength) + tail
            let tooLong = await #expect(throws: TernClientError.self) { try await client.registerSchema(definition, subject: subject) }
            guard case .registry(.invalidSchema, let message)? = tooLong else {
                Issue.record("\(String(describing: tooLong))")
                return
            }
            #expect(message.contains("over the limit of 4096"), "\(message)")
            #expect(try await client.schemaSubjects().isEmpty, "nothing was registered")

            // Forty subjects with long names: their list does not fit one frame, each still answers.
            let names = (0..<40).map { "subject-\($0)-" + String(repeating: "n", count: 100) }
            for name in names { _ = try await client.registerSchema(Self.v1, subject: name) }
            let list = await #expect(throws: TernClientError.self) { try await client.schemaSubjects() }
            guard case .registry(.internalError, let listMessage)? = list else {
                Issue.record("\(String(describing: list))")
                return
            }
            #expect(listMessage.contains("over the limit of 4096"), "\(listMessage)")
            #expect(try await client.schema(subject: names[39]).version == 1)
            await client.close()
        }
    }

    /// The code and message of the broker's refusal that `operation` throws, if it throws one.
    private static func refusal(_ operation: () async throws -> Void) async -> (code: ErrorCode, message: String)? {
        do {
            try await operation()
        } catch TernClientError.refused(let code, let message) {
            return (code, message)
        } catch {
            Issue.record("not a refusal: \(error)")
        }
        return nil
    }

    private static func first<Value: SchemaCodable & Sendable>(_ count: Int, of subscription: TernTypedSubscription<Value>) async throws -> [Value] {
        try await within(20, "\(count) typed messages on \(subscription.messages.pattern)") {
            var received: [Value] = []
            for try await value in subscription {
                received.append(value)
                if received.count == count { break }
            }
            return received
        }
    }
}

/// Version 1 of the evolving `Order` of the resolution test.
struct OrderV1: SchemaCodable, Equatable, Sendable {
    private static let parsed = Result { try Schema(parsing: "record Order { id: string }") }
    static var schema: Schema { get throws { try parsed.get() } }
    var id: String
}

/// Version 2: two fields more, with defaults.
struct OrderV2: SchemaCodable, Equatable, Sendable {
    private static let parsed = Result { try Schema(parsing: "record Order { id: string  quantity: int32 = 1  note: optional<string> = null }") }
    static var schema: Schema { get throws { try parsed.get() } }
    var id: String
    var quantity: Int32
    var note: String?
}

/// Every kind of field: nested record, enum, optional, list, map, timestamp.
struct Order: SchemaCodable, Equatable, Sendable {
    enum Status: String, Codable, Sendable { case pending, shipped, delivered }

    struct Customer: Codable, Equatable, Sendable {
        var name: String
        var email: String?
    }

    private static let parsed = Result {
        try Schema(parsing: """
            /// An order placed by a customer.
            record Order {
              id: string
              quantity: int32 = 1
              placed: timestamp
              status: enum Status { pending, shipped, delivered } = pending
              note: optional<string> = null
              tags: list<string> = []
              attributes: map<int64> = {}
              customer: record Customer { name: string  email: optional<string> = null }
            }
            """)
    }
    static var schema: Schema { get throws { try parsed.get() } }

    var id: String
    var quantity: Int32
    var placed: SchemaTimestamp
    var status: Status
    var note: String?
    var tags: [String]
    var attributes: [String: Int64]
    var customer: Customer

    static let sample = Order(
        id: "o-1", quantity: 3, placed: SchemaTimestamp(microsecondsSinceEpoch: 1_714_557_600_123_456), status: .shipped,
        note: "fragile", tags: ["a", "b"], attributes: ["weight": 1200, "volume": -3], customer: .init(name: "Ada", email: nil)
    )
}

/// A value too wide for its schema's field.
struct Loose: SchemaCodable {
    private static let parsed = Result { try Schema(parsing: "record Loose { id: int32 }") }
    static var schema: Schema { get throws { try parsed.get() } }
    var id: Int
}
