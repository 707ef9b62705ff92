import TernEtcd
import TernProtocol
import TernSettingValues

/// How a broker joins a cluster of brokers (CLUSTER.md): the cluster's name, the etcd that
/// holds its membership, and the address its routes to the other nodes use. A broker with no
/// cluster name runs alone, as if no other setting here were given.
public struct ClusterSettings: Sendable, Hashable {
    /// The cluster's name, part of its etcd keys; `nil` for a broker that runs alone.
    public var name: String?
    /// etcd's client URLs, tried in order.
    public var etcd: [EtcdEndpoint] = []
    /// The CAs (PEM) that `https://` etcd endpoints are verified against; the system's when `nil`.
    public var etcdCAFile: String?
    /// The certificate (PEM) and key presented to etcd when it requires client certificates.
    public var etcdCertificateFile: String?
    public var etcdKeyFile: String?
    /// Where this node accepts routes from the other nodes.
    public var listen: ServerAddress?
    /// The address the other nodes reach ``listen`` at, when not the same.
    public var advertise: ServerAddress?
    /// The certificate (PEM) and key this node presents on its routes, and the CA (PEM) the
    /// other nodes' certificates must be signed by; without them (development), the cluster's
    /// CA is kept in etcd and each node issues its own certificate from it.
    public var routeCertificateFile: String?
    public var routeKeyFile: String?
    public var routeCAFile: String?
    /// The TTL of the lease this node registers under: the others drop it this long after its
    /// last keep-alive.
    public var leaseTTL: Duration = .seconds(10)

    public init() {}

    /// Whether the broker is a node of a cluster.
    public var isEnabled: Bool { name != nil }

    /// The route address the other nodes connect to: ``advertise``, else ``listen``.
    public var routeAddress: ServerAddress? { advertise ?? listen }

    /// The longest cluster name.
    static let maxNameLength = 64

    /// Why `name` cannot name a cluster, or `nil` when it can: 1 to 64 letters, digits, `-` or `_`.
    static func problem(withName name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= maxNameLength else { return "must be 1 to \(maxNameLength) characters" }
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
        return allowed ? nil : "may hold only letters, digits, - and _"
    }

    /// Checks what the settings need of each other: a cluster needs etcd and a route address
    /// that the others can reach; without a cluster, none of the other settings means anything.
    func checkCombinations() throws(BrokerSettingError) {
        guard isEnabled else {
            let routeFiles = [routeCertificateFile, routeKeyFile, routeCAFile].compactMap(\.self)
            if !etcd.isEmpty || listen != nil || advertise != nil || etcdCAFile != nil || etcdCertificateFile != nil || etcdKeyFile != nil || !routeFiles.isEmpty {
                throw BrokerSettingError(key: ["cluster"], problem: .refused("is required by every etcd and cluster setting"))
            }
            return
        }
        if etcd.isEmpty {
            throw BrokerSettingError(key: ["etcd"], problem: .refused("is required by cluster"))
        }
        guard (etcdCertificateFile == nil) == (etcdKeyFile == nil) else {
            throw BrokerSettingError(key: ["etcd-cert"], problem: .refused("and etcd-key go together"))
        }
        if etcdCAFile != nil || etcdCertificateFile != nil, !etcd.contains(where: \.usesTLS) {
            throw BrokerSettingError(key: ["etcd"], problem: .refused("must have an https:// URL when etcd-ca, etcd-cert or etcd-key is given"))
        }
        let routeFiles = [routeCertificateFile, routeKeyFile, routeCAFile].compactMap(\.self)
        guard routeFiles.isEmpty || routeFiles.count == 3 else {
            throw BrokerSettingError(key: ["cluster-tls-cert"], problem: .refused("goes with cluster-tls-key and cluster-tls-ca: give all three or none"))
        }
        guard let listen else {
            throw BrokerSettingError(key: ["cluster-listen"], problem: .refused("is required by cluster"))
        }
        if advertise == nil, Self.isUnspecified(listen.host) {
            throw BrokerSettingError(key: ["cluster-advertise"], problem: .refused("is required when cluster-listen's host is \(listen.host)"))
        }
    }

    /// Whether `host` is the address of every interface, which no peer can connect to.
    public static func isUnspecified(_ host: String) -> Bool {
        ["0.0.0.0", "::", "0:0:0:0:0:0:0:0"].contains(host)
    }
}

extension BrokerSetting {
    /// The settings of ``ClusterSettings``.
    static let cluster: [BrokerSetting] = [
        BrokerSetting(
            "cluster", form: .text, valueName: "name", default: "none: the broker runs alone",
            help: "Join the cluster of this name (letters, digits, - and _), whose members etcd holds.",
            parse: { $0 }, refusing: { name, _ in ClusterSettings.problem(withName: name) },
            store: { name, settings in settings.cluster.name = name }
        ),
        BrokerSetting(
            "etcd", form: .text, valueName: "url,...", default: "none", help: "etcd's client URLs, http://host:port or https://host:port, comma-separated.",
            parse: { text in Result { () throws(EtcdEndpointError) in try EtcdEndpoint.list(parsing: text) } },
            refusing: { endpoints, _ in
                guard case .failure(let error) = endpoints else { return nil }
                return "URL \(error)"
            },
            store: { endpoints, settings in settings.cluster.etcd = (try? endpoints.get()) ?? [] }
        ),
        .file("etcd-ca", \.cluster.etcdCAFile, default: "the system's CAs", help: "CAs (PEM) that https:// etcd endpoints are verified against."),
        .file("etcd-cert", \.cluster.etcdCertificateFile, default: "none", help: "Certificate (PEM) presented to etcd when it requires client certificates."),
        .file("etcd-key", \.cluster.etcdKeyFile, default: "none", help: "Private key of etcd-cert (PEM)."),
        BrokerSetting(
            "cluster-listen", form: .address, valueName: "host:port", default: "none", help: "Address to accept routes from the cluster's other nodes on.",
            parse: { ServerAddress($0) }, store: { address, settings in settings.cluster.listen = address }
        ),
        BrokerSetting(
            "cluster-advertise", form: .address, valueName: "host:port", default: "cluster-listen",
            help: "Address the other nodes reach cluster-listen at, when not the same.",
            parse: { ServerAddress($0) }, refusing: { address, _ in address.port == 0 ? "must name a port" : nil },
            store: { address, settings in settings.cluster.advertise = address }
        ),
        .file(
            "cluster-tls-cert", \.cluster.routeCertificateFile, default: "none: a development CA kept in etcd",
            help: "Certificate (PEM) this node presents on its routes, for both ends (serverAuth and clientAuth)."
        ),
        .file("cluster-tls-key", \.cluster.routeKeyFile, default: "none", help: "Private key of cluster-tls-cert (PEM)."),
        .file("cluster-tls-ca", \.cluster.routeCAFile, default: "none", help: "CA (PEM) that the other nodes' route certificates must be signed by."),
        BrokerSetting(
            "cluster-lease-ttl", form: .duration, valueName: "duration", default: "10s",
            help: "How long after this node's last keep-alive to etcd the others drop it (whole seconds).",
            parse: { HumanDuration($0) },
            refusing: { ttl, _ in
                SettingRange.problem(with: ttl, in: .seconds(2)...Duration.seconds(3600), allowingZero: false)
                    ?? (ttl.duration.components.attoseconds == 0 ? nil : "must be whole seconds, not \(ttl)")
            },
            store: { ttl, settings in settings.cluster.leaseTTL = .seconds(ttl.duration.components.seconds) }
        ),
    ]
}
