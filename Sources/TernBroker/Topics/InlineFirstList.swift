/// Values in the order they were appended, the first held inline: a topic usually has one
/// subscriber and its batch wakes one subscriber's connection, and keeping that one out of an
/// array spares an allocation per topic and per batch.
struct InlineFirstList<Element>: RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral {
    private var head: Element?
    /// The elements after the first; empty while there is no first.
    private var rest: [Element] = []

    init() {}

    init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { head == nil ? 0 : 1 + rest.count }

    subscript(position: Int) -> Element {
        get { position == 0 ? head! : rest[position - 1] }
        // In place, not a copy out and back: an element holding references counts none.
        _modify {
            if position == 0 {
                yield &head!
            } else {
                yield &rest[position - 1]
            }
        }
    }

    mutating func append(_ element: Element) {
        if head == nil {
            head = element
        } else {
            rest.append(element)
        }
    }

    /// Makes room for `count` elements in all.
    mutating func reserveCapacity(_ count: Int) {
        rest.reserveCapacity(Swift.max(count - 1, 0))
    }

    /// Removes the elements for which `shouldBeRemoved` holds, keeping the others' order.
    mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        var kept = InlineFirstList()
        for element in self where try !shouldBeRemoved(element) { kept.append(element) }
        self = kept
    }
}
