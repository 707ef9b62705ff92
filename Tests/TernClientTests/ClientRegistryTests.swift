import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Client handler: schema registry operations", .timeLimit(.minutes(1)))
struct ClientRegistryTests {
    static let info = Frame.SchemaInfo(
        operationID: 0, subject: "orders", reference: SchemaReference(subjectID: 5, version: 2), fingerprint: 0xFEED,
        mode: .full, definition: "record Order { id: string }"
    )
    static let registered = RegisteredSchema(
        subject: "orders", reference: SchemaReference(subjectID: 5, version: 2), fingerprint: 0xFEED, mode: .full, definition: "record Order { id: string }"
    )

    /// The operation id of a registry frame the client wrote.
    private static func operationID(of frame: Frame) throws -> UInt64 {
        switch frame {
        case .registerSchema(let operation): operation.operationID
        case .getSchema(let operation): operation.operationID
        case .listSchemas(let operation): operation.operationID
        case .setCompatibility(let operation): operation.operationID
        case .bindTopic(let operation): operation.operationID
        case .checkSchema(let operation): operation.operationID
        default: throw UnexpectedFrame(frame: frame)
        }
    }

    @Test("registerSchema and schema send REGISTER_SCHEMA and GET_SCHEMA; SCHEMA_INFO answers them")
    func schemaInfo() async throws {
        try await BrokerEnd.withClient { client, broker in
            let registering = Task { try await client.registerSchema("record Order { id: string }", subject: "orders") }
            #expect(try await broker.nextFrame() == .registerSchema(Frame.RegisterSchema(operationID: 1, subject: "orders", definition: "record Order { id: string }")))
            var info = Self.info
            info.operationID = 1
            try await broker.send(.schemaInfo(info))
            #expect(try await registering.value == Self.registered)

            let latest = Task { try await client.schema(subject: "orders") }
            #expect(try await broker.nextFrame() == .getSchema(Frame.GetSchema(operationID: 2, subject: "orders", version: 0)))
            let second = Task { try await client.schema(subject: "orders", version: 2) }
            #expect(try await broker.nextFrame() == .getSchema(Frame.GetSchema(operationID: 3, subject: "orders", version: 2)))
            info.operationID = 3
            try await broker.send(.schemaInfo(info))
            #expect(try await second.value == Self.registered, "answers are matched by operation id")
            info.operationID = 2
            try await broker.send(.schemaInfo(info))
            #expect(try await latest.value == Self.registered)
        }
    }

    @Test("schemaSubjects sends LIST_SCHEMAS; SCHEMA_LIST answers it")
    func subjects() async throws {
        try await BrokerEnd.withClient { client, broker in
            let listing = Task { try await client.schemaSubjects() }
            #expect(try await broker.nextFrame() == .listSchemas(Frame.ListSchemas(operationID: 1)))
            try await broker.send(.schemaList(Frame.SchemaList(operationID: 1, entries: [
                .init(subject: "orders", subjectID: 5, mode: .full, versions: [1, 2]),
                .init(subject: "users", subjectID: 6, mode: .backward, versions: [1]),
            ])))
            #expect(try await listing.value == [
                SchemaSubject(name: "orders", subjectID: 5, mode: .full, versions: [1, 2]),
                SchemaSubject(name: "users", subjectID: 6, mode: .backward, versions: [1]),
            ])
        }
    }

    @Test("checkSchema, setCompatibility, bind and unbind send their frames; a REGISTRY_RESULT of ok completes them")
    func operationsWithoutData() async throws {
        try await BrokerEnd.withClient { client, broker in
            let operations: [(frame: Frame, run: @Sendable () async throws -> Void)] = [
                (.checkSchema(Frame.CheckSchema(operationID: 1, subject: "orders", definition: "record A {}")), { try await client.checkSchema("record A {}", subject: "orders") }),
                (.setCompatibility(Frame.SetCompatibility(operationID: 2, subject: "orders", mode: .none)), { try await client.setCompatibility(.none, subject: "orders") }),
                (.bindTopic(Frame.BindTopic(operationID: 3, topic: "orders.new", subject: "orders")), { try await client.bind(topic: "orders.new", toSubject: "orders") }),
                (.bindTopic(Frame.BindTopic(operationID: 4, topic: "orders.new", subject: "")), { try await client.unbind(topic: "orders.new") }),
            ]
            for operation in operations {
                let running = Task { try await operation.run() }
                #expect(try await broker.nextFrame() == operation.frame)
                try await broker.send(.registryResult(Frame.RegistryResult(operationID: Self.operationID(of: operation.frame))))
                try await running.value
            }
        }
    }

    @Test("a refusal in REGISTRY_RESULT or in an ERROR about the operation throws the registry's code and message")
    func refused() async throws {
        try await BrokerEnd.withClient { client, broker in
            let message = "Order.priority: field added without a default\nOrder.id: type changed from string to int32"
            let registering = Task { try await client.registerSchema("record Order { priority: int32 }", subject: "orders") }
            let first = try await Self.operationID(of: broker.nextFrame())
            try await broker.send(.registryResult(Frame.RegistryResult(operationID: first, code: .incompatibleSchema, message: message)))
            await #expect { try await registering.value } throws: { error in
                error as? TernClientError == .registry(code: .incompatibleSchema, message: message)
                    && (error as? TernClientError)?.violations == ["Order.priority: field added without a default", "Order.id: type changed from string to int32"]
            }

            let binding = Task { try await client.bind(topic: "t", toSubject: "missing") }
            let second = try await Self.operationID(of: broker.nextFrame())
            try await broker.send(.error(Frame.Error(code: .unknownSubject, subject: .registry, id: second, message: "no subject 'missing'", closesConnection: false)))
            await #expect(throws: TernClientError.registry(code: .unknownSubject, message: "no subject 'missing'")) { try await binding.value }
        }
    }

    @Test("an answer of the wrong kind fails the operation as a protocol violation")
    func wrongAnswer() async throws {
        try await BrokerEnd.withClient { client, broker in
            let listing = Task { try await client.schemaSubjects() }
            let id = try await Self.operationID(of: broker.nextFrame())
            var info = Self.info
            info.operationID = id
            try await broker.send(.schemaInfo(info))
            await #expect(throws: TernClientError.protocolViolation(reason: "schemaInfo answering a registry operation of another kind")) {
                try await listing.value
            }
        }
    }

    @Test("a broker that did not announce schemas is sent no registry operation")
    func notSupported() async throws {
        var welcome = BrokerEnd.welcome
        welcome.features = [.requestReply]
        try await BrokerEnd.withClient(welcome: welcome) { client, broker in
            await #expect(throws: TernClientError.refused(code: .unknownFrameType, message: "the broker does not support schemas")) {
                try await client.schemaSubjects()
            }
            try await broker.expectNothingWritten()
        }
    }
}
