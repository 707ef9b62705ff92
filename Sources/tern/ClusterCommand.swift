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

    @Option(help: ArgumentHelp("etcd's client URLs, http://host:port, comma-separated.", valueName: "url,..."))
    var etcd: String

    @Option(help: ArgumentHelp("The cluster's name, as given to ternd --cluster.", valueName: "name"))
    var cluster: String

    func validate() throws {
        do {
            _ = try EtcdEndpoint.list(parsing: etcd)
        } catch {
            throw ValidationError("--etcd: URL \(error)")
        }
    }

    func run() async throws {
        let keys = ClusterKeys(cluster: cluster)
        let range: EtcdRange
        do {
            range = try await EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd)).get(prefix: keys.members)
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
