import Foundation
import TernTLS
import Testing

@Suite("Ed25519 keys, proofs of possession and token hashes through OpenSSL")
struct AuthenticationCryptoTests {
    private static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test("RFC 8032 test 1: the public key and the signature of the empty message")
    func rfc8032Vector() throws {
        let key = try Ed25519PrivateKey(seed: Self.bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKey.rawBytes == Self.bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        let signature = try key.signature(of: [])
        #expect(signature == Self.bytes(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ))
        #expect(key.publicKey.isValidSignature(signature, of: []))
        #expect(!key.publicKey.isValidSignature(signature, of: [0]))
        #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), of: []))
        #expect(!"\(key)".contains("9d61"))
    }

    @Test("the proof of Protocol/vectors/hello-with-public-key-proof.txt: RFC 8032's key 1 signing the binding 00 01 … 1f")
    func proofVector() throws {
        let key = try Ed25519PrivateKey(seed: Self.bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let binding = (0..<32).map { UInt8($0) }
        #expect(PublicKeyProof.message(binding: binding) == Array("tern/1 authentication".utf8) + [0] + binding)
        let proof = try PublicKeyProof(signing: binding, with: key)
        #expect(proof.user == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        #expect(proof.secret == "eiRl3RQMDORrBw6ZXU4u25K+8l+lWzmDYdmGhgy51xBxuQ1nplGnEHgOB6ZVD3ELNOYoqUCGSAz9YBqZvgcOBQ==")
        let received = try #require(PublicKeyProof(user: proof.user, secret: proof.secret))
        #expect(received.isValid(binding: binding))
        #expect(!received.isValid(binding: Array(binding.reversed())))
    }

    @Test("a public key's text form: ed25519: and base64, nothing else")
    func publicKeyText() throws {
        let key = try #require(Ed25519PublicKey(rawBytes: Self.bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")))
        let text = "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        #expect(key.description == text)
        #expect(Ed25519PublicKey(text: text) == key)
        let refused = [
            "", "ed25519:", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "ed448:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=",
            text + " ", "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH",
        ]
        for bad in refused {
            #expect(Ed25519PublicKey(text: bad) == nil, "\(bad)")
        }
    }

    @Test("a key written to a file reads back the same, mode 0600; a file with another kind of key is refused")
    func keyFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try Ed25519PrivateKey.generate()
        let path = directory.appendingPathComponent("id").path
        try key.write(to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let read = try Ed25519PrivateKey(file: path)
        #expect(read.publicKey == key.publicKey)
        #expect(try read.signature(of: [1, 2, 3]) == key.signature(of: [1, 2, 3]))

        let files = try TLSCertificateAuthority.generateServerFiles(in: directory.appendingPathComponent("tls").path)
        #expect(throws: TLSError.invalidPEM(path: files.privateKeyFile, reason: "the private key is not an Ed25519 key")) {
            try Ed25519PrivateKey(file: files.privateKeyFile)
        }
        #expect(throws: TLSError.self) { try Ed25519PrivateKey(file: directory.appendingPathComponent("missing").path) }
    }

    @Test("a proof signs one session's binding: it is valid for that binding only, and travels as HELLO's text fields")
    func proofs() throws {
        let key = try Ed25519PrivateKey.generate()
        let binding = [UInt8](repeating: 7, count: PublicKeyProof.bindingLength)
        let proof = try PublicKeyProof(signing: binding, with: key)
        #expect(proof.isValid(binding: binding))
        #expect(!proof.isValid(binding: [UInt8](repeating: 8, count: PublicKeyProof.bindingLength)))
        #expect(PublicKeyProof.message(binding: binding) == Array("tern/1 authentication".utf8) + [0] + binding)

        let received = try #require(PublicKeyProof(user: proof.user, secret: proof.secret))
        #expect(received == proof && received.isValid(binding: binding))
        let other = try PublicKeyProof(signing: binding, with: Ed25519PrivateKey.generate())
        #expect(PublicKeyProof(user: proof.user, secret: other.secret)?.isValid(binding: binding) == false)
        #expect(PublicKeyProof(user: "alice", secret: proof.secret) == nil)
        #expect(PublicKeyProof(user: proof.user, secret: "not base64!") == nil)
        #expect(PublicKeyProof(user: proof.user, secret: String(proof.secret.dropLast(4))) == nil)
    }

    @Test("a token hash matches its token only; its text form round-trips and holds no token")
    func tokenHashes() throws {
        let hash = try TokenHash(hashing: "orders-token-1", costLog2: 10)
        #expect(hash.matches("orders-token-1"))
        #expect(!hash.matches("orders-token-2"))
        #expect(!hash.matches(""))
        let text = hash.description
        #expect(text.hasPrefix("$scrypt$ln=10,r=8,p=1$") && !text.contains("orders"))
        #expect(try TokenHash(text: text) == hash)
        #expect(try TokenHash(hashing: "orders-token-1", costLog2: 10) != hash, "a new salt each time")
    }

    @Test("a hash made elsewhere (Python's hashlib.scrypt) is checked the same way")
    func foreignTokenHash() throws {
        let hash = try TokenHash(text: "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo")
        #expect(hash.matches("orders-token-1"))
        #expect(!hash.matches("orders-token-2"))
    }

    @Test("a text that is not a token hash is refused with the reason", arguments: [
        ("scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "expected $scrypt$ln=N,r=N,p=N$SALT$HASH"),
        ("$bcrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "expected $scrypt$ln=N,r=N,p=N$SALT$HASH"),
        ("$scrypt$ln=10,r=8$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "parameters must be ln=N,r=N,p=N, each a positive whole number"),
        ("$scrypt$ln=10,r=8,p=0$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "parameters must be ln=N,r=N,p=N, each a positive whole number"),
        ("$scrypt$ln=30,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "scrypt parameters ln=30,r=8,p=1 need more than 256 MiB"),
        ("$scrypt$ln=10,r=8,p=1$AAECAw==$3iWqM+boYxfD66QWPsydzunpjI+isI8YwhGOYGiepHo", "the salt must be at least 8 bytes in base64 without padding"),
        ("$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$3iWq", "the hash must be 16 to 64 bytes in base64 without padding"),
    ])
    func invalidTokenHashes(text: String, reason: String) {
        #expect(throws: TokenHash.FormatError(description: reason)) { try TokenHash(text: text) }
    }
}
