import Foundation
import TernTLS
import Testing

@Suite("Building a TLSContext from files")
struct TLSContextTests {
    @Test("a missing certificate file is reported with its path and the system's reason")
    func missingFile() throws {
        let fixture = try CertificateFixture()
        let missing = fixture.directory.appendingPathComponent("nope.pem").path
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .server(certificateChainFile: missing, privateKeyFile: fixture.files.privateKeyFile))
        }
        #expect(error == .fileUnreadable(path: missing, reason: "no such file or directory"))
        #expect(error?.description == "cannot read \(missing): no such file or directory")
    }

    @Test("a file that is not PEM is reported as invalid PEM, naming the file")
    func invalidPEM() throws {
        let fixture = try CertificateFixture()
        let garbage = try fixture.writeText("this is not a certificate\n", as: "garbage.pem")
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .server(certificateChainFile: garbage, privateKeyFile: fixture.files.privateKeyFile))
        }
        guard case .invalidPEM(let path, _) = error else {
            throw TestFailure(description: "expected invalidPEM, got \(String(describing: error))")
        }
        #expect(path == garbage)
        #expect(error?.description.contains(garbage) == true)
    }

    @Test("a damaged key file is reported as invalid PEM, naming the file")
    func invalidKey() throws {
        let fixture = try CertificateFixture()
        let damaged = try fixture.writeText(
            "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n",
            as: "damaged.key"
        )
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .server(certificateChainFile: fixture.files.certificateChainFile, privateKeyFile: damaged))
        }
        guard case .invalidPEM(let path, _) = error else {
            throw TestFailure(description: "expected invalidPEM, got \(String(describing: error))")
        }
        #expect(path == damaged)
    }

    @Test("a key that does not match the certificate is reported naming both files")
    func keyMismatch() throws {
        let fixture = try CertificateFixture()
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .server(
                certificateChainFile: fixture.files.certificateChainFile,
                privateKeyFile: fixture.files.caPrivateKeyFile
            ))
        }
        #expect(error == .keyMismatch(certificatePath: fixture.files.certificateChainFile, keyPath: fixture.files.caPrivateKeyFile))
        #expect(error?.description.contains(fixture.files.caPrivateKeyFile) == true)
        #expect(error?.description.contains(fixture.files.certificateChainFile) == true)
    }

    @Test("an unreadable client CA file is reported with its path")
    func missingClientCA() throws {
        let fixture = try CertificateFixture()
        let missing = fixture.directory.appendingPathComponent("clients-ca.pem").path
        let error = #expect(throws: TLSError.self) {
            try TLSContext(configuration: .server(
                certificateChainFile: fixture.files.certificateChainFile,
                privateKeyFile: fixture.files.privateKeyFile,
                clientAuthentication: .required,
                clientCAFile: missing
            ))
        }
        #expect(error == .fileUnreadable(path: missing, reason: "no such file or directory"))
    }

    @Test("contradictory configurations are refused")
    func invalidConfigurations() throws {
        let fixture = try CertificateFixture()
        #expect(throws: TLSError.invalidConfiguration(reason: "client authentication needs a client CA file")) {
            try TLSContext(configuration: .server(
                certificateChainFile: fixture.files.certificateChainFile,
                privateKeyFile: fixture.files.privateKeyFile,
                clientAuthentication: .optional
            ))
        }
        var noIdentity = fixture.serverConfiguration()
        noIdentity.certificateChainFile = nil
        noIdentity.privateKeyFile = nil
        #expect(throws: TLSError.self) { try TLSContext(configuration: noIdentity) }

        var longALPN = fixture.clientConfiguration()
        longALPN.applicationProtocols = [String(repeating: "x", count: 256)]
        #expect(throws: TLSError.self) { try TLSContext(configuration: longALPN) }
    }

    @Test("a client without a CA file uses the system's trust store")
    func systemTrust() throws {
        let context = try TLSContext(configuration: .client(serverName: "example.com"))
        #expect(context.configuration.role == .client)
        #expect(context.configuration.applicationProtocols == ["tern/1"])
    }
}
