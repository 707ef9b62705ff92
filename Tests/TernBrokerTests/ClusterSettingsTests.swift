import Configuration
import Testing
import TernBroker

/// The cluster's settings, read as every other setting: each alone, then together.
@Suite struct ClusterSettingsTests {
    private func refusal(_ values: [String: String]) async -> String? {
        let provider = InMemoryProvider(values: Dictionary(uniqueKeysWithValues: values.map { key, text in
            (AbsoluteConfigKey([key]), ConfigValue(.string(text), isSecret: false))
        }))
        do {
            _ = try await BrokerSettings(config: ConfigReader(provider: provider))
            return nil
        } catch {
            return error.description
        }
    }

    private let cluster = ["cluster": "c1", "etcd": "http://127.0.0.1:2379", "cluster-listen": "127.0.0.1:8377"]

    @Test func aClusterNeedsEtcdAndARouteAddressOthersCanReach() async {
        #expect(await refusal(cluster) == nil)
        #expect(await refusal(cluster.filter { $0.key != "etcd" }) == "etcd is required by cluster")
        #expect(await refusal(cluster.filter { $0.key != "cluster-listen" }) == "cluster-listen is required by cluster")
        #expect(await refusal(cluster.merging(["cluster-listen": "0.0.0.0:8377"]) { $1 }) == "cluster-advertise is required when cluster-listen's host is 0.0.0.0")
        #expect(await refusal(cluster.merging(["cluster-listen": "0.0.0.0:8377", "cluster-advertise": "10.1.2.3:8377"]) { $1 }) == nil)
        #expect(await refusal(["etcd": "http://127.0.0.1:2379"]) == "cluster is required by every etcd and cluster setting")
        #expect(await refusal(cluster.merging(["etcd-cert": "c.pem"]) { $1 }) == "etcd-cert and etcd-key go together")
        #expect(await refusal(cluster.merging(["etcd-ca": "ca.pem"]) { $1 }) == "etcd must have an https:// URL when etcd-ca, etcd-cert or etcd-key is given")
        #expect(await refusal(cluster.merging(["etcd": "https://e:2379", "etcd-ca": "ca.pem", "etcd-cert": "c.pem", "etcd-key": "c.key"]) { $1 }) == nil)
        let routeTLS = ["cluster-tls-cert": "n.pem", "cluster-tls-key": "n.key", "cluster-tls-ca": "ca.pem"]
        #expect(await refusal(cluster.merging(routeTLS) { $1 }) == nil)
        #expect(await refusal(cluster.merging(routeTLS.filter { $0.key != "cluster-tls-ca" }) { $1 }) == "cluster-tls-cert goes with cluster-tls-key and cluster-tls-ca: give all three or none")
        #expect(await refusal(routeTLS) == "cluster is required by every etcd and cluster setting")
    }

    @Test func eachValueIsCheckedInOneLine() async {
        #expect(await refusal(cluster.merging(["cluster": "a/b"]) { $1 }) == "cluster may hold only letters, digits, - and _")
        #expect(await refusal(cluster.merging(["cluster": ""]) { $1 }) == "cluster must be 1 to 64 characters")
        #expect(await refusal(cluster.merging(["etcd": "127.0.0.1:2379"]) { $1 }) == "etcd URL '127.0.0.1:2379' must start with http:// or https://")
        #expect(await refusal(cluster.merging(["etcd": "http://e:2379,"]) { $1 }) == "etcd URL '' must start with http:// or https://")
        #expect(await refusal(cluster.merging(["cluster-lease-ttl": "1s"]) { $1 }) == "cluster-lease-ttl must be between 2s and 1h, not 1s")
        #expect(await refusal(cluster.merging(["cluster-lease-ttl": "2.5s"]) { $1 }) == "cluster-lease-ttl must be whole seconds, not 2500ms")
        #expect(await refusal(cluster.merging(["cluster-advertise": "h:0"]) { $1 }) == "cluster-advertise must name a port")
    }

    @Test func clientAddressesToAdvertiseAreAListOfAddressesWithPorts() async {
        #expect(await refusal(["client-advertise": "10.0.0.1:8376, [::1]:9000"]) == nil)
        #expect(await refusal(cluster.merging(["client-advertise": "10.0.0.1:8376"]) { $1 }) == nil)
        for text in ["10.0.0.1", "10.0.0.1:8376,h:0", "", "10.0.0.1:8376,,"] {
            #expect(await refusal(["client-advertise": text]) == "client-advertise must be host:port addresses with a port, comma-separated", "\(text)")
        }
    }
}
