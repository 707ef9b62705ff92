import COpenSSL

/// Random bytes from OpenSSL's cryptographically secure generator.
enum SecureRandom {
    static func bytes(_ count: Int) throws(TLSError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        OpenSSLErrorQueue.clear()
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            throw TLSError.fromErrorQueue(fallback: "the random generator failed")
        }
        return bytes
    }
}
