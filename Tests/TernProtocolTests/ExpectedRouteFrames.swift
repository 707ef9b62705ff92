import NIOCore
import TernProtocol

/// What each valid vector in Protocol/vectors/routes means, written independently of its hex.
enum ExpectedRouteFrames {
    static let byVector: [String: RouteFrame] = [
        "route-hello": .hello(.init(cluster: "demo", memberID: "0a1b2c3d4e5f6071", maxFrameLength: 1_048_576)),
        "interest-minimal": .interest(.init(pattern: "orders.>", count: 2)),
        "interest-removed": .interest(.init(pattern: "a.*", count: 0)),
        "interest-queue-group-responder": .interest(.init(pattern: "jobs.*", queueGroup: "workers", isResponder: true, count: 1)),
        "interest-synced": .interestSynced,
        "routed-message-minimal": .message(.init(topic: "orders.eu", payload: ByteBuffer(string: "hi"))),
        "routed-message-all-fields": .message(.init(
            topic: "a.b", replyTo: "r.1", headers: ["lang": "fr"], schema: .init(subjectID: 1, version: 2), queueGroups: ["w1", "w2"],
            payload: ByteBuffer(string: "ok")
        )),
        "routed-request": .request(.init(
            routeRequestID: 7, timeoutMilliseconds: 5000, topic: "pricing.quote", headers: ["trace-id": "abc"], payload: ByteBuffer(string: "?")
        )),
        "routed-reply-ok": .reply(.init(routeRequestID: 7, schema: .init(subjectID: 3, version: 1), payload: ByteBuffer(bytes: [1, 2]))),
        "routed-reply-responder-gone": .reply(.init(routeRequestID: 9, code: .responderGone, payload: ByteBuffer(string: "gone"))),
        "routed-drops": .drops(.init(pattern: "a.>", count: 12)),
        "route-close-slow-peer": .close(.init(reason: .slowPeer, message: "queue full")),
        "ping": .ping(.init(token: 1)),
    ]
}
