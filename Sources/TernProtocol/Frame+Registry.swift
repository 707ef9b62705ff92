extension Frame {
    /// SCHEMA_REGISTER (client → server): register a schema version under a subject.
    /// Answered by SCHEMA_INFO, or REGISTRY_RESULT on failure.
    public struct RegisterSchema: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String
        /// The schema in the text form of SCHEMAS.md.
        public var definition: String

        public init(operationID: UInt64, subject: String, definition: String) {
            self.operationID = operationID
            self.subject = subject
            self.definition = definition
        }
    }

    /// SCHEMA_GET (client → server): fetch one version (0 = the latest). Answered by SCHEMA_INFO.
    public struct GetSchema: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String
        public var version: UInt32

        public init(operationID: UInt64, subject: String, version: UInt32 = 0) {
            self.operationID = operationID
            self.subject = subject
            self.version = version
        }
    }

    /// SCHEMA_LIST (client → server): list all subjects, or one when ``subject`` is not empty.
    /// Answered by SCHEMA_LIST_RESULT.
    public struct ListSchemas: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String

        public init(operationID: UInt64, subject: String = "") {
            self.operationID = operationID
            self.subject = subject
        }
    }

    /// SCHEMA_SET_MODE (client → server): set a subject's compatibility mode.
    /// Answered by REGISTRY_RESULT.
    public struct SetCompatibility: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String
        public var mode: CompatibilityMode

        public init(operationID: UInt64, subject: String, mode: CompatibilityMode) {
            self.operationID = operationID
            self.subject = subject
            self.mode = mode
        }
    }

    /// SCHEMA_BIND (client → server): bind a topic to a subject, or unbind it when ``subject``
    /// is empty. Answered by REGISTRY_RESULT.
    public struct BindTopic: Sendable, Hashable {
        public var operationID: UInt64
        public var topic: String
        public var subject: String

        public init(operationID: UInt64, topic: String, subject: String) {
            self.operationID = operationID
            self.topic = topic
            self.subject = subject
        }
    }

    /// SCHEMA_CHECK (client → server): would this schema be accepted as the subject's next
    /// version? Answered by REGISTRY_RESULT (``ErrorCode/ok`` or the reasons it would not).
    public struct CheckSchema: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String
        public var definition: String

        public init(operationID: UInt64, subject: String, definition: String) {
            self.operationID = operationID
            self.subject = subject
            self.definition = definition
        }
    }

    /// SCHEMA_INFO (server → client): one registered version.
    public struct SchemaInfo: Sendable, Hashable {
        public var operationID: UInt64
        public var subject: String
        public var reference: SchemaReference
        /// The canonical form's 64-bit fingerprint.
        public var fingerprint: UInt64
        public var mode: CompatibilityMode
        public var definition: String

        public init(operationID: UInt64, subject: String, reference: SchemaReference, fingerprint: UInt64, mode: CompatibilityMode, definition: String) {
            self.operationID = operationID
            self.subject = subject
            self.reference = reference
            self.fingerprint = fingerprint
            self.mode = mode
            self.definition = definition
        }
    }

    /// SCHEMA_LIST_RESULT (server → client): subjects with their versions.
    public struct SchemaList: Sendable, Hashable {
        /// One subject.
        public struct Entry: Sendable, Hashable {
            public var subject: String
            public var subjectID: UInt32
            public var mode: CompatibilityMode
            public var versions: [UInt32]

            public init(subject: String, subjectID: UInt32, mode: CompatibilityMode, versions: [UInt32]) {
                self.subject = subject
                self.subjectID = subjectID
                self.mode = mode
                self.versions = versions
            }
        }

        public var operationID: UInt64
        public var entries: [Entry]

        public init(operationID: UInt64, entries: [Entry]) {
            self.operationID = operationID
            self.entries = entries
        }
    }

    /// REGISTRY_RESULT (server → client): the outcome of a registry operation that returns no data,
    /// or the failure of any registry operation.
    public struct RegistryResult: Sendable, Hashable {
        public var operationID: UInt64
        public var code: ErrorCode
        /// For a failure, what went wrong; for ``ErrorCode/incompatibleSchema``, one line per
        /// offending field and rule.
        public var message: String

        public init(operationID: UInt64, code: ErrorCode = .ok, message: String = "") {
            self.operationID = operationID
            self.code = code
            self.message = message
        }
    }
}
