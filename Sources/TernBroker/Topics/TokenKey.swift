/// One token of a topic or pattern (the bytes between two dots) as a key of ``TokenChildren``:
/// hashed and compared as bytes. A token of up to 16 bytes, the usual kind (`devices`, `4711`),
/// is held in two words, so that making one from a topic's bytes, hashing it and comparing it cost
/// a few instructions each, where a `Substring` of the topic checked its bounds against the
/// string's scalars, normalized for hashing and compared through the string's storage.
struct TokenKey: Hashable {
    /// The first 16 bytes, zero beyond the token's end.
    private var head: (UInt64, UInt64) = (0, 0)
    private let count: Int
    /// The whole token, when it is longer than 16 bytes.
    private let long: [UInt8]?

    /// The token of `bytes`, which hold no dot.
    init(_ bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        guard bytes.count <= MemoryLayout<(UInt64, UInt64)>.size else {
            long = Array(bytes)
            return
        }
        long = nil
        withUnsafeMutableBytes(of: &head) { $0.copyMemory(from: bytes) }
    }

    /// Whether the token is the one byte `byte` (`*` or `>`).
    func isOnly(_ byte: UInt8) -> Bool {
        count == 1 && head.0 == UInt64(byte).littleEndian
    }

    static func == (lhs: TokenKey, rhs: TokenKey) -> Bool {
        lhs.count == rhs.count && lhs.head == rhs.head && lhs.long == rhs.long
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(head.0)
        hasher.combine(head.1)
        hasher.combine(count)
        if let long { long.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }
}
