import NIOCore
import Testing
import TernProtocol

@testable import TernBroker

/// The fan-out core on its own: real subscriber queues, no topic actor, no event loop.
@Suite struct TopicCoreTests {
    /// Stands in for the topic that offers messages, which a full queue remembers.
    private final class Waker: Sendable {}

    private final class Member: Sendable {
        let name: String
        let queue: SubscriberQueue<Waker>
        init(_ name: String, holds messages: Int) {
            self.name = name
            self.queue = SubscriberQueue(capacity: QueueCapacity(messages: messages, bytes: 1 << 20))
        }

        /// Takes everything queued: the payloads, and the drop counts reported with them.
        func take() -> (payloads: [String], droppedOldest: UInt64, droppedNewest: UInt64) {
            let batch = queue.take(maxBytes: 1 << 30, at: .now())
            return (batch.messages.map { String(buffer: $0.payload) }, batch.droppedOldest, batch.droppedNewest)
        }
    }

    private typealias Core = TopicCore<Member, String>

    private let waker = Waker()

    private var offer: Core.Offer {
        { [waker] member, messages, policy in member.queue.offer(messages, policy: policy, from: waker, at: .now()) }
    }

    private func core(_ policy: OverflowPolicy, mailbox: Int = 100, _ members: [Member], groups: [String: [Member]] = [:]) -> Core {
        var core = Core(settings: MailboxSettings(capacity: QueueCapacity(messages: mailbox, bytes: 1 << 20), policy: policy))
        var subscribers = TopicSubscribers<Member>()
        for member in members { subscribers.add(member, group: nil) }
        for (group, members) in groups.sorted(by: { $0.key < $1.key }) {
            for member in members { subscribers.add(member, group: group) }
        }
        _ = core.setSubscribers(subscribers, offer: offer)
        return core
    }

    private func messages(_ range: ClosedRange<Int>, acked: Bool = false) -> [PublishedMessage] {
        range.map { PublishedMessage(Frame.Publish(topic: "t", ackID: acked ? UInt64($0) : nil, payload: ByteBuffer(string: "\($0)"))) }
    }

    private func publish(_ core: inout Core, _ range: ClosedRange<Int>, acked: Bool = false, from publisher: String = "p") -> Core.Effects {
        core.publish(messages(range, acked: acked), to: "t", from: publisher, refusal: nil, offer: offer)
    }

    // MARK: block

    @Test func blockHoldsWhatAFullQueueCannotTakeAndPausesThePublisherOnceTheMailboxIsFull() {
        let slow = Member("slow", holds: 2)
        var core = core(.block, mailbox: 4, [slow])
        var effects = publish(&core, 1...3)
        #expect(effects.drains.count == 1 && effects.armStallCheck && !effects.pausePublisher)
        #expect(core.mailbox.count == 1, "message 3 waits for the slow subscriber")
        effects = publish(&core, 4...6)
        #expect(effects.pausePublisher, "the mailbox is full: the publisher is held back")
        #expect(!publish(&core, 7...7).pausePublisher, "paused once, not per batch")
        #expect(slow.take().payloads == ["1", "2"])
        effects = core.fanOut(offer: offer)
        #expect(effects.resumedPublishers.isEmpty, "still above the low watermark")
        #expect(slow.take().payloads == ["3", "4"])
        effects = core.fanOut(offer: offer)
        #expect(effects.resumedPublishers == ["p"], "below half full: the publisher reads again")
        #expect(slow.take().payloads == ["5", "6"])
        _ = core.fanOut(offer: offer)
        #expect(slow.take().payloads == ["7"])
        #expect(core.fanOut(offer: offer).armStallCheck == false && core.mailbox.isEmpty)
        #expect(core.counters.published == 7 && core.counters.queued == 7 && core.counters.publisherPauses == 1)
    }

    @Test func underBlockEverySubscriberGetsEverythingAndAFastOneIsNotHeldBackByASlowOne() {
        let slow = Member("slow", holds: 1)
        let fast = Member("fast", holds: 100)
        var core = core(.block, mailbox: 100, [slow, fast])
        _ = publish(&core, 1...5)
        #expect(fast.take().payloads == ["1", "2", "3", "4", "5"])
        var slowGot: [String] = []
        while core.mailbox.count > 0 {
            slowGot += slow.take().payloads
            _ = core.fanOut(offer: offer)
        }
        slowGot += slow.take().payloads
        #expect(slowGot == ["1", "2", "3", "4", "5"])
    }

    @Test func acknowledgementsListTheAcceptedPublishesAndRefusalsTheRefused() {
        let member = Member("m", holds: 100)
        var core = core(.block, [member])
        let effects = core.publish(messages(1...4, acked: true), to: "t", from: "p", refusal: { message in
            String(buffer: message.payload) == "2" ? (.invalidPayload, "not a number") : nil
        }, offer: offer)
        #expect(effects.acknowledged == [1, 3, 4])
        #expect(effects.rejection.acknowledged.map(\.ackID) == [2])
        #expect(effects.rejection.acknowledged.first?.code == .invalidPayload)
        #expect(member.take().payloads == ["1", "3", "4"])
        #expect(core.counters.rejected == 1)
    }

    // MARK: reject

    @Test func rejectRefusesPublishesWhileTheMailboxIsFullAndNeverPauses() {
        let slow = Member("slow", holds: 1)
        var core = core(.reject, mailbox: 2, [slow])
        // The mailbox counts what it holds before handing out: two fit, the third is refused.
        var effects = publish(&core, 1...3, acked: true)
        #expect(effects.acknowledged == [1, 2] && !effects.pausePublisher)
        #expect(effects.rejection.acknowledged.map(\.ackID) == [3])
        // The slow subscriber took one, so the mailbox holds one more.
        effects = publish(&core, 4...5, acked: true)
        #expect(effects.acknowledged == [4])
        #expect(effects.rejection.acknowledged.map(\.ackID) == [5])
        #expect(effects.rejection.acknowledged.allSatisfy { $0.code == .mailboxFull && $0.reason == "the mailbox of topic 't' is full" })
        effects = publish(&core, 6...6)
        #expect(effects.rejection.unacknowledged.values.reduce(0, +) == 1)
        #expect(effects.armStallCheck)
    }

    // MARK: drop policies

    @Test func dropOldestNeverHoldsTheMailboxAndReportsTheDrops() {
        let slow = Member("slow", holds: 2)
        var core = core(.dropOldest, mailbox: 2, [slow])
        let effects = publish(&core, 1...5)
        #expect(!effects.pausePublisher && !effects.armStallCheck && core.mailbox.isEmpty)
        let taken = slow.take()
        #expect(taken.payloads == ["4", "5"] && taken.droppedOldest == 3)
        #expect(core.counters.dropped == 3 && core.counters.queued == 2)
    }

    @Test func dropNewestKeepsWhatIsQueuedAndReportsTheDrops() {
        let slow = Member("slow", holds: 2)
        var core = core(.dropNewest, mailbox: 2, [slow])
        _ = publish(&core, 1...5)
        let taken = slow.take()
        #expect(taken.payloads == ["1", "2"] && taken.droppedNewest == 3)
        #expect(core.mailbox.isEmpty)
    }

    // MARK: queue groups

    @Test func aQueueGroupGetsEachMessageOnceInTurnsOfAChunk() {
        let first = Member("first", holds: 1000)
        let second = Member("second", holds: 1000)
        let alone = Member("alone", holds: 1000)
        var core = core(.block, [alone], groups: ["workers": [first, second]])
        _ = publish(&core, 1...40)
        let chunk = Core.groupChunk
        let firstGot = first.take().payloads
        let secondGot = second.take().payloads
        #expect(firstGot == (1...chunk).map(String.init) + ((2 * chunk + 1)...40).map(String.init))
        #expect(secondGot == ((chunk + 1)...(2 * chunk)).map(String.init))
        #expect(alone.take().payloads.count == 40, "a subscriber outside the group gets everything")
    }

    @Test func aMessageAnotherNodeForwardedReachesOnlyTheQueueGroupsItLists() {
        let alone = Member("alone", holds: 1000)
        let worker = Member("worker", holds: 1000)
        let auditor = Member("auditor", holds: 1000)
        var core = core(.block, [alone], groups: ["workers": [worker], "auditors": [auditor]])
        let routed = (1...5).map { index in
            PublishedMessage(routed: RouteFrame.Message(topic: "t", queueGroups: index % 2 == 0 ? ["workers"] : [], payload: ByteBuffer(string: "\(index)")))
        }
        _ = core.publish(routed + messages(6...7), to: "t", from: nil, refusal: nil, offer: offer)
        #expect(alone.take().payloads == (1...7).map(String.init), "a subscription of no group gets every message")
        #expect(worker.take().payloads == ["2", "4", "6", "7"], "the group a forwarded message lists gets it, and every local publish")
        #expect(auditor.take().payloads == ["6", "7"], "a group a forwarded message does not list gets only local publishes")
        #expect(core.isIdle == false && core.mailbox.isEmpty, "the skipped messages leave the mailbox")
    }

    @Test func underBlockAFullMemberIsSkippedAndAFullGroupHoldsTheMailbox() {
        let full = Member("full", holds: 1)
        let roomy = Member("roomy", holds: 20)
        var core = core(.block, [], groups: ["workers": [full, roomy]])
        _ = publish(&core, 1...30)
        let got = full.take().payloads + roomy.take().payloads
        #expect(got.count == 21 && Set(got).count == 21, "each message once, while there is room")
        #expect(core.mailbox.count == 9, "the rest waits for room in the group")
    }

    @Test func underADropPolicyAFullGroupDropsAtTheNextMember() {
        let first = Member("first", holds: 2)
        let second = Member("second", holds: 2)
        var core = core(.dropNewest, [], groups: ["workers": [first, second]])
        _ = publish(&core, 1...40)
        #expect(core.mailbox.isEmpty)
        let (a, b) = (first.take(), second.take())
        #expect(a.payloads.count + b.payloads.count == 4)
        #expect(UInt64(a.payloads.count + b.payloads.count) + a.droppedNewest + b.droppedNewest == 40, "every message queued or counted once")
    }

    // MARK: subscribers changing

    @Test func aNewSubscriberGetsWhatIsPublishedFromNowOnAndAnExistingOneKeepsItsPlace() {
        let slow = Member("slow", holds: 1)
        var core = core(.block, [slow])
        _ = publish(&core, 1...3)
        let late = Member("late", holds: 100)
        var subscribers = TopicSubscribers<Member>()
        subscribers.add(slow, group: nil)
        subscribers.add(late, group: nil)
        _ = core.setSubscribers(subscribers, offer: offer)
        _ = publish(&core, 4...4)
        #expect(late.take().payloads == ["4"], "nothing published before it subscribed")
        var slowGot: [String] = []
        for _ in 0..<5 {
            slowGot += slow.take().payloads
            _ = core.fanOut(offer: offer)
        }
        #expect(slowGot == ["1", "2", "3", "4"], "its place in the mailbox was kept")
    }

    @Test func aSubscriberThatLeavesNoLongerHoldsTheMailbox() {
        let gone = Member("gone", holds: 1)
        let stays = Member("stays", holds: 100)
        var core = core(.block, [gone, stays])
        _ = publish(&core, 1...5)
        #expect(core.mailbox.count == 4)
        var subscribers = TopicSubscribers<Member>()
        subscribers.add(stays, group: nil)
        _ = core.setSubscribers(subscribers, offer: offer)
        #expect(core.mailbox.isEmpty)
        #expect(core.subscriberCount == 1)
    }

    @Test func anIdleTopicHasNoSubscribersAndAnEmptyMailbox() {
        var core = core(.block, [])
        #expect(core.isIdle)
        _ = publish(&core, 1...3)
        #expect(core.isIdle, "messages nobody subscribes to leave at once")
        #expect(core.counters.published == 3)
    }

    // MARK: slow consumers and shutdown

    @Test func aStalledSubscriberIsRemovedWithTheCountItMissedAndReleasesTheMailbox() {
        let stalled = Member("stalled", holds: 1)
        let healthy = Member("healthy", holds: 100)
        var core = core(.block, [stalled, healthy])
        _ = publish(&core, 1...5)
        let effects = core.stallCheckPassed(isStalled: { $0 === stalled }, offer: offer)
        #expect(effects.slowConsumers.count == 1)
        #expect(effects.slowConsumers.first?.subscriber === stalled && effects.slowConsumers.first?.undelivered == 4)
        #expect(core.mailbox.isEmpty && !effects.armStallCheck)
        #expect(core.counters.slowConsumers == 1)
        #expect(core.stallCheckPassed(isStalled: { _ in true }, offer: offer).slowConsumers.isEmpty, "only subscribers that hold the mailbox back")
    }

    @Test func abandoningReportsWhatEachTargetMissedOncePerGroup() {
        let alone = Member("alone", holds: 1)
        let first = Member("first", holds: 1)
        let second = Member("second", holds: 1)
        var core = core(.block, [alone], groups: ["workers": [first, second]])
        _ = publish(&core, 1...10)
        let missed = core.abandon()
        #expect(missed.count == 2)
        #expect(missed.first { $0.subscriber === alone }?.missed == 9)
        #expect(missed.filter { $0.subscriber === first || $0.subscriber === second }.map(\.missed) == [8])
        #expect(core.mailbox.isEmpty && core.isIdle)
    }

    // MARK: payloads of their own

    /// Messages whose 1-byte payloads are slices of one 64 KiB read, as a read's publishes arrive.
    private func slicesOfOneRead(_ range: ClosedRange<Int>) -> [PublishedMessage] {
        let read = ByteBuffer(repeating: 0x61, count: 65_536)
        return range.map { PublishedMessage(Frame.Publish(topic: "t", payload: read.getSlice(at: $0 * 100, length: 1) ?? ByteBuffer())) }
    }

    @Test func aBatchEveryQueueTakesGoesStraightThroughAndWhatWaitsInTheMailboxGetsPayloadsOfItsOwn() {
        let fast = Member("fast", holds: 100)
        let slow = Member("slow", holds: 1)
        var core = core(.block, [fast, slow])
        _ = core.publish(slicesOfOneRead(1...3), to: "t", from: "p", refusal: nil, offer: offer)
        let straight = fast.queue.take(maxBytes: 1 << 30, at: .now()).messages
        #expect(straight.count == 3 && straight.allSatisfy { $0.payload.storageCapacity == 65_536 }, "delivered within the turn: not copied")
        #expect(core.mailbox.count == 2, "messages 2 and 3 wait for the slow subscriber")
        #expect(core.mailbox.allSatisfy { $0.payload.storageCapacity < 1024 }, "a waiting message does not keep the read alive")
        _ = core.publish(slicesOfOneRead(4...4), to: "t", from: "p", refusal: nil, offer: offer)
        #expect(core.mailbox.count == 3 && core.mailbox.allSatisfy { $0.payload.storageCapacity < 1024 }, "behind waiting messages, a batch waits too")
        var slowGot: [PublishedMessage] = []
        while !core.mailbox.isEmpty {
            slowGot += slow.queue.take(maxBytes: 1 << 30, at: .now()).messages
            _ = core.fanOut(offer: offer)
        }
        slowGot += slow.queue.take(maxBytes: 1 << 30, at: .now()).messages
        #expect(slowGot.count == 4 && core.counters.published == 4)
    }
}
