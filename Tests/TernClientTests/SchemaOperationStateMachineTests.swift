import NIOCore
import NIOEmbedded
import Testing
import TernProtocol
@testable import TernClient

@Suite("Schema registry operations in the client state machine")
struct SchemaOperationStateMachineTests {
    let loop = NIOAsyncTestingEventLoop()

    private func readyMachine() -> ConnectionStateMachine {
        .ready(on: loop, features: [.schemas])
    }

    /// Runs the answer `action` stands for, as the handler does.
    private func run(_ action: ConnectionStateMachine.ReceiveAction) {
        switch action {
        case .completeOperation(let promise, let frame): promise.succeed(frame)
        case .failOperation(let promise, let error): promise.fail(error)
        default: Issue.record("not an operation's answer: \(action)")
        }
    }

    @Test("answers complete their operations by id, in any order")
    func answersMatchById() async throws {
        var machine = readyMachine()
        let info = loop.makePromise(of: Frame.self)
        let list = loop.makePromise(of: Frame.self)
        let started = [machine.startOperation(id: 1, promise: info), machine.startOperation(id: 2, promise: list)]
        #expect(started == [true, true])
        let entries = Frame.SchemaList(operationID: 2, entries: [.init(subject: "orders", subjectID: 1, mode: .full, versions: [1, 2])])
        run(machine.received(.schemaList(entries)))
        let schema = Frame.SchemaInfo(
            operationID: 1, subject: "orders", reference: SchemaReference(subjectID: 1, version: 2), fingerprint: 7, mode: .full, definition: "record A { a: int32 }"
        )
        run(machine.received(.schemaInfo(schema)))
        #expect(try await list.futureResult.get() == .schemaList(entries))
        #expect(try await info.futureResult.get() == .schemaInfo(schema))
        guard case .none = machine.received(.schemaInfo(schema)) else {
            Issue.record("a second answer for id 1 was not ignored")
            return
        }
    }

    @Test("a refusal in REGISTRY_RESULT or in an ERROR about the operation fails it with the broker's message")
    func refusalsFail() async throws {
        var machine = readyMachine()
        let register = loop.makePromise(of: Frame.self)
        let bind = loop.makePromise(of: Frame.self)
        _ = machine.startOperation(id: 7, promise: register)
        _ = machine.startOperation(id: 8, promise: bind)
        run(machine.received(.registryResult(Frame.RegistryResult(operationID: 7, code: .incompatibleSchema, message: "heading:\nA.b: field added without a default"))))
        run(machine.received(.error(Frame.Error(code: .internalError, subject: .registry, id: 8, message: "disk full", closesConnection: false))))
        let refusal = await #expect(throws: TernClientError.self) { try await register.futureResult.get() }
        #expect(refusal == .registry(code: .incompatibleSchema, message: "heading:\nA.b: field added without a default"))
        #expect(refusal?.violations == ["A.b: field added without a default"])
        await #expect(throws: TernClientError.registry(code: .internalError, message: "disk full")) { try await bind.futureResult.get() }
    }

    @Test("operations pending when the connection closes fail with its error; none start after")
    func closingFailsPendingOperations() async throws {
        var machine = readyMachine()
        let pending = loop.makePromise(of: Frame.self)
        _ = machine.startOperation(id: 1, promise: pending)
        let actions = machine.connectionClosed()
        #expect(actions.operations.count == 1)
        _ = actions.complete(reconnecting: false)
        await #expect(throws: TernClientError.self) { try await pending.futureResult.get() }
        let late = loop.makePromise(of: Frame.self)
        let started = machine.startOperation(id: 2, promise: late)
        #expect(!started)
        late.fail(TernClientError.closed)
    }
}
