import NIOCore

/// Payloads arrive as slices of the connection's read buffers, and a slice keeps its whole
/// buffer alive: a queued 100-byte message could hold on to a 64 KiB read. Messages that wait
/// (in a topic's mailbox, or in the queue of a subscriber whose connection cannot write) have
/// payloads that are a small part of their buffer copied into buffers of their own, so what
/// topics and subscriber queues hold stays close to the bytes they count. Messages that go
/// straight through, delivered within the turn they arrived in, are never copied.
///
/// Consecutive payloads of one read lie close together, separated only by their frames' other
/// fields, so they are taken as runs: a run whose payloads are at least half of their buffer,
/// as under a steady stream of publishes to one topic, keeps it (copying would only add work);
/// a smaller run is copied with one copy of the bytes from its first payload to its last, as
/// long as the payloads are at least half of what is copied.
enum PayloadCompaction {
    /// Whether `payload` holds on to more than twice its own size.
    static func pinsExcessStorage(_ payload: ByteBuffer) -> Bool {
        payload.storageCapacity > 2 * payload.readableBytes
    }

    /// Copies the payloads of `messages` that pin excess storage into compact buffers.
    static func compact(_ messages: inout [PublishedMessage], allocator: ByteBufferAllocator) {
        compact(&messages, in: messages.indices, allocator: allocator)
    }

    /// Copies the payloads of `messages[range]` that pin excess storage into compact buffers.
    static func compact<Messages: MutableCollection & RandomAccessCollection<PublishedMessage>>(
        _ messages: inout Messages, in range: Range<Int>, allocator: ByteBufferAllocator
    ) where Messages.Index == Int {
        var index = range.lowerBound
        while index < range.upperBound {
            guard pinsExcessStorage(messages[index].payload) else {
                index += 1
                continue
            }
            var run = Run(startingWith: messages[index].payload)
            var end = index + 1
            while end < range.upperBound, pinsExcessStorage(messages[end].payload), run.extend(with: messages[end].payload) {
                end += 1
            }
            if !run.fillsHalf(ofCapacity: messages[index].payload.storageCapacity) {
                run.copy(into: &messages, at: index..<end, allocator: allocator)
            }
            index = end
        }
    }

    /// Payloads that lie in order in one storage buffer, copied together.
    private struct Run {
        /// The storage object the payloads are slices of.
        let storage: ObjectIdentifier
        /// Where the first payload starts and where the last one ends, in memory.
        let start: UInt
        var end: UInt
        var payloadBytes: UInt

        init(startingWith payload: ByteBuffer) {
            (storage, start) = Self.location(of: payload)
            end = start + UInt(payload.readableBytes)
            payloadBytes = UInt(payload.readableBytes)
        }

        /// Adds `payload` to the run if it follows the run's last payload in the same storage
        /// and the run stays at least half payload; `false` when it does not.
        mutating func extend(with payload: ByteBuffer) -> Bool {
            let (storage, address) = Self.location(of: payload)
            let length = UInt(payload.readableBytes)
            guard storage == self.storage, address >= end, address + length - start <= 2 * (payloadBytes + length) else {
                return false
            }
            end = address + length
            payloadBytes += length
            return true
        }

        /// Whether the run's payloads are at least half of a storage of `capacity` bytes.
        func fillsHalf(ofCapacity capacity: Int) -> Bool {
            2 * payloadBytes >= UInt(capacity)
        }

        /// Replaces the payloads of `messages[range]`, this run's, with slices of one new buffer.
        func copy<Messages: MutableCollection<PublishedMessage>>(
            into messages: inout Messages, at range: Range<Int>, allocator: ByteBufferAllocator
        ) where Messages.Index == Int {
            var copy = allocator.buffer(capacity: Int(end - start))
            // The bytes from the first payload's start to the last one's end, all in the storage
            // the payloads keep alive, in one copy.
            withExtendedLifetime(messages[range.lowerBound].payload) {
                _ = copy.writeBytes(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: start), count: Int(end - start)))
            }
            for index in range {
                let payload = messages[index].payload
                let (_, address) = Self.location(of: payload)
                if let slice = copy.getSlice(at: Int(address - start), length: payload.readableBytes) {
                    messages[index].payload = slice
                }
            }
        }

        /// The storage object a payload's bytes live in, and the address of its first byte.
        private static func location(of payload: ByteBuffer) -> (ObjectIdentifier, UInt) {
            payload.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
                (ObjectIdentifier(storage.takeUnretainedValue()), UInt(bitPattern: bytes.baseAddress))
            }
        }
    }
}
