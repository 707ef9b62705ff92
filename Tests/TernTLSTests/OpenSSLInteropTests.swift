import Foundation
import NIOCore
import TernChildProcesses
import TernTLS
import Testing

@Suite("Interoperability with the openssl command line")
struct OpenSSLInteropTests {
    /// Starts an echoing server, runs `openssl s_client` against it with the common arguments
    /// and `arguments`, sends `line`, and checks that s_client exits 0 with the line echoed.
    /// Returns the server's handshake, its probe and s_client's standard error.
    private func exchange(
        _ line: String, fixture: CertificateFixture, clientAuthentication: TLSConfiguration.ClientAuthentication = .none,
        arguments: [String]
    ) async throws -> (handshake: TLSHandshakeCompleted, probe: Probe, errors: String) {
        let probe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration(clientAuthentication: clientAuthentication)),
            probe: probe,
            behaviour: .echoLineThenClose
        )
        defer { server.close(promise: nil) }
        // Its input stays open: at the end of its input, s_client would close before the echo.
        let client = try await ChildProcess(
            program: "openssl",
            ["s_client", "-connect", "127.0.0.1:\(try server.port)", "-CAfile", fixture.files.caCertificateFile, "-verify_return_error", "-brief"]
                + arguments,
            in: fixture.directory.path, input: line + "\n", keepingInputOpen: true
        )
        let status = try await client.wait(seconds: 20)
        #expect(status == 0, "\(client.standardError)")
        #expect(client.standardOutput.contains(line))
        let handshake = try await waitFor(probe.handshake.futureResult, "server handshake")
        return (handshake, probe, client.standardError)
    }

    @Test("openssl s_client verifies the server, negotiates TLS 1.3 and tern/1, and gets its line echoed")
    func serverWithSClient() async throws {
        let fixture = try CertificateFixture()
        let (handshake, probe, errors) = try await exchange(
            "hello tern", fixture: fixture,
            arguments: ["-servername", "localhost", "-verify_hostname", "localhost", "-tls1_3", "-alpn", "tern/1"]
        )
        #expect(errors.contains("Verification: OK"))
        #expect(handshake.protocolVersion == "TLSv1.3")
        #expect(handshake.alpnProtocol == "tern/1")
        try await waitFor(probe.inactive.futureResult, "server close")
        #expect(probe.errors.isEmpty)
    }

    @Test("each TLS 1.3 cipher suite's records, sealed and opened by Tern's record layer, carry a line both ways", arguments: [
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    ])
    func everyCipherSuite(suite: String) async throws {
        let fixture = try CertificateFixture()
        let (handshake, _, _) = try await exchange(
            "suite \(suite)", fixture: fixture, arguments: ["-verify_ip", "127.0.0.1", "-tls1_3", "-ciphersuites", suite]
        )
        #expect(handshake.cipher == suite)
    }

    @Test("TLS 1.2 is still accepted from openssl s_client")
    func serverWithTLS12Client() async throws {
        let fixture = try CertificateFixture()
        let (handshake, _, _) = try await exchange(
            "twelve", fixture: fixture, arguments: ["-verify_ip", "127.0.0.1", "-tls1_2", "-alpn", "tern/1"]
        )
        #expect(handshake.protocolVersion == "TLSv1.2")
        #expect(handshake.alpnProtocol == "tern/1")
    }

    @Test("openssl s_client's KeyUpdate asking for one back is answered by Tern's record layer, and data flows on under the new keys")
    func keyUpdateFromSClient() async throws {
        let fixture = try CertificateFixture()
        let probe = Loopback.probe()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration()), probe: probe, behaviour: .echo
        )
        defer { server.close(promise: nil) }
        // An input that starts with "K" makes s_client send a KeyUpdate that requests one back
        // (the rest of that input is not sent).
        let client = try await ChildProcess(
            program: "openssl",
            ["s_client", "-connect", "127.0.0.1:\(try server.port)", "-CAfile", fixture.files.caCertificateFile, "-verify_return_error", "-brief", "-tls1_3"],
            in: fixture.directory.path, input: "K\n", keepingInputOpen: true
        )
        defer { client.signal(SIGKILL) }
        let channel = try await waitFor(probe.channel.futureResult, "server channel")
        let deadline = ContinuousClock.now + .seconds(20)
        while !client.standardError.contains("KEYUPDATE") && client.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(client.standardError.contains("KEYUPDATE"), "\(client.standardError)")
        // Time for the KeyUpdate to reach the server, which answers with its own before this line.
        try await Task.sleep(for: .milliseconds(300))
        try await channel.writeAndFlush(ByteBuffer(string: "after the key update\n")).get()
        _ = try await client.standardOutput(containing: "after the key update")
        #expect(client.isRunning, "\(client.standardError)")
        #expect(probe.errors.isEmpty)
    }

    @Test("a client that offers ALPN without tern/1 fails the handshake with no_application_protocol")
    func alpnWithoutTern() async throws {
        let fixture = try CertificateFixture()
        let server = try await Loopback.startServer(
            context: TLSContext(configuration: fixture.serverConfiguration()), probe: Loopback.probe(), behaviour: .echoLineThenClose
        )
        defer { server.close(promise: nil) }
        let client = try await ChildProcess(
            program: "openssl",
            ["s_client", "-connect", "127.0.0.1:\(try server.port)", "-CAfile", fixture.files.caCertificateFile, "-brief", "-alpn", "h2,http/1.1"],
            in: fixture.directory.path, input: "refused\n", keepingInputOpen: true
        )
        let status = try await client.wait(seconds: 20)
        #expect(status != 0)
        #expect(client.standardError.contains("no application protocol"), "\(client.standardError)")
        #expect(!client.standardOutput.contains("refused"))
    }

    @Test("openssl s_client presenting a client certificate passes a server that requires one")
    func mutualTLSWithSClient() async throws {
        let fixture = try CertificateFixture()
        let identity = try fixture.write(fixture.authority.issueClientCertificate(commonName: "openssl-client"), as: "client")
        let (handshake, _, _) = try await exchange(
            "mutual", fixture: fixture, clientAuthentication: .required,
            arguments: ["-cert", identity.certificate, "-key", identity.key, "-tls1_3"]
        )
        #expect(handshake.peerSubject == "CN=openssl-client,O=Tern")
    }

    @Test("the client handler verifies openssl s_server and exchanges data over TLS 1.3 with tern/1")
    func clientWithSServer() async throws {
        let fixture = try CertificateFixture()
        let server = try await ChildProcess(
            program: "openssl",
            [
                "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
                "-cert", fixture.files.certificateChainFile, "-key", fixture.files.privateKeyFile,
                "-tls1_3", "-alpn", "tern/1", "-rev",
            ],
            in: fixture.directory.path, keepingInputOpen: true
        )
        let banner = try await server.standardOutput(containing: "ACCEPT 127.0.0.1:")
        guard let portText = banner.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT") })?.split(separator: ":").last,
            let port = Int(portText)
        else {
            throw TestFailure(description: "no port in \(banner)")
        }

        let probe = Loopback.probe()
        let client = try await Loopback.connect(
            to: port,
            context: TLSContext(configuration: fixture.clientConfiguration()),
            probe: probe
        )
        let handshake = try await waitFor(probe.handshake.futureResult, "client handshake")
        #expect(handshake.protocolVersion == "TLSv1.3")
        #expect(handshake.alpnProtocol == "tern/1")
        #expect(handshake.peerSubject == "CN=localhost,O=Tern")

        try await client.writeAndFlush(ByteBuffer(string: "hello tern\n")).get()
        // `-rev` answers each line reversed.
        let answer = try await waitFor(probe.bytes(10), "reversed line")
        #expect(String(buffer: answer).hasPrefix("nret olleh"))
        try await waitFor(client.closeNow(), "client close")
        #expect(probe.errors.isEmpty)
        server.signal(SIGKILL)
    }
}
