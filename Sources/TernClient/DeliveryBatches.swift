/// Deliveries kept in the batches they were yielded in, oldest first: appending a batch moves
/// it in without copying its elements, and each element leaves its batch by a move (`take()`),
/// not a copy, so no reference count is touched on the way through.
struct DeliveryBatches<Element> {
    /// A batch as the producer builds it: each slot is emptied as its element leaves.
    typealias Batch = [Element?]

    private var batches: [Batch] = []
    /// Where the next element is: an index into `batches`, then into that batch.
    private var batchIndex = 0
    private var elementIndex = 0
    /// How many elements are left.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ batch: Batch) {
        guard !batch.isEmpty else { return }
        batches.append(batch)
        count += batch.count
    }

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
    mutating func removeAll() {
        batches.removeAll(keepingCapacity: true)
        (batchIndex, elementIndex, count) = (0, 0, 0)
    }
}

extension DeliveryBatches: Sendable where Element: Sendable {}
