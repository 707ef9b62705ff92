import NIOCore
import Testing
import TernBroker
import TernProtocol

/// Peers that do not speak TLS, never finish it, never speak at all, or read nothing, against
/// a real broker over TLS; a bystander client keeps working throughout.
@Suite(.timeLimit(.minutes(3))) struct WrongPeerTests {
    private static func tls(handshakeTimeout: TimeAmount) -> (inout BrokerConfiguration) -> Void {
        { $0.handshakeTimeout = handshakeTimeout }
    }

    @Test func plaintextAndHTTPOnTheTLSPortAreClosed() async throws {
        try await underAttack(Self.tls(handshakeTimeout: .seconds(30))) { broker in
            let http = try await RawConnection.connect(port: broker.server.port)
            try await http.send(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            try await http.awaitClose()

            var hello = ByteBuffer()
            try hello.writeFrame(.hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "no tls")))
            let plaintext = try await RawConnection.connect(port: broker.server.port)
            try await plaintext.send(Array(hello.readableBytesView))
            try await plaintext.awaitClose()
        }
    }

    @Test func aTLSHandshakeThatNeverFinishesIsClosedAtTheDeadline() async throws {
        // The deadline applies to the bystander too: long enough for its handshake on a loaded machine.
        try await underAttack(Self.tls(handshakeTimeout: .seconds(8))) { broker in
            let stalled = try await RawConnection.connect(port: broker.server.port)
            // The first bytes of a TLS record holding a ClientHello, and then nothing.
            try await stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])
            try await stalled.awaitClose()
        }
    }

    @Test func aClientWithoutHelloGetsAHandshakeTimeout() async throws {
        // Long enough for the TLS handshake itself on a loaded machine; only HELLO is missing.
        try await underAttack(Self.tls(handshakeTimeout: .seconds(8))) { broker in
            let silent = try await RawConnection.connect(port: broker.server.port, tls: try RawConnection.tlsContext(trusting: broker.files.caCertificateFile))
            let error = try await silent.nextError()
            #expect(error.code == .handshakeTimeout && error.closesConnection)
            try await silent.awaitClose()
        }
    }

    @Test func thousandsOfConnectionsThatNeverSpeakAreClosedAtTheDeadline() async throws {
        let count = 2000
        try await underAttack(Self.tls(handshakeTimeout: .seconds(8))) { broker in
            var silent: [RawConnection] = []
            for _ in 0..<count {
                silent.append(try await RawConnection.connect(port: broker.server.port))
            }
            try await eventually(within: 30, "the broker to accept every silent connection") {
                broker.server.statistics.snapshot.connectionsAccepted >= UInt64(count + 1)
            }
            // While they hold their sockets, the broker serves others.
            var probe = try await Bystander(broker)
            try await probe.roundTrip("among silent connections")
            await probe.client.close()
            for connection in silent {
                try await connection.awaitClose(within: 30)
            }
            try await eventually(within: 30, "every silent connection to be gone") {
                broker.server.statistics.snapshot.connections == 1
            }
        }
    }

    @Test func aResponderThatReadsNothingIsClosedAtTheOutboundLimit() async throws {
        try await underAttack({ $0.tls = nil; $0.maxPendingOutboundBytes = 2 << 20 }) { broker in
            let stuck = try await RawConnection.connect(port: broker.server.port, reads: false)
            try await stuck.send(
                .hello(Frame.Hello(minVersion: 1, maxVersion: 1, clientName: "stuck")),
                .subscribe(Frame.Subscribe(subscriptionID: 1, pattern: "svc", isResponder: true))
            )
            // Requests to itself: the broker writes each to the responder, which reads nothing.
            let payload = ByteBuffer(repeating: 0x72, count: 60 << 10)
            for id: UInt64 in 1...400 where broker.server.statistics.snapshot.outboundLimitsExceeded == 0 {
                do {
                    try await stuck.send(.request(Frame.Request(requestID: id, topic: "svc", timeoutMilliseconds: 60_000, payload: payload)))
                } catch {
                    break
                }
            }
            try await eventually(within: 30, "the broker to close the stuck responder") {
                broker.server.statistics.snapshot.outboundLimitsExceeded == 1 && broker.server.statistics.snapshot.connections == 1
            }
            await stuck.close()
        }
    }
}
