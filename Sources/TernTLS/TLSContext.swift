import COpenSSL

/// An OpenSSL `SSL_CTX` built once from a ``TLSConfiguration`` and shared by every
/// connection that uses it.
///
/// Build one per configuration at start-up (it reads and checks the PEM files) and pass it
/// to each ``TLSHandler``.
///
/// `@unchecked Sendable` is sound because: the `SSL_CTX` is fully configured inside `init`
/// and never modified afterwards (no API here mutates it); OpenSSL documents an `SSL_CTX`
/// as safe to share between threads for `SSL_new`, which only reads it and takes a
/// reference with an atomic counter; the session cache, the one part `SSL_new`/handshakes
/// would write, is turned off; and `alpnWireFormat` is written once in `init` and only read
/// (by the ALPN callback) afterwards, and freed in `deinit`, when no connection can use it
/// because each ``TLSHandler`` keeps its context alive.
public final class TLSContext: @unchecked Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration

    let sslContext: OpaquePointer
    /// The ALPN list in wire format (length-prefixed names) followed by one zero byte that
    /// marks its end for the server's callback; owned by this context.
    private let alpnWireFormat: UnsafeMutableBufferPointer<UInt8>

    /// Builds the context: loads the certificate chain, key and CA files the configuration
    /// names, and checks that the key matches the certificate.
    ///
    /// - Throws: ``TLSError/fileUnreadable(path:reason:)``,
    ///   ``TLSError/invalidPEM(path:reason:)`` or ``TLSError/keyMismatch(certificatePath:keyPath:)``
    ///   naming the file at fault; ``TLSError/invalidConfiguration(reason:)`` for a
    ///   contradictory configuration.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        self.alpnWireFormat = try Self.wireFormat(configuration.applicationProtocols)

        OpenSSLErrorQueue.clear()
        let method = configuration.role == .server ? TLS_server_method() : TLS_client_method()
        guard let sslContext = SSL_CTX_new(method) else {
            self.alpnWireFormat.deallocate()
            throw TLSError.fromErrorQueue(fallback: "SSL_CTX_new failed")
        }
        self.sslContext = sslContext
        // From here on `deinit` frees both on any error.
        try self.applyProtocolSettings()
        try self.applyIdentity()
        try self.applyTrust()
        try self.applyALPN()
    }

    deinit {
        SSL_CTX_free(self.sslContext)
        self.alpnWireFormat.deallocate()
    }

    // MARK: Setup steps, each run once from init.

    private func applyProtocolSettings() throws(TLSError) {
        guard tern_SSL_CTX_set_min_proto_version(self.sslContext, configuration.minimumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION) == 1 else {
            throw TLSError.fromErrorQueue(fallback: "cannot set the minimum TLS version")
        }
        // RELEASE_BUFFERS: OpenSSL frees a connection's record buffers (about 16 KiB for
        // reading and 16 KiB for writing) whenever they are empty, instead of holding them for
        // the connection's life; the BIO takes every record as it is written and hands over
        // every received byte it is asked for, so they are empty after every call and an idle
        // connection holds neither.
        _ = tern_SSL_CTX_set_mode(self.sslContext, Int(SSL_MODE_AUTO_RETRY | SSL_MODE_RELEASE_BUFFERS))
        _ = SSL_CTX_set_options(self.sslContext, TERN_SSL_OP_NO_RENEGOTIATION | TERN_SSL_OP_CIPHER_SERVER_PREFERENCE)
        // No session resumption: no shared cache to lock, no TLS 1.3 tickets to send.
        _ = tern_SSL_CTX_set_session_cache_mode(self.sslContext, Int(SSL_SESS_CACHE_OFF))
        if self.configuration.role == .server {
            _ = SSL_CTX_set_num_tickets(self.sslContext, 0)
        }
        // TLS 1.3 connections hand their records to TernTLS's record layer after the handshake,
        // with the traffic secrets this callback collects (TLS13TrafficSecrets).
        if self.configuration.recordLayer == .tern {
            SSL_CTX_set_keylog_callback(self.sslContext, TLS13TrafficSecrets.keyLogCallback)
        }
    }

    private func applyIdentity() throws(TLSError) {
        switch (self.configuration.certificateChainFile, self.configuration.privateKeyFile) {
        case (nil, nil):
            guard self.configuration.role == .client else {
                throw .invalidConfiguration(reason: "a server needs a certificate chain file and a private key file")
            }
        case (let chainPath?, let keyPath?):
            try self.useCertificateChain(path: chainPath)
            try self.usePrivateKey(path: keyPath, certificatePath: chainPath)
        case (nil, _?):
            throw .invalidConfiguration(reason: "a private key file was given without a certificate chain file")
        case (_?, nil):
            throw .invalidConfiguration(reason: "a certificate chain file was given without a private key file")
        }
    }

    private func useCertificateChain(path: String) throws(TLSError) {
        let certificates = try PEM.certificates(in: TLSFiles.read(path), path: path)
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_use_certificate(self.sslContext, certificates[0].pointer) == 1 else {
            throw .invalidPEM(path: path, reason: OpenSSLErrorQueue.drainReasons().joined(separator: "; "))
        }
        for intermediate in certificates.dropFirst() {
            // `add0` takes ownership of one reference: give it one of its own.
            X509_up_ref(intermediate.pointer)
            guard tern_SSL_CTX_add0_chain_cert(self.sslContext, intermediate.pointer) == 1 else {
                X509_free(intermediate.pointer)
                throw .invalidPEM(path: path, reason: OpenSSLErrorQueue.drainReasons().joined(separator: "; "))
            }
        }
    }

    private func usePrivateKey(path: String, certificatePath: String) throws(TLSError) {
        let key = try PEM.privateKey(in: TLSFiles.read(path), path: path)
        OpenSSLErrorQueue.clear()
        // `use_PrivateKey` already fails when the key does not match the certificate;
        // `check_private_key` makes that explicit.
        guard SSL_CTX_use_PrivateKey(self.sslContext, key.pointer) == 1,
            SSL_CTX_check_private_key(self.sslContext) == 1
        else {
            OpenSSLErrorQueue.clear()
            throw .keyMismatch(certificatePath: certificatePath, keyPath: path)
        }
    }

    private func applyTrust() throws(TLSError) {
        switch self.configuration.role {
        case .client:
            if let path = self.configuration.trustRootsFile {
                try self.trustCertificates(inFile: path, advertiseToClients: false)
            } else {
                OpenSSLErrorQueue.clear()
                guard SSL_CTX_set_default_verify_paths(self.sslContext) == 1 else {
                    throw TLSError.fromErrorQueue(fallback: "cannot load the system's trusted CAs")
                }
            }
            SSL_CTX_set_verify(self.sslContext, SSL_VERIFY_PEER, nil)
        case .server:
            switch self.configuration.clientAuthentication {
            case .none:
                SSL_CTX_set_verify(self.sslContext, SSL_VERIFY_NONE, nil)
            case .optional, .required, .requested:
                guard let path = self.configuration.clientCAFile else {
                    throw .invalidConfiguration(reason: "client authentication needs a client CA file")
                }
                try self.trustCertificates(inFile: path, advertiseToClients: true)
                let failIfMissing = self.configuration.clientAuthentication == .required
                SSL_CTX_set_verify(
                    self.sslContext,
                    SSL_VERIFY_PEER | (failIfMissing ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                    // Requested: every certificate passes the handshake; the verification's result
                    // stays with the session (`SSL_get_verify_result`).
                    self.configuration.clientAuthentication == .requested ? { _, _ in 1 } : nil
                )
            }
        }
    }

    /// Adds every certificate in the PEM file at `path` to the trust store; a server also
    /// names them in its certificate request so clients can pick a matching certificate.
    private func trustCertificates(inFile path: String, advertiseToClients: Bool) throws(TLSError) {
        let certificates = try PEM.certificates(in: TLSFiles.read(path), path: path)
        let store = SSL_CTX_get_cert_store(self.sslContext)
        OpenSSLErrorQueue.clear()
        for certificate in certificates {
            guard X509_STORE_add_cert(store, certificate.pointer) == 1 else {
                throw .invalidPEM(path: path, reason: OpenSSLErrorQueue.drainReasons().joined(separator: "; "))
            }
            if advertiseToClients {
                guard SSL_CTX_add_client_CA(self.sslContext, certificate.pointer) == 1 else {
                    throw .invalidPEM(path: path, reason: OpenSSLErrorQueue.drainReasons().joined(separator: "; "))
                }
            }
        }
    }

    private func applyALPN() throws(TLSError) {
        let listLength = self.alpnWireFormat.count - 1
        guard listLength > 0 else { return }
        switch self.configuration.role {
        case .client:
            // Unusually, this returns 0 on success.
            guard SSL_CTX_set_alpn_protos(self.sslContext, self.alpnWireFormat.baseAddress, UInt32(listLength)) == 0 else {
                throw TLSError.fromErrorQueue(fallback: "cannot set the ALPN protocols")
            }
        case .server:
            SSL_CTX_set_alpn_select_cb(self.sslContext, selectALPN, UnsafeMutableRawPointer(self.alpnWireFormat.baseAddress))
        }
    }

    /// `protocols` as ALPN's wire format (each name preceded by its one-byte length), then a
    /// zero byte.
    private static func wireFormat(_ protocols: [String]) throws(TLSError) -> UnsafeMutableBufferPointer<UInt8> {
        var bytes: [UInt8] = []
        for name in protocols {
            let utf8 = Array(name.utf8)
            guard (1...255).contains(utf8.count) else {
                throw .invalidConfiguration(reason: "ALPN protocol names must be 1 to 255 bytes long: \"\(name)\"")
            }
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }
}

/// The server's ALPN callback, called only when the client offers ALPN: picks the first of the
/// server's protocols (wire format at `serverList`, ended by a zero byte, owned by the
/// ``TLSContext``) that the client also offers. Without a common protocol the handshake fails
/// with the alert `no_application_protocol` (RFC 7301, section 3.2); a client that offers no
/// ALPN at all is not asked and goes on without it.
private func selectALPN(
    ssl: OpaquePointer?,
    selected: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    selectedLength: UnsafeMutablePointer<UInt8>?,
    clientList: UnsafePointer<UInt8>?,
    clientLength: UInt32,
    serverList: UnsafeMutableRawPointer?
) -> Int32 {
    guard let serverList, let selected, let selectedLength else { return SSL_TLSEXT_ERR_NOACK }
    let server = serverList.assumingMemoryBound(to: UInt8.self)
    // Walk the length-prefixed names up to the terminating zero to get the list's length.
    var serverLength = 0
    while true {
        let nameLength = Int(server[serverLength])
        if nameLength == 0 { break }
        serverLength += 1 + nameLength
    }
    var chosen: UnsafeMutablePointer<UInt8>? = nil
    let outcome = SSL_select_next_proto(&chosen, selectedLength, server, UInt32(serverLength), clientList, clientLength)
    guard outcome == OPENSSL_NPN_NEGOTIATED, let chosen else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    selected.pointee = UnsafePointer(chosen)
    return SSL_TLSEXT_ERR_OK
}
