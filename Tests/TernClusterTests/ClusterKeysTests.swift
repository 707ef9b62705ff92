import TernCluster
import TernEtcd
import Testing

/// The cluster's keys in etcd and the member records under them (CLUSTER.md, section 1).
@Suite struct ClusterKeysTests {
    private let keys = ClusterKeys(cluster: "east")

    private func keyValue(_ key: String, _ value: String) -> EtcdKeyValue {
        EtcdKeyValue(key: key, value: Array(value.utf8), createRevision: 1, modRevision: 1, version: 1, lease: 7)
    }

    @Test func membersLiveUnderTheClustersPrefix() {
        #expect(keys.members == "/tern/clusters/east/members/")
        #expect(keys.member("00ff00ff00ff00ff") == "/tern/clusters/east/members/00ff00ff00ff00ff")
        #expect(keys.memberID(of: keys.member("abc")) == "abc")
        for key in ["/tern/clusters/west/members/abc", "/tern/clusters/east/members/", "/tern/clusters/east/members/a/b"] {
            #expect(keys.memberID(of: key) == nil, "\(key)")
        }
    }

    @Test func aMemberRecordRoundTripsAndMustNameItsKey() {
        let member = ClusterMember(id: ClusterMember.newID(), route: "10.0.0.1:8377", client: "10.0.0.1:8376")
        #expect(member.id.count == 16 && member.id.allSatisfy(\.isHexDigit) && member.id == member.id.lowercased())
        let stored = EtcdKeyValue(key: keys.member(member.id), value: member.encoded, createRevision: 1, modRevision: 1, version: 1, lease: 7)
        #expect(keys.member(at: stored) == member)
        #expect(keys.member(at: keyValue(keys.member("other"), String(decoding: member.encoded, as: UTF8.self))) == nil, "another key's record")
        #expect(keys.member(at: keyValue(keys.member(member.id), "not json")) == nil)
        #expect(keys.member(at: keyValue(keys.member(member.id), #"{"id":"\#(member.id)"}"#)) == nil, "fields missing")
    }
}
