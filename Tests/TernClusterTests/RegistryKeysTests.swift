import TernCluster
import Testing

/// The registry's keys in etcd and the JSON records under them (CLUSTER.md, "Schema registry
/// in etcd").
@Suite struct RegistryKeysTests {
    private let keys = ClusterKeys(cluster: "east")

    @Test func registryKeysLiveUnderTheClustersRegistryPrefix() {
        #expect(keys.registry == "/tern/clusters/east/registry/")
        #expect(keys.subject("orders") == "/tern/clusters/east/registry/subjects/orders")
        #expect(keys.version(12, ofSubject: "orders") == "/tern/clusters/east/registry/versions/orders/0000000012")
        #expect(keys.version(.max, ofSubject: "orders") == "/tern/clusters/east/registry/versions/orders/4294967295")
        #expect(keys.binding("orders.placed") == "/tern/clusters/east/registry/bindings/orders.placed")
        #expect(keys.lastSubjectID == "/tern/clusters/east/registry/last-subject-id")
    }

    @Test func eachKeySaysWhatItIsEvenWithSlashesInNames() {
        let named: [(String, ClusterKeys.RegistryKey)] = [
            (keys.subject("orders"), .subject("orders")),
            (keys.subject("com/example/Order"), .subject("com/example/Order")),
            (keys.version(3, ofSubject: "orders"), .version(subject: "orders", number: 3)),
            (keys.version(1, ofSubject: "a/b"), .version(subject: "a/b", number: 1)),
            (keys.binding("orders.placed"), .binding(topic: "orders.placed")),
            (keys.lastSubjectID, .lastSubjectID),
        ]
        for (key, expected) in named {
            #expect(keys.registryKey(of: key) == expected, "\(key)")
        }
        for key in [
            "/tern/clusters/west/registry/subjects/orders", "/tern/clusters/east/registry/subjects/",
            "/tern/clusters/east/registry/versions/orders/3", "/tern/clusters/east/registry/versions/orders/0000000000",
            "/tern/clusters/east/registry/versions/orders/00000000x1", "/tern/clusters/east/registry/versions/0000000001",
            "/tern/clusters/east/registry/other", "/tern/clusters/east/members/abc",
        ] {
            #expect(keys.registryKey(of: key) == nil, "\(key)")
        }
    }

    @Test func recordsAreTheDocumentedJSON() {
        let subject = SubjectRecord(id: 7, mode: "BACKWARD", versions: 2)
        #expect(String(decoding: subject.encoded, as: UTF8.self).sortedJSONFields == #"{"id":7,"mode":"BACKWARD","versions":2}"#.sortedJSONFields)
        #expect(SubjectRecord(json: subject.encoded) == subject)
        #expect(SubjectRecord(json: Array(#"{"versions": 1, "mode": "NONE", "id": 3}"#.utf8)) == SubjectRecord(id: 3, mode: "NONE", versions: 1))

        let version = VersionRecord(definition: "record Order {\n  id: string\n}")
        #expect(String(decoding: version.encoded, as: UTF8.self) == #"{"definition":"record Order {\n  id: string\n}"}"#)
        #expect(VersionRecord(json: version.encoded) == version)
        #expect(String(decoding: BindingRecord(subject: "orders").encoded, as: UTF8.self) == #"{"subject":"orders"}"#)
        #expect(BindingRecord(json: Array(#"{"subject":"orders"}"#.utf8)) == BindingRecord(subject: "orders"))
        #expect(String(decoding: SubjectIDRecord(id: 41).encoded, as: UTF8.self) == #"{"id":41}"#)
        #expect(SubjectIDRecord(json: Array(#"{"id":41}"#.utf8)) == SubjectIDRecord(id: 41))
    }

    @Test func aValueOfAnotherShapeIsNoRecord() {
        for json in ["", "not json", "[]", #"{"id":7,"mode":"BACKWARD"}"#, #"{"id":-1,"mode":"BACKWARD","versions":1}"#, #"{"id":"7","mode":"BACKWARD","versions":1}"#] {
            #expect(SubjectRecord(json: Array(json.utf8)) == nil, "\(json)")
        }
        #expect(VersionRecord(json: Array(#"{"definition":3}"#.utf8)) == nil)
        #expect(BindingRecord(json: Array("{}".utf8)) == nil)
        #expect(SubjectIDRecord(json: Array(#"{"id":4294967296}"#.utf8)) == nil)
    }
}

extension String {
    /// The fields of a flat JSON object, sorted: the same for any order of its keys.
    fileprivate var sortedJSONFields: [Substring] {
        dropFirst().dropLast().split(separator: ",").sorted()
    }
}
