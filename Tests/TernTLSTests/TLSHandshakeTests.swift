import Foundation
import NIOCore
import TernTLS
import Testing

@Suite("Handshake, negotiation and certificate verification over loopback")
struct TLSHandshakeTests {
    /// A server with `serverConfiguration` and a client with `clientConfiguration`, connected.
    private struct Connection {
        var server: any Channel
        var client: any Channel
        var serverProbe: Probe
        var clientProbe: Probe

        func close() {
            self.client.close(promise: nil)
            self.server.close(promise: nil)
        }
    }

    private func connect(
        server serverConfiguration: TLSConfiguration,
        client clientConfiguration: TLSConfiguration,
        serverName: String? = nil
    ) async throws -> Connection {
        let serverProbe = Loopback.probe()
        let clientProbe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: serverConfiguration),
            probe: serverProbe
        )
        let client = try await Loopback.connect(
            to: server.port,
            context: TLSContext(configuration: clientConfiguration),
            serverName: serverName,
            probe: clientProbe
        )
        return Connection(server: server, client: client, serverProbe: serverProbe, clientProbe: clientProbe)
    }

    /// The first error `probe` saw, which must be a ``TLSError``.
    private func tlsError(of probe: Probe, _ side: String) async throws -> TLSError {
        let error = try await waitFor(probe.firstError.futureResult, "\(side) error")
        guard let tlsError = error as? TLSError else {
            throw TestFailure(description: "\(side) saw \(error), not a TLSError")
        }
        return tlsError
    }

    @Test("negotiates TLS 1.3 and ALPN tern/1, reports subjects, and carries data both ways")
    func handshakeAndEcho() async throws {
        let fixture = try CertificateFixture()
        let connection = try await self.connect(server: fixture.serverConfiguration(), client: fixture.clientConfiguration())
        defer { connection.close() }

        let client = try await waitFor(connection.clientProbe.handshake.futureResult, "client handshake")
        let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
        #expect(client.protocolVersion == "TLSv1.3")
        #expect(server.protocolVersion == "TLSv1.3")
        #expect(client.alpnProtocol == TLSConfiguration.ternALPN)
        #expect(server.alpnProtocol == "tern/1")
        #expect(client.peerSubject == "CN=localhost,O=Tern")
        #expect(server.peerSubject == nil)

        let channel = connection.client
        let exposed = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: TLSHandler.self).completedHandshake
        }.get()
        #expect(exposed == client)

        try await connection.client.writeAndFlush(ByteBuffer(string: "ping\n")).get()
        let echoed = try await waitFor(connection.clientProbe.bytes(5), "echo")
        #expect(String(buffer: echoed) == "ping\n")
        #expect(connection.serverProbe.errors.isEmpty)
        #expect(connection.clientProbe.errors.isEmpty)
    }

    @Test("a server chain file holding the CA after the leaf works, and an IP address verifies against the SAN")
    func chainFileAndIPAddress() async throws {
        let fixture = try CertificateFixture(includeCAInChain: true)
        let connection = try await self.connect(
            server: fixture.serverConfiguration(),
            client: fixture.clientConfiguration(serverName: "127.0.0.1")
        )
        defer { connection.close() }
        let handshake = try await waitFor(connection.clientProbe.handshake.futureResult, "client handshake")
        #expect(handshake.protocolVersion == "TLSv1.3")
    }

    @Test("ALPN without a common protocol fails the handshake with no_application_protocol")
    func alpnMismatch() async throws {
        let fixture = try CertificateFixture()
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.applicationProtocols = ["other/9"]
        let connection = try await self.connect(server: fixture.serverConfiguration(), client: clientConfiguration)
        defer { connection.close() }
        let clientError = try await tlsError(of: connection.clientProbe, "client")
        #expect("\(clientError)".contains("no application protocol"), "\(clientError)")
    }

    @Test("a client that offers no ALPN goes on without it")
    func noALPN() async throws {
        let fixture = try CertificateFixture()
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.applicationProtocols = []
        let connection = try await self.connect(server: fixture.serverConfiguration(), client: clientConfiguration)
        defer { connection.close() }
        let handshake = try await waitFor(connection.clientProbe.handshake.futureResult, "client handshake")
        #expect(handshake.alpnProtocol == nil)
    }

    @Test("a server certificate from an untrusted CA is rejected")
    func wrongCA() async throws {
        let fixture = try CertificateFixture()
        let otherFixture = try CertificateFixture()
        let connection = try await self.connect(
            server: fixture.serverConfiguration(),
            client: otherFixture.clientConfiguration()
        )
        defer { connection.close() }

        let clientError = try await self.tlsError(of: connection.clientProbe, "client")
        #expect(clientError == .certificateVerificationFailed(reason: "unable to get local issuer certificate"))
        #expect(clientError.description.contains("unable to get local issuer certificate"))
        let serverError = try await self.tlsError(of: connection.serverProbe, "server")
        guard case .handshakeFailed(let reason) = serverError else {
            throw TestFailure(description: "server saw \(serverError)")
        }
        #expect(reason.contains("unknown ca"))
        try await waitFor(connection.clientProbe.inactive.futureResult, "client close")
    }

    @Test("a host name that the certificate does not name is rejected")
    func hostNameMismatch() async throws {
        let fixture = try CertificateFixture()
        let connection = try await self.connect(
            server: fixture.serverConfiguration(),
            client: fixture.clientConfiguration(),
            serverName: "tern.example.com"
        )
        defer { connection.close() }
        let error = try await self.tlsError(of: connection.clientProbe, "client")
        #expect(error == .certificateVerificationFailed(reason: "hostname mismatch"))
        #expect(error.description == "certificate verification failed: hostname mismatch")
    }

    @Test("an IP address that the certificate does not name is rejected")
    func ipAddressMismatch() async throws {
        let fixture = try CertificateFixture()
        let connection = try await self.connect(
            server: fixture.serverConfiguration(),
            client: fixture.clientConfiguration(serverName: "127.0.0.2")
        )
        defer { connection.close() }
        let error = try await self.tlsError(of: connection.clientProbe, "client")
        #expect(error == .certificateVerificationFailed(reason: "IP address mismatch"))
    }

    @Test("an expired server certificate is rejected")
    func expiredCertificate() async throws {
        let fixture = try CertificateFixture()
        let now = Int64(Date().timeIntervalSince1970)
        let expired = try fixture.authority.issueServerCertificate(
            validity: TLSCertificateValidity(notBefore: now - 10 * 86_400, notAfter: now - 86_400)
        )
        let files = try fixture.write(expired, as: "expired")
        let connection = try await self.connect(
            server: .server(certificateChainFile: files.certificate, privateKeyFile: files.key),
            client: fixture.clientConfiguration()
        )
        defer { connection.close() }
        let error = try await self.tlsError(of: connection.clientProbe, "client")
        #expect(error == .certificateVerificationFailed(reason: "certificate has expired"))
        #expect(error.description.contains("expired"))
    }

    @Test("a server that requires a client certificate rejects a client without one, on both sides")
    func missingRequiredClientCertificate() async throws {
        let fixture = try CertificateFixture()
        let connection = try await self.connect(
            server: fixture.serverConfiguration(clientAuthentication: .required),
            client: fixture.clientConfiguration()
        )
        defer { connection.close() }
        let serverError = try await self.tlsError(of: connection.serverProbe, "server")
        #expect(serverError == .certificateRequired)
        #expect(serverError.description.contains("certificate is required"))
        // In TLS 1.3 the client finishes first and learns of the refusal from the alert.
        let clientError = try await self.tlsError(of: connection.clientProbe, "client")
        #expect(clientError == .certificateRequired)
        try await waitFor(connection.clientProbe.inactive.futureResult, "client close")
    }

    @Test("a required client certificate is verified and its subject reported")
    func requiredClientCertificate() async throws {
        let fixture = try CertificateFixture()
        let alice = try fixture.write(fixture.authority.issueClientCertificate(commonName: "alice"), as: "alice")
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.certificateChainFile = alice.certificate
        clientConfiguration.privateKeyFile = alice.key
        let connection = try await self.connect(
            server: fixture.serverConfiguration(clientAuthentication: .required),
            client: clientConfiguration
        )
        defer { connection.close() }
        let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
        #expect(server.peerSubject == "CN=alice,O=Tern")
        try await connection.client.writeAndFlush(ByteBuffer(string: "hi")).get()
        let echoed = try await waitFor(connection.clientProbe.bytes(2), "echo")
        #expect(String(buffer: echoed) == "hi")
    }

    @Test("a client certificate from another CA is rejected by the server")
    func clientCertificateFromAnotherCA() async throws {
        let fixture = try CertificateFixture()
        let stranger = try CertificateFixture()
        let mallory = try fixture.write(stranger.authority.issueClientCertificate(commonName: "mallory"), as: "mallory")
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.certificateChainFile = mallory.certificate
        clientConfiguration.privateKeyFile = mallory.key
        let connection = try await self.connect(
            server: fixture.serverConfiguration(clientAuthentication: .required),
            client: clientConfiguration
        )
        defer { connection.close() }
        let serverError = try await self.tlsError(of: connection.serverProbe, "server")
        #expect(serverError == .certificateVerificationFailed(reason: "unable to get local issuer certificate"))
    }

    @Test("an optional client certificate: subject when presented, nil when not", arguments: [true, false])
    func optionalClientCertificate(presentCertificate: Bool) async throws {
        let fixture = try CertificateFixture()
        var clientConfiguration = fixture.clientConfiguration()
        if presentCertificate {
            let bob = try fixture.write(fixture.authority.issueClientCertificate(commonName: "bob"), as: "bob")
            clientConfiguration.certificateChainFile = bob.certificate
            clientConfiguration.privateKeyFile = bob.key
        }
        let connection = try await self.connect(
            server: fixture.serverConfiguration(clientAuthentication: .optional),
            client: clientConfiguration
        )
        defer { connection.close() }
        let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
        #expect(server.peerSubject == (presentCertificate ? "CN=bob,O=Tern" : nil))
    }

    @Test("both ends derive the same authentication binding, and another session derives another")
    func authenticationBinding() async throws {
        let fixture = try CertificateFixture()
        var bindings: [[UInt8]] = []
        for _ in 0..<2 {
            let connection = try await self.connect(server: fixture.serverConfiguration(), client: fixture.clientConfiguration())
            defer { connection.close() }
            let client = try await waitFor(connection.clientProbe.handshake.futureResult, "client handshake")
            let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
            let binding = try #require(client.authenticationBinding)
            #expect(binding.count == PublicKeyProof.bindingLength)
            #expect(server.authenticationBinding == binding)
            bindings.append(binding)
        }
        #expect(bindings[0] != bindings[1])
    }

    @Test("a client certificate's subject alternative names are reported with their types")
    func clientAlternativeNames() async throws {
        let fixture = try CertificateFixture()
        let ops = try fixture.write(
            fixture.authority.issueClientCertificate(commonName: "ops", alternativeNames: ["DNS:ops.example", "email:ops@example.com", "URI:spiffe://example/ops", "IP:10.0.0.7"]),
            as: "ops"
        )
        var clientConfiguration = fixture.clientConfiguration()
        clientConfiguration.certificateChainFile = ops.certificate
        clientConfiguration.privateKeyFile = ops.key
        let connection = try await self.connect(server: fixture.serverConfiguration(clientAuthentication: .required), client: clientConfiguration)
        defer { connection.close() }
        let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
        #expect(server.peerSubject == "CN=ops,O=Tern")
        #expect(server.peerAlternativeNames == ["DNS:ops.example", "email:ops@example.com", "URI:spiffe://example/ops", "IP:10.0.0.7"])
        #expect(server.peerCertificateProblem == nil)
    }

    @Test("a server that requests certificates completes the handshake with a bad one and says why it is bad", arguments: ["foreign", "expired", "none", "good"])
    func requestedClientCertificate(kind: String) async throws {
        let fixture = try CertificateFixture()
        let stranger = try CertificateFixture()
        let now = Int64(Date().timeIntervalSince1970)
        var clientConfiguration = fixture.clientConfiguration()
        let credential: TLSCredential? = switch kind {
        case "foreign": try stranger.authority.issueClientCertificate(commonName: "mallory")
        case "expired": try fixture.authority.issueClientCertificate(
            commonName: "old", validity: TLSCertificateValidity(notBefore: now - 10 * 86_400, notAfter: now - 86_400)
        )
        case "good": try fixture.authority.issueClientCertificate(commonName: "carol")
        default: nil
        }
        if let credential {
            let files = try fixture.write(credential, as: kind)
            clientConfiguration.certificateChainFile = files.certificate
            clientConfiguration.privateKeyFile = files.key
        }
        let connection = try await self.connect(server: fixture.serverConfiguration(clientAuthentication: .requested), client: clientConfiguration)
        defer { connection.close() }
        let server = try await waitFor(connection.serverProbe.handshake.futureResult, "server handshake")
        let expected: String? = switch kind {
        case "foreign": "unable to verify the first certificate"
        case "expired": "certificate has expired"
        default: nil
        }
        #expect(server.peerCertificateProblem == expected)
        #expect((server.peerSubject != nil) == (credential != nil))
    }
}
