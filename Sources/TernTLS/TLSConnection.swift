import COpenSSL
import NIOCore

/// One TLS session (`SSL`) over a ``ByteBufferBIO``, with no knowledge of channels.
///
/// Ciphertext from the network is queued in the BIO, where OpenSSL reads it; everything
/// OpenSSL sends (handshake messages, records, alerts) collects there until the owner takes
/// it, except that records of ``write(_:into:)`` go straight into the caller's buffer. Every `SSL_*` call is preceded by clearing the error queue,
/// so a failure is explained only by what that call queued.
final class TLSConnection: TLSRecordProtection {
    /// How a call that needs the peer stopped.
    enum Progress {
        /// The step is finished.
        case complete
        /// OpenSSL needs more ciphertext from the peer before it can go on.
        case needsInput
        /// The step failed; the connection is unusable.
        case failed(TLSError)
    }

    /// Why ``read(into:)`` returned.
    enum ReadStop {
        /// The buffer has no writable bytes left; more plaintext may be available.
        case bufferFull
        /// All the buffered ciphertext has been decrypted.
        case needsInput
        /// The peer sent close_notify: it will send no more data.
        case closeNotify
        /// Reading failed; the connection is unusable.
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    private let network: ByteBufferBIO
    private let role: TLSConfiguration.Role
    /// The traffic secrets for ``handOverRecords()``, when the configuration asks for it.
    private let trafficSecrets: TLS13TrafficSecrets?
    private var handshakeDone = false
    /// Set once no more ciphertext will arrive.
    private var inputEnded = false

    /// A connection for `context`'s role. A client verifies the server's certificate
    /// against `serverName` (host name or IP address) and sends a host name as SNI.
    init(context: TLSContext, serverName: String?) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.sslContext) else {
            throw TLSError.fromErrorQueue(fallback: "SSL_new failed")
        }
        let network: ByteBufferBIO
        do {
            network = try ByteBufferBIO()
        } catch {
            SSL_free(ssl)
            throw error
        }
        // The SSL now owns the BIO, for reading and writing; `SSL_free` frees it.
        SSL_set_bio(ssl, network.bio, network.bio)
        self.ssl = ssl
        self.network = network
        self.role = context.configuration.role
        if context.configuration.recordLayer == .tern {
            let secrets = TLS13TrafficSecrets()
            secrets.attach(to: ssl)
            self.trafficSecrets = secrets
        } else {
            self.trafficSecrets = nil
        }

        switch context.configuration.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverName {
                try self.expectServer(named: serverName)
            }
        }
    }

    deinit {
        SSL_free(self.ssl)
    }

    private func expectServer(named name: String) throws(TLSError) {
        let parameters = SSL_get0_param(self.ssl)
        let isIPAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        OpenSSLErrorQueue.clear()
        if isIPAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(parameters, name) == 1 else {
                throw .invalidConfiguration(reason: "invalid server IP address \"\(name)\"")
            }
        } else {
            X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard X509_VERIFY_PARAM_set1_host(parameters, name, 0) == 1,
                tern_SSL_set_tlsext_host_name(self.ssl, name) == 1
            else {
                OpenSSLErrorQueue.clear()
                throw .invalidConfiguration(reason: "invalid server name \"\(name)\"")
            }
        }
    }

    // MARK: Ciphertext in and out

    /// Queues ciphertext received from the network; it is read in place, not copied.
    func receive(_ ciphertext: ByteBuffer) {
        self.network.receive(ciphertext)
    }

    /// Tells OpenSSL that no more ciphertext will arrive: reads past the buffered input now
    /// report a close_notify if one was sent, else an unexpected end of file.
    func markEndOfInput() {
        self.inputEnded = true
        self.network.inputEnded = true
    }

    /// Whether ciphertext or decrypted plaintext is waiting to be read.
    var hasBufferedInput: Bool {
        self.network.hasInput || SSL_has_pending(self.ssl) == 1
    }

    /// How many plaintext bytes the buffered input may hold (an estimate for buffer sizes).
    var bufferedInputEstimate: Int {
        self.network.inputCount + Int(SSL_pending(self.ssl))
    }

    /// How many bytes are waiting to be sent to the peer.
    var pendingOutputCount: Int {
        self.network.output.readableBytes
    }

    /// Moves every byte waiting to be sent to the peer into `buffer`.
    func takeOutput(into buffer: inout ByteBuffer) {
        self.network.takeOutput(into: &buffer)
    }

    // MARK: TLS operations

    /// Runs the handshake as far as the buffered input allows.
    func handshake() -> Progress {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(self.ssl)
        if result == 1 {
            self.handshakeDone = true
            return .complete
        }
        switch self.stop(afterFailedCall: result) {
        case .needsInput:
            return .needsInput
        case .closeNotify:
            return .failed(.handshakeFailed(reason: "the peer closed the connection during the handshake"))
        case .failed(let error):
            return .failed(error)
        case .bufferFull:
            return .failed(.handshakeFailed(reason: "unexpected handshake state"))
        }
    }

    /// Decrypts buffered input into `buffer`'s writable bytes until it is full or no
    /// complete record is left.
    func read(into buffer: inout ByteBuffer) -> ReadStop {
        while buffer.writableBytes > 0 {
            var result: Int32 = 1
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { destination in
                var count = 0
                OpenSSLErrorQueue.clear()
                result = SSL_read_ex(self.ssl, destination.baseAddress, destination.count, &count)
                return result == 1 ? count : 0
            }
            if result != 1 {
                return self.stop(afterFailedCall: result)
            }
            // Nothing left to decrypt: skip the call that would only say so. At the end of the
            // input, that call tells a close_notify from an unclean end, so it is made.
            if !self.inputEnded && !self.hasBufferedInput {
                return .needsInput
            }
        }
        return .bufferFull
    }

    /// Encrypts all of `plaintext` into records appended to `output`, after anything else
    /// waiting to be sent.
    func write(_ plaintext: UnsafeRawBufferPointer, into output: inout ByteBuffer) -> TLSError? {
        self.takeOutput(into: &output)
        guard !plaintext.isEmpty else { return nil }
        // The BIO appends the records to `output` itself while OpenSSL writes them.
        swap(&self.network.output, &output)
        defer { swap(&self.network.output, &output) }
        var written = 0
        OpenSSLErrorQueue.clear()
        let result = SSL_write_ex(self.ssl, plaintext.baseAddress, plaintext.count, &written)
        if result == 1 { return nil }
        if case .failed(let error) = self.stop(afterFailedCall: result) {
            return error
        }
        return .openSSL(reasons: ["SSL_write did not complete"])
    }

    /// Queues a TLS 1.3 KeyUpdate, asking the peer to update its keys too if
    /// `requestingPeerUpdate`; it is sent with the next write. `false` if OpenSSL refused.
    func updateKeys(requestingPeerUpdate: Bool) -> Bool {
        OpenSSLErrorQueue.clear()
        let accepted = SSL_key_update(self.ssl, requestingPeerUpdate ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED) == 1
        OpenSSLErrorQueue.clear()
        return accepted
    }

    /// Queues a close_notify alert in the output. Returns `false` if none could be sent
    /// (for example before the handshake finished).
    func sendCloseNotify() -> Bool {
        OpenSSLErrorQueue.clear()
        let result = SSL_shutdown(self.ssl)
        OpenSSLErrorQueue.clear()
        return result >= 0
    }

    /// Interprets the result of a failed `SSL_*` call.
    private func stop(afterFailedCall result: Int32) -> ReadStop {
        switch SSL_get_error(self.ssl, result) {
        case SSL_ERROR_WANT_READ:
            return .needsInput
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        default:
            return .failed(self.classifyFailure())
        }
    }

    /// The ``TLSError`` that best explains the failure the error queue describes.
    private func classifyFailure() -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let verifyResult = SSL_get_verify_result(self.ssl)
        if verifyResult != X509_V_OK, let text = X509_verify_cert_error_string(verifyResult) {
            return .certificateVerificationFailed(reason: String(cString: text))
        }
        let sslReasons = Set(entries.filter { $0.library == ERR_LIB_SSL }.map(\.reasonCode))
        if !sslReasons.isDisjoint(with: [SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED]) {
            return .certificateRequired
        }
        let reasons = entries.isEmpty ? ["connection failed without an OpenSSL reason"] : entries.map(\.reason)
        guard self.handshakeDone else {
            return .handshakeFailed(reason: reasons.joined(separator: "; "))
        }
        if sslReasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return .uncleanShutdown
        }
        return .openSSL(reasons: reasons)
    }

    /// After a TLS 1.3 handshake, the record layer that takes over this connection's records
    /// from here on, with the ciphertext received and not read yet; then this session is no
    /// longer used and may be freed. `nil` when the session keeps them: TLS 1.2, a
    /// configuration that asks for OpenSSL's record layer, a cipher suite TernTLS does not
    /// implement, or (never seen) OpenSSL holding records or output of its own.
    func handOverRecords() -> TLS13RecordLayer? {
        guard self.handshakeDone, SSL_version(self.ssl) == TLS1_3_VERSION,
            let suite = TLS13CipherSuite(negotiatedBy: self.ssl),
            SSL_has_pending(self.ssl) == 0, self.network.output.readableBytes == 0,
            let secrets = self.trafficSecrets?.take()
        else { return nil }
        // Moved out of `trafficSecrets`: once this returns, the record ciphers hold the only
        // copies, which they wipe in place.
        let records: TLS13RecordLayer
        do {
            records = try TLS13RecordLayer(
                role: self.role, suite: suite,
                readSecret: self.role == .server ? secrets.client : secrets.server,
                writeSecret: self.role == .server ? secrets.server : secrets.client
            )
        } catch {
            return nil
        }
        for ciphertext in self.network.takeInput() {
            records.receive(ciphertext)
        }
        return records
    }

    // MARK: Negotiated parameters

    /// The negotiated protocol version, e.g. "TLSv1.3".
    var protocolVersion: String {
        String(cString: SSL_get_version(self.ssl))
    }

    /// The negotiated cipher suite, e.g. "TLS_AES_256_GCM_SHA384".
    var cipher: String? {
        guard let cipher = SSL_get_current_cipher(self.ssl), let name = SSL_CIPHER_get_name(cipher) else { return nil }
        return String(cString: name)
    }

    /// The protocol selected by ALPN, if any.
    var alpnProtocol: String? {
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(self.ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The subject of the peer's certificate (RFC 2253), or `nil` if it presented none.
    var peerSubject: String? {
        guard let certificate = SSL_get1_peer_certificate(self.ssl) else { return nil }
        return OwnedCertificate(taking: certificate).subject
    }

    /// The subject alternative names of the peer's certificate, each with its type
    /// (`DNS:`, `email:`, `URI:`, `IP:`); empty when it presented none.
    var peerAlternativeNames: [String] {
        guard let certificate = SSL_get1_peer_certificate(self.ssl) else { return [] }
        return OwnedCertificate(taking: certificate).alternativeNames
    }

    /// Why the peer's certificate did not verify, when it presented one that did not; a server
    /// that lets such handshakes complete (``TLSConfiguration/ClientAuthentication/requested``)
    /// learns it here.
    var peerCertificateProblem: String? {
        guard let certificate = SSL_get1_peer_certificate(self.ssl) else { return nil }
        X509_free(certificate)
        let result = SSL_get_verify_result(self.ssl)
        guard result != X509_V_OK else { return nil }
        return String(cString: X509_verify_cert_error_string(result))
    }

    /// The session's binding for ``PublicKeyProof``: its exporter value with
    /// ``PublicKeyProof/exporterLabel`` and no context. `nil` for a TLS 1.2 session without the
    /// extended master secret (RFC 7627), whose exporter another session could share.
    var authenticationBinding: [UInt8]? {
        guard SSL_version(self.ssl) >= TLS1_3_VERSION || tern_SSL_get_extms_support(self.ssl) == 1 else { return nil }
        var binding = [UInt8](repeating: 0, count: PublicKeyProof.bindingLength)
        let label = PublicKeyProof.exporterLabel
        OpenSSLErrorQueue.clear()
        let status = SSL_export_keying_material(self.ssl, &binding, binding.count, label, label.utf8.count, nil, 0, 0)
        OpenSSLErrorQueue.clear()
        return status == 1 ? binding : nil
    }
}
