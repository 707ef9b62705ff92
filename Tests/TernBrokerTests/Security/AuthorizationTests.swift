import Testing
import TernTLS

@testable import TernBroker

/// Looking users up by their credentials, and the users that cannot be together.
@Suite struct AuthorizationTests {
    private func user(_ name: String, _ credential: User.Credential) -> User {
        User(name: name, credential: credential, permissions: Permissions())
    }

    @Test func aCertificateNamesItsUserBySubjectThenCommonNameThenAlternativeName() throws {
        let users = try Authorization(users: [
            user("whole", .certificate("CN=ops,O=Tern")), user("short", .certificate("CN=edge")), user("dns", .certificate("DNS:svc.example")),
        ])
        #expect(users.user(withCertificateSubject: "CN=ops,O=Tern", alternativeNames: [])?.name == "whole")
        #expect(users.user(withCertificateSubject: "CN=edge,O=Tern", alternativeNames: ["DNS:svc.example"])?.name == "short")
        #expect(users.user(withCertificateSubject: "CN=other,O=Tern", alternativeNames: ["DNS:x", "DNS:svc.example"])?.name == "dns")
        #expect(users.user(withCertificateSubject: "CN=ops,O=Elsewhere", alternativeNames: []) == nil)
        #expect(Authorization.commonName(of: "O=A\\,B,CN=x\\,y") == "CN=x\\,y")
        #expect(Authorization.commonName(of: "O=Tern") == nil)
    }

    @Test func twoUsersWithOneNameOrOneKeyConflict() throws {
        let key = try Ed25519PrivateKey.generate().publicKey
        #expect(throws: Authorization.Conflict.self) { try Authorization(users: [user("a", .certificate("CN=a")), user("a", .certificate("CN=b"))]) }
        #expect(throws: Authorization.Conflict.self) { try Authorization(users: [user("a", .publicKey(key)), user("b", .publicKey(key))]) }
        #expect(!Authorization.open.requiresAuthentication)
    }
}
