import NIOCore
import NIOHTTP1
import NIOPosix
import TernTLS

/// One POST to an etcd endpoint's gateway, on a connection of its own that closes after the
/// answer: the answer's body is handed over one JSON message at a time, as the gateway streams
/// them, one a line (a unary answer is a single message).
struct EtcdExchange {
    let endpoint: EtcdEndpoint
    let group: any EventLoopGroup
    /// For an `https://` endpoint: the client side of TLS, which verifies the endpoint's host.
    let tls: TLSContext?
    let connectTimeout: TimeAmount

    /// The longest message accepted from etcd: a range of many keys fits; more is an error.
    static let maxMessageBytes = 64 << 20

    /// Posts `body` to `path` and calls `handle` with the HTTP status and each message of the
    /// answer, until the answer ends or `handle` returns `false`.
    func post(_ path: String, body: [UInt8], handle: (HTTPResponseStatus, [UInt8]) async throws -> Bool) async throws {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        let tls: TLSContext?
        if endpoint.usesTLS {
            guard let context = self.tls else { throw EtcdError.unreachable(endpoint, reason: "an https:// endpoint needs a TLS context") }
            tls = context
        } else {
            tls = nil
        }
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls, serverName: endpoint.host))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw EtcdError.unreachable(endpoint, reason: "\(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            head.headers.add(name: "Host", value: endpoint.hostHeader)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(body.count)")
            head.headers.add(name: "Connection", value: "close")
            // One write of the whole request: written part by part, etcd could answer and close
            // the connection after the body and before the (empty) end, which would then fail.
            do {
                try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: body))), .end(nil)])
            } catch {
                // A connection that failed (etcd's certificate refused, say) closes before the
                // write: the write sees only that; the inbound side says why.
                throw EtcdError.unreachable(endpoint, reason: await Self.failure(of: inbound) ?? "\(error)")
            }
            var status = HTTPResponseStatus.ok
            var pending: [UInt8] = []
            do {
                for try await part in inbound {
                    switch part {
                    case .head(let response):
                        status = response.status
                    case .body(var buffer):
                        pending.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let message = Array(pending[..<newline])
                            pending.removeSubrange(...newline)
                            if !message.isEmpty, try await !handle(status, message) { return }
                        }
                        guard pending.count <= Self.maxMessageBytes else {
                            throw EtcdError.malformedResponse(endpoint, "a message longer than \(Self.maxMessageBytes) bytes")
                        }
                    case .end:
                        if !pending.isEmpty { _ = try await handle(status, pending) }
                        return
                    }
                }
            } catch let error as EtcdError {
                throw error
            } catch where !(error is CancellationError) {
                throw EtcdError.unreachable(endpoint, reason: "\(error)")
            }
            if !Task.isCancelled {
                throw EtcdError.unreachable(endpoint, reason: "the connection closed before the answer ended")
            }
        }
    }

    /// The error that ended a connection's input, if one did.
    private static func failure(of inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>) async -> String? {
        do {
            for try await _ in inbound {}
            return nil
        } catch {
            return "\(error)"
        }
    }
}
