#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TernEtcd
import TernTLS

/// The TLS of a node's routes (CLUSTER.md, "Connecting"): TLS 1.3, mutual authentication
/// against one CA, ALPN `tern-route/1`. With the cluster's TLS files, every node presents its
/// certificate; without them (development), the cluster's CA is kept in etcd, created by the
/// first node, and every node issues its own certificates from it.
struct RouteTLS: Sendable {
    /// For the routes this node accepts.
    var server: TLSContext
    /// For the routes this node dials.
    var client: TLSContext

    /// The ALPN protocol of routes.
    static let alpn = "tern-route/1"

    /// The contexts from the cluster's TLS files, or from the development CA in etcd.
    ///
    /// - Throws: ``RouteSetupError`` when the files cannot be used, or etcd cannot give or
    ///   keep the development CA.
    static func contexts(for membership: ClusterMembership, logger: Logger) async throws(RouteSetupError) -> RouteTLS {
        let settings = membership.settings
        if let certificate = settings.routeCertificateFile, let key = settings.routeKeyFile, let ca = settings.routeCAFile {
            do {
                return try RouteTLS(certificateFile: certificate, keyFile: key, caFile: ca)
            } catch {
                throw RouteSetupError("cluster TLS: \(error)")
            }
        }
        logger.warning(
            "routes use the cluster's development CA kept in etcd: anyone who can read etcd can join the cluster; give cluster-tls-cert, cluster-tls-key and cluster-tls-ca outside development",
            metadata: ["key": "\(membership.keys.developmentCA)"]
        )
        let authority = try await developmentCA(for: membership)
        do {
            return try issued(by: authority, to: membership.member.id)
        } catch {
            throw RouteSetupError("cluster development TLS: \(error)")
        }
    }

    /// Contexts presenting the certificate in `certificateFile` (with both serverAuth and
    /// clientAuth, or no extended key usage) and requiring peers signed by `caFile`.
    init(certificateFile: String, keyFile: String, caFile: String) throws(TLSError) {
        var serverConfiguration = TLSConfiguration.server(
            certificateChainFile: certificateFile, privateKeyFile: keyFile, clientAuthentication: .required, clientCAFile: caFile
        )
        var clientConfiguration = TLSConfiguration.client(serverName: nil, trustRootsFile: caFile, certificateChainFile: certificateFile, privateKeyFile: keyFile)
        serverConfiguration.applicationProtocols = [Self.alpn]
        clientConfiguration.applicationProtocols = [Self.alpn]
        serverConfiguration.minimumVersion = .tls13
        clientConfiguration.minimumVersion = .tls13
        self.server = try TLSContext(configuration: serverConfiguration)
        self.client = try TLSContext(configuration: clientConfiguration)
    }

    /// Contexts with a certificate that `authority` issues for member `id`, through files in a
    /// private temporary directory that is removed once they are loaded.
    private static func issued(by authority: TLSCertificateAuthority, to id: String) throws -> RouteTLS {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ternd-route-tls-\(id)-\(UInt32.random(in: .min ... .max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ca = directory + "/ca.pem"
        guard FileManager.default.createFile(atPath: ca, contents: Data(authority.credential.certificatePEM.utf8)) else {
            throw RouteSetupError("cannot write \(ca)")
        }
        try authority.issuePeerCertificate(commonName: id).write(certificateFile: directory + "/node.pem", privateKeyFile: directory + "/node.key")
        return try RouteTLS(certificateFile: directory + "/node.pem", keyFile: directory + "/node.key", caFile: ca)
    }

    /// The cluster's development CA: the one in etcd, else a new one written there by a
    /// transaction that writes only where no key exists, so that two first nodes agree on one.
    private static func developmentCA(for membership: ClusterMembership) async throws(RouteSetupError) -> TLSCertificateAuthority {
        let key = membership.keys.developmentCA
        do {
            let created = try TLSCertificateAuthority.generate(commonName: "Tern cluster \(membership.keys.cluster) development CA")
            let record = DevelopmentCA(certificate: created.credential.certificatePEM, key: created.credential.privateKeyPEM)
            let result = try await membership.etcd.transaction(
                if: [.equal(key, .version(0))], then: [.put(key: key, value: record.encoded, lease: nil)], else: [.get(key: key)]
            )
            if result.succeeded { return created }
            guard let stored = result.reads.first?.first, let existing = DevelopmentCA(json: stored.value) else {
                throw RouteSetupError("\(key) in etcd does not hold a development CA")
            }
            return try TLSCertificateAuthority(credential: TLSCredential(certificatePEM: existing.certificate, privateKeyPEM: existing.key))
        } catch let error as RouteSetupError {
            throw error
        } catch {
            throw RouteSetupError("cluster development CA (\(key)): \(error)")
        }
    }
}

/// The value of the development CA's key in etcd: its certificate and private key, in PEM.
private struct DevelopmentCA: Codable {
    var certificate: String
    var key: String

    init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    init?(json: [UInt8]) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(json)) else { return nil }
        self = decoded
    }

    var encoded: [UInt8] {
        // Two strings always encode.
        (try? Array(JSONEncoder().encode(self))) ?? []
    }
}

/// Why a node's routes cannot start: one line.
public struct RouteSetupError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
