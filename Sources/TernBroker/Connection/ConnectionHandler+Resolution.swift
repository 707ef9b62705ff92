import NIOCore
import TernProtocol
import TernSchema

/// A writer version and a reader version of one subject.
struct ResolverKey: Hashable {
    var subjectID: UInt32
    var writer: UInt32
    var reader: UInt32
}

/// How a subscription that reads as one version takes payloads written with a version of its
/// subject: validated, when it is its own version, or resolved from the writer's.
enum PayloadReading {
    case validation(Schema)
    case resolution(SchemaResolver)
}

/// A payload as a read-as subscription receives it.
struct ReadPayload {
    var schema: SchemaReference?
    var bytes: ByteBuffer
}

/// Why a read-as subscription cannot read a payload; `code` is what a requester is told.
struct Unreadable: Error {
    var code: ErrorCode
    var reason: String
}

extension ConnectionHandler {
    /// `message` as a subscriber reading its subject as `readAs` sees it, or `nil` when it
    /// cannot read it (PROTOCOL.md section 10.3).
    func readable(_ message: consuming PublishedMessage, as readAs: SchemaReference?) -> PublishedMessage? {
        guard let readAs, let written = message.schema else { return message }
        let besidesPayload = DeliveredFrameLength.message(
            topic: message.topic, replyTo: message.replyTo, headers: message.headers, hasSchema: true, payloadLength: 0
        )
        guard case .success(let payload) = read(message.payload, writtenWith: written, as: readAs, besidesPayload: besidesPayload) else {
            return nil
        }
        var read = message
        if payload.schema != written { read.schema = payload.schema }
        read.payload = payload.bytes
        return read
    }

    /// `payload`, written with `written`, as a subscription reading as `readAs` receives it in a
    /// frame of `besidesPayload` bytes plus the payload: untagged payloads unchanged, payloads
    /// of its own version validated, payloads of other versions of its subject resolved.
    func read(_ payload: ByteBuffer, writtenWith written: SchemaReference?, as readAs: SchemaReference, besidesPayload: Int) -> Result<ReadPayload, Unreadable> {
        guard let written else { return .success(ReadPayload(schema: nil, bytes: payload)) }
        guard written.subjectID == readAs.subjectID else {
            return .failure(Unreadable(code: .schemaMismatch, reason: "it is written with subject id \(written.subjectID)"))
        }
        let reading: PayloadReading
        switch self.reading(for: ResolverKey(subjectID: readAs.subjectID, writer: written.version, reader: readAs.version)) {
        case .success(let found): reading = found
        case .failure(let unreadable): return .failure(unreadable)
        }
        do {
            let bytes: ByteBuffer
            switch reading {
            case .validation(let schema):
                try payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try schema.validate(bytes) }
                bytes = payload
            case .resolution(let resolver):
                bytes = ByteBuffer(bytes: try payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try resolver.resolve(bytes) })
            }
            if let (code, reason) = limits.problem(withPayloadLength: bytes.readableBytes, headerBytes: 0) {
                return .failure(Unreadable(code: code, reason: "resolved, its " + reason))
            }
            guard besidesPayload + bytes.readableBytes <= limits.maxFrameLength else {
                return .failure(Unreadable(code: .payloadTooLarge, reason: "resolved, it would not fit a frame of \(limits.maxFrameLength) bytes"))
            }
            return .success(ReadPayload(schema: readAs, bytes: bytes))
        } catch {
            return .failure(Unreadable(code: .invalidPayload, reason: "\(error)"))
        }
    }

    /// How payloads of `key`'s writer version are read as its reader version, or why they cannot
    /// be. Worked out once per connection for versions that exist, as a registered version never
    /// changes; a version that does not exist yet may be registered later.
    private func reading(for key: ResolverKey) -> Result<PayloadReading, Unreadable> {
        if let cached = readings[key] { return cached }
        let registry = core.registry
        guard key.writer != 0, let writer = registry.schema(for: SchemaReference(subjectID: key.subjectID, version: key.writer)),
            let reader = registry.schema(for: SchemaReference(subjectID: key.subjectID, version: key.reader))
        else {
            return .failure(Unreadable(code: .schemaMismatch, reason: "it is tagged with version \(key.writer), which its subject does not have"))
        }
        let reading: Result<PayloadReading, Unreadable>
        if key.writer == key.reader {
            reading = .success(.validation(writer))
        } else {
            do {
                reading = .success(.resolution(try SchemaResolver(writer: writer, reader: reader)))
            } catch {
                reading = .failure(Unreadable(code: .invalidPayload, reason: "version \(key.writer) cannot be read as version \(key.reader): \(error)"))
            }
        }
        readings[key] = reading
        return reading
    }
}
