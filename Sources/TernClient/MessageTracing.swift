import TernProtocol
import Tracing

/// How a client traces its messages with swift-distributed-tracing: a publish or a request runs
/// in a span (`producer`, `client`) whose context goes into the message's headers (`traceparent`
/// and `tracestate` with a W3C tracer, such as swift-otel's); a delivered message gets a
/// `consumer` span that continues the publisher's trace, and a responder's handler runs inside a
/// `server` span that continues the requester's. A client without a tracer has none of this.
///
/// A class, so that the client's `MessageTracing?` is one pointer that every publish and delivery
/// tests for `nil` inline: as a struct holding `any Tracer`, each test went through the type's
/// value witnesses (about 7% of a fan-in publisher's CPU in `tern-bench`).
@usableFromInline
final class MessageTracing: Sendable {
    let tracer: any Tracer

    /// The tracing of `tracer`, or `nil` when it traces nothing.
    init?(_ tracer: any Tracer) {
        guard !(tracer is NoOpTracer) else { return nil }
        self.tracer = tracer
    }

    /// Runs `send` in a span of `kind` for `operation` on `topic`, giving it `headers` with the
    /// span's context added.
    func traced<Result>(
        _ operation: String, kind: SpanKind, topic: String, headers: Headers, _ send: (Headers) async throws -> Result
    ) async throws -> Result {
        let span = tracer.startSpan("\(operation) \(topic)", context: ServiceContext.current ?? .topLevel, ofKind: kind)
        defer { span.end() }
        Self.describe(span, operation: operation, topic: topic)
        var carried = headers
        tracer.inject(span.context, into: &carried, using: HeadersInjector())
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await send(carried) }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// The context of a message delivered on `topic` with `headers`: that of a `consumer` span,
    /// ended at once, which continues the publisher's trace.
    func received(on topic: String, headers: Headers) -> ServiceContext {
        let span = tracer.startSpan("receive \(topic)", context: extracted(from: headers), ofKind: .consumer)
        Self.describe(span, operation: "receive", topic: topic)
        span.end()
        return span.context
    }

    /// Runs a responder's `handler` for a request on `topic` with `headers` inside a `server`
    /// span that continues the requester's trace, giving it the span's context.
    func respond<Result>(on topic: String, headers: Headers, _ handler: (ServiceContext) async throws -> Result) async throws -> Result {
        let span = tracer.startSpan("respond \(topic)", context: extracted(from: headers), ofKind: .server)
        defer { span.end() }
        Self.describe(span, operation: "process", topic: topic)
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await handler(span.context) }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// The context `headers` carry, under what the caller's context holds.
    private func extracted(from headers: Headers) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        tracer.extract(headers, into: &context, using: HeadersExtractor())
        return context
    }

    /// The attributes of OpenTelemetry's semantic conventions for messaging.
    private static func describe(_ span: any Span, operation: String, topic: String) {
        span.attributes["messaging.system"] = "tern"
        span.attributes["messaging.operation.name"] = operation
        span.attributes["messaging.destination.name"] = topic
    }
}

/// Writes a trace context into a message's headers, each value replacing one of the same name.
struct HeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout Headers) {
        headers = Headers(headers.fields.filter { $0.name != key } + [Headers.Field(name: key, value: value)])
    }
}

/// Reads a trace context from a message's headers.
struct HeadersExtractor: Extractor {
    func extract(key: String, from headers: Headers) -> String? {
        headers[key]
    }
}
