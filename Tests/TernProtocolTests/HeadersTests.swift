import Testing
import TernProtocol

@Suite("Headers")
struct HeadersTests {
    @Test("valid names", arguments: ["a", "Content-Type", "x_trace.id", "!#$%&'*+-.^_`|~", String(repeating: "n", count: 255)])
    func validName(_ name: String) {
        #expect(Headers.isValidName(name))
    }

    @Test("invalid names", arguments: ["", "a:b", ":", "a b", "tab\t", "é", "\u{7F}", "nul\u{0}", String(repeating: "n", count: 256)])
    func invalidName(_ name: String) {
        #expect(!Headers.isValidName(name))
    }

    @Test("names repeat and keep their order; lookup finds the first")
    func repeatedNames() {
        var headers: Headers = ["tag": "a"]
        headers.add(name: "other", value: "x")
        headers.add(name: "tag", value: "b")
        #expect(headers.map(\.name) == ["tag", "other", "tag"])
        #expect(headers["tag"] == "a")
        #expect(headers["missing"] == nil)
    }
}
