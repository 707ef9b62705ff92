import COpenSSL
import NIOCore

/// A TLS 1.3 connection after its handshake: TernTLS protects the records itself with the
/// traffic secrets OpenSSL's handshake produced, and OpenSSL's session is freed.
///
/// An idle connection then holds two cipher contexts and a few secrets instead of OpenSSL's
/// `SSL` object, its session and its handshake leftovers (about 12 KB), and records are sealed
/// and opened straight between the caller's buffers. It implements what RFC 8446 asks of the
/// record layer after the handshake: sealing and opening application data, the alerts
/// (close_notify, and a fatal alert before giving up on a bad record), and KeyUpdate both ways,
/// including its own updates before a key has sealed too many records. A client ignores
/// NewSessionTicket (it resumes no sessions); anything else after the handshake is refused.
///
/// Used on its connection's event loop only.
final class TLS13RecordLayer {
    /// The outer type of every protected record, and the inner type of application data.
    static let applicationDataType: UInt8 = 23
    static let alertType: UInt8 = 21
    static let handshakeType: UInt8 = 22
    /// The most content one record carries.
    static let maximumContentLength = 1 << 14
    /// The longest sealed body a peer may send: the content, its type byte, padding and tag.
    static let maximumSealedLength = maximumContentLength + 256
    /// How many records a key seals, by default, before this side moves to the next one; well
    /// inside the limit RFC 8446 (section 5.5) sets for AES-GCM.
    static let defaultRecordsPerKey: UInt64 = 1 << 24

    /// The alerts this side sends (RFC 8446, section 6).
    private enum Alert: UInt8 {
        case closeNotify = 0
        case unexpectedMessage = 10
        case badRecordMAC = 20
        case recordOverflow = 22
        case illegalParameter = 47
        case decodeError = 50
        case internalError = 80
    }

    /// The names of the alerts a peer is likely to end a session with.
    private static let alertNames: [UInt8: String] = [
        10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate",
        44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
        50: "decode_error", 51: "decrypt_error", 80: "internal_error",
    ]

    private let role: TLSConfiguration.Role
    private let recordsPerKey: UInt64
    private let reader: TLS13RecordCipher
    private let writer: TLS13RecordCipher
    /// Received ciphertext not opened yet.
    private var input = CiphertextQueue()
    /// A post-handshake message received in part.
    private var handshakeMessage = TLS13RecordLayer.emptyBuffer
    /// Records of this layer's own (alerts, key updates) waiting to be sent.
    private var output = TLS13RecordLayer.emptyBuffer
    private var inputEnded = false
    private var receivedCloseNotify = false
    private var sentCloseNotify = false
    /// Set once the connection failed: every later read reports it.
    private var failure: TLSError?

    private static let emptyBuffer = ByteBuffer()

    /// A record layer for `suite`, reading with the peer's traffic secret and writing with
    /// this side's, both at sequence number 0; it moves to its next key after `recordsPerKey`
    /// records.
    init(
        role: TLSConfiguration.Role, suite: TLS13CipherSuite, readSecret: [UInt8], writeSecret: [UInt8],
        recordsPerKey: UInt64 = TLS13RecordLayer.defaultRecordsPerKey
    ) throws(TLSError) {
        self.role = role
        self.recordsPerKey = recordsPerKey
        self.reader = try TLS13RecordCipher(suite: suite, secret: readSecret, direction: .opening)
        self.writer = try TLS13RecordCipher(suite: suite, secret: writeSecret, direction: .sealing)
    }

    // MARK: Ciphertext in and out

    /// Queues ciphertext received from the network.
    func receive(_ ciphertext: ByteBuffer) {
        self.input.append(ciphertext)
    }

    /// No more ciphertext will arrive.
    func markEndOfInput() {
        self.inputEnded = true
    }

    var hasBufferedInput: Bool { self.input.count > 0 }

    var bufferedInputEstimate: Int { self.input.count }

    var pendingOutputCount: Int { self.output.readableBytes }

    /// Moves this layer's own records waiting to be sent into `buffer`.
    func takeOutput(into buffer: inout ByteBuffer) {
        guard self.output.readableBytes > 0 else { return }
        buffer.writeImmutableBuffer(self.output)
        self.output = Self.emptyBuffer
    }

    // MARK: Records

    /// Opens buffered records into `buffer`'s writable bytes until it is full or no complete
    /// record is left; a record goes into an empty buffer whatever its size.
    func read(into buffer: inout ByteBuffer) -> TLSConnection.ReadStop {
        while true {
            if let failure = self.failure { return .failed(failure) }
            if self.receivedCloseNotify { return .closeNotify }
            guard let type = self.input.byte(at: 0), let high = self.input.byte(at: 3), let low = self.input.byte(at: 4) else {
                return self.endOfBufferedRecords()
            }
            let sealedLength = Int(high) << 8 | Int(low)
            guard type == Self.applicationDataType else {
                return self.fail(.unexpectedMessage, "a record not protected after the handshake")
            }
            guard sealedLength <= Self.maximumSealedLength else {
                return self.fail(.recordOverflow, "a record of \(sealedLength) bytes")
            }
            guard sealedLength > TLS13CipherSuite.tagLength else {
                return self.fail(.decodeError, "a record too short to be protected")
            }
            guard self.input.count >= TLS13RecordCipher.headerLength + sealedLength else {
                return self.endOfBufferedRecords()
            }
            let bodyLength = sealedLength - TLS13CipherSuite.tagLength
            if buffer.writableBytes < bodyLength {
                guard buffer.readableBytes == 0 else { return .bufferFull }
                buffer.reserveCapacity(minimumWritableBytes: bodyLength)
            }
            // Alerts and handshake messages are copied out; application data stays in `buffer`.
            let record = self.input.take(TLS13RecordCipher.headerLength + sealedLength)
            let opened: (length: Int, type: UInt8, control: ByteBuffer?)? = record.withUnsafeReadableBytes { ciphertext in
                buffer.withUnsafeMutableWritableBytes { destination in
                    let headerLength = TLS13RecordCipher.headerLength
                    guard let (length, type) = self.reader.open(
                        header: UnsafeRawBufferPointer(rebasing: ciphertext[..<headerLength]),
                        sealed: UnsafeRawBufferPointer(rebasing: ciphertext[headerLength..<(headerLength + sealedLength)]),
                        into: destination
                    ) else { return nil }
                    let isData = type == Self.applicationDataType
                    return (length, type, isData ? nil : ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: destination[..<length])))
                }
            }
            guard let (length, type, control) = opened else {
                return self.fail(.badRecordMAC, "a record that does not authenticate")
            }
            guard length <= Self.maximumContentLength else {
                return self.fail(.recordOverflow, "a record with \(length) bytes of content")
            }
            switch type {
            case Self.applicationDataType:
                guard self.handshakeMessage.readableBytes == 0 else {
                    return self.fail(.unexpectedMessage, "application data inside a handshake message")
                }
                buffer.moveWriterIndex(forwardBy: length)
                if buffer.writableBytes == 0 { return .bufferFull }
            case Self.alertType:
                if let stop = self.received(alert: control ?? Self.emptyBuffer) { return stop }
            case Self.handshakeType:
                guard length > 0, let control else {
                    return self.fail(.unexpectedMessage, "an empty handshake record")
                }
                if let stop = self.received(handshake: control) { return stop }
            default:
                return self.fail(.unexpectedMessage, "a record of content type \(type)")
            }
        }
    }

    /// Seals all of `plaintext` into records appended to `output`, after this layer's own
    /// records waiting to be sent.
    func write(_ plaintext: UnsafeRawBufferPointer, into output: inout ByteBuffer) -> TLSError? {
        self.takeOutput(into: &output)
        guard !self.sentCloseNotify else { return .recordRejected(reason: "writing after close_notify") }
        var offset = 0
        do {
            while offset < plaintext.count {
                let count = min(Self.maximumContentLength, plaintext.count - offset)
                try self.seal(UnsafeRawBufferPointer(rebasing: plaintext[offset..<(offset + count)]), type: Self.applicationDataType, into: &output)
                offset += count
            }
        } catch {
            return error
        }
        return nil
    }

    /// Queues a close_notify alert; `false` if one was sent already.
    func sendCloseNotify() -> Bool {
        guard !self.sentCloseNotify else { return false }
        self.sendAlert(.closeNotify)
        self.sentCloseNotify = true
        return true
    }

    // MARK: Alerts and post-handshake messages

    private func received(alert: ByteBuffer) -> TLSConnection.ReadStop? {
        guard alert.readableBytes == 2, let description = alert.getInteger(at: alert.readerIndex + 1, as: UInt8.self) else {
            return self.fail(.decodeError, "an alert of \(alert.readableBytes) bytes")
        }
        switch description {
        case Alert.closeNotify.rawValue:
            self.receivedCloseNotify = true
            return .closeNotify
        case 90:  // user_canceled: a warning that a close_notify follows
            return nil
        case 116:  // certificate_required: a TLS 1.3 server that wanted this client's certificate
            self.failure = .certificateRequired
            return .failed(.certificateRequired)
        default:
            let name = Self.alertNames[description].map { " (\($0))" } ?? ""
            let error = TLSError.recordRejected(reason: "the peer sent alert \(description)\(name)")
            self.failure = error
            return .failed(error)
        }
    }

    /// Takes the post-handshake messages in `bytes`: KeyUpdate on either side, and
    /// NewSessionTicket on a client.
    private func received(handshake bytes: ByteBuffer) -> TLSConnection.ReadStop? {
        var bytes = bytes
        self.handshakeMessage.writeBuffer(&bytes)
        while let type = self.handshakeMessage.getInteger(at: self.handshakeMessage.readerIndex, as: UInt8.self),
            let high = self.handshakeMessage.getInteger(at: self.handshakeMessage.readerIndex + 1, as: UInt8.self),
            let low = self.handshakeMessage.getInteger(at: self.handshakeMessage.readerIndex + 2, as: UInt16.self)
        {
            let length = Int(high) << 16 | Int(low)
            guard length <= Self.maximumContentLength else {
                return self.fail(.unexpectedMessage, "a post-handshake message of \(length) bytes")
            }
            guard var message = self.handshakeMessage.getSlice(at: self.handshakeMessage.readerIndex + 4, length: length) else {
                return nil  // the rest comes in the next record
            }
            self.handshakeMessage.moveReaderIndex(forwardBy: 4 + length)
            switch (type, self.role) {
            case (24, _):
                // A key change must end its record.
                guard length == 1, let request = message.readInteger(as: UInt8.self), request <= 1 else {
                    return self.fail(.illegalParameter, "a malformed KeyUpdate")
                }
                guard self.handshakeMessage.readableBytes == 0 else {
                    return self.fail(.unexpectedMessage, "a KeyUpdate that does not end its record")
                }
                if let stop = self.updateKeys(peerRequestsUpdate: request == 1) { return stop }
            case (4, .client):
                break  // NewSessionTicket: this client resumes no sessions
            default:
                return self.fail(.unexpectedMessage, "post-handshake message type \(type)")
            }
        }
        if self.handshakeMessage.readableBytes == 0 { self.handshakeMessage = Self.emptyBuffer }
        return nil
    }

    /// The peer's KeyUpdate: its records now come under its next key, and if it asked, this
    /// side answers with a KeyUpdate of its own and moves to its next key too.
    private func updateKeys(peerRequestsUpdate: Bool) -> TLSConnection.ReadStop? {
        do {
            try self.reader.update()
            if peerRequestsUpdate && !self.sentCloseNotify {
                try self.sendKeyUpdate(requestingPeerUpdate: false)
            }
        } catch {
            return self.fail(.internalError, error.description)
        }
        return nil
    }

    private func sendKeyUpdate(requestingPeerUpdate: Bool) throws(TLSError) {
        try self.sealOwn([24, 0, 0, 1, requestingPeerUpdate ? 1 : 0], type: Self.handshakeType)
        try self.writer.update()
    }

    /// Seals one record, first moving to the next key if the current one sealed enough.
    private func seal(_ content: UnsafeRawBufferPointer, type: UInt8, into output: inout ByteBuffer) throws(TLSError) {
        if self.writer.sequenceNumber >= self.recordsPerKey {
            try self.sendKeyUpdate(requestingPeerUpdate: false)
            self.takeOutput(into: &output)
        }
        try self.writer.seal(content, contentType: type, into: &output)
    }

    private func sendAlert(_ alert: Alert) {
        let level: UInt8 = alert == .closeNotify ? 1 : 2
        // An alert that cannot be sealed is not sent: the connection closes either way.
        try? self.sealOwn([level, alert.rawValue], type: Self.alertType)
    }

    /// Seals a record of this layer's own into its output.
    private func sealOwn(_ content: [UInt8], type: UInt8) throws(TLSError) {
        var failure: TLSError?
        content.withUnsafeBytes { bytes in
            do throws(TLSError) {
                try self.writer.seal(bytes, contentType: type, into: &self.output)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Sends the fatal `alert` and fails the connection.
    private func fail(_ alert: Alert, _ reason: String) -> TLSConnection.ReadStop {
        let error = TLSError.recordRejected(reason: "the peer sent \(reason)")
        if !self.sentCloseNotify { self.sendAlert(alert) }
        self.sentCloseNotify = true
        self.failure = error
        self.input.removeAll()
        return .failed(error)
    }

    /// No complete record is buffered: wait for more, or, at the end of the input, the stream
    /// ended without close_notify.
    private func endOfBufferedRecords() -> TLSConnection.ReadStop {
        self.inputEnded ? .failed(.uncleanShutdown) : .needsInput
    }
}
