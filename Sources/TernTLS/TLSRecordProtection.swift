import NIOCore

/// What a ``TLSHandler`` needs of whatever protects its connection's records: OpenSSL's session
/// (``TLSConnection``), or after a TLS 1.3 handshake TernTLS's record layer
/// (``TLS13RecordLayer``).
protocol TLSRecordProtection: AnyObject {
    /// Queues ciphertext received from the network.
    func receive(_ ciphertext: ByteBuffer)
    /// No more ciphertext will arrive: reading past the buffered input then tells a
    /// close_notify from an unclean end.
    func markEndOfInput()
    /// Whether ciphertext or decrypted plaintext is waiting to be read.
    var hasBufferedInput: Bool { get }
    /// How many plaintext bytes the buffered input may hold (an estimate for buffer sizes).
    var bufferedInputEstimate: Int { get }
    /// How many bytes of its own (alerts, handshake and post-handshake messages) wait to be sent.
    var pendingOutputCount: Int { get }
    /// Moves every byte of its own waiting to be sent into `buffer`.
    func takeOutput(into buffer: inout ByteBuffer)
    /// Decrypts buffered input into `buffer`'s writable bytes until it is full or no complete
    /// record is left.
    func read(into buffer: inout ByteBuffer) -> TLSConnection.ReadStop
    /// Encrypts all of `plaintext` into records appended to `output`, after anything else
    /// waiting to be sent.
    func write(_ plaintext: UnsafeRawBufferPointer, into output: inout ByteBuffer) -> TLSError?
    /// Queues a close_notify alert; `false` if none could be sent.
    func sendCloseNotify() -> Bool
}

extension TLS13RecordLayer: TLSRecordProtection {}
