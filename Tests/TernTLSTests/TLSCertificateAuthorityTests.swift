import Foundation
import TernTLS
import Testing

@Suite("Generating a private CA and certificates")
struct TLSCertificateAuthorityTests {
    @Test("server files are written with private keys readable by the owner only")
    func serverFiles() throws {
        let fixture = try CertificateFixture()
        let files = fixture.files
        for (path, mode) in [
            (files.caCertificateFile, 0o644), (files.caPrivateKeyFile, 0o600),
            (files.certificateChainFile, 0o644), (files.privateKeyFile, 0o600),
        ] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == mode, "\(path)")
        }
        let chain = try String(contentsOfFile: files.certificateChainFile, encoding: .utf8)
        #expect(chain.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 1)
        let key = try String(contentsOfFile: files.privateKeyFile, encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("the chain file can hold the CA after the server certificate")
    func chainWithCA() throws {
        let fixture = try CertificateFixture(includeCAInChain: true)
        let chain = try String(contentsOfFile: fixture.files.certificateChainFile, encoding: .utf8)
        #expect(chain.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2)
        #expect(chain.hasSuffix(fixture.authority.credential.certificatePEM))
    }

    @Test("openssl verifies the server certificate against the CA and sees the expected extensions")
    func extensionsSeenByOpenSSL() async throws {
        let fixture = try CertificateFixture()
        let files = fixture.files
        let verify = try await runOpenSSL(
            ["verify", "-CAfile", files.caCertificateFile, "-purpose", "sslserver", files.certificateChainFile],
            in: fixture.directory
        )
        #expect(verify.status == 0, "\(verify.output)\(verify.errors)")
        #expect(verify.output.contains(": OK"))

        let server = try await runOpenSSL(
            ["x509", "-noout", "-text", "-in", files.certificateChainFile],
            in: fixture.directory
        )
        #expect(server.output.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(server.output.contains("TLS Web Server Authentication"))
        #expect(server.output.contains("CA:FALSE"))
        #expect(server.output.contains("ecdsa-with-SHA256"))
        #expect(server.output.contains("prime256v1"))

        let ca = try await runOpenSSL(["x509", "-noout", "-text", "-in", files.caCertificateFile], in: fixture.directory)
        #expect(ca.output.contains("CA:TRUE"))
        #expect(ca.output.contains("Certificate Sign, CRL Sign"))
    }

    @Test("a client certificate carries its common name and clientAuth usage")
    func clientCertificate() async throws {
        let fixture = try CertificateFixture()
        let carol = try fixture.write(fixture.authority.issueClientCertificate(commonName: "carol"), as: "carol")
        let verify = try await runOpenSSL(
            ["verify", "-CAfile", fixture.files.caCertificateFile, "-purpose", "sslclient", carol.certificate],
            in: fixture.directory
        )
        #expect(verify.status == 0, "\(verify.output)\(verify.errors)")
        let text = try await runOpenSSL(["x509", "-noout", "-subject", "-in", carol.certificate], in: fixture.directory)
        #expect(text.output.contains("CN = carol"))
    }

    @Test("a peer certificate serves as a server's and as a client's")
    func peerCertificate() async throws {
        let fixture = try CertificateFixture()
        let node = try fixture.write(fixture.authority.issuePeerCertificate(commonName: "node-1"), as: "node")
        for purpose in ["sslserver", "sslclient"] {
            let verify = try await runOpenSSL(
                ["verify", "-CAfile", fixture.files.caCertificateFile, "-purpose", purpose, node.certificate], in: fixture.directory
            )
            #expect(verify.status == 0, "\(purpose): \(verify.output)\(verify.errors)")
        }
        let text = try await runOpenSSL(["x509", "-noout", "-subject", "-in", node.certificate], in: fixture.directory)
        #expect(text.output.contains("CN = node-1"))
    }

    @Test("a CA loaded with a key that is not its own is refused")
    func loadMismatchedCA() throws {
        let fixture = try CertificateFixture()
        #expect(throws: TLSError.keyMismatch(certificatePath: fixture.files.caCertificateFile, keyPath: fixture.files.privateKeyFile)) {
            try TLSCertificateAuthority(certificateFile: fixture.files.caCertificateFile, privateKeyFile: fixture.files.privateKeyFile)
        }
    }

    @Test("names that cannot go into a certificate are refused")
    func invalidNames() throws {
        let authority = try TLSCertificateAuthority.generate()
        #expect(throws: TLSError.self) { try authority.issueServerCertificate(dnsNames: ["bad,name"]) }
        #expect(throws: TLSError.self) { try authority.issueServerCertificate(ipAddresses: ["not-an-ip"]) }
    }
}
