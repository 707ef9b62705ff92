import NIOCore
import Testing
import TernClient
import TernProtocol
import Tracing

/// Traces across services through a real broker: each service has its own tracer, as separate
/// processes would, and the W3C trace context travels in the messages' headers.
@Suite(.timeLimit(.minutes(1))) struct TracingTests {
    @Test func aTraceStartedInAPublisherContinuesInTheSubscriber() async throws {
        try await withBroker { broker in
            let (shop, warehouse) = (W3CTestTracer(traceState: "shop=1"), W3CTestTracer())
            let publisher = try await broker.connect(name: "shop", tracer: shop)
            let subscriber = try await broker.connect(name: "warehouse", tracer: warehouse)
            var orders = try await subscriber.subscribe(to: "orders.*").makeAsyncIterator()

            let root = try await shop.withSpan("place order") { span in
                try await publisher.publish("order 1", to: "orders.new", headers: ["customer": "7"])
                return try #require(W3CTestTracer.identity(in: span.context))
            }
            let message = try #require(try await orders.next())
            let handled = warehouse.withSpan("pick order", context: message.serviceContext) { span in W3CTestTracer.identity(in: span.context) }

            let publish = try #require(shop.finishedSpans.first { $0.operationName == "publish orders.new" })
            #expect(publish.kind == .producer)
            #expect(publish.identity.traceID == root.traceID && publish.parentSpanID == root.spanID)
            #expect(publish.attributes["messaging.system"]?.toSpanAttribute() == "tern")
            #expect(publish.attributes["messaging.destination.name"]?.toSpanAttribute() == "orders.new")
            #expect(message.headers["customer"] == "7", "the publisher's own headers stay")
            #expect(message.headers["traceparent"] == publish.identity.traceparent)
            #expect(message.headers["tracestate"] == "shop=1")

            let receive = try #require(warehouse.finishedSpans.first { $0.operationName == "receive orders.new" })
            #expect(receive.kind == .consumer)
            #expect(receive.identity.traceID == root.traceID && receive.parentSpanID == publish.identity.spanID)
            #expect(W3CTestTracer.identity(in: message.serviceContext) == receive.identity)
            #expect(handled?.traceID == root.traceID, "work done for the message continues the publisher's trace")
            await publisher.close()
            await subscriber.close()
        }
    }

    @Test func aResponderContinuesTheRequestersTrace() async throws {
        try await withBroker { broker in
            let (front, pricing) = (W3CTestTracer(), W3CTestTracer())
            let requester = try await broker.connect(name: "front", tracer: front)
            let responderClient = try await broker.connect(name: "pricing", tracer: pricing)
            let auditor = try await broker.connect(name: "audit")
            var audit = try await auditor.subscribe(to: "audit").makeAsyncIterator()
            let responder = try await responderClient.makeResponder(on: "price.*")
            let answering = Task {
                try await responder.run { request in
                    guard request.topic != "price.broken" else { throw PricingUnavailable() }
                    // The handler runs in the server span: what it sends continues the trace.
                    #expect(ServiceContext.current.flatMap(W3CTestTracer.identity(in:)) == W3CTestTracer.identity(in: request.serviceContext))
                    try await responderClient.publish("priced \(request.string)", to: "audit")
                    return TernReply("42")
                }
            }

            let root = try await front.withSpan("show basket") { span in
                #expect(try await requester.request("apple", to: "price.fruit", timeout: .seconds(30)).string == "42")
                return try #require(W3CTestTracer.identity(in: span.context))
            }
            let audited = try #require(try await audit.next())

            let request = try #require(front.finishedSpans.first { $0.operationName == "request price.fruit" })
            #expect(request.kind == .client)
            #expect(request.identity.traceID == root.traceID && request.parentSpanID == root.spanID)
            let respond = try #require(pricing.finishedSpans.first { $0.operationName == "respond price.fruit" })
            #expect(respond.kind == .server)
            #expect(respond.identity.traceID == root.traceID && respond.parentSpanID == request.identity.spanID)
            #expect(respond.attributes["messaging.operation.name"]?.toSpanAttribute() == "process")
            let auditPublish = try #require(pricing.finishedSpans.first { $0.operationName == "publish audit" })
            #expect(auditPublish.identity.traceID == root.traceID && auditPublish.parentSpanID == respond.identity.spanID)
            #expect(audited.headers["traceparent"] == auditPublish.identity.traceparent)

            // A handler's failure marks its span, and the requester's.
            await #expect(throws: TernClientError.handlerFailed(topic: "price.broken", message: "prices are unavailable")) { try await requester.request("pear", to: "price.broken", timeout: .seconds(30)) }
            let failed = try #require(pricing.finishedSpans.first { $0.operationName == "respond price.broken" })
            #expect(failed.status?.code == .error && failed.errors == ["\(PricingUnavailable())"])
            #expect(front.finishedSpans.first { $0.operationName == "request price.broken" }?.status?.code == .error)
            answering.cancel()
            await requester.close()
            await responderClient.close()
            await auditor.close()
        }
    }

    @Test func withoutATracerNothingIsAddedOrTaken() async throws {
        try await withBroker { broker in
            let publisher = try await broker.connect(name: "plain publisher")
            let subscriber = try await broker.connect(name: "plain subscriber")
            var messages = try await subscriber.subscribe(to: "plain").makeAsyncIterator()
            let foreign = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            try await publisher.publish("one", to: "plain")
            try await publisher.publish("two", to: "plain", headers: ["traceparent": foreign])
            let first = try #require(try await messages.next())
            #expect(first.headers.isEmpty)
            #expect(W3CTestTracer.identity(in: first.serviceContext) == nil)
            let second = try #require(try await messages.next())
            #expect(second.headers == ["traceparent": foreign], "a context set by hand passes through untouched")
            #expect(W3CTestTracer.identity(in: second.serviceContext) == nil)
            await publisher.close()
            await subscriber.close()
        }
    }
}

/// What a responder in ``TracingTests`` throws.
private struct PricingUnavailable: Error, CustomStringConvertible {
    var description: String { "prices are unavailable" }
}
