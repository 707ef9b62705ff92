import COpenSSL

/// The first application traffic secrets of one TLS 1.3 handshake, as OpenSSL reports them to
/// its key log callback; a ``TLS13RecordLayer`` takes over the records with them.
///
/// Attached to its `SSL` as external data; used on the connection's event loop only.
final class TLS13TrafficSecrets {
    private(set) var client: [UInt8]?
    private(set) var server: [UInt8]?

    deinit {
        Self.cleanse(&client)
        Self.cleanse(&server)
    }

    /// Both secrets, moved out: from here on the caller holds the only copy, and wipes it.
    func take() -> (client: [UInt8], server: [UInt8])? {
        guard let client, let server else { return nil }
        self.client = nil
        self.server = nil
        return (client, server)
    }

    /// Wipes `secret` where it lies: the array is not shared (``take()`` moves it out), so
    /// writing to it does not copy it first.
    private static func cleanse(_ secret: inout [UInt8]?) {
        secret?.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// Makes `ssl` report its traffic secrets to this object, which must outlive the handshake.
    func attach(to ssl: OpaquePointer) {
        SSL_set_ex_data(ssl, Self.dataIndex, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Takes one key log line: `LABEL <client random> <secret>`, in hexadecimal. It is read in
    /// place, so the secret is not left behind in a string.
    private func record(line: UnsafeBufferPointer<UInt8>) {
        let fields = line.split(separator: UInt8(ascii: " "))
        guard fields.count == 3, let secret = Self.bytes(hexadecimal: fields[2]) else { return }
        if fields[0].elementsEqual("CLIENT_TRAFFIC_SECRET_0".utf8) {
            client = secret
        } else if fields[0].elementsEqual("SERVER_TRAFFIC_SECRET_0".utf8) {
            server = secret
        }
    }

    private static func bytes(hexadecimal digits: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8]? {
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: digits.startIndex, to: digits.endIndex, by: 2) {
            guard let high = Self.value(of: digits[index]), let low = Self.value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The `SSL` external data slot holding a connection's secrets.
    private static let dataIndex = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nil, nil, nil, nil)

    /// The key log callback of a context whose connections hand their records over: it files
    /// each line with the secrets attached to the line's `SSL`, if any.
    static let keyLogCallback: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Void = { ssl, line in
        guard let ssl, let line, let data = SSL_get_ex_data(ssl, TLS13TrafficSecrets.dataIndex) else { return }
        let text = UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: strlen(line))
        Unmanaged<TLS13TrafficSecrets>.fromOpaque(data).takeUnretainedValue().record(line: text)
    }
}
