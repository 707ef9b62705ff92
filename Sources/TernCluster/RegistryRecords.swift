#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value of the registry's keys in etcd, in JSON (CLUSTER.md, "Schema registry in etcd").
public protocol RegistryRecord: Codable, Sendable, Hashable {}

extension RegistryRecord {
    /// The record's JSON.
    public var encoded: [UInt8] {
        // Records hold only strings and integers, which always encode.
        (try? Array(JSONEncoder().encode(self))) ?? []
    }

    /// The record in a key's value, or `nil` when the value is not this record's JSON.
    public init?(json: [UInt8]) {
        guard let record = try? JSONDecoder().decode(Self.self, from: Data(json)) else { return nil }
        self = record
    }
}

/// A subject: its id, its compatibility mode, and how many versions it has (numbered from 1,
/// each under its own key). Every change of the subject rewrites it, so that a transaction that
/// compares its revision sees any change made meanwhile.
public struct SubjectRecord: RegistryRecord {
    public var id: UInt32
    /// The mode's name, as PROTOCOL.md writes it (`BACKWARD`).
    public var mode: String
    public var versions: UInt32

    public init(id: UInt32, mode: String, versions: UInt32) {
        self.id = id
        self.mode = mode
        self.versions = versions
    }
}

/// One version of a subject: its definition as registered. Never changed once written.
public struct VersionRecord: RegistryRecord {
    public var definition: String

    public init(definition: String) {
        self.definition = definition
    }
}

/// The subject a topic is bound to.
public struct BindingRecord: RegistryRecord {
    public var subject: String

    public init(subject: String) {
        self.subject = subject
    }
}

/// The last subject id given: a new subject takes the next one.
public struct SubjectIDRecord: RegistryRecord {
    public var id: UInt32

    public init(id: UInt32) {
        self.id = id
    }
}
