import TernProtocol
import TernTLS

/// Who a client is, from its HELLO's credentials and its TLS session (PROTOCOL.md section
/// 6.4). Everything is decided here at once except a token, whose slow hash is checked off the
/// event loop (``TokenChecks``).
enum Authenticator {
    /// The longest token the broker hashes.
    static let maxTokenLength = 4096

    enum Outcome: Equatable, Sendable {
        case authenticated(User)
        /// The client is refused: `reason` is for the client, `detail` for the broker's log.
        case refused(reason: String, detail: String)
        /// The token must be checked against these users' hashes, in order.
        case checkToken(String, candidates: [User])
    }

    /// What the credentials of a HELLO (or their absence, with a client certificate) prove.
    static func authenticate(_ credentials: Frame.Hello.Credentials?, tls: TLSHandshakeCompleted?, users: Authorization) -> Outcome {
        guard let credentials else { return authenticate(certificateOf: tls, users: users) }
        if credentials.user.hasPrefix(Ed25519PublicKey.textPrefix) {
            return authenticate(proof: credentials, binding: tls?.authenticationBinding, users: users)
        }
        let token = credentials.secret
        guard !token.isEmpty, token.utf8.count <= maxTokenLength else {
            return .refused(reason: "the token is not valid", detail: "a token of \(token.utf8.count) bytes")
        }
        let candidates = users.tokenUsers(named: credentials.user.isEmpty ? nil : credentials.user)
        guard !candidates.isEmpty else {
            return .refused(reason: "the token is not valid", detail: "no user '\(credentials.user)' with a token")
        }
        return .checkToken(token, candidates: candidates)
    }

    /// The first of `candidates` whose hash `token` matches: slow, one scrypt per candidate.
    static func check(token: String, candidates: [User]) -> Outcome {
        for user in candidates {
            if case .token(let hash) = user.credential, hash.matches(token) { return .authenticated(user) }
        }
        return .refused(reason: "the token is not valid", detail: "the token matches no user's")
    }

    private static func authenticate(proof credentials: Frame.Hello.Credentials, binding: [UInt8]?, users: Authorization) -> Outcome {
        guard let binding else {
            return .refused(
                reason: "public-key authentication needs TLS (1.3, or 1.2 with the extended master secret) to bind the signature to",
                detail: "a public key without a TLS binding"
            )
        }
        guard let proof = PublicKeyProof(user: credentials.user, secret: credentials.secret) else {
            return .refused(reason: "the public-key proof is malformed", detail: "a malformed public-key proof")
        }
        guard let user = users.user(withPublicKey: proof.publicKey) else {
            return .refused(reason: "the key is not known or its signature is not valid", detail: "unknown public key \(proof.publicKey)")
        }
        guard proof.isValid(binding: binding) else {
            return .refused(
                reason: "the key is not known or its signature is not valid",
                detail: "the signature of user '\(user.name)' does not sign this session"
            )
        }
        return .authenticated(user)
    }

    private static func authenticate(certificateOf tls: TLSHandshakeCompleted?, users: Authorization) -> Outcome {
        guard let tls, let subject = tls.peerSubject else {
            return .refused(
                reason: "this broker requires authentication: present a token, a key or a client certificate",
                detail: "no credentials"
            )
        }
        if let problem = tls.peerCertificateProblem {
            return .refused(reason: "the client certificate is not valid: \(problem)", detail: "client certificate '\(subject)': \(problem)")
        }
        guard let user = users.user(withCertificateSubject: subject, alternativeNames: tls.peerAlternativeNames) else {
            return .refused(reason: "the client certificate names no user", detail: "client certificate '\(subject)' names no user")
        }
        return .authenticated(user)
    }
}
