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

    @Test("changes and removes elements in place, the first and the rest alike")
    func changes() {
        var list: InlineFirstList = [1, 2, 3, 4]
        list[0] = 10
        list[2] = 30
        #expect(Array(list) == [10, 2, 30, 4])
        list.updateEach { $0 += 1 }
        #expect(Array(list) == [11, 3, 31, 5])
        list.updateEach { $0 -= 1 }
        list.removeAll { $0 == 10 || $0 == 30 }
        #expect(Array(list) == [2, 4] && list.count == 2)
        list.removeAll { _ in true }
        #expect(list.isEmpty)
        list.append(5)
        #expect(Array(list) == [5])
    }
}
