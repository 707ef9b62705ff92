import NIOCore
import Testing
import TernProtocol
import TernTestSupport
@testable import TernClient

@Suite("Client reconnect state machine")
struct ReconnectStateMachineTests {
    let a = ServerAddress(host: "10.0.0.1", port: 8376)
    let b = ServerAddress(host: "10.0.0.2", port: 8376)
    let c = ServerAddress(host: "10.0.0.3", port: 8376)
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let lost = TernClientError.disconnected(code: nil, reason: "the connection was closed abruptly")
    let refused = TernClientError.connectionFailed(reason: "Connection refused")

    private func machine(
        _ servers: [ServerAddress], policy: TernClient.Configuration.Reconnect? = .init(), retryingUntil deadline: NIODeadline? = nil
    ) -> (ReconnectStateMachine, SeededGenerator) {
        var random = SeededGenerator(seed: 15)
        let machine = ReconnectStateMachine(servers: servers, randomize: false, policy: policy, retryingFirstConnectionUntil: deadline, using: &random)
        return (machine, random)
    }

    /// Connects `machine` to its first server.
    private func connected(_ servers: [ServerAddress], policy: TernClient.Configuration.Reconnect? = .init()) -> (ReconnectStateMachine, SeededGenerator) {
        var (machine, random) = machine(servers, policy: policy)
        _ = machine.start()
        _ = machine.connected(at: start)
        return (machine, random)
    }

    @Test func theFirstConnectionIsReportedAsConnected() {
        var (machine, _) = machine([a, b])
        #expect(machine.start() == a)
        #expect(machine.connected(at: start) == .connected(a))
        #expect(machine.phase == .connected(a))
    }

    @Test func aLostConnectionIsRetriedOnTheNextServerWithinTheFirstDelay() {
        var (machine, random) = connected([a, b])
        guard case .connect(let server, let delay) = machine.connectionLost(lost, at: start, using: &random) else {
            Issue.record("expected an attempt")
            return
        }
        #expect(server == b, "another server first")
        #expect(delay >= .milliseconds(25) && delay <= .milliseconds(50))
        #expect(machine.phase == .reconnecting)
        #expect(machine.connected(at: start + .milliseconds(120)) == .reconnected(b, after: .milliseconds(120)))
        #expect(machine.failedAttempts == 0)
    }

    @Test func refusedCredentialsEndTheClientInsteadOfReconnecting() {
        let refusedCredentials = TernClientError.authenticationFailed(reason: "authentication failed: user 'ops' was removed")
        var (machine, random) = connected([a, b])
        #expect(machine.connectionLost(refusedCredentials, at: start, using: &random) == .giveUp(refusedCredentials))
        #expect(machine.phase == .closed)

        (machine, random) = connected([a, b])
        _ = machine.connectionLost(lost, at: start, using: &random)
        #expect(machine.attemptFailed(refusedCredentials, at: start, using: &random) == .giveUp(refusedCredentials), "the same credentials again")
    }

    @Test func theBackoffDoublesWithJitterUpToTheCapAndGoesRoundTheServers() {
        var (machine, random) = connected([a, b, c])
        var servers: [ServerAddress] = []
        var delays: [Duration] = []
        var action = machine.connectionLost(lost, at: start, using: &random)
        for _ in 0..<12 {
            guard case .connect(let server, let delay) = action else {
                Issue.record("gave up: \(action)")
                return
            }
            servers.append(server)
            delays.append(delay)
            action = machine.attemptFailed(refused, at: start, using: &random)
        }
        #expect(servers.prefix(6) == [b, c, a, b, c, a])
        // A random time between half and all of 50 ms · 2^(n-1), capped at 2 s.
        for (index, delay) in delays.enumerated() {
            let ceiling = min(.milliseconds(50) * (1 << index), .seconds(2))
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(index + 1): \(delay)")
        }
        #expect(delays.suffix(6).contains { $0 > .seconds(1) }, "the cap is reached: \(delays)")
        #expect(Set(delays).count > 6, "jittered, not fixed: \(delays)")
        #expect(machine.failedAttempts == 12)
    }

    @Test func manyClientsSpreadTheirFirstAttempts() {
        var random = SeededGenerator(seed: 7)
        let delays = (0..<1000).map { _ in TernClient.Configuration.Reconnect().delay(beforeAttempt: 4, using: &random) }
        #expect(delays.allSatisfy { $0 >= .milliseconds(200) && $0 <= .milliseconds(400) })
        #expect(delays.filter { $0 < .milliseconds(300) }.count > 350, "spread evenly")
        #expect(delays.filter { $0 >= .milliseconds(300) }.count > 350, "spread evenly")
    }

    @Test func maxAttemptsEndsTheReconnect() {
        var (machine, random) = connected([a], policy: .init(maxAttempts: 3))
        _ = machine.connectionLost(lost, at: start, using: &random)
        #expect(machine.attemptFailed(refused, at: start, using: &random) != .giveUp(refused))
        #expect(machine.attemptFailed(refused, at: start, using: &random) != .giveUp(refused))
        guard case .giveUp(let error) = machine.attemptFailed(refused, at: start, using: &random) else {
            Issue.record("expected to give up")
            return
        }
        #expect(error.description.contains("3 attempts"), "\(error)")
        #expect(machine.phase == .closed)
    }

    @Test func withoutAPolicyALostConnectionEndsTheClient() {
        var (machine, random) = connected([a, b], policy: nil)
        #expect(machine.connectionLost(lost, at: start, using: &random) == .giveUp(lost))
        #expect(machine.phase == .closed)
    }

    @Test func aFailedFirstConnectionTriesEachServerOnceUnlessToldToRetry() {
        var (once, random) = machine([a, b])
        _ = once.start()
        #expect(once.attemptFailed(refused, at: start, using: &random) == .connect(b, after: .zero))
        #expect(once.attemptFailed(refused, at: start, using: &random) == .giveUp(refused))

        var (retrying, random2) = machine([a], retryingUntil: start + .seconds(1))
        _ = retrying.start()
        var attempts = 0
        var now = start
        while case .connect(_, let delay) = retrying.attemptFailed(refused, at: now, using: &random2) {
            attempts += 1
            now = now + TimeAmount(delay)
        }
        #expect(attempts > 3, "retried within the deadline")
        #expect(now < start + .seconds(1))
    }

    @Test func aBrokerInLameDuckModeIsTriedLast() {
        var (machine, random) = connected([a, b, c])
        machine.lameDuck()
        #expect(machine.pool.addresses == [b, c, a])
        #expect(machine.connectionLost(lost, at: start, using: &random) != .giveUp(lost))
        #expect(machine.server == b)
    }

    @Test func announcedAddressesJoinThePoolOnceAndNonsenseIsIgnored() {
        var (machine, _) = connected([a])
        machine.learn(["10.0.0.2:8376", "10.0.0.1:8376", "not an address", "10.0.0.2:8376"])
        #expect(machine.pool.addresses == [a, b])
    }

    @Test func eachAnnouncementReplacesThePreviousButConfiguredAddressesStay() {
        var (machine, _) = connected([a])
        machine.learn(["10.0.0.2:8376", "10.0.0.3:8376"])
        #expect(machine.pool.addresses == [a, b, c])
        machine.learn(["10.0.0.3:8376", "10.0.0.4:8376"])
        #expect(machine.pool.addresses == [a, c, ServerAddress(host: "10.0.0.4", port: 8376)], "b is gone, c keeps its place")
        machine.learn([])
        #expect(machine.pool.addresses == [a], "the configured address stays")
    }

    @Test func closingStopsEverything() {
        var (machine, random) = connected([a])
        let first = machine.close()
        let second = machine.close()
        #expect(first)
        #expect(!second, "only once")
        #expect(machine.connectionLost(lost, at: start, using: &random) == .giveUp(lost))
    }

    @Test func theServersAreShuffledUnlessToldOtherwise() {
        var random = SeededGenerator(seed: 1)
        let servers = (1...8).map { ServerAddress(host: "10.0.0.\($0)", port: 8376) }
        let orders = Set((0..<10).map { _ in ServerPool(servers, randomize: true, using: &random).addresses })
        #expect(orders.count > 1)
        #expect(ServerPool(servers + servers, randomize: false, using: &random).addresses == servers, "in order, without repeats")
    }
}
