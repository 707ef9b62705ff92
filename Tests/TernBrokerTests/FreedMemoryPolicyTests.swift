import Testing

@testable import TernBroker

@Suite("FreedMemoryPolicy")
struct FreedMemoryPolicyTests {
    @Test("a release is due once the connections fell to half their peak, by enough of them")
    func dueAtHalfThePeak() {
        var policy = Self.policy(afterOpening: 1000)
        let (at501, at500, at10) = (policy.closed(count: 501), policy.closed(count: 500), policy.closed(count: 10))
        #expect(!at501, "above half the peak")
        #expect(at500)
        #expect(!at10, "one release at a time")
        let dueAfterFirst = policy.released(openAtStart: 10, openNow: 10, handedBack: false)
        #expect(!dueAfterFirst)
        #expect(policy.peak == 10, "the peak starts again from what is left")
        let at5 = policy.closed(count: 5)
        #expect(!at5, "too few for a release of their own")
        let atNone = policy.closed(count: 0)
        #expect(atNone, "the last of them gone: one more release finishes the first")
        let dueAfterTail = policy.released(openAtStart: 0, openNow: 0, handedBack: false)
        #expect(!dueAfterTail)
        let again = policy.closed(count: 0)
        #expect(!again, "nothing left to finish")
    }

    @Test("connections that all close while a release runs call for one more at once")
    func theLastClosingDuringARelease() {
        var policy = Self.policy(afterOpening: 1000)
        let due = policy.closed(count: 400)
        #expect(due)
        // The rest close while the release runs: the policy refuses a second one meanwhile.
        let meanwhile = policy.closed(count: 0)
        #expect(!meanwhile)
        let tail = policy.released(openAtStart: 380, openNow: 0, handedBack: true)
        #expect(tail, "their memory was freed after the release began")
        let finished = policy.released(openAtStart: 0, openNow: 0, handedBack: false)
        #expect(!finished)
    }

    @Test("a release that handed memory back is followed by another, a few at most, while they hand memory back")
    func followUpsWhileMemoryComesBack() {
        var policy = Self.policy(afterOpening: 1000)
        let due = policy.closed(count: 0)
        #expect(due)
        // The connections left the count before all they held was freed.
        let followUp = policy.released(openAtStart: 0, openNow: 0, handedBack: true)
        #expect(followUp)
        let meanwhile = policy.closed(count: 0)
        #expect(!meanwhile, "one release at a time")
        let afterNothing = policy.released(openAtStart: 0, openNow: 0, handedBack: false)
        #expect(!afterNothing, "nothing more came back")
        let withoutStorm = policy.closed(count: 0)
        #expect(!withoutStorm, "no storm since")

        for count in 1...1000 { policy.opened(count: count) }
        let dueAgain = policy.closed(count: 0)
        #expect(dueAgain)
        var followUps = 0
        while policy.released(openAtStart: 0, openNow: 0, handedBack: true) { followUps += 1 }
        #expect(followUps == FreedMemoryPolicy.mostFollowUps, "memory coming back for ever does not keep the releases going")
    }

    @Test("small brokers and small drops never call for one")
    func notForFewConnections() {
        var policy = Self.policy(afterOpening: 300)
        let (at150, at44) = (policy.closed(count: 150), policy.closed(count: 44))
        #expect(!at150, "150 closed connections are fewer than the minimum drop")
        #expect(at44)
    }

    /// A policy that saw `count` connections open, one after another.
    private static func policy(afterOpening count: Int) -> FreedMemoryPolicy {
        var policy = FreedMemoryPolicy()
        for open in 1...count { policy.opened(count: open) }
        return policy
    }
}
