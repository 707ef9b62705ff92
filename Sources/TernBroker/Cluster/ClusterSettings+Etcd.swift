import TernEtcd
import TernTLS

extension ClusterSettings {
    /// A client of the cluster's etcd, over TLS with the etcd TLS files when an endpoint is
    /// `https://`.
    ///
    /// - Throws: `TLSError` when the etcd TLS files cannot be used.
    func etcdClient() throws(TLSError) -> EtcdClient {
        let tls = etcd.contains(where: \.usesTLS)
            ? try EtcdClient.tlsContext(trustRootsFile: etcdCAFile, certificateFile: etcdCertificateFile, privateKeyFile: etcdKeyFile)
            : nil
        return EtcdClient(endpoints: etcd, tls: tls)
    }
}
