/// Where the schema registry of a cluster lives in etcd (CLUSTER.md, "Schema registry in
/// etcd"): everything under `/tern/clusters/NAME/registry/`.
extension ClusterKeys {
    /// One key of the registry, as its path says.
    public enum RegistryKey: Sendable, Hashable {
        /// A subject's record (``SubjectRecord``): its id, mode and number of versions.
        case subject(String)
        /// One version of a subject (``VersionRecord``).
        case version(subject: String, number: UInt32)
        /// A topic's binding to a subject (``BindingRecord``).
        case binding(topic: String)
        /// The last subject id given (``SubjectIDRecord``).
        case lastSubjectID
    }

    /// The prefix of every registry key.
    public var registry: String { root + "registry/" }

    private var subjects: String { registry + "subjects/" }
    private var versions: String { registry + "versions/" }
    private var bindings: String { registry + "bindings/" }

    /// The key of the subject named `name`.
    public func subject(_ name: String) -> String { subjects + name }

    /// The key of version `number` of subject `name`: the number in ten digits, so that the
    /// versions of a subject sort in order.
    public func version(_ number: UInt32, ofSubject name: String) -> String {
        let digits = String(number)
        return versions + name + "/" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// The key of `topic`'s binding.
    public func binding(_ topic: String) -> String { bindings + topic }

    /// The key of the last subject id given.
    public var lastSubjectID: String { registry + "last-subject-id" }

    /// What a key under ``registry`` is, or `nil` when it is none of the registry's keys.
    public func registryKey(of key: String) -> RegistryKey? {
        if key == lastSubjectID { return .lastSubjectID }
        if let name = Self.rest(of: key, after: subjects) { return .subject(name) }
        if let topic = Self.rest(of: key, after: bindings) { return .binding(topic: topic) }
        guard let path = Self.rest(of: key, after: versions), let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[..<slash], digits = path[path.index(after: slash)...]
        guard !name.isEmpty, digits.count == 10, digits.allSatisfy(\.isASCII), let number = UInt32(digits), number > 0 else { return nil }
        return .version(subject: String(name), number: number)
    }

    /// What follows `prefix` in `key`, when `key` starts with it and something follows.
    private static func rest(of key: String, after prefix: String) -> String? {
        guard key.hasPrefix(prefix), key.utf8.count > prefix.utf8.count else { return nil }
        return String(key.dropFirst(prefix.count))
    }
}
