import NIOCore

/// Received ciphertext waiting to be opened, as the buffers it arrived in.
///
/// A record inside one buffer is taken as a slice of it, without a copy; only a record that
/// straddles buffers is copied together. Appending each buffer to one growing buffer instead
/// would copy every byte that arrives while a record is incomplete, which under load is nearly
/// always.
struct CiphertextQueue {
    private var buffers: [ByteBuffer] = []
    /// The bytes queued.
    private(set) var count = 0

    mutating func append(_ ciphertext: ByteBuffer) {
        guard ciphertext.readableBytes > 0 else { return }
        self.buffers.append(ciphertext)
        self.count += ciphertext.readableBytes
    }

    /// The byte `offset` bytes from the front, if that many are queued.
    func byte(at offset: Int) -> UInt8? {
        var offset = offset
        for buffer in self.buffers {
            if offset < buffer.readableBytes {
                return buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self)
            }
            offset -= buffer.readableBytes
        }
        return nil
    }

    /// Removes the first `length` bytes, which must be queued: a slice of the first buffer if it
    /// holds them all, else a copy.
    mutating func take(_ length: Int) -> ByteBuffer {
        precondition(length <= self.count, "taking more than is queued")
        self.count -= length
        if self.buffers[0].readableBytes >= length {
            let slice = self.buffers[0].readSlice(length: length)!
            self.dropEmptyFront()
            return slice
        }
        var joined = ByteBuffer()
        joined.reserveCapacity(length)
        while joined.readableBytes < length {
            var part = self.buffers[0].readSlice(length: min(length - joined.readableBytes, self.buffers[0].readableBytes))!
            joined.writeBuffer(&part)
            self.dropEmptyFront()
        }
        return joined
    }

    mutating func removeAll() {
        self.buffers = []
        self.count = 0
    }

    private mutating func dropEmptyFront() {
        guard self.buffers[0].readableBytes == 0 else { return }
        // An empty queue lets go of its array too, so an idle connection holds none.
        if self.buffers.count == 1 {
            self.buffers = []
        } else {
            self.buffers.removeFirst()
        }
    }
}
