import TernProtocol
import TernSchema

extension ConnectionHandler {
    /// Answers a schema-registry frame.
    func administer(_ frame: Frame) {
        let registry = core.registry
        switch frame {
        case .registerSchema(let register):
            answer(register.operationID) { () throws(SchemaRegistry.Failure) in
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

    /// Sends what `operation` returns, or its failure as a REGISTRY_RESULT.
    private func answer(_ operationID: UInt64, _ operation: () throws(SchemaRegistry.Failure) -> Frame) {
        do {
            send(try operation())
        } catch {
            send(.registryResult(Frame.RegistryResult(operationID: operationID, code: error.code, message: error.message)))
        }
    }

    private static func info(_ operationID: UInt64, _ subject: SchemaRegistry.Subject, _ version: SchemaRegistry.Version) -> Frame.SchemaInfo {
        Frame.SchemaInfo(
            operationID: operationID, subject: subject.name, reference: SchemaReference(subjectID: subject.id, version: version.number),
            fingerprint: version.schema.fingerprint, mode: subject.mode, definition: version.definition
        )
    }
}
