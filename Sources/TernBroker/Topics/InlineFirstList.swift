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
        set {
            if position == 0 {
                precondition(head != nil, "index out of range")
                head = newValue
            } else {
                rest[position - 1] = newValue
            }
        }
    }

    /// Calls `body` with each element in turn, to change it where it stands: an element copied
    /// out and back counts every reference it holds twice. (A `_modify` accessor did the same
    /// with a coroutine, whose frame took an allocation per call.)
    mutating func updateEach(_ body: (inout Element) throws -> Void) rethrows {
        guard head != nil else { return }
        try body(&head!)
        for index in rest.indices { try body(&rest[index]) }
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
