import COpenSSL
import NIOCore

/// The BIO through which an `SSL` reads ciphertext and writes it: received buffers are read
/// where they are, and records are appended straight to a `ByteBuffer`.
///
/// A pair of memory BIOs would copy every received byte into a buffer of its own (zeroing that
/// buffer as it grows) and every sent byte out of one; this one copies neither.
final class ByteBufferBIO {
    /// The `BIO`, owned by the `SSL` it is given to.
    let bio: OpaquePointer
    /// Received ciphertext that OpenSSL has not read yet, oldest first.
    private var input: [ByteBuffer] = []
    /// Set once no more ciphertext will arrive: reading past the input is then an end of file.
    var inputEnded = false
    /// What OpenSSL has written and the owner has not taken yet. While an owner encrypts, its
    /// own buffer is swapped in here, so records land where they are sent from.
    var output = ByteBufferBIO.emptyBuffer

    /// An empty buffer to hold the place of taken output without keeping its storage.
    private static let emptyBuffer = ByteBuffer()

    init() throws(TLSError) {
        guard let method = Self.method, let bio = BIO_new(method) else {
            throw TLSError.fromErrorQueue(fallback: "cannot allocate a BIO")
        }
        self.bio = bio
        // Unretained: the BIO is freed with its `SSL` by the owner of both, which holds this
        // object until then.
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Queues ciphertext received from the network for OpenSSL to read.
    func receive(_ ciphertext: ByteBuffer) {
        if ciphertext.readableBytes > 0 { input.append(ciphertext) }
    }

    /// How many received bytes OpenSSL has not read yet.
    var inputCount: Int {
        input.reduce(0) { $0 + $1.readableBytes }
    }

    var hasInput: Bool { !input.isEmpty }

    /// Removes and returns the received bytes OpenSSL has not read.
    func takeInput() -> [ByteBuffer] {
        defer { input = [] }
        return input
    }

    /// Moves everything OpenSSL has written into `buffer`.
    func takeOutput(into buffer: inout ByteBuffer) {
        guard output.readableBytes > 0 else { return }
        buffer.writeImmutableBuffer(output)
        output = Self.emptyBuffer
    }

    /// Copies received bytes into `destination`; how many.
    private func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var copied = 0
        while copied < destination.count, !input.isEmpty {
            let count = min(destination.count - copied, input[0].readableBytes)
            input[0].withUnsafeReadableBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: destination[copied...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
            }
            input[0].moveReaderIndex(forwardBy: count)
            if input[0].readableBytes == 0 { input.removeFirst() }
            copied += count
        }
        return copied
    }

    // MARK: The BIO method

    private static func owner(of bio: OpaquePointer) -> ByteBufferBIO {
        Unmanaged<ByteBufferBIO>.fromOpaque(BIO_get_data(bio)).takeUnretainedValue()
    }

    /// Shared by every connection. `nonisolated(unsafe)` because an `OpaquePointer` is not
    /// `Sendable`: the method is set up completely in this initializer, which runs once, and
    /// OpenSSL only reads it after that, from any thread.
    private nonisolated(unsafe) static let method: OpaquePointer? = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tern ByteBuffer") else { return nil }
        BIO_meth_set_create(method) { bio in
            BIO_set_init(bio, 1)
            return 1
        }
        BIO_meth_set_write_ex(method) { bio, data, length, written in
            guard let bio, let data, let written else { return 0 }
            owner(of: bio).output.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
            written.pointee = length
            return 1
        }
        BIO_meth_set_read_ex(method) { bio, destination, capacity, readCount in
            guard let bio, let destination, let readCount else { return 0 }
            tern_BIO_clear_retry_flags(bio)
            let owner = owner(of: bio)
            readCount.pointee = owner.read(into: UnsafeMutableRawBufferPointer(start: destination, count: capacity))
            if readCount.pointee > 0 { return 1 }
            // Nothing buffered: "try again later", or, once the input ended, an end of file.
            if !owner.inputEnded { tern_BIO_set_retry_read(bio) }
            return 0
        }
        BIO_meth_set_ctrl(method) { bio, command, _, _ in
            guard let bio else { return 0 }
            switch command {
            case BIO_CTRL_PENDING: return Int(owner(of: bio).inputCount)
            case BIO_CTRL_WPENDING: return Int(owner(of: bio).output.readableBytes)
            case BIO_CTRL_EOF: return owner(of: bio).inputEnded && !owner(of: bio).hasInput ? 1 : 0
            case BIO_CTRL_FLUSH: return 1
            default: return 0
            }
        }
        return method
    }()
}
