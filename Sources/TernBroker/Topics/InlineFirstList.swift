/// Values in the order they were appended, the first held inline: a topic's batch usually wakes
/// one subscriber's connection, and keeping that one out of an array spares an allocation per batch.
struct InlineFirstList<Element>: Sequence {
    private var first: Element?
    private var rest: [Element] = []

    var count: Int { first == nil ? 0 : 1 + rest.count }

    mutating func append(_ element: Element) {
        if first == nil {
            first = element
        } else {
            rest.append(element)
        }
    }

    func makeIterator() -> Iterator {
        Iterator(first: first, rest: rest.makeIterator())
    }

    struct Iterator: IteratorProtocol {
        fileprivate var first: Element?
        fileprivate var rest: IndexingIterator<[Element]>

        mutating func next() -> Element? {
            if let element = first {
                first = nil
                return element
            }
            return rest.next()
        }
    }
}
