import COpenSSL

/// A token as a broker keeps it: a salted scrypt hash (RFC 7914) in the PHC string format,
/// `$scrypt$ln=14,r=8,p=1$SALT$HASH`, salt and hash in base64 without padding. `ln` is the
/// base-2 logarithm of scrypt's cost N, `r` its block size, `p` its parallelism.
///
/// The token itself is not kept: ``matches(_:)`` hashes a candidate with the same salt and
/// parameters and compares in constant time.
public struct TokenHash: Sendable, Hashable, CustomStringConvertible {
    /// Why a text is not a token hash, in a phrase.
    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The cost of a new hash: N = 2^14 and r = 8, 16 MiB and tens of milliseconds a check.
    public static let defaultCostLog2 = 14
    public static let defaultBlockSize = 8
    /// The most memory a hash may take to check: 256 MiB.
    static let maxMemory = 256 << 20
    static let saltLength = 16
    static let hashLength = 32

    public let costLog2: Int
    public let blockSize: Int
    public let parallelism: Int
    private let salt: [UInt8]
    private let hash: [UInt8]

    /// Hashes `token` with a new random salt.
    public init(hashing token: String, costLog2: Int = defaultCostLog2, blockSize: Int = defaultBlockSize) throws(TLSError) {
        self.costLog2 = costLog2
        self.blockSize = blockSize
        parallelism = 1
        salt = try SecureRandom.bytes(Self.saltLength)
        guard let hash = Self.scrypt(token, salt: salt, costLog2: costLog2, blockSize: blockSize, parallelism: 1, length: Self.hashLength) else {
            throw TLSError.fromErrorQueue(fallback: "scrypt failed")
        }
        self.hash = hash
    }

    /// Reads a hash in its text form.
    ///
    /// - Throws: ``FormatError`` saying what is wrong: the form, a parameter out of range (at
    ///   most 256 MiB to check), a salt or hash that is not base64 or too short.
    public init(text: String) throws(FormatError) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else {
            throw FormatError(description: "expected $scrypt$ln=N,r=N,p=N$SALT$HASH")
        }
        var parameters: [Substring: Int] = [:]
        for parameter in parts[2].split(separator: ",", omittingEmptySubsequences: false) {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, ["ln", "r", "p"].contains(pair[0]), parameters[pair[0]] == nil, let value = Int(pair[1]), value > 0 else {
                throw FormatError(description: "parameters must be ln=N,r=N,p=N, each a positive whole number")
            }
            parameters[pair[0]] = value
        }
        guard let costLog2 = parameters["ln"], let blockSize = parameters["r"], let parallelism = parameters["p"] else {
            throw FormatError(description: "parameters must be ln=N,r=N,p=N, each a positive whole number")
        }
        guard costLog2 < 32, blockSize <= 1024, parallelism <= 16,
            128 * blockSize * ((1 << costLog2) + parallelism) <= Self.maxMemory
        else {
            throw FormatError(description: "scrypt parameters ln=\(costLog2),r=\(blockSize),p=\(parallelism) need more than 256 MiB")
        }
        guard let salt = Base64Text.decode(String(parts[3]), padded: false), salt.count >= 8 else {
            throw FormatError(description: "the salt must be at least 8 bytes in base64 without padding")
        }
        guard let hash = Base64Text.decode(String(parts[4]), padded: false), (16...64).contains(hash.count) else {
            throw FormatError(description: "the hash must be 16 to 64 bytes in base64 without padding")
        }
        self.costLog2 = costLog2
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    /// The text form, which holds no secret.
    public var description: String {
        "$scrypt$ln=\(costLog2),r=\(blockSize),p=\(parallelism)$\(Base64Text.encode(salt, padded: false))$\(Base64Text.encode(hash, padded: false))"
    }

    /// Whether `token` is the token hashed, compared in constant time.
    public func matches(_ token: String) -> Bool {
        guard let candidate = Self.scrypt(token, salt: salt, costLog2: costLog2, blockSize: blockSize, parallelism: parallelism, length: hash.count) else {
            return false
        }
        return CRYPTO_memcmp(candidate, hash, hash.count) == 0
    }

    private static func scrypt(_ token: String, salt: [UInt8], costLog2: Int, blockSize: Int, parallelism: Int, length: Int) -> [UInt8]? {
        let password = Array(token.utf8)
        var output = [UInt8](repeating: 0, count: length)
        let cost = UInt64(1) << UInt64(costLog2)
        // OpenSSL refuses work beyond `maxmem`: room for what the parameters need, and a little more.
        let memory = UInt64(128 * blockSize) * (cost + UInt64(parallelism) + 2) + (1 << 20)
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        let status = password.withUnsafeBufferPointer { passwordBytes in
            EVP_PBE_scrypt(
                passwordBytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, password.count,
                salt, salt.count, cost, UInt64(blockSize), UInt64(parallelism), memory, &output, length
            )
        }
        return status == 1 ? output : nil
    }
}
