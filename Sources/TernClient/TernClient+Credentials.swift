import TernProtocol
import TernTLS

extension TernClient.Configuration {
    /// How a client proves who it is to a broker that has users (PROTOCOL.md section 6.4). A
    /// client certificate is the third way: give it in ``Security/tls(caFile:certificateFile:keyFile:serverName:)``
    /// and no credentials here.
    ///
    /// Its description leaves the token out.
    public enum Credentials: Sendable, Hashable, CustomStringConvertible {
        /// A token, as `tern auth hash` hashed it for the broker; `user` names its user, so that
        /// the broker checks it against that user's hash alone (faster with many users).
        case token(String, user: String? = nil)
        /// The PEM file of an Ed25519 private key (`tern auth keygen`), which signs the TLS
        /// session's binding; TLS only.
        case keyFile(String)

        public var description: String {
            switch self {
            case .token(let token, let user): "token(<\(token.utf8.count) bytes>\(user.map { ", user: \($0)" } ?? ""))"
            case .keyFile(let path): "keyFile(\(path))"
            }
        }
    }
}

/// What a client's HELLO carries, ready before the connection opens.
enum HelloCredentials: Sendable {
    case none
    /// User and secret as they are: a token.
    case given(Frame.Hello.Credentials)
    /// A proof signed with this key once the TLS session's binding is known.
    case proof(Ed25519PrivateKey)

    /// The credentials of `configuration`, its key read.
    ///
    /// - Throws: ``TernClientError/tls(_:)`` for a key file that cannot be read, and
    ///   ``TernClientError/authenticationFailed(reason:)`` for a key without TLS.
    init(_ configuration: TernClient.Configuration) throws(TernClientError) {
        switch configuration.credentials {
        case nil:
            self = .none
        case .token(let token, let user)?:
            self = .given(Frame.Hello.Credentials(user: user ?? "", secret: token))
        case .keyFile(let path)?:
            guard case .tls = configuration.security else {
                throw .authenticationFailed(reason: "public-key authentication needs TLS to bind its signature to")
            }
            do {
                self = .proof(try Ed25519PrivateKey(file: path))
            } catch {
                throw .tls(error)
            }
        }
    }

    /// Whether HELLO waits for the TLS handshake, whose binding the proof signs.
    var needsTLSSession: Bool {
        if case .proof = self { true } else { false }
    }

    /// The credentials of HELLO on a session with `binding`; `nil` without credentials.
    ///
    /// - Throws: ``TernClientError/authenticationFailed(reason:)`` when a proof has no binding
    ///   to sign (TLS 1.2 without the extended master secret).
    func credentials(binding: [UInt8]?) throws(TernClientError) -> Frame.Hello.Credentials? {
        switch self {
        case .none:
            return nil
        case .given(let credentials):
            return credentials
        case .proof(let key):
            guard let binding else {
                throw .authenticationFailed(reason: "the TLS session has no binding to sign (TLS 1.2 without the extended master secret)")
            }
            do {
                let proof = try PublicKeyProof(signing: binding, with: key)
                return Frame.Hello.Credentials(user: proof.user, secret: proof.secret)
            } catch {
                throw .tls(error)
            }
        }
    }
}
