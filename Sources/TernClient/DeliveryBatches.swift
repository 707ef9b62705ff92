/// Deliveries kept in the batches they were yielded in, oldest first: appending a batch moves
/// it in without copying its elements, and each element leaves its batch by a move (`take()`),
/// not a copy, so no reference count is touched on the way through.
///
/// Inlinable, so that a subscription's iterator, inlined into the consumer's loop, returns a
/// buffered message without a call or a hop between executors.
@usableFromInline
struct DeliveryBatches<Element> {
    /// A batch as the producer builds it: each slot is emptied as its element leaves.
    @usableFromInline typealias Batch = [Element?]

    @usableFromInline var batches: [Batch] = []
    /// Where the next element is: an index into `batches`, then into that batch.
    @usableFromInline var batchIndex = 0
    @usableFromInline var elementIndex = 0
    /// How many elements are left.
    @usableFromInline var count = 0

    @usableFromInline init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(_ batch: Batch) {
        guard !batch.isEmpty else { return }
        batches.append(batch)
        count += batch.count
    }

    @inlinable
    mutating func popFirst() -> Element? {
        while batchIndex < batches.count {
            if elementIndex < batches[batchIndex].count {
                defer { elementIndex += 1 }
                count -= 1
                return batches[batchIndex][elementIndex].take()
            }
            // Done with this batch: let its storage go now.
            batches[batchIndex] = []
            batchIndex += 1
            elementIndex = 0
        }
        removeAll()
        return nil
    }

    /// Drops every element, keeping the storage for the list of batches.
    @inlinable
    mutating func removeAll() {
        batches.removeAll(keepingCapacity: true)
        (batchIndex, elementIndex, count) = (0, 0, 0)
    }
}

extension DeliveryBatches: Sendable where Element: Sendable {}
