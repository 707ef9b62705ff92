import NIOCore
import Testing
import TernBroker
import TernProtocol

/// Broken and hostile frames against a real broker: each gets its error code (and a close where
/// the protocol says so), and a bystander client keeps working throughout.
@Suite(.timeLimit(.minutes(3))) struct HostileInputTests {
    /// Bytes that are not a valid frame, and why.
    struct Garbage: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]
    }

    static let malformed = [
        Garbage(testDescription: "a length of one", bytes: [0, 0, 0, 1, 0x0B]),
        Garbage(testDescription: "a truncated PING", bytes: [0, 0, 0, 6, 0x0B, 0, 0, 0, 0, 1]),
        Garbage(testDescription: "a reserved flag on PING", bytes: [0, 0, 0, 10, 0x0B, 0x80, 0, 0, 0, 0, 0, 0, 0, 1]),
        Garbage(testDescription: "trailing bytes after UNSUBSCRIBE", bytes: [0, 0, 0, 7, 0x05, 0, 0, 0, 0, 1, 9]),
        Garbage(testDescription: "a topic of invalid UTF-8", bytes: [0, 0, 0, 6, 0x03, 0, 0, 2, 0xC0, 0xAF]),
        Garbage(testDescription: "a string longer than its frame", bytes: [0, 0, 0, 6, 0x03, 0, 0xFF, 0xFF, 0x61, 0x62]),
        Garbage(testDescription: "a header count the frame cannot hold", bytes: [0, 0, 0, 9, 0x03, 0x04, 0, 1, 0x61, 0xFF, 0xFF, 0, 0]),
    ]

    @Test(arguments: malformed) func aMalformedFrameIsAnsweredAndClosed(garbage: Garbage) async throws {
        try await underAttack { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            try await raw.handshake()
            try await raw.send(garbage.bytes)
            let error = try await raw.nextError()
            #expect(error.code == .malformedFrame)
            #expect(error.closesConnection)
            try await raw.awaitClose()
        }
    }

    @Test func anUnknownFrameTypeIsSkippedAndTheConnectionStays() async throws {
        try await underAttack { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            try await raw.handshake()
            try await raw.send([0, 0, 0, 5, 0x7F, 0x03, 1, 2, 3])
            let error = try await raw.nextError()
            #expect(error.code == .unknownFrameType)
            #expect(error.id == 0x7F)
            #expect(!error.closesConnection)
            #expect(try await raw.ping())
            await raw.close()
        }
    }

    @Test(arguments: [false, true]) func aLengthPrefixOf4GiBIsRefusedAfterFourBytes(tls: Bool) async throws {
        try await underAttack({ if !tls { $0.tls = nil } }) { broker in
            let raw = try await RawConnection.connect(port: broker.server.port, tls: tls ? try RawConnection.tlsContext(trusting: broker.files.caCertificateFile) : nil)
            try await raw.handshake()
            // Nothing follows the four bytes: the answer cannot wait for, or buffer, what they claim.
            try await raw.send([0xFF, 0xFF, 0xFF, 0xFF])
            let error = try await raw.nextError()
            #expect(error.code == .frameTooLarge)
            #expect(error.closesConnection)
            try await raw.awaitClose()
        }
    }

    @Test(arguments: [false, true]) func aPeerThatVanishesMidFrameIsCleanedUp(tls: Bool) async throws {
        try await underAttack({ if !tls { $0.tls = nil } }) { broker in
            let raw = try await RawConnection.connect(port: broker.server.port, tls: tls ? try RawConnection.tlsContext(trusting: broker.files.caCertificateFile) : nil)
            try await raw.handshake()
            var publish = ByteBuffer()
            try publish.writeFrame(.publish(Frame.Publish(topic: "cut.off", payload: ByteBuffer(repeating: 0x61, count: 1000))))
            try await raw.send(Array(publish.readableBytesView.prefix(300)))
            await raw.close()
            try await eventually("the broker to forget the vanished peer") { broker.server.statistics.snapshot.connections == 1 }
            #expect(await broker.statistics(ofTopic: "cut.off") == nil, "nothing of the cut-off frame was published")
        }
    }

    @Test func aHelloWithNoCommonVersionNamesTheServersRange() async throws {
        try await underAttack { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            try await raw.send(.hello(Frame.Hello(minVersion: 2, maxVersion: 3, clientName: "future")))
            let error = try await raw.nextError()
            #expect(error.code == .unsupportedVersion)
            #expect(error.id == 1 << 16 | 1)
            #expect(error.message.contains("2...3") && error.message.contains("1...1"), "\(error.message)")
            #expect(error.closesConnection)
            try await raw.awaitClose()
        }
    }

    @Test func publishingToAnInvalidTopicIsRefusedAndTheConnectionStays() async throws {
        try await underAttack { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            try await raw.handshake()
            try await raw.send(.publish(Frame.Publish(topic: "no spaces", payload: ByteBuffer(string: "x"))))
            let error = try await raw.nextError()
            #expect(error.code == .invalidTopic)
            #expect(error.subject == .publish)
            #expect(!error.closesConnection)
            try await raw.send(.publish(Frame.Publish(topic: "a..b", ackID: 9, payload: ByteBuffer(string: "x"))))
            guard case .ack(let ack) = try await raw.nextFrame() else { throw RawConnection.Closed(description: "expected ACK") }
            #expect(ack.ackID == 9 && ack.code == .invalidTopic)
            #expect(try await raw.ping())
        }
    }

    @Test func aMalformedPatternIsRefusedAndTheConnectionStays() async throws {
        try await underAttack { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            try await raw.handshake()
            try await raw.send(.subscribe(Frame.Subscribe(subscriptionID: 3, pattern: "a.>.b")))
            let error = try await raw.nextError()
            #expect(error.code == .invalidPattern)
            #expect(error.subject == .subscription && error.id == 3)
            #expect(!error.closesConnection)
            #expect(try await raw.ping())
        }
    }

    @Test func framesOutOfOrderAreUnexpected() async throws {
        try await underAttack { broker in
            let afterGoodbye = try await RawConnection.connect(port: broker.server.port)
            try await afterGoodbye.handshake()
            try await afterGoodbye.send(.goodbye(Frame.Goodbye()), .ping(Frame.Ping(token: 1)))
            let late = try await afterGoodbye.nextError()
            #expect(late.code == .unexpectedFrame && late.closesConnection, "\(late)")
            try await afterGoodbye.awaitClose()

            let noHello = try await RawConnection.connect(port: broker.server.port)
            try await noHello.send(.ping(Frame.Ping(token: 1)))
            let first = try await noHello.nextError()
            #expect(first.code == .unexpectedFrame && first.closesConnection)
            try await noHello.awaitClose()

            let twice = try await RawConnection.connect(port: broker.server.port)
            try await twice.handshake()
            try await twice.send(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "again")))
            #expect(try await twice.nextError().code == .unexpectedFrame)
            try await twice.awaitClose()
        }
    }

    @Test func theAnnouncedLimitsAreEnforced() async throws {
        let limits = Limits(maxFrameLength: 64 << 10, maxPayloadLength: 16 << 10, maxHeaderBytes: 1024, maxTopicLength: 32, maxSubscriptions: 2)
        try await underAttack({ $0.tls = nil; $0.limits = limits }) { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            #expect(try await raw.handshake().limits == limits)
            let refusals: [(Frame, ErrorCode)] = [
                (.publish(Frame.Publish(topic: "big", payload: ByteBuffer(repeating: 1, count: 20 << 10))), .payloadTooLarge),
                (.publish(Frame.Publish(topic: "h", headers: ["name": String(repeating: "v", count: 2000)], payload: ByteBuffer())), .invalidHeaders),
                (.publish(Frame.Publish(topic: String(repeating: "t", count: 40), payload: ByteBuffer())), .invalidTopic),
                (.subscribe(Frame.Subscribe(subscriptionID: 1, pattern: String(repeating: "p", count: 40))), .invalidPattern),
            ]
            for (frame, code) in refusals {
                try await raw.send(frame)
                let error = try await raw.nextError()
                #expect(error.code == code && !error.closesConnection, "\(error)")
            }
            for id: UInt32 in 1...3 {
                try await raw.send(.subscribe(Frame.Subscribe(subscriptionID: id, pattern: "s\(id)")))
            }
            let third = try await raw.nextError()
            #expect(third.code == .tooManySubscriptions && third.id == 3 && !third.closesConnection)
            #expect(try await raw.ping())

            try await raw.send([0, 1, 0, 1])
            let tooLarge = try await raw.nextError()
            #expect(tooLarge.code == .frameTooLarge && tooLarge.closesConnection)
            try await raw.awaitClose()
        }
    }

    @Test func aClientThatAnswersNoPingsIsClosed() async throws {
        // Long enough that the bystander, which answers, is never late on a loaded machine.
        try await underAttack({ $0.tls = nil; $0.pingInterval = .seconds(1) }) { broker in
            let raw = try await RawConnection.connect(port: broker.server.port)
            let welcome = try await raw.handshake()
            #expect(welcome.pingIntervalMilliseconds == 1000)
            var pings = 0
            var frame = try await raw.nextFrame()
            while case .ping = frame {
                pings += 1
                frame = try await raw.nextFrame()
            }
            guard case .error(let error) = frame else { throw RawConnection.Closed(description: "expected ERROR, got \(frame)") }
            #expect(error.code == .pingTimeout && error.closesConnection)
            #expect(pings == 2)
            try await raw.awaitClose()
        }
    }
}
