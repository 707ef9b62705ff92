import NIOCore
import TernProtocol
import TernSchema

extension ConnectionHandler {
    /// Answers a schema-registry frame.
    func administer(_ frame: Frame) {
        let registry = core.registry
        switch frame {
        case .registerSchema(let register):
            answer(register.operationID) { () throws(SchemaRegistry.Failure) in
                try checkInfoFits(register)
                let (subject, version) = try registry.register(subject: register.subject, definition: register.definition)
                return .schemaInfo(Self.info(register.operationID, subject, version))
            }
        case .getSchema(let get):
            answer(get.operationID) { () throws(SchemaRegistry.Failure) in
                let subject = try registry.subject(named: get.subject)
                guard let version = subject.version(get.version) else {
                    throw SchemaRegistry.Failure(code: .unknownVersion, message: "subject '\(get.subject)' has no version \(get.version)")
                }
                return .schemaInfo(Self.info(get.operationID, subject, version))
            }
        case .listSchemas(let list):
            answer(list.operationID) { () throws(SchemaRegistry.Failure) in
                let entries = try registry.subjects(named: list.subject).map {
                    Frame.SchemaList.Entry(subject: $0.name, subjectID: $0.id, mode: $0.mode, versions: $0.versions.map(\.number))
                }
                return .schemaList(Frame.SchemaList(operationID: list.operationID, entries: entries))
            }
        case .setCompatibility(let set):
            answer(set.operationID) { () throws(SchemaRegistry.Failure) in
                try registry.setMode(set.mode, subject: set.subject)
                return .registryResult(Frame.RegistryResult(operationID: set.operationID))
            }
        case .bindTopic(let bind):
            answer(bind.operationID) { () throws(SchemaRegistry.Failure) in
                try registry.bind(topic: bind.topic, subject: bind.subject)
                return .registryResult(Frame.RegistryResult(operationID: bind.operationID))
            }
        case .checkSchema(let check):
            answer(check.operationID) { () throws(SchemaRegistry.Failure) in
                try registry.check(subject: check.subject, definition: check.definition)
                return .registryResult(Frame.RegistryResult(operationID: check.operationID))
            }
        default:
            break
        }
    }

    /// Sends what `operation` returns, or its failure as a REGISTRY_RESULT; an answer longer
    /// than the frame limit as a REGISTRY_RESULT `internal_error`, as the broker never sends a
    /// frame longer than it announced.
    private func answer(_ operationID: UInt64, _ operation: () throws(SchemaRegistry.Failure) -> Frame) {
        do throws(SchemaRegistry.Failure) {
            let frame = try operation()
            let length = Self.bodyLength(of: frame)
            guard length <= limits.maxFrameLength else {
                throw SchemaRegistry.Failure(
                    code: .internalError,
                    message: "the answer would be a frame of \(length) bytes, over the limit of \(limits.maxFrameLength)"
                )
            }
            send(frame)
        } catch {
            if error.isStorageFailure {
                logger.error("a registry change was refused: it could not be saved", metadata: ["error": "\(error.message)"])
            }
            send(.registryResult(Frame.RegistryResult(operationID: operationID, code: error.code, message: error.message)))
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
