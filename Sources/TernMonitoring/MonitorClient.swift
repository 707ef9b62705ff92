import NIOCore
import NIOHTTP1
import NIOPosix
import TernProtocol

/// Reads a broker's monitoring listener (`ternd --monitor`): one plain HTTP GET per call, on a
/// connection of its own.
public struct MonitorClient: Sendable {
    /// The monitoring listener's address.
    public var address: ServerAddress
    /// How long connecting and the answer may take together.
    public var timeout: Duration

    public init(address: ServerAddress, timeout: Duration = .seconds(5)) {
        self.address = address
        self.timeout = timeout
    }

    /// An answer: its status code and body.
    public struct Response: Sendable, Hashable {
        public var status: Int
        public var body: [UInt8]

        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why a monitoring listener could not be read.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// GETs `target` (a path and query, `/topics?limit=5`).
    ///
    /// - Throws: ``Failure`` when the listener cannot be reached or does not answer in time.
    public func get(_ target: String) async throws(Failure) -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.any().makePromise(of: Response.self)
        let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(nanoseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(host: address.host, port: address.port)
                .get()
            let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                promise.fail(Failure(description: "no answer from \(address) within \(timeout)"))
                channel.close(promise: nil)
            }
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target)
            head.headers.add(name: "Host", value: "\(address)")
            head.headers.add(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
            let response = try await promise.futureResult.get()
            deadline.cancel()
            try? await channel.close().get()
            return response
        } catch let failure as Failure {
            throw failure
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot read the monitoring listener at \(address): \(error)")
        }
    }
}

/// Gathers one HTTP response and completes the promise with it.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<MonitorClient.Response>
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<MonitorClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let bytes):
            body += bytes.readableBytesView
        case .end:
            promise.succeed(MonitorClient.Response(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(MonitorClient.Failure(description: "the monitoring listener closed the connection before its answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
