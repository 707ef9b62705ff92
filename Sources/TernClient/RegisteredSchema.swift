import TernProtocol

/// One version of a subject in the broker's schema registry.
public struct RegisteredSchema: Sendable, Hashable {
    /// The subject the version belongs to, e.g. `"orders"`.
    public var subject: String
    /// The subject's registry id and this version's number: what publishes carry.
    public var reference: SchemaReference
    /// The 64-bit fingerprint of the schema's canonical form (Protocol/SCHEMAS.md).
    public var fingerprint: UInt64
    /// The subject's compatibility mode.
    public var mode: CompatibilityMode
    /// The schema's text as the broker returns it.
    public var definition: String

    public init(subject: String, reference: SchemaReference, fingerprint: UInt64, mode: CompatibilityMode, definition: String) {
        self.subject = subject
        self.reference = reference
        self.fingerprint = fingerprint
        self.mode = mode
        self.definition = definition
    }

    /// The version's number within its subject, starting at 1.
    public var version: UInt32 { reference.version }
}

/// A subject of the broker's schema registry and its versions.
public struct SchemaSubject: Sendable, Hashable {
    public var name: String
    /// The id publishes name the subject by (``SchemaReference/subjectID``).
    public var subjectID: UInt32
    public var mode: CompatibilityMode
    /// The version numbers, ascending.
    public var versions: [UInt32]

    public init(name: String, subjectID: UInt32, mode: CompatibilityMode, versions: [UInt32]) {
        self.name = name
        self.subjectID = subjectID
        self.mode = mode
        self.versions = versions
    }
}

extension RegisteredSchema {
    init(_ info: Frame.SchemaInfo) {
        self.init(subject: info.subject, reference: info.reference, fingerprint: info.fingerprint, mode: info.mode, definition: info.definition)
    }
}
