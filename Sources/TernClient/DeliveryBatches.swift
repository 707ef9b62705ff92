/// Deliveries kept in the arrays they were yielded in, oldest first: appending an array moves
/// it in without copying its elements.
struct DeliveryBatches<Element> {
    private var arrays: [[Element]] = []
    /// Where the next element is: an index into `arrays`, then into that array.
    private var arrayIndex = 0
    private var elementIndex = 0
    /// How many elements are left.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ elements: [Element]) {
        guard !elements.isEmpty else { return }
        arrays.append(elements)
        count += elements.count
    }

    mutating func popFirst() -> Element? {
        while arrayIndex < arrays.count {
            if elementIndex < arrays[arrayIndex].count {
                defer { elementIndex += 1 }
                count -= 1
                return arrays[arrayIndex][elementIndex]
            }
            // Done with this array: let its elements go now.
            arrays[arrayIndex] = []
            arrayIndex += 1
            elementIndex = 0
        }
        removeAll()
        return nil
    }

    /// Drops every element, keeping the storage for the arrays.
    mutating func removeAll() {
        arrays.removeAll(keepingCapacity: true)
        (arrayIndex, elementIndex, count) = (0, 0, 0)
    }
}

extension DeliveryBatches: Sendable where Element: Sendable {}
