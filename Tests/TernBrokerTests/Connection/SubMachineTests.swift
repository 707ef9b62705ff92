import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

/// The connection's sub-machines, each on its own, with plain values.
@Suite struct SubMachineTests {
    private final class Token {}

    @Test func flushBarriersAnswerAtOnceWithoutPublishesAndInOrderWithThem() {
        var barriers = FlushBarriers<Token>()
        guard case .answer(let first) = barriers.pingReceived(Frame.Ping(token: 1)) else { Issue.record("held back"); return }
        #expect(first.token == 1)
        let (a, b) = (Token(), Token())
        barriers.handedPublishes(on: a, id: ObjectIdentifier(a))
        barriers.handedPublishes(on: b, id: ObjectIdentifier(b))
        barriers.handedPublishes(on: a, id: ObjectIdentifier(a))
        guard case .awaitLoops(let loops, let barrier) = barriers.pingReceived(Frame.Ping(token: 2)) else { Issue.record("not held"); return }
        #expect(loops.count == 2, "each loop once")
        guard case .awaitLoops(let none, let later) = barriers.pingReceived(Frame.Ping(token: 3)) else { Issue.record("overtook"); return }
        #expect(none.isEmpty, "no publishes since, but it waits behind the PONG before it")
        let early = barriers.loopPassed(later)
        #expect(early.isEmpty, "not before PONG 2")
        let oneOfTwo = barriers.loopPassed(barrier)
        #expect(oneOfTwo.isEmpty)
        let both = barriers.loopPassed(barrier)
        #expect(both.map(\.token) == [2, 3])
    }

    @Test func inFlightRequestsAreBoundedAndEndOnce() {
        var requests = InFlightRequests<String, Int>(limit: 2)
        let first = requests.admit(requestID: 10, from: "a", deadline: 100, timeoutMilliseconds: 100)
        let second = requests.admit(requestID: 11, from: "b", deadline: 100, timeoutMilliseconds: 100)
        #expect(first == 1 && second == 2)
        let refused = requests.admit(requestID: 12, from: "c", deadline: 100, timeoutMilliseconds: 100)
        #expect(refused == nil, "the limit")
        let ended = requests.end(1)
        #expect(ended?.requestID == 10)
        let again = requests.end(1)
        #expect(again == nil, "ended once; a later reply is late")
        let unknown = requests.end(99)
        #expect(unknown == nil, "never issued")
        let third = requests.admit(requestID: 13, from: "d", deadline: 100, timeoutMilliseconds: 100)
        #expect(third == 3, "room again, ids are never reused")
        let rest = requests.endAll()
        #expect(rest.map(\.requestID).sorted() == [11, 13])
        #expect(requests.count == 0)
        #expect(requests.nextDeadline() == nil)
    }

    @Test func inFlightRequestsExpireInDeadlineOrderAndAnsweredOnesNeverExpire() {
        var requests = InFlightRequests<String, Int>(limit: 100)
        let late = requests.admit(requestID: 1, from: "a", deadline: 300, timeoutMilliseconds: 300)
        let answered = requests.admit(requestID: 2, from: "a", deadline: 100, timeoutMilliseconds: 100)
        _ = requests.admit(requestID: 3, from: "b", deadline: 200, timeoutMilliseconds: 200)
        #expect(requests.nextDeadline() == 100)
        _ = requests.end(answered!)
        #expect(requests.nextDeadline() == 200, "an answered request's deadline no longer counts")
        #expect(requests.endExpired(at: 150).isEmpty)
        let due = requests.endExpired(at: 250)
        #expect(due.map(\.requestID) == [3])
        #expect(requests.end(late!)?.timeoutMilliseconds == 300)
        #expect(requests.nextDeadline() == nil)
    }

    @Test func aRequestInFlightAmongManyAnsweredOnesStillExpires() {
        var requests = InFlightRequests<String, Int>(limit: 10)
        for deadline in 0..<100_000 {
            let id = requests.admit(requestID: UInt64(deadline), from: "a", deadline: deadline + 1_000_000, timeoutMilliseconds: 1)
            _ = requests.end(id!)
        }
        let kept = requests.admit(requestID: 7, from: "a", deadline: 5, timeoutMilliseconds: 1)
        #expect(requests.nextDeadline() == 5)
        #expect(requests.endExpired(at: 5).map(\.requestID) == [7], "the one in flight, among 100,000 answered")
        #expect(kept != nil && requests.count == 0)
    }

    @Test func theReadGateHoldsAReadWhileAnyReasonStandsAndReleasesItOnce() {
        var gate = ReadGate()
        let open = gate.readRequested()
        #expect(open)
        let (a, b) = (ObjectIdentifier(Token.self), ObjectIdentifier(Int.self))
        gate.pause(for: a)
        gate.pause(for: b)
        let held = gate.readRequested()
        #expect(!held)
        let afterA = gate.resume(for: a)
        #expect(!afterA, "b still holds it")
        gate.inputDeferred()
        let afterB = gate.resume(for: b)
        #expect(!afterB, "input still waits")
        let released = gate.inputProcessed()
        let twice = gate.inputProcessed()
        #expect(released, "the held read happens now")
        #expect(!twice, "and only once")
        gate.quiesce()
        let read = gate.readRequested()
        let processed = gate.inputProcessed()
        #expect(!read && !processed, "never again once quiescing")
    }

    @Test func publishIntakeBatchesByTopicAndRefusesWhatBreaksTheLimits() {
        var limits = Limits.defaults
        limits.maxPayloadLength = 4
        var intake = PublishIntake(limits: limits)
        var refusals: [PublishIntake.Refusal?] = []
        for publish in [
            Frame.Publish(topic: "a", payload: ByteBuffer(string: "1")), Frame.Publish(topic: "b", payload: ByteBuffer(string: "2")),
            Frame.Publish(topic: "a", payload: ByteBuffer(string: "3")), Frame.Publish(topic: "a.*", ackID: 5, payload: ByteBuffer()),
            Frame.Publish(topic: "a", replyTo: "bad topic", payload: ByteBuffer()), Frame.Publish(topic: "a", ackID: 6, payload: ByteBuffer(string: "12345")),
        ] {
            refusals.append(intake.accept(publish))
        }
        #expect(refusals.prefix(3).allSatisfy { $0 == nil })
        #expect(refusals[3]?.code == .invalidTopic && refusals[4]?.code == .invalidTopic)
        #expect(refusals[5] == PublishIntake.Refusal(ackID: 6, code: .payloadTooLarge, reason: "topic 'a': payload of 5 bytes exceeds the limit of 4"))
        #expect(intake.batchedTopicCount == 2)
        let batches = intake.takeBatches()
        #expect(batches.map(\.topic.name) == ["a", "b"], "in the order the topics first came")
        #expect(batches[0].messages.map { String(buffer: $0.payload) } == ["1", "3"])
        #expect(batches[1].messages.count == 1)
        #expect(!intake.hasBatches)
    }

    @Test func theWorkBudgetRunsOutAndIsRenewed() {
        var budget = WorkBudget()
        budget.spend(WorkBudget.unitsPerTurn - 1)
        #expect(!budget.isSpent)
        budget.spend(WorkBudget.subscriptionChange)
        #expect(budget.isSpent)
        budget.renew()
        #expect(!budget.isSpent)
    }

    @Test func theSubscriptionTableKeepsIDsAndLimits() {
        var limits = Limits.defaults
        limits.maxSubscriptions = 1
        var table = SubscriptionTable<Token>(limits: limits)
        let subscribe = Frame.Subscribe(subscriptionID: 1, pattern: "a.>")
        #expect(table.problem(with: subscribe, authorization: nil, readAsProblem: { _ in nil }) == nil)
        let token = Token()
        table.add(token, id: 1)
        #expect(table.byID[1] === token)
        #expect(table.problem(with: subscribe, authorization: nil, readAsProblem: { _ in nil })?.0 == .duplicateSubscription)
        #expect(table.problem(with: Frame.Subscribe(subscriptionID: 2, pattern: "b"), authorization: nil, readAsProblem: { _ in nil })?.0 == .tooManySubscriptions)
        let removed = table.remove(id: 1)
        let again = table.remove(id: 1)
        #expect(removed === token && again == nil)
        let readAs = Frame.Subscribe(subscriptionID: 3, pattern: "c", readAs: SchemaReference(subjectID: 1, version: 2))
        #expect(table.problem(with: readAs, authorization: nil, readAsProblem: { _ in (.unknownSubject, "none") })?.0 == .unknownSubject)
        for group in ["a.b", "x:y", "~!", String(repeating: "g", count: 255)] {
            let grouped = Frame.Subscribe(subscriptionID: 4, pattern: "c", queueGroup: group)
            #expect(table.problem(with: grouped, authorization: nil, readAsProblem: { _ in nil }) == nil, "queue group \(group)")
        }
        for group in ["", "a b", "é", String(repeating: "g", count: 256)] {
            let grouped = Frame.Subscribe(subscriptionID: 4, pattern: "c", queueGroup: group)
            #expect(table.problem(with: grouped, authorization: nil, readAsProblem: { _ in nil })?.0 == .invalidPattern, "queue group \(group)")
        }
    }
}
