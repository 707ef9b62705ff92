import Testing
import TernProtocol

@Suite("Server addresses")
struct ServerAddressTests {
    @Test("HOST:PORT parses; an IPv6 host may be bracketed", arguments: [
        ("127.0.0.1:8376", ServerAddress(host: "127.0.0.1", port: 8376)),
        ("broker.example:1", ServerAddress(host: "broker.example", port: 1)),
        ("[::1]:9", ServerAddress(host: "::1", port: 9)),
        ("[fe80::1%eth0]:65535", ServerAddress(host: "fe80::1%eth0", port: 65535)),
        ("localhost:0", ServerAddress(host: "localhost", port: 0)),
    ])
    func parses(text: String, address: ServerAddress) {
        #expect(ServerAddress(text) == address)
    }

    @Test("anything else is refused", arguments: ["", "8376", "localhost", ":8376", "[]:8376", "host:", "host:port", "host:65536", "host:-1"])
    func refuses(text: String) {
        #expect(ServerAddress(text) == nil)
    }

    @Test("the description is HOST:PORT, an IPv6 host in brackets, and parses back")
    func description() {
        for address in [ServerAddress.local, ServerAddress(host: "::1", port: 9), ServerAddress(host: "broker.example", port: 443)] {
            #expect(ServerAddress(address.description) == address)
        }
        #expect(ServerAddress.local.description == "127.0.0.1:8376")
        #expect(ServerAddress(host: "::1", port: 9).description == "[::1]:9")
    }
}
