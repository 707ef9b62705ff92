import NIOCore
import Testing
import TernBroker
import TernClient
import TernProtocol

@Suite(.timeLimit(.minutes(2))) struct RequestReplyTests {
    @Test func aRequestGetsItsRespondersReply() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let responder = try await service.makeResponder(on: "pricing.*")
            let reply = try await whileRunning(responder, { request in
                TernReply(request.string.uppercased() + " on " + request.topic, headers: ["currency": request.headers["currency"] ?? "?"])
            }) {
                try await caller.request("quote", to: "pricing.eu", headers: ["currency": "EUR"], timeout: .seconds(30))
            }
            #expect(reply.topic == "pricing.eu")
            #expect(reply.string == "QUOTE on pricing.eu")
            #expect(reply.headers["currency"] == "EUR")
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func requestsAreSpreadOverTheResponders() async throws {
        try await withBroker { broker in
            let caller = try await broker.connect(name: "caller")
            var services: [TernClient] = []
            var responders: [TernResponder] = []
            for index in 0..<3 {
                let service = try await broker.connect(name: "service-\(index)")
                services.append(service)
                responders.append(try await service.makeResponder(on: "work"))
            }
            let tally = Tally()
            let count = 300
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, responder) in responders.enumerated() {
                    group.addTask {
                        try await responder.run { request in
                            await tally.add(member: index, request.string)
                            return TernReply("done")
                        }
                    }
                }
                for index in 0..<count {
                    let reply = try await caller.request("\(index)", to: "work", timeout: .seconds(30))
                    #expect(reply.string == "done")
                }
                group.cancelAll()
            }
            let shares = await tally.shares
            #expect(shares.values.map(\.count).reduce(0, +) == count, "every request answered once")
            #expect(Set(shares.values.flatMap { $0 }) == Set((0..<count).map { "\($0)" }))
            #expect(shares.count == 3 && shares.values.allSatisfy { !$0.isEmpty }, "every responder had a share: \(shares.mapValues(\.count))")
            for client in services + [caller] { await client.close() }
        }
    }

    @Test func withoutRespondersARequestFailsAtOnceNotAfterItsTimeout() async throws {
        try await withBroker { broker in
            let caller = try await broker.connect()
            // The timeout is far longer than the time allowed: the answer cannot be the timeout.
            let error = try await within(10, "the no-responders answer") {
                try await failure { try await caller.request("x", to: "nobody", timeout: .seconds(60)) }
            }
            #expect(error == .noResponders(topic: "nobody"))
            #expect(error.description == "no responders on 'nobody'")
            #expect(broker.server.statistics.snapshot.requestsWithoutResponders == 1)
            await caller.close()
        }
    }

    @Test func aSlowResponderTimesOutAndItsLateReplyIsDroppedAndCounted() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let gate = Gate()
            let responder = try await service.makeResponder(on: "slow")
            try await whileRunning(responder, { _ in
                await gate.wait()
                return TernReply("too late")
            }) {
                let error = try await failure { try await caller.request("x", to: "slow", timeout: .milliseconds(300)) }
                #expect(error == .requestTimedOut(topic: "slow"))
                // The client's own timer may fire first on a loaded machine.
                try await eventually("the broker to count the timeout") {
                    broker.server.statistics.snapshot.requestsTimedOut == 1
                }
                await gate.open()
                try await eventually("the late reply to be dropped") {
                    broker.server.statistics.snapshot.lateRepliesDropped == 1
                }
            }
            // The connections carry on.
            try await whileRunning(try await service.makeResponder(on: "slow"), { _ in TernReply("on time") }) {
                let reply = try await caller.request("y", to: "slow", timeout: .seconds(30))
                #expect(reply.string == "on time")
            }
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func aResponderThatDisconnectsFailsItsRequestsAtOnce() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let started = Gate()
            let responder = try await service.makeResponder(on: "fragile")
            let error = try await whileRunning(responder, { _ in
                await started.open()
                try await Task.sleep(for: .seconds(60))
                return TernReply("never")
            }) {
                // The request's timeout is far longer than the time allowed.
                async let outcome = within(10, "the responder-gone answer") {
                    try await failure { try await caller.request("x", to: "fragile", timeout: .seconds(60)) }
                }
                await started.wait()
                await service.close()
                return try await outcome
            }
            #expect(error == .responderGone(topic: "fragile"))
            await caller.close()
        }
    }

    @Test func aHandlersErrorReachesTheRequester() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let responder = try await service.makeResponder(on: "shop.buy")
            try await whileRunning(responder, { request in
                guard request.string != "unicorn" else { throw OutOfStock(item: request.string) }
                return TernReply("bought \(request.string)")
            }) {
                let error = try await failure { try await caller.request("unicorn", to: "shop.buy", timeout: .seconds(30)) }
                #expect(error == .handlerFailed(topic: "shop.buy", message: "out of stock: unicorn"))
                #expect(error.description == "the handler on 'shop.buy' failed: out of stock: unicorn")
                #expect(try await caller.request("pony", to: "shop.buy", timeout: .seconds(30)).string == "bought pony", "the responder carries on")
            }
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func manyRequestsInFlightOnOneConnectionGetTheirOwnReplies() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let responder = try await service.makeResponder(on: "echo")
            let order = Tally()
            let count = 200
            try await whileRunning(responder, { request in
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...20)))
                await order.add(member: 0, request.string)
                return TernReply(request.payload, headers: ["index": request.string])
            }) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<count {
                        group.addTask {
                            let reply = try await caller.request("\(index)", to: "echo", timeout: .seconds(30))
                            #expect(reply.string == "\(index)")
                            #expect(reply.headers["index"] == "\(index)")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let answered = await order.shares[0] ?? []
            #expect(answered.count == count)
            #expect(answered != answered.sorted { Int($0)! < Int($1)! }, "the replies came in another order than the requests")
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func aResponderRunsAtMostItsLimitOfHandlersAtOnce() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let responder = try await service.makeResponder(on: "limited")
            let gauge = ConcurrencyGauge()
            let limit = 4
            try await whileRunning(responder, maxConcurrentHandlers: limit, { _ in
                await gauge.enter()
                try await Task.sleep(for: .milliseconds(20))
                await gauge.leave()
                return TernReply("ok")
            }) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            let reply = try await caller.request("\(index)", to: "limited", timeout: .seconds(30))
                            #expect(reply.string == "ok")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let peak = await gauge.peak
            #expect(peak <= limit)
            #expect(peak > 1, "handlers ran concurrently")
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func aStoppedResponderFailsTheRequestsItHeldAtOnce() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let responder = try await service.makeResponder(on: "stopping")
            let started = Gate()
            // One handler at a time: one request is being handled, the other waits for it.
            let running = Task {
                try await responder.run(maxConcurrentHandlers: 1) { _ in
                    await started.open()
                    try await Task.sleep(for: .seconds(60))
                    return TernReply("never")
                }
            }
            async let first = within(10, "the first request to fail") {
                try await failure { try await caller.request("first", to: "stopping", timeout: .seconds(60)) }
            }
            async let second = within(10, "the second request to fail") {
                try await failure { try await caller.request("second", to: "stopping", timeout: .seconds(60)) }
            }
            await started.wait()
            try await eventually("both requests to reach the responder") { broker.server.statistics.snapshot.requests == 2 }
            running.cancel()
            #expect(try await [first, second] == [.responderGone(topic: "stopping"), .responderGone(topic: "stopping")])
            try await running.value
            for client in [service, caller] { await client.close() }
        }
    }

    @Test func cancellingTheCallingTaskEndsTheWait() async throws {
        try await withBroker { broker in
            let service = try await broker.connect(name: "service")
            let caller = try await broker.connect(name: "caller")
            let started = Gate()
            let responder = try await service.makeResponder(on: "busy")
            try await whileRunning(responder, { _ in
                await started.open()
                try await Task.sleep(for: .seconds(60))
                return TernReply("never")
            }) {
                let request = Task { try await caller.request("x", to: "busy", timeout: .seconds(60)) }
                await started.wait()
                request.cancel()
                let outcome = try await within(10, "the cancelled request to end") { await request.result }
                #expect(throws: CancellationError.self) { try outcome.get() }
            }
            for client in [service, caller] { await client.close() }
        }
    }
}

/// Runs `body` while `responder` answers with `handler`, then stops the responder.
func whileRunning<Result: Sendable>(
    _ responder: TernResponder,
    maxConcurrentHandlers: Int = TernResponder.defaultMaxConcurrentHandlers,
    _ handler: @escaping @Sendable (TernRequest) async throws -> TernReply,
    _ body: () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await responder.run(maxConcurrentHandlers: maxConcurrentHandlers, handler) }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// The client error `operation` throws; records an issue when it succeeds or throws another error.
func failure(_ operation: () async throws -> TernMessage) async throws -> TernClientError {
    do {
        let reply = try await operation()
        Issue.record("expected a failure, got the reply '\(reply.string)'")
        throw UnexpectedSuccess()
    } catch let error as TernClientError {
        return error
    }
}

private struct UnexpectedSuccess: Error {}

private struct OutOfStock: Error, CustomStringConvertible {
    var item: String
    var description: String { "out of stock: \(item)" }
}

/// Closed until opened; waiters resume when it opens.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// Counts the handlers running at once and remembers the most.
private actor ConcurrencyGauge {
    private var running = 0
    private(set) var peak = 0

    func enter() {
        running += 1
        peak = max(peak, running)
    }

    func leave() {
        running -= 1
    }
}
