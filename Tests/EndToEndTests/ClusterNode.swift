import Foundation
import TernChildProcesses
import TernTLS

extension RunningDaemon {
    /// A `ternd` node of cluster `e2e` reaching `etcd`, with a two-second lease and a free route
    /// port.
    static func clusterNode(etcd: EtcdProcess, _ arguments: [String] = []) async throws -> RunningDaemon {
        let route = try await Loopback.freePort()
        return try await RunningDaemon.start([
            "--cluster", "e2e", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
        ] + arguments)
    }
}

/// Cluster TLS files (`--cluster-tls-cert`, `--cluster-tls-key`, `--cluster-tls-ca`) in a
/// temporary directory the daemons can read: a node given them needs no development CA from etcd.
struct ClusterTLSFiles {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-route-tls-" + UUID().uuidString)

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    /// The arguments of a node whose certificate CA `name` issued; the same name, the same CA.
    func arguments(forCA name: String) throws -> [String] {
        let path = { (file: String) in directory.appendingPathComponent("\(name)-\(file)").path }
        let (ca, certificate, key) = (path("ca.pem"), path("node.pem"), path("node.key"))
        if !FileManager.default.fileExists(atPath: ca) {
            let authority = try TLSCertificateAuthority.generate(commonName: "\(name) CA")
            try authority.issuePeerCertificate(commonName: name).write(certificateFile: certificate, privateKeyFile: key)
            try Data(authority.credential.certificatePEM.utf8).write(to: URL(fileURLWithPath: ca))
            for file in [ca, certificate, key] { try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file) }
        }
        return ["--cluster-tls-cert", certificate, "--cluster-tls-key", key, "--cluster-tls-ca", ca]
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
