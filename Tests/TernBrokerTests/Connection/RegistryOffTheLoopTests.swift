import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TernFiles
import TernProtocol

@testable import TernBroker

/// A registry change saves to disk off the event loop and outside the lock topics read the
/// registry through: while one is saved, publishing on other connections goes on, and the
/// connection that asked processes nothing after its frame until the change is done.
@Suite struct RegistryOffTheLoopTests {
    /// A gate a save waits at until the test opens it.
    private final class SaveGate: Sendable {
        private let condition = ConditionLock(value: false)
        let reached = ManagedCounter()

        func wait() {
            reached.increment()
            condition.lock(whenValue: true)
            condition.unlock(withValue: true)
        }

        func open() {
            condition.lock()
            condition.unlock(withValue: true)
        }
    }

    final class ManagedCounter: Sendable {
        private let value = NIOLockedValueBox(0)
        func increment() { value.withLockedValue { $0 += 1 } }
        var count: Int { value.withLockedValue { $0 } }
    }

    @Test func publishingGoesOnWhileARegistrationIsSavedAndTheRegistrantsNextFramesSeeIt() async throws {
        let gate = SaveGate()
        let directory = NSTemporaryDirectory() + "tern-registry-gate-" + UUID().uuidString
        try Directories.create(directory)
        let registry = try SchemaRegistry(store: RegistryStore(directory: directory), beforeSave: { gate.wait() })
        let broker = try EmbeddedBroker(registry: registry)
        let registrant = try await broker.connectReady()
        let subscriber = try await broker.connectReady()
        try await subscriber.subscribe("flowing")
        let publisher = try await broker.connectReady()

        // Register, bind the topic to it, then publish raw bytes to it: all in one read.
        try await registrant.send(
            .registerSchema(Frame.RegisterSchema(operationID: 1, subject: "orders", definition: "record Order { id: string }")),
            .bindTopic(Frame.BindTopic(operationID: 2, topic: "orders", subject: "orders")),
            .publish(Frame.Publish(topic: "orders", ackID: 3, payload: ByteBuffer(string: "raw")))
        )
        try await eventually("the save to be under way") { gate.reached.count == 1 }
        // The save waits at the gate; the event loop serves everyone else.
        for index in 0..<100 {
            try await publisher.send(.publish(Frame.Publish(topic: "flowing", payload: ByteBuffer(string: "\(index)"))))
        }
        let delivered = try await subscriber.received().filter { if case .message = $0 { true } else { false } }
        #expect(delivered.count == 100)
        #expect(try await registrant.received().isEmpty, "nothing after the registration is processed before it is saved")

        gate.open()
        var answers: [Frame] = []
        try await eventually("the registrant's frames to be answered") {
            answers += try await registrant.received()
            return answers.count == 3
        }
        guard case .schemaInfo(let info) = answers[0], case .registryResult(let bound) = answers[1] else {
            Issue.record("\(answers)")
            return
        }
        #expect(info.operationID == 1 && bound.operationID == 2 && bound.code == .ok)
        #expect(answers[2] == .ack(Frame.Ack(ackID: 3, code: .schemaRequired, message: "topic 'orders' is bound to subject 'orders': a message on it must name one of its versions")))
    }

    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<2000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out: \(what)")
    }
}
