import NIOCore
import TernProtocol
import TernSchema

/// One registry frame from a client and the frame that answers it, worked out against a
/// ``SchemaRegistry``: SCHEMA_INFO, SCHEMA_LIST_RESULT or REGISTRY_RESULT, failures included.
/// Pure but for the registry itself, whose changes save to disk or commit to etcd: the
/// connection waits for a change off its event loop (see ``changesRegistry``).
struct RegistryOperation: Sendable {
    let frame: Frame
    let registry: SchemaRegistry
    let limits: Limits

    /// The frame is one of the registry's.
    static func handles(_ frame: Frame) -> Bool {
        switch frame {
        case .registerSchema, .getSchema, .listSchemas, .setCompatibility, .bindTopic, .checkSchema: true
        default: false
        }
    }

    /// Whether the operation may change the registry, and so wait for it to be saved.
    var changesRegistry: Bool {
        switch frame {
        case .registerSchema, .setCompatibility, .bindTopic: true
        default: false
        }
    }

    /// The answer to an operation that changes nothing: at once, from the registry's memory.
    func readAnswer() -> (answer: Frame, storageFailure: String?) {
        outcome { () throws(SchemaRegistry.Failure) in try read() }
    }

    /// The answer to an operation that changes the registry, once the change is saved (to disk,
    /// or committed to etcd on a cluster node).
    func changeAnswer() async -> (answer: Frame, storageFailure: String?) {
        let frame: Frame
        do throws(SchemaRegistry.Failure) {
            frame = try await change()
        } catch {
            return outcome { () throws(SchemaRegistry.Failure) in throw error }
        }
        return outcome { () throws(SchemaRegistry.Failure) in frame }
    }

    private func read() throws(SchemaRegistry.Failure) -> Frame {
        let registry = self.registry
        switch frame {
        case .getSchema(let get):
            let subject = try registry.subject(named: get.subject)
            guard let version = subject.version(get.version) else {
                throw SchemaRegistry.Failure(code: .unknownVersion, message: "subject '\(get.subject)' has no version \(get.version)")
            }
            return .schemaInfo(Self.info(get.operationID, subject, version))
        case .listSchemas(let list):
            let entries = try registry.subjects(named: list.subject).map {
                Frame.SchemaList.Entry(subject: $0.name, subjectID: $0.id, mode: $0.mode, versions: $0.versions.map(\.number))
            }
            return .schemaList(Frame.SchemaList(operationID: list.operationID, entries: entries))
        case .checkSchema(let check):
            try registry.check(subject: check.subject, definition: check.definition)
            return .registryResult(Frame.RegistryResult(operationID: check.operationID))
        default:
            throw SchemaRegistry.Failure(code: .internalError, message: "not a registry operation that reads")
        }
    }

    private func change() async throws(SchemaRegistry.Failure) -> Frame {
        let registry = self.registry
        switch frame {
        case .registerSchema(let register):
            try checkInfoFits(register)
            let (subject, version) = try await registry.register(subject: register.subject, definition: register.definition)
            return .schemaInfo(Self.info(register.operationID, subject, version))
        case .setCompatibility(let set):
            try await registry.setMode(set.mode, subject: set.subject)
            return .registryResult(Frame.RegistryResult(operationID: set.operationID))
        case .bindTopic(let bind):
            try await registry.bind(topic: bind.topic, subject: bind.subject)
            return .registryResult(Frame.RegistryResult(operationID: bind.operationID))
        default:
            throw SchemaRegistry.Failure(code: .internalError, message: "not a registry operation that changes")
        }
    }

    /// The operation id of the frame, which its answer carries.
    private var operationID: UInt64 {
        switch frame {
        case .registerSchema(let register): register.operationID
        case .getSchema(let get): get.operationID
        case .listSchemas(let list): list.operationID
        case .setCompatibility(let set): set.operationID
        case .bindTopic(let bind): bind.operationID
        case .checkSchema(let check): check.operationID
        default: 0
        }
    }

    /// What `operation` returns, or its failure as a REGISTRY_RESULT; an answer longer than the
    /// frame limit as a REGISTRY_RESULT `internal_error`, as the broker never sends a frame
    /// longer than it announced.
    private func outcome(_ operation: () throws(SchemaRegistry.Failure) -> Frame) -> (answer: Frame, storageFailure: String?) {
        do throws(SchemaRegistry.Failure) {
            let frame = try operation()
            let length = Self.bodyLength(of: frame)
            guard length <= limits.maxFrameLength else {
                throw SchemaRegistry.Failure(
                    code: .internalError,
                    message: "the answer would be a frame of \(length) bytes, over the limit of \(limits.maxFrameLength)"
                )
            }
            return (frame, nil)
        } catch {
            let result = Frame.registryResult(Frame.RegistryResult(operationID: operationID, code: error.code, message: error.message))
            return (result, error.isStorageFailure ? error.message : nil)
        }
    }

    /// Refuses a schema whose SCHEMA_INFO, which answers its registration and every GET_SCHEMA
    /// of it, would be longer than the frame limit.
    private func checkInfoFits(_ register: Frame.RegisterSchema) throws(SchemaRegistry.Failure) {
        let info = Frame.SchemaInfo(
            operationID: register.operationID, subject: register.subject, reference: SchemaReference(subjectID: 0, version: 0),
            fingerprint: 0, mode: SchemaRegistry.defaultMode, definition: register.definition
        )
        let length = Self.bodyLength(of: .schemaInfo(info))
        guard length <= limits.maxFrameLength else {
            throw SchemaRegistry.Failure(
                code: .invalidSchema,
                message: "its SCHEMA_INFO would be a frame of \(length) bytes, over the limit of \(limits.maxFrameLength)"
            )
        }
    }

    /// The length `frame` would have on the wire after its length prefix, as the frame limit counts.
    private static func bodyLength(of frame: Frame) -> UInt32 {
        var buffer = ByteBuffer()
        // A field too long for its length prefix counts as too long for any frame.
        guard (try? buffer.writeFrame(frame)) != nil else { return .max }
        return UInt32(clamping: buffer.readableBytes - 4)
    }

    private static func info(_ operationID: UInt64, _ subject: SchemaRegistry.Subject, _ version: SchemaRegistry.Version) -> Frame.SchemaInfo {
        Frame.SchemaInfo(
            operationID: operationID, subject: subject.name, reference: SchemaReference(subjectID: subject.id, version: version.number),
            fingerprint: version.schema.fingerprint, mode: subject.mode, definition: version.definition
        )
    }
}
