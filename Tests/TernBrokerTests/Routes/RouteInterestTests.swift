import NIOCore
import NIOEmbedded
import Testing
import TernCluster
import TernProtocol

@testable import TernBroker

/// A node's own interest as counts, and its peers' as the targets of each topic.
@Suite struct RouteInterestTests {
    private let totals = RouteTotals()

    private func peer(_ id: String) -> RoutePeer {
        RoutePeer(
            member: ClusterMember(id: id, route: "127.0.0.1:1", client: "127.0.0.1:2"), channel: EmbeddedChannel(), dialled: true,
            maxPendingBytes: 1 << 20, totals: totals
        )
    }

    private func key(_ pattern: String, group: String? = nil, responder: Bool = false) -> InterestKey {
        InterestKey(pattern: pattern, queueGroup: group, isResponder: responder)
    }

    @Test func localInterestCountsSubscriptionsPerEntryAndForgetsAnEntryAtZero() {
        var local = LocalInterest()
        #expect(local.change(key("a.*"), by: 1) == 1)
        #expect(local.change(key("a.*"), by: 1) == 2)
        #expect(local.change(key("a.*", group: "g"), by: 1) == 1, "a queue group is an entry of its own")
        #expect(local.change(key("a.*", responder: true), by: 1) == 1, "so is a kind")
        #expect(local.change(key("a.*"), by: -1) == 1)
        #expect(local.change(key("a.*"), by: -1) == 0)
        #expect(local.counts == [key("a.*", group: "g"): 1, key("a.*", responder: true): 1])
        #expect(Set(local.frames) == [
            .interest(RouteFrame.Interest(pattern: "a.*", queueGroup: "g", count: 1)),
            .interest(RouteFrame.Interest(pattern: "a.*", isResponder: true, count: 1)),
        ])
    }

    @Test func aPeerWithOverlappingPatternsIsATargetOnce() {
        var remote = RemoteInterest()
        let (first, second) = (peer("1"), peer("2"))
        remote.update(first, key("a.*"), count: 1)
        remote.update(first, key("a.>"), count: 3)
        remote.update(second, key("b.>"), count: 1)
        #expect(remote.targets(forTopic: "a.x").peers.map(\.member.id) == ["1"])
        #expect(remote.targets(forTopic: "b.x.y").peers.map(\.member.id) == ["2"])
        #expect(remote.targets(forTopic: "c").isEmpty)
        #expect(remote.patterns(of: first, matching: "a.x").sorted() == ["a.*", "a.>"])
        #expect(remote.entryCount(of: "1") == 2)
    }

    @Test func aCountOfZeroRemovesAnEntryAndARepeatedCountChangesNothing() {
        var remote = RemoteInterest()
        let first = peer("1")
        remote.update(first, key("a.*"), count: 2)
        #expect(remote.targets(forTopic: "a.x").peers.count == 1)
        remote.update(first, key("a.*"), count: 2)
        remote.update(first, key("a.*"), count: 0)
        #expect(remote.targets(forTopic: "a.x").isEmpty, "the cached answer went with the change")
        remote.update(first, key("a.*"), count: 0)
        #expect(remote.entryCount(of: "1") == 0)
    }

    @Test func queueGroupsAndRespondersAreTargetsOfTheirOwn() {
        var remote = RemoteInterest()
        let (first, second) = (peer("1"), peer("2"))
        remote.update(first, key("jobs.*", group: "workers"), count: 1)
        remote.update(second, key("jobs.>", group: "workers"), count: 2)
        remote.update(second, key("jobs.new", responder: true), count: 1)
        let targets = remote.targets(forTopic: "jobs.new")
        #expect(targets.peers.isEmpty, "a peer with only a group's members gets messages for the group only")
        #expect(targets.groups.map(\.name) == ["workers"])
        #expect(targets.groups.first?.peers.map(\.member.id).sorted() == ["1", "2"])
        #expect(remote.responderPeers(forTopic: "jobs.new").map(\.member.id) == ["2"])
        #expect(remote.responderPeers(forTopic: "jobs.old").isEmpty)
    }

    @Test func aRouteDownForgetsItsPeersInterest() {
        var remote = RemoteInterest()
        let (first, second) = (peer("1"), peer("2"))
        remote.update(first, key("a.>"), count: 1)
        remote.update(first, key("a.>", responder: true), count: 1)
        remote.update(second, key("a.>"), count: 1)
        remote.removeAll(of: first)
        #expect(remote.targets(forTopic: "a.b").peers.map(\.member.id) == ["2"])
        #expect(remote.responderPeers(forTopic: "a.b").isEmpty)
    }

    @Test func outgoingBatchesGiveEachPeerItsMessagesWithTheGroupsItServes() {
        let (plain, other) = (peer("1"), peer("2"))
        var outgoing = RouteOutgoing(peers: [plain])
        let toPlain = outgoing.recipients(of: [(group: "g", peer: plain), (group: "h", peer: other)])
        #expect(toPlain.map(\.slot) == [0, 1])
        #expect(toPlain.map(\.groups) == [["g"], ["h"]])
        #expect(outgoing.batches.map(\.peer.member.id) == ["1", "2"])
        #expect(outgoing.recipients(of: []).map(\.groups) == [[]], "a peer with an entry of no group gets every message")
    }
}
