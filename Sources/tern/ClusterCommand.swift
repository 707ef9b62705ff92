import ArgumentParser
import TernCluster
import TernCommandSupport
import TernEtcd
import TernMonitoring

/// `tern cluster …`: a cluster of brokers, as etcd holds it.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Look at a cluster of brokers (Protocol/CLUSTER.md).",
        subcommands: [ClusterStatusCommand.self]
    )
}

/// `tern cluster status`: the members etcd holds for a cluster, one line each.
struct ClusterStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List a cluster's live members, as etcd holds them: id, route address, client address.",
        discussion: """
            With --monitor, the routes of the nodes whose monitoring listeners those are (ternd --monitor) follow \
            their member's line: one line per other member, with the route's state, messages and bytes each way, \
            the peer's interest entries and resyncs. A listener that cannot be read is named on standard error, \
            and the members are listed all the same.
            """
    )

    @Option(help: ArgumentHelp("etcd's client URLs, http://host:port or https://host:port, comma-separated.", valueName: "url,..."))
    var etcd: String

    @Option(name: .customLong("etcd-ca"), help: ArgumentHelp("CAs (PEM) that https:// etcd endpoints are verified against; by default the system's.", valueName: "file"))
    var etcdCAFile: String?

    @Option(name: .customLong("etcd-cert"), help: ArgumentHelp("Certificate (PEM) presented to etcd when it requires one.", valueName: "file"))
    var etcdCertificateFile: String?

    @Option(name: .customLong("etcd-key"), help: ArgumentHelp("Private key of --etcd-cert (PEM).", valueName: "file"))
    var etcdKeyFile: String?

    @Option(help: ArgumentHelp("The cluster's name, as given to ternd --cluster.", valueName: "name"))
    var cluster: String

    @Option(help: ArgumentHelp("Monitoring listeners of nodes (ternd --monitor), comma-separated: their routes are printed too.", valueName: "host:port,..."))
    var monitor: ServerList?

    func validate() throws {
        do {
            _ = try EtcdEndpoint.list(parsing: etcd)
        } catch {
            throw ValidationError("--etcd: URL \(error)")
        }
        guard (etcdCertificateFile == nil) == (etcdKeyFile == nil) else { throw ValidationError("--etcd-cert and --etcd-key go together") }
    }

    func run() async throws {
        let keys = ClusterKeys(cluster: cluster)
        let range: EtcdRange
        do {
            let endpoints = try EtcdEndpoint.list(parsing: etcd)
            let tls = endpoints.contains(where: \.usesTLS)
                ? try EtcdClient.tlsContext(trustRootsFile: etcdCAFile, certificateFile: etcdCertificateFile, privateKeyFile: etcdKeyFile)
                : nil
            range = try await EtcdClient(endpoints: endpoints, tls: tls).get(prefix: keys.members)
        } catch {
            StandardError.writeLine("tern cluster status: \(error)")
            throw ExitCode.failure
        }
        let members = range.keyValues.compactMap(keys.member(at:))
        let routes = await routesByMember()
        print("cluster \(cluster): \(members.count) member\(members.count == 1 ? "" : "s")")
        for member in members {
            print("\(member.id)  route \(member.route)  clients \(member.client)")
            for route in routes[member.id] ?? [] {
                print("  to \(route.peer)  \(route.state)" + (route.direction.map { " (\($0))" } ?? "")
                    + "  out \(route.messagesOut) msgs \(route.bytesOut) B  in \(route.messagesIn) msgs \(route.bytesIn) B"
                    + "  interest \(route.interest)  resyncs \(route.resyncs)")
            }
        }
    }

    /// The routes each node given by `--monitor` reports, by its member id; a listener that
    /// cannot be read, or whose broker is not of this cluster, is named on standard error.
    private func routesByMember() async -> [String: [ClusterStats.Route]] {
        var routes: [String: [ClusterStats.Route]] = [:]
        for address in monitor?.addresses ?? [] {
            do {
                let response = try await MonitorClient(address: address).get("/stats")
                guard response.status == 200 else {
                    StandardError.writeLine("tern cluster status: the monitoring listener at \(address) answered \(response.status)")
                    continue
                }
                guard let stats = try MonitorJSON.decode(ServerStats.self, from: response.body).cluster, stats.name == cluster else {
                    StandardError.writeLine("tern cluster status: the broker at \(address) is not a node of cluster \(cluster)")
                    continue
                }
                routes[stats.memberID] = stats.routes
            } catch {
                StandardError.writeLine("tern cluster status: monitoring listener at \(address): \(error)")
            }
        }
        return routes
    }
}
