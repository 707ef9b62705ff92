import NIOCore
import TernProtocol

/// Schema administration: the broker's registry of subjects, versions, modes and bindings.
extension TernClient {
    /// Registers `definition` (the text form of Protocol/SCHEMAS.md) as the next version of
    /// `subject`, creating the subject (in mode ``CompatibilityMode/backward``) if needed.
    ///
    /// Registering a schema identical to an existing version (same canonical form) returns that
    /// version and registers nothing.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` with ``ErrorCode/invalidSchema``
    ///   when the text does not parse, ``ErrorCode/incompatibleSchema`` when the subject's mode
    ///   forbids the change (``TernClientError/violations`` lists each field and rule),
    ///   ``ErrorCode/registryUnavailable`` from a cluster node that cannot reach the registry's
    ///   etcd (nothing was registered; try again later).
    public func registerSchema(_ definition: String, subject: String) async throws -> RegisteredSchema {
        try Self.registeredSchema(from: await administer {
            .registerSchema(Frame.RegisterSchema(operationID: $0, subject: subject, definition: definition))
        })
    }

    /// The version `version` of `subject`; its latest version when `version` is `nil` or 0.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` with ``ErrorCode/unknownSubject``
    ///   or ``ErrorCode/unknownVersion``.
    public func schema(subject: String, version: UInt32? = nil) async throws -> RegisteredSchema {
        try Self.registeredSchema(from: await administer {
            .getSchema(Frame.GetSchema(operationID: $0, subject: subject, version: version ?? 0))
        })
    }

    /// Every subject of the registry with its versions, sorted by name.
    public func schemaSubjects() async throws -> [SchemaSubject] {
        let answer = try await administer { .listSchemas(Frame.ListSchemas(operationID: $0)) }
        guard case .schemaList(let list) = answer else { throw Self.unexpectedAnswer(answer) }
        return list.entries.map { SchemaSubject(name: $0.subject, subjectID: $0.subjectID, mode: $0.mode, versions: $0.versions) }
    }

    /// Returns when `definition` would be accepted as the next version of `subject` (or is
    /// identical to one of its versions); registers nothing.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` with ``ErrorCode/incompatibleSchema``
    ///   (``TernClientError/violations`` lists each offending field and rule) or
    ///   ``ErrorCode/invalidSchema``.
    public func checkSchema(_ definition: String, subject: String) async throws {
        try await administerWithoutData { .checkSchema(Frame.CheckSchema(operationID: $0, subject: subject, definition: definition)) }
    }

    /// Sets the compatibility mode that later registrations under `subject` are checked with.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` with ``ErrorCode/unknownSubject``,
    ///   ``ErrorCode/registryUnavailable`` from a cluster node that cannot reach etcd.
    public func setCompatibility(_ mode: CompatibilityMode, subject: String) async throws {
        try await administerWithoutData { .setCompatibility(Frame.SetCompatibility(operationID: $0, subject: subject, mode: mode)) }
    }

    /// Binds `topic` to `subject`: the broker then accepts only publishes that carry a registered
    /// version of the subject and whose payload matches it.
    ///
    /// - Throws: ``TernClientError/invalidTopic(reason:)`` for a malformed topic (no wildcards),
    ///   ``TernClientError/registry(code:message:)`` with ``ErrorCode/unknownSubject``, or
    ///   ``ErrorCode/registryUnavailable`` from a cluster node that cannot reach etcd.
    public func bind(topic: String, toSubject subject: String) async throws {
        if let problem = encoding.validate(topic: topic) { throw problem }
        try await administerWithoutData { .bindTopic(Frame.BindTopic(operationID: $0, topic: topic, subject: subject)) }
    }

    /// Removes the binding of `topic`, which then carries any bytes again; does nothing when it
    /// is not bound.
    ///
    /// - Throws: ``TernClientError/registry(code:message:)`` with
    ///   ``ErrorCode/registryUnavailable`` from a cluster node that cannot reach etcd.
    public func unbind(topic: String) async throws {
        if let problem = encoding.validate(topic: topic) { throw problem }
        try await administerWithoutData { .bindTopic(Frame.BindTopic(operationID: $0, topic: topic, subject: "")) }
    }

    // MARK: Operations

    /// Sends the registry frame `makeFrame` builds for a new operation id and returns the
    /// broker's answer; a refusal throws ``TernClientError/registry(code:message:)``.
    private func administer(_ makeFrame: (UInt64) -> Frame) async throws -> Frame {
        try Task.checkCancellation()
        guard serverInfo.features.contains(.schemas) else {
            throw TernClientError.refused(code: .unknownFrameType, message: "the broker does not support schemas")
        }
        let id = nextOperationID.wrappingIncrementThenLoad(ordering: .relaxed)
        let frame = try encode(makeFrame(id))
        let promise = eventLoop.makePromise(of: Frame.self)
        let session = self.session
        eventLoop.execute {
            guard let session = session.value else { return promise.fail(TernClientError.closed) }
            session.administer(frame, operationID: id, promise: promise)
        }
        return try await promise.futureResult.get()
    }

    private func administerWithoutData(_ makeFrame: (UInt64) -> Frame) async throws {
        let answer = try await administer(makeFrame)
        guard case .registryResult = answer else { throw Self.unexpectedAnswer(answer) }
    }

    /// `frame` encoded, within the protocol's field limits and the broker's frame limit.
    private func encode(_ frame: Frame) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        do {
            _ = try buffer.writeFrame(frame)
        } catch {
            throw TernClientError.registry(code: .frameTooLarge, message: error.description)
        }
        let length = buffer.readableBytes - 4
        guard length <= serverInfo.limits.maxFrameLength else {
            let limit = serverInfo.limits.maxFrameLength
            throw TernClientError.registry(code: .frameTooLarge, message: "the operation is \(length) bytes, more than the broker's limit of \(limit)")
        }
        return buffer
    }

    private static func registeredSchema(from answer: Frame) throws -> RegisteredSchema {
        guard case .schemaInfo(let info) = answer else { throw unexpectedAnswer(answer) }
        return RegisteredSchema(info)
    }

    private static func unexpectedAnswer(_ answer: Frame) -> TernClientError {
        .protocolViolation(reason: "\(answer.type.map { "\($0)" } ?? "an unknown frame") answering a registry operation of another kind")
    }
}
