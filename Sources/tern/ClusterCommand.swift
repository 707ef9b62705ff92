import ArgumentParser
import TernCluster
import TernCommandSupport
import TernEtcd

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
        abstract: "List a cluster's live members, as etcd holds them: id, route address, client address."
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
        print("cluster \(cluster): \(members.count) member\(members.count == 1 ? "" : "s")")
        for member in members {
            print("\(member.id)  route \(member.route)  clients \(member.client)")
        }
    }
}
