import COpenSSL
import NIOCore

/// The protection of one direction of a TLS 1.3 connection's records (RFC 8446, section 5.2):
/// an AEAD keyed from a traffic secret, with the record sequence number that makes each
/// record's nonce.
///
/// Used on its connection's event loop only.
final class TLS13RecordCipher {
    /// Whether this cipher seals records to send or opens records received.
    enum Direction {
        case sealing
        case opening
    }

    /// Bytes of a record header: type, legacy version, length.
    static let headerLength = 5

    let suite: TLS13CipherSuite
    private let direction: Direction
    private let context: OpaquePointer
    private var secret: [UInt8]
    private var iv: [UInt8]
    /// The sequence number of the next record, reset by every key update.
    private(set) var sequenceNumber: UInt64 = 0

    init(suite: TLS13CipherSuite, secret: [UInt8], direction: Direction) throws(TLSError) {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw TLSError.fromErrorQueue(fallback: "EVP_CIPHER_CTX_new failed")
        }
        self.suite = suite
        self.direction = direction
        self.context = context
        self.secret = secret
        self.iv = []
        do {
            try self.installKeys(initializing: true)
        } catch {
            EVP_CIPHER_CTX_free(context)
            throw error
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(self.context)
        OPENSSL_cleanse(&self.secret, self.secret.count)
    }

    /// Moves to the next traffic secret, as a KeyUpdate asks (RFC 8446, section 4.6.3).
    func update() throws(TLSError) {
        let next = try self.suite.nextTrafficSecret(after: self.secret)
        OPENSSL_cleanse(&self.secret, self.secret.count)
        self.secret = next
        try self.installKeys(initializing: false)
    }

    private func installKeys(initializing: Bool) throws(TLSError) {
        var (key, iv) = try self.suite.trafficKeys(from: self.secret)
        defer { OPENSSL_cleanse(&key, key.count) }
        OpenSSLErrorQueue.clear()
        let cipher = initializing ? self.suite.cipher : nil
        guard EVP_CipherInit_ex(self.context, cipher, nil, key, nil, self.direction == .sealing ? 1 : 0) == 1 else {
            throw TLSError.fromErrorQueue(fallback: "cannot key the record cipher")
        }
        self.iv = iv
        self.sequenceNumber = 0
    }

    /// Appends one protected record holding `content` of inner type `contentType` to `output`;
    /// `content` is at most ``TLS13RecordLayer/maximumContentLength`` bytes.
    func seal(_ content: UnsafeRawBufferPointer, contentType: UInt8, into output: inout ByteBuffer) throws(TLSError) {
        let sealedLength = content.count + 1 + TLS13CipherSuite.tagLength
        let sealed = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.headerLength + TLS13CipherSuite.nonceLength) { scratch in
            let header = UnsafeMutableBufferPointer(rebasing: scratch[..<Self.headerLength])
            let nonce = UnsafeMutableBufferPointer(rebasing: scratch[Self.headerLength...])
            Self.writeHeader(into: header, sealedLength: sealedLength)
            self.writeNonce(into: nonce)
            output.writeBytes(UnsafeBufferPointer(header))
            return output.writeWithUnsafeMutableBytes(minimumWritableBytes: sealedLength) { destination in
                var type = contentType
                var written: Int32 = 0
                var total = 0
                let out = destination.baseAddress!.assumingMemoryBound(to: UInt8.self)
                guard EVP_CipherInit_ex(self.context, nil, nil, nil, nonce.baseAddress, -1) == 1,
                    EVP_CipherUpdate(self.context, nil, &written, header.baseAddress, Int32(header.count)) == 1
                else { return 0 }
                if let bytes = content.baseAddress, content.count > 0 {
                    guard EVP_CipherUpdate(self.context, out, &written, bytes.assumingMemoryBound(to: UInt8.self), Int32(content.count)) == 1 else { return 0 }
                    total += Int(written)
                }
                guard EVP_CipherUpdate(self.context, out + total, &written, &type, 1) == 1 else { return 0 }
                total += Int(written)
                guard EVP_CipherFinal_ex(self.context, out + total, &written) == 1 else { return 0 }
                total += Int(written)
                guard total == content.count + 1,
                    EVP_CIPHER_CTX_ctrl(self.context, EVP_CTRL_AEAD_GET_TAG, Int32(TLS13CipherSuite.tagLength), out + total) == 1
                else { return 0 }
                return sealedLength
            }
        }
        guard sealed == sealedLength else {
            throw TLSError.fromErrorQueue(fallback: "cannot encrypt a record")
        }
        self.sequenceNumber += 1
    }

    /// Opens one received record into `destination`, which has room for its sealed body less
    /// the tag: the inner content's length and type, or `nil` when the record does not
    /// authenticate. A record of only padding has type 0.
    func open(
        header: UnsafeRawBufferPointer, sealed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer
    ) -> (length: Int, type: UInt8)? {
        let tagLength = TLS13CipherSuite.tagLength
        let bodyLength = sealed.count - tagLength
        guard bodyLength >= 0, destination.count >= bodyLength else { return nil }
        let opened = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TLS13CipherSuite.nonceLength + tagLength) { scratch -> Bool in
            let nonce = UnsafeMutableBufferPointer(rebasing: scratch[..<TLS13CipherSuite.nonceLength])
            let tag = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[TLS13CipherSuite.nonceLength...])
            self.writeNonce(into: nonce)
            tag.copyMemory(from: UnsafeRawBufferPointer(rebasing: sealed[bodyLength...]))
            var written: Int32 = 0
            var total = 0
            let out = destination.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard EVP_CipherInit_ex(self.context, nil, nil, nil, nonce.baseAddress, -1) == 1,
                EVP_CipherUpdate(self.context, nil, &written, header.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(header.count)) == 1
            else { return false }
            if bodyLength > 0 {
                guard EVP_CipherUpdate(self.context, out, &written, sealed.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(bodyLength)) == 1 else { return false }
                total += Int(written)
            }
            guard EVP_CIPHER_CTX_ctrl(self.context, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), tag.baseAddress) == 1,
                EVP_CipherFinal_ex(self.context, out + total, &written) == 1
            else { return false }
            return total + Int(written) == bodyLength
        }
        guard opened else {
            // A record that does not authenticate leaves errors queued; the next call must not see them.
            OpenSSLErrorQueue.clear()
            return nil
        }
        self.sequenceNumber += 1
        // The content type is the last byte that is not zero padding (RFC 8446, section 5.4).
        let body = UnsafeRawBufferPointer(rebasing: destination[..<bodyLength])
        guard let typeIndex = body.lastIndex(where: { $0 != 0 }) else { return (0, 0) }
        return (typeIndex, body[typeIndex])
    }

    /// The nonce of the next record: the IV with the sequence number, big-endian, XORed into
    /// its last eight bytes.
    private func writeNonce(into nonce: UnsafeMutableBufferPointer<UInt8>) {
        for index in 0..<TLS13CipherSuite.nonceLength {
            let shift = (TLS13CipherSuite.nonceLength - 1 - index) * 8
            let sequenceByte = shift < 64 ? UInt8(truncatingIfNeeded: self.sequenceNumber >> UInt64(shift)) : 0
            nonce[index] = self.iv[index] ^ sequenceByte
        }
    }

    /// A protected record's header: application data, version 0x0303, the sealed length.
    private static func writeHeader(into header: UnsafeMutableBufferPointer<UInt8>, sealedLength: Int) {
        header[0] = TLS13RecordLayer.applicationDataType
        header[1] = 0x03
        header[2] = 0x03
        header[3] = UInt8(sealedLength >> 8)
        header[4] = UInt8(sealedLength & 0xFF)
    }
}
