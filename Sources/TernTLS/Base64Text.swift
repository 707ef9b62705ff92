import COpenSSL

/// Standard base64 (RFC 4648 section 4) through OpenSSL, for keys, signatures and hashes
/// written as text.
enum Base64Text {
    /// `bytes` in base64, with padding unless `padded` is `false`.
    static func encode(_ bytes: [UInt8], padded: Bool = true) -> String {
        guard !bytes.isEmpty else { return "" }
        var text = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let count = EVP_EncodeBlock(&text, bytes, Int32(bytes.count))
        var encoded = text.prefix(Int(count))
        if !padded {
            while encoded.last == UInt8(ascii: "=") { encoded.removeLast() }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// The bytes of `text`, or `nil` when it is not base64 in its one canonical form (with
    /// padding, or without it when `padded` is `false`).
    static func decode(_ text: String, padded: Bool = true) -> [UInt8]? {
        var symbols = Array(text.utf8)
        if !padded {
            guard !symbols.contains(UInt8(ascii: "=")) else { return nil }
            symbols += Array(repeating: UInt8(ascii: "="), count: (4 - symbols.count % 4) % 4)
        }
        guard symbols.count % 4 == 0, !symbols.isEmpty else { return symbols.isEmpty ? [] : nil }
        var bytes = [UInt8](repeating: 0, count: symbols.count / 4 * 3)
        let count = EVP_DecodeBlock(&bytes, symbols, Int32(symbols.count))
        guard count >= 0 else { return nil }
        // OpenSSL counts the padding as zero bytes.
        let padding = symbols.suffix(2).filter { $0 == UInt8(ascii: "=") }.count
        let decoded = Array(bytes.prefix(Int(count) - padding))
        // One text per value: no whitespace, no stray bits in the last symbol.
        guard encode(decoded, padded: padded) == text else { return nil }
        return decoded
    }
}
