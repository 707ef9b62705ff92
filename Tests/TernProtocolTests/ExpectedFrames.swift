import NIOCore
import TernProtocol

/// What each valid vector in Protocol/vectors means, written independently of its hex.
enum ExpectedFrames {
    static let schemaText = "record Order { id: string, qty: int32 }"

    static let byVector: [String: Frame] = [
        "hello-minimal": .hello(.init(minVersion: 1, maxVersion: 1, clientName: "demo")),
        "hello-with-credentials": .hello(.init(minVersion: 1, maxVersion: 3, clientName: "svc", credentials: .init(user: "alice", secret: "s3cret"))),
        "hello-with-public-key-proof": .hello(.init(
            minVersion: 1, maxVersion: 1, clientName: "edge-7",
            credentials: .init(
                user: "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                secret: "eiRl3RQMDORrBw6ZXU4u25K+8l+lWzmDYdmGhgy51xBxuQ1nplGnEHgOB6ZVD3ELNOYoqUCGSAz9YBqZvgcOBQ=="
            )
        )),
        "welcome-authentication": .welcome(.init(
            version: 1, serverID: "ternd-1", limits: .defaults,
            features: [.acknowledgements, .queueGroups, .requestReply, .schemas, .authentication], pingIntervalMilliseconds: 30_000
        )),
        "welcome-defaults": .welcome(.init(
            version: 1, serverID: "ternd-1", limits: .defaults,
            features: [.acknowledgements, .queueGroups, .requestReply, .schemas], pingIntervalMilliseconds: 30_000
        )),
        "welcome-lame-duck": .welcome(.init(
            version: 1, serverID: "ternd-1", limits: .defaults,
            features: [.acknowledgements, .queueGroups, .requestReply, .schemas, .lameDuck], pingIntervalMilliseconds: 30_000
        )),
        "welcome-no-ping-no-features": .welcome(.init(
            version: 1, serverID: "",
            limits: Limits(maxFrameLength: 4096, maxPayloadLength: 2048, maxHeaderBytes: 512, maxTopicLength: 64, maxSubscriptions: 16),
            features: [], pingIntervalMilliseconds: 0
        )),

        "publish-minimal": .publish(.init(topic: "orders.eu", payload: bytes("hi"))),
        "publish-empty-payload": .publish(.init(topic: "a", payload: ByteBuffer())),
        "publish-with-ack": .publish(.init(topic: "orders.eu", ackID: 1, payload: bytes("hi"))),
        "publish-with-reply-to": .publish(.init(topic: "q.ask", replyTo: "inbox.7", payload: bytes("?"))),
        "publish-with-headers": .publish(.init(topic: "t", headers: Headers([.init(name: "tag", value: "a"), .init(name: "tag", value: "b")]), payload: bytes("x"))),
        "publish-with-schema": .publish(.init(topic: "t", schema: .init(subjectID: 3, version: 2), payload: ByteBuffer(bytes: [1, 2]))),
        "publish-with-ack-headers-schema": .publish(.init(
            topic: "orders.eu", ackID: 0x0102_0304_0506_0708, headers: ["trace-id": "abc"], schema: .init(subjectID: 7, version: 1), payload: bytes("{}")
        )),
        "publish-all-fields": .publish(.init(
            topic: "a.b", ackID: 9, replyTo: "r.1", headers: ["lang": "été"], schema: .init(subjectID: 1, version: 1), payload: bytes("ok")
        )),
        "subscribe-minimal": .subscribe(.init(subscriptionID: 1, pattern: "orders.>")),
        "subscribe-queue-group": .subscribe(.init(subscriptionID: 2, pattern: "jobs.*", queueGroup: "workers")),
        "subscribe-responder": .subscribe(.init(subscriptionID: 3, pattern: "pricing.quote", isResponder: true)),
        "subscribe-read-as": .subscribe(.init(subscriptionID: 4, pattern: "orders.eu", readAs: .init(subjectID: 5, version: 2))),
        "subscribe-all-flags": .subscribe(.init(
            subscriptionID: .max, pattern: "*.b", queueGroup: "g", isResponder: true, readAs: .init(subjectID: 1, version: 9)
        )),
        "unsubscribe": .unsubscribe(.init(subscriptionID: 2)),
        "message-minimal": .message(.init(subscriptionID: 1, topic: "orders.eu", payload: bytes("hi"))),
        "message-with-reply-to-headers-schema": .message(.init(
            subscriptionID: 7, topic: "q.ask", replyTo: "inbox.7", headers: ["k": "v"], schema: .init(subjectID: 2, version: 3), payload: ByteBuffer(bytes: [0x00, 0xFF])
        )),
        "message-with-headers": .message(.init(subscriptionID: 1, topic: "t", headers: ["empty": ""], payload: ByteBuffer())),
        "ack-ok": .ack(.init(ackID: 1)),
        "ack-mailbox-full": .ack(.init(ackID: 5, code: .mailboxFull, message: "mailbox of orders.eu is full")),
        "ack-permission-denied": .ack(.init(ackID: 4, code: .permissionDenied, message: "publish 'billing.x': not allowed for user 'orders-svc'")),
        "drop-notice-dropped-oldest": .dropNotice(.init(subscriptionID: 1, reason: .droppedOldest, count: 3)),
        "drop-notice-dropped-newest": .dropNotice(.init(subscriptionID: 2, reason: .droppedNewest, count: 1)),
        "drop-notice-unreadable": .dropNotice(.init(subscriptionID: 4, reason: .unreadable, count: 2)),

        "request-minimal": .request(.init(requestID: 1, topic: "pricing.quote", timeoutMilliseconds: 2000, payload: bytes("EUR"))),
        "request-with-headers-schema": .request(.init(
            requestID: 2, topic: "svc.x", timeoutMilliseconds: 500, headers: ["a": "1"], schema: .init(subjectID: 4, version: 1), payload: ByteBuffer(bytes: [0x2A])
        )),
        "incoming-request-minimal": .incomingRequest(.init(subscriptionID: 3, requestID: 17, topic: "pricing.quote", payload: bytes("EUR"))),
        "incoming-request-with-headers-schema": .incomingRequest(.init(
            subscriptionID: 3, requestID: 18, topic: "svc.x", headers: ["a": "1"], schema: .init(subjectID: 4, version: 1), payload: ByteBuffer(bytes: [0x2A])
        )),
        "reply-ok": .reply(.init(requestID: 17, payload: bytes("1.08"))),
        "reply-with-headers-schema": .reply(.init(
            requestID: 2, headers: ["a": "1"], schema: .init(subjectID: 4, version: 2), payload: ByteBuffer(bytes: [0x2B])
        )),
        "reply-no-responders": .reply(.init(requestID: 1, code: .noResponders, payload: bytes("no responders for pricing.quote"))),
        "reply-handler-failed": .reply(.init(requestID: 17, code: .handlerFailed, payload: bytes("boom"))),

        "ping": .ping(.init(token: 42)),
        "pong": .pong(.init(token: 42)),
        "error-unsupported-version-close": .error(ProtocolVersion.unsupportedVersionError(clientMin: 2, clientMax: 3)),
        "error-authentication-failed": .error(.init(
            code: .authenticationFailed, subject: .connection, message: "authentication failed: the token is not valid", closesConnection: true
        )),
        "error-permission-denied-subscription": .error(.init(
            code: .permissionDenied, subject: .subscription, id: 3, message: "subscribe 'orders.>': not allowed for user 'orders-svc'", closesConnection: false
        )),
        "error-invalid-pattern": .error(.init(
            code: .invalidPattern, subject: .subscription, id: 9, message: "pattern 'a.>.b' has '>' before its last token", closesConnection: false
        )),
        "error-publish-mailbox-full": .error(.init(code: .mailboxFull, subject: .publish, message: "mailbox of t is full", closesConnection: false)),
        "error-publish-too-many-topics": .error(.init(code: .tooManyTopics, subject: .publish, message: "too many topics", closesConnection: false)),
        "error-unknown-frame-type": .error(.init(code: .unknownFrameType, id: 0x7F, message: "unknown frame type 0x7f", closesConnection: false)),
        "goodbye-ok": .goodbye(.init()),
        "goodbye-server-shutting-down": .goodbye(.init(code: .serverShuttingDown, message: "shutting down")),
        "lame-duck": .lameDuck(.init(durationMilliseconds: 30_000)),
        "servers": .servers(.init(addresses: ["127.0.0.1:8376", "[::1]:8378"])),
        "servers-empty": .servers(.init(addresses: [])),

        "schema-register": .registerSchema(.init(operationID: 1, subject: "orders", definition: schemaText)),
        "schema-get-latest": .getSchema(.init(operationID: 2, subject: "orders")),
        "schema-get-version": .getSchema(.init(operationID: 3, subject: "orders", version: 2)),
        "schema-list-all": .listSchemas(.init(operationID: 4)),
        "schema-list-one": .listSchemas(.init(operationID: 5, subject: "orders")),
        "schema-set-mode": .setCompatibility(.init(operationID: 6, subject: "orders", mode: .fullTransitive)),
        "schema-bind": .bindTopic(.init(operationID: 7, topic: "orders.eu", subject: "orders")),
        "schema-unbind": .bindTopic(.init(operationID: 8, topic: "orders.eu", subject: "")),
        "schema-check": .checkSchema(.init(operationID: 9, subject: "orders", definition: schemaText)),
        "schema-info": .schemaInfo(.init(
            operationID: 1, subject: "orders", reference: .init(subjectID: 5, version: 2),
            fingerprint: 0x08B3_A36F_1A5F_319D, mode: .backward, definition: schemaText
        )),
        "schema-list-result": .schemaList(.init(operationID: 4, entries: [
            .init(subject: "orders", subjectID: 5, mode: .backward, versions: [1, 2]),
            .init(subject: "users", subjectID: 6, mode: .none, versions: [1]),
        ])),
        "schema-list-result-empty": .schemaList(.init(operationID: 5, entries: [])),
        "registry-result-ok": .registryResult(.init(operationID: 6)),
        "registry-result-incompatible": .registryResult(.init(
            operationID: 9, code: .incompatibleSchema,
            message: "Order.id: type changed from string to int32, which is not a promotion (BACKWARD: new readers cannot read old messages)\n"
                + "Order.note: field added without a default (BACKWARD: new readers cannot read old messages)"
        )),

        "unknown-type": .unknown(.init(type: 0x7F, flags: 0x03, body: ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF]))),
        "unknown-type-empty-body": .unknown(.init(type: 0x1F, flags: 0, body: ByteBuffer())),
    ]

    private static func bytes(_ string: String) -> ByteBuffer {
        ByteBuffer(string: string)
    }
}
