import Testing
import TernProtocol
import TernTLS
@testable import TernClient

@Suite("Client configuration")
struct ConfigurationTests {
    @Test("defaults: the local broker, TLS, a name, a timeout, reconnecting in a random order of servers, polling for replies")
    func defaults() {
        let configuration = TernClient.Configuration(security: .plaintext)
        #expect(configuration.servers == [ServerAddress(host: "127.0.0.1", port: 8376)])
        #expect(configuration.servers.map(\.description) == ["127.0.0.1:8376"])
        #expect(configuration.randomizeServers)
        #expect(configuration.reconnect == TernClient.Configuration.Reconnect(
            initialDelay: .milliseconds(50), maxDelay: .seconds(2), maxAttempts: nil, bufferSize: 8 << 20
        ))
        #expect(!configuration.clientName.isEmpty)
        #expect(configuration.connectTimeout > .zero)
        #expect(configuration.replyPolling == .microseconds(200))
    }

    @Test("TLS trusts .tern/tls/ca.pem when it is readable")
    func defaultCAWhenPresent() {
        let security = TernClient.Configuration.defaultSecurity(isReadable: { $0 == ".tern/tls/ca.pem" })
        #expect(security == .tls(caFile: ".tern/tls/ca.pem", certificateFile: nil, keyFile: nil, serverName: nil))
    }

    @Test("TLS trusts the system's CAs when .tern/tls/ca.pem is missing")
    func systemCAsWhenAbsent() {
        let security = TernClient.Configuration.defaultSecurity(isReadable: { _ in false })
        #expect(security == .tls(caFile: nil, certificateFile: nil, keyFile: nil, serverName: nil))
    }

    @Test("the server's certificate is checked against the host unless a name is given")
    func serverName() {
        let byHost = TernClient.Configuration.Security.tls(caFile: "ca.pem", certificateFile: "c.pem", keyFile: "k.pem", serverName: nil)
            .tlsConfiguration(host: "broker.example")
        #expect(byHost?.serverName == "broker.example")
        #expect(byHost?.trustRootsFile == "ca.pem")
        #expect(byHost?.certificateChainFile == "c.pem")
        #expect(byHost?.privateKeyFile == "k.pem")
        #expect(byHost?.role == .client)
        let named = TernClient.Configuration.Security.tls(caFile: nil, certificateFile: nil, keyFile: nil, serverName: "other")
            .tlsConfiguration(host: "10.0.0.1")
        #expect(named?.serverName == "other")
        #expect(TernClient.Configuration.Security.plaintext.tlsConfiguration(host: "x") == nil)
    }
}
