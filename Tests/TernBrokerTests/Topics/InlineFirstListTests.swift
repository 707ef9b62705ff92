import Testing

@testable import TernBroker

@Suite("InlineFirstList")
struct InlineFirstListTests {
    @Test("an empty list has nothing to give")
    func empty() {
        let list = InlineFirstList<Int>()
        #expect(list.count == 0)
        #expect(Array(list) == [])
    }

    @Test("gives what was appended, in order, the first and the rest alike")
    func order() {
        var list = InlineFirstList<Int>()
        list.append(3)
        #expect(list.count == 1)
        #expect(Array(list) == [3])
        for value in [1, 4, 1, 5] { list.append(value) }
        #expect(list.count == 5)
        #expect(Array(list) == [3, 1, 4, 1, 5])
        #expect(Array(list) == [3, 1, 4, 1, 5], "iterating again gives the same")
    }
}
