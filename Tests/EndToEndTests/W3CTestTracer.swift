import NIOConcurrencyHelpers
import Tracing

/// A tracer for tests that keeps its finished spans in memory and propagates the W3C trace
/// context (`traceparent`, `tracestate`) as swift-otel does, so that tests see both the spans
/// of every service and the headers between them.
final class W3CTestTracer: Tracer, Sendable {
    /// The identity of a span, as W3C Trace Context writes it.
    struct SpanIdentity: Hashable, Sendable {
        /// 32 lowercase hex digits.
        var traceID: String
        /// 16 lowercase hex digits.
        var spanID: String
        var traceState: String?

        /// The `traceparent` header of this span, sampled.
        var traceparent: String { "00-\(traceID)-\(spanID)-01" }

        /// The identity `traceparent` names, or `nil` when it is not a version 00 header.
        init?(traceparent: String, traceState: String?) {
            let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16,
                  parts.dropFirst().allSatisfy({ $0.allSatisfy(\.isHexDigit) })
            else { return nil }
            self.init(traceID: String(parts[1]), spanID: String(parts[2]), traceState: traceState)
        }

        init(traceID: String, spanID: String, traceState: String?) {
            self.traceID = traceID
            self.spanID = spanID
            self.traceState = traceState
        }
    }

    /// Where a context keeps the identity of its span.
    private enum IdentityKey: ServiceContextKey {
        typealias Value = SpanIdentity
    }

    /// A span that ended.
    struct FinishedSpan: Sendable {
        var operationName: String
        var kind: SpanKind
        var identity: SpanIdentity
        /// The span this one continues, in this process or across the wire.
        var parentSpanID: String?
        var attributes: SpanAttributes
        var status: SpanStatus?
        var errors: [String]
    }

    private let finished = NIOLockedValueBox<[FinishedSpan]>([])
    /// The `tracestate` new traces start with.
    let traceState: String?

    init(traceState: String? = nil) {
        self.traceState = traceState
    }

    /// The spans that ended, in the order they ended.
    var finishedSpans: [FinishedSpan] { finished.withLockedValue { $0 } }

    /// The identity of the span `context` holds.
    static func identity(in context: ServiceContext) -> SpanIdentity? {
        context[IdentityKey.self]
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> RecordingSpan {
        var spanContext = context()
        let parent = spanContext[IdentityKey.self]
        let identity = SpanIdentity(
            traceID: parent?.traceID ?? Self.randomHex(digits: 32), spanID: Self.randomHex(digits: 16), traceState: parent?.traceState ?? traceState
        )
        spanContext[IdentityKey.self] = identity
        return RecordingSpan(
            FinishedSpan(operationName: operationName, kind: kind, identity: identity, parentSpanID: parent?.spanID, attributes: [:], status: nil, errors: []),
            context: spanContext, tracer: self
        )
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let identity = context[IdentityKey.self] else { return }
        injector.inject(identity.traceparent, forKey: "traceparent", into: &carrier)
        if let traceState = identity.traceState { injector.inject(traceState, forKey: "tracestate", into: &carrier) }
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let traceparent = extractor.extract(key: "traceparent", from: carrier),
              let identity = SpanIdentity(traceparent: traceparent, traceState: extractor.extract(key: "tracestate", from: carrier))
        else { return }
        context[IdentityKey.self] = identity
    }

    fileprivate func record(_ span: FinishedSpan) {
        finished.withLockedValue { $0.append(span) }
    }

    private static func randomHex(digits: Int) -> String {
        String((0..<digits).map { _ in "0123456789abcdef".randomElement()! })
    }

    /// A span of ``W3CTestTracer``, recorded when it ends.
    final class RecordingSpan: Tracing.Span, Sendable {
        let context: ServiceContext
        private let state: NIOLockedValueBox<(span: FinishedSpan, ended: Bool)>
        private let tracer: W3CTestTracer

        fileprivate init(_ span: FinishedSpan, context: ServiceContext, tracer: W3CTestTracer) {
            self.context = context
            self.state = NIOLockedValueBox((span, false))
            self.tracer = tracer
        }

        var operationName: String {
            get { state.withLockedValue { $0.span.operationName } }
            set { state.withLockedValue { $0.span.operationName = newValue } }
        }

        var attributes: SpanAttributes {
            get { state.withLockedValue { $0.span.attributes } }
            set { state.withLockedValue { $0.span.attributes = newValue } }
        }

        var isRecording: Bool { state.withLockedValue { !$0.ended } }

        func setStatus(_ status: SpanStatus) {
            state.withLockedValue { $0.span.status = status }
        }

        func addEvent(_ event: SpanEvent) {}

        func addLink(_ link: SpanLink) {}

        func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
            state.withLockedValue { $0.span.errors.append("\(error)") }
        }

        func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
            let span: FinishedSpan? = state.withLockedValue { state in
                guard !state.ended else { return nil }
                state.ended = true
                return state.span
            }
            if let span { tracer.record(span) }
        }
    }
}
