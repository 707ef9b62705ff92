import NIOCore
import TernTestSupport
import Testing

@testable import TernTLS

/// RFC 8448, section 3 (a simple 1-RTT handshake with TLS_AES_128_GCM_SHA256): the traffic
/// secrets, keys and records of its application data.
private enum RFC8448 {
    static let clientSecret = bytes("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    static let clientKey = bytes("17422dda596ed5d9acd890e3c63f5051")
    static let clientIV = bytes("5b78923dee08579033e523d9")
    static let serverSecret = bytes("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
    static let serverKey = bytes("9f02283b6c9c07efc26bb9f2ac92e356")
    static let serverIV = bytes("cf782b88dd83549aadf1e984")
    /// The application data both sides send: the bytes 0 to 49.
    static let payload = (0..<50).map { UInt8($0) }
    /// The client's first application record (sequence 0), then its close_notify (sequence 1).
    static let clientRecord = bytes(
        "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"
    )
    static let clientCloseNotify = bytes("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3")
    /// The server's application record: sequence 1, after a NewSessionTicket; then its
    /// close_notify (sequence 2).
    static let serverRecord = bytes(
        "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d"
    )
    static let serverCloseNotify = bytes("1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9")

    /// A record layer of `role` with the trace's application traffic secrets.
    static func layer(_ role: TLSConfiguration.Role, recordsPerKey: UInt64 = TLS13RecordLayer.defaultRecordsPerKey) throws -> TLS13RecordLayer {
        try TLS13RecordLayer(
            role: role, suite: .aes128GCMSHA256,
            readSecret: role == .server ? clientSecret : serverSecret, writeSecret: role == .server ? serverSecret : clientSecret,
            recordsPerKey: recordsPerKey
        )
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }
}

/// A handshake between two ``TLSConnection``s in memory, with nothing between them.
private struct HandshakenPair {
    let fixture: CertificateFixture
    /// Kept for the connections' life: a connection does not hold its context.
    let contexts: [TLSContext]
    let client: TLSConnection
    let server: TLSConnection

    init(client clientLayer: TLSConfiguration.RecordLayer, server serverLayer: TLSConfiguration.RecordLayer) throws {
        fixture = try CertificateFixture()
        var serverConfiguration = fixture.serverConfiguration()
        serverConfiguration.recordLayer = serverLayer
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.recordLayer = clientLayer
        contexts = [try TLSContext(configuration: clientConfiguration), try TLSContext(configuration: serverConfiguration)]
        client = try TLSConnection(context: contexts[0], serverName: "localhost")
        server = try TLSConnection(context: contexts[1], serverName: nil)
        var clientDone = false
        var serverDone = false
        for _ in 0..<10 where !(clientDone && serverDone) {
            clientDone = try Self.step(client, to: server)
            serverDone = try Self.step(server, to: client)
        }
        guard clientDone && serverDone else { throw TestFailure(description: "the handshake did not complete") }
    }

    /// Runs `from`'s handshake as far as it goes and passes what it sent to `to`.
    private static func step(_ from: TLSConnection, to: TLSConnection) throws -> Bool {
        let progress = from.handshake()
        var output = ByteBuffer()
        from.takeOutput(into: &output)
        to.receive(output)
        if case .failed(let error) = progress { throw error }
        if case .complete = progress { return true }
        return false
    }
}

/// Seals `plaintext` with `sender` and returns the records.
private func seal(_ plaintext: [UInt8], by sender: any TLSRecordProtection) throws -> ByteBuffer {
    var records = ByteBuffer()
    if let error = plaintext.withUnsafeBytes({ sender.write($0, into: &records) }) { throw error }
    return records
}

/// Everything `receiver` opens from its buffered records, and why it stopped.
private func open(by receiver: any TLSRecordProtection) -> (plaintext: [UInt8], stop: TLSConnection.ReadStop) {
    var plaintext: [UInt8] = []
    while true {
        var chunk = ByteBuffer()
        chunk.reserveCapacity(4096)
        let stop = receiver.read(into: &chunk)
        plaintext += chunk.readableBytesView
        if case .bufferFull = stop { continue }
        return (plaintext, stop)
    }
}

@Suite("TLS 1.3 records protected by TernTLS after OpenSSL's handshake")
struct TLS13RecordLayerTests {
    @Test("traffic keys and IVs from RFC 8448's traffic secrets")
    func trafficKeys() throws {
        let suite = TLS13CipherSuite.aes128GCMSHA256
        let client = try suite.trafficKeys(from: RFC8448.clientSecret)
        let server = try suite.trafficKeys(from: RFC8448.serverSecret)
        #expect(client.key == RFC8448.clientKey && client.iv == RFC8448.clientIV)
        #expect(server.key == RFC8448.serverKey && server.iv == RFC8448.serverIV)
    }

    @Test("the next traffic secret after a KeyUpdate, with SHA-256 and SHA-384")
    func nextTrafficSecret() throws {
        let sha256 = TLS13CipherSuite.aes128GCMSHA256
        #expect(try sha256.nextTrafficSecret(after: RFC8448.clientSecret) == RFC8448.bytes("fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207"))
        #expect(try sha256.nextTrafficSecret(after: RFC8448.serverSecret) == RFC8448.bytes("51921b8aa3001976eb401d0a4319a8516416a6c56001a357e5d162031e84f916"))
        let sha384 = TLS13CipherSuite.aes256GCMSHA384
        let secret = RFC8448.bytes("4bc28934ddd802b00f479e14a72d7725dab45d32b3b145f29e4c5b56677560eb5236b168c71c5c75aa52f3e20ee89bfb")
        #expect(try sha384.nextTrafficSecret(after: secret) == RFC8448.bytes("ee85dd54781bd4d8a100589a9fe6ac9a3797b811e977f549cd531be2441d7c63e2b9729d145c11d84af35957727565a4"))
    }

    @Test("a server opens RFC 8448's client records and seals its own records byte for byte")
    func rfc8448Records() throws {
        let server = try RFC8448.layer(.server)
        server.receive(ByteBuffer(bytes: RFC8448.clientRecord + RFC8448.clientCloseNotify))
        let (plaintext, stop) = open(by: server)
        #expect(plaintext == RFC8448.payload)
        guard case .closeNotify = stop else { Issue.record("stopped with \(stop), not close_notify"); return }

        // The RFC's server sent a NewSessionTicket at sequence 0; a record of any content takes its place.
        _ = try seal([0], by: server)
        #expect(Array(try seal(RFC8448.payload, by: server).readableBytesView) == RFC8448.serverRecord)
        #expect(server.sendCloseNotify())
        var alert = ByteBuffer()
        server.takeOutput(into: &alert)
        #expect(Array(alert.readableBytesView) == RFC8448.serverCloseNotify)
    }

    @Test("records split at every byte, and many in one buffer, are opened whole and in order")
    func splitAndJoinedRecords() throws {
        let pair = try HandshakenPair(client: .openSSL, server: .tern)
        let server = try #require(pair.server.handOverRecords())
        let message = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let records = try seal(message, by: pair.client) // three records
        for byte in records.readableBytesView {
            server.receive(ByteBuffer(bytes: [byte]))
        }
        var (plaintext, stop) = open(by: server)
        #expect(plaintext == message)
        guard case .needsInput = stop else { Issue.record("stopped with \(stop)"); return }

        var joined = ByteBuffer()
        for index in 0..<100 { joined.writeImmutableBuffer(try seal([UInt8(index)], by: pair.client)) }
        server.receive(joined)
        (plaintext, stop) = open(by: server)
        #expect(plaintext == (0..<100).map { UInt8($0) })
    }

    @Test("OpenSSL's record layer and TernTLS's talk both ways, server or client", arguments: [true, false])
    func interoperatesWithOpenSSL(ternIsServer: Bool) throws {
        let pair = try HandshakenPair(client: ternIsServer ? .openSSL : .tern, server: ternIsServer ? .tern : .openSSL)
        let (tern, openSSL) = ternIsServer
            ? (try #require(pair.server.handOverRecords()), pair.client as TLSConnection)
            : (try #require(pair.client.handOverRecords()), pair.server)
        let question = Array("hello from OpenSSL".utf8)
        tern.receive(try seal(question, by: openSSL))
        #expect(open(by: tern).plaintext == question)
        let answer = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        openSSL.receive(try seal(answer, by: tern))
        #expect(open(by: openSSL).plaintext == answer)
    }

    @Test("a KeyUpdate from OpenSSL that requests one back is answered, and both sides go on under the new keys")
    func keyUpdateFromOpenSSL() throws {
        let pair = try HandshakenPair(client: .openSSL, server: .tern)
        let server = try #require(pair.server.handOverRecords())
        for round in 0..<3 {
            #expect(pair.client.updateKeys(requestingPeerUpdate: true))
            let message = Array("round \(round)".utf8)
            server.receive(try seal(message, by: pair.client))
            #expect(open(by: server).plaintext == message)
            #expect(server.pendingOutputCount > 0, "the server's own KeyUpdate")
            let reply = Array("reply \(round)".utf8)
            pair.client.receive(try seal(reply, by: server))
            #expect(open(by: pair.client).plaintext == reply)
        }
    }

    @Test("TernTLS moves to its next key after its limit of records, and its peer follows")
    func ownKeyUpdates() throws {
        let server = try RFC8448.layer(.server, recordsPerKey: 3)
        let client = try RFC8448.layer(.client)
        var sent: [UInt8] = []
        for index in 0..<10 {
            let message = Array("message \(index) ".utf8)
            sent += message
            client.receive(try seal(message, by: server))
        }
        #expect(open(by: client).plaintext == sent)
    }

    @Test("a record that does not authenticate fails the connection and sends bad_record_mac, which OpenSSL reports")
    func tamperedRecord() throws {
        let pair = try HandshakenPair(client: .openSSL, server: .tern)
        let server = try #require(pair.server.handOverRecords())
        var records = try seal(Array("genuine".utf8), by: pair.client)
        let last = records.writerIndex - 1
        records.setInteger(records.getInteger(at: last, as: UInt8.self)! ^ 1, at: last)
        server.receive(records)
        guard case .failed(.recordRejected(let reason)) = open(by: server).stop else { Issue.record("not rejected"); return }
        #expect(reason.contains("does not authenticate"))
        var alert = ByteBuffer()
        server.takeOutput(into: &alert)
        pair.client.receive(alert)
        guard case .failed(let error) = open(by: pair.client).stop else { Issue.record("OpenSSL took no alert"); return }
        #expect("\(error)".contains("bad record mac"))
    }

    @Test("malformed records are refused with a typed error", arguments: [
        ("an unprotected record", "1603030002" + "0100"),
        ("a record over 2^14 + 256 bytes", "1703034101" + "00"),
        ("a record too short for its tag", "1703030004" + "00000000"),
    ])
    func malformedRecords(what: String, hex: String) throws {
        let layer = try RFC8448.layer(.server)
        layer.receive(ByteBuffer(bytes: RFC8448.bytes(hex)))
        guard case .failed(.recordRejected) = open(by: layer).stop else { Issue.record("\(what) was not refused"); return }
        #expect(layer.pendingOutputCount > 0, "a fatal alert for the peer")
    }

    @Test("random bytes, and random bodies under valid headers, are refused or awaited, never trusted")
    func randomInput() throws {
        var random = SeededGenerator(seed: 0x7E2_7E2)
        for round in 0..<2_000 {
            let layer = try RFC8448.layer(.server)
            var bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round.isMultiple(of: 2) {
                // A well-formed header, so that the body reaches the cipher.
                let length = Int(random.next() % 300)
                bytes = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)] + (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            layer.receive(ByteBuffer(bytes: bytes))
            let (plaintext, stop) = open(by: layer)
            #expect(plaintext.isEmpty, "round \(round) yielded plaintext")
            switch stop {
            case .needsInput, .failed:
                break
            case .closeNotify, .bufferFull:
                Issue.record("round \(round) stopped with \(stop)")
            }
        }
    }

    @Test("the input ending inside a record, or without close_notify, is an unclean shutdown")
    func uncleanEnd() throws {
        for cut in [0, 3, 20] {
            let layer = try RFC8448.layer(.server)
            layer.receive(ByteBuffer(bytes: RFC8448.clientRecord + RFC8448.clientCloseNotify.prefix(cut)))
            layer.markEndOfInput()
            let (plaintext, stop) = open(by: layer)
            #expect(plaintext == RFC8448.payload)
            guard case .failed(.uncleanShutdown) = stop else { Issue.record("cut at \(cut): \(stop)"); return }
        }
    }

    @Test("a configuration that keeps OpenSSL's record layer is not handed over; the default is")
    func handedOverByDefault() throws {
        #expect(try HandshakenPair(client: .openSSL, server: .openSSL).server.handOverRecords() == nil)
        let pair = try HandshakenPair(client: .tern, server: .tern)
        #expect(pair.server.handOverRecords() != nil && pair.client.handOverRecords() != nil)
    }
}
