import NIOCore

/// A channel handler that runs TLS, client or server side, over the connection below it.
///
/// Put it first in the pipeline: it reads and writes ciphertext `ByteBuffer`s below and
/// plaintext `ByteBuffer`s above. Its role (client or server) comes from its
/// ``TLSContext``.
///
/// - Handshake: starts when the channel becomes active. On success the handler fires a
///   ``TLSHandshakeCompleted`` user inbound event and exposes it as ``completedHandshake``.
///   On failure it fires a ``TLSError`` through `errorCaught` and closes the channel.
/// - Records: after a TLS 1.3 handshake, TernTLS's record layer protects them and OpenSSL's
///   session is freed, unless the configuration's ``TLSConfiguration/recordLayer`` says
///   otherwise; TLS 1.2 records stay OpenSSL's.
/// - Writes: buffered until `flush`, then many small writes are packed into few TLS records
///   and sent as one write; the write promises complete with that write.
/// - Reads: plaintext is delivered only when a read was requested (as with `autoRead` on,
///   or an explicit `read()` when it is off), in chunks of up to 64 KiB followed by one
///   `channelReadComplete`. The handler reads on its own only while the handshake or the
///   closing exchange needs bytes.
/// - Closing: `close(mode: .all)` sends close_notify, waits up to the configuration's
///   `shutdownTimeout` for the peer's, then closes. A received close_notify is answered and
///   the channel closed without error. A connection that ends without close_notify fires
///   ``TLSError/uncleanShutdown`` before `channelInactive`.
public final class TLSHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case active
        /// close_notify sent; waiting for the peer's.
        case closing
        case closed
    }

    /// Plaintext packed into one `SSL_write`: one full TLS record.
    private static let recordPayloadSize = 16 * 1024
    /// Bytes a record adds to its plaintext with AEAD ciphers (header, nonce, tag, type),
    /// rounded up.
    private static let recordOverhead = 32
    /// Largest plaintext chunk fired with one `channelRead`.
    private static let maximumReadChunk = 64 * 1024
    /// Smallest buffer allocated for a plaintext chunk.
    private static let minimumReadChunk = 1024

    private let tlsContext: TLSContext
    /// OpenSSL's session: it runs the handshake, and afterwards protects the records unless a
    /// TLS 1.3 handshake handed them to TernTLS's record layer and the session was freed.
    private var session: TLSConnection?
    /// What protects the records: the session, or the record layer it handed them to.
    private var connection: any TLSRecordProtection
    private var state: State = .idle

    /// Writes not yet encrypted, oldest first; the first `flushedWriteCount` were flushed.
    private var pendingWrites = CircularBuffer<(data: ByteBuffer, promise: EventLoopPromise<Void>?)>(initialCapacity: 4)
    private var flushedWriteCount = 0
    /// Reused buffer where small writes are packed into one record's worth of plaintext;
    /// sized by the connection's largest flush, up to one record.
    private var stagingBuffer: ByteBuffer?

    /// Whether the next handler asked for data that has not been delivered yet.
    private var readRequested = false
    /// Whether plaintext is being fired right now (guards against re-entrant `read()`).
    private var isDelivering = false

    private var closePromise: EventLoopPromise<Void>?
    private var shutdownTimer: Scheduled<Void>?

    /// The outcome of the handshake, or `nil` until it has completed.
    public private(set) var completedHandshake: TLSHandshakeCompleted?

    /// A handler for a new connection.
    ///
    /// - Parameters:
    ///   - context: The shared context; it also decides whether this is a client or a server.
    ///   - serverName: For a client, the host name or IP address to verify the server's
    ///     certificate against (host names are also sent as SNI), overriding the
    ///     configuration's `serverName`. Ignored by a server.
    /// - Throws: ``TLSError`` if OpenSSL cannot create the session or `serverName` is invalid.
    public init(context: TLSContext, serverName: String? = nil) throws(TLSError) {
        self.tlsContext = context
        let session = try TLSConnection(
            context: context,
            serverName: serverName ?? context.configuration.serverName
        )
        self.session = session
        self.connection = session
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.startHandshake(context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.shutdownTimer?.cancel()
        self.shutdownTimer = nil
        self.failPendingWrites(ChannelError.ioOnClosedChannel)
        self.closePromise?.fail(ChannelError.ioOnClosedChannel)
        self.closePromise = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        // Forward first, so that a handshake failure's channelInactive follows channelActive.
        context.fireChannelActive()
        self.startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let previous = self.state
        self.state = .closed
        self.shutdownTimer?.cancel()
        self.shutdownTimer = nil
        var failure: (any Error)?
        switch previous {
        case .handshaking:
            failure = TLSError.handshakeFailed(reason: "the connection closed during the handshake")
        case .active:
            failure = self.finishReading(context: context)
        case .closing:
            // The channel closed while we waited for the peer's close_notify: close is done.
            self.closePromise?.succeed()
            self.closePromise = nil
        case .idle, .closed:
            break
        }
        if let failure {
            context.fireErrorCaught(failure)
        }
        self.failPendingWrites(failure ?? ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // With half-closure allowed, the peer's FIN arrives as `inputClosed`, not as inactive.
        guard let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch self.state {
        case .handshaking:
            self.fail(context: context, TLSError.handshakeFailed(reason: "the connection closed during the handshake"))
        case .active:
            if let failure = self.finishReading(context: context) {
                self.fail(context: context, failure)
            } else {
                self.answerCloseNotify(context: context)
            }
        case .closing:
            self.finishClosing(context: context)
        case .idle, .closed:
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.state {
        case .handshaking, .active, .closing:
            break
        case .idle, .closed:
            return
        }
        self.connection.receive(self.unwrapInboundIn(data))
        switch self.state {
        case .handshaking:
            self.advanceHandshake(context: context)
        case .closing:
            self.discardUntilCloseNotify(context: context)
        case .active, .idle, .closed:
            // Decrypted at channelReadComplete or read(), whichever asks first.
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        switch self.state {
        case .active:
            self.deliverPlaintext(context: context)
        case .idle, .handshaking, .closing, .closed:
            // The handshake and the closing exchange ask for their own bytes.
            break
        }
    }

    public func read(context: ChannelHandlerContext) {
        self.readRequested = true
        switch self.state {
        case .active:
            // A read() from inside a delivery is answered when that delivery ends.
            if !self.isDelivering {
                self.deliverPlaintext(context: context)
            }
            // Ask for ciphertext too: with autoRead on, the channel only asks again after a
            // socket read, so a read() answered from buffered plaintext must keep it going.
            if self.state == .active {
                context.read()
            }
        case .idle, .handshaking, .closing, .closed:
            context.read()
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.state {
        case .idle, .handshaking, .active:
            self.pendingWrites.append((self.unwrapOutboundIn(data), promise))
        case .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        self.flushedWriteCount = self.pendingWrites.count
        if self.state == .active {
            self.encryptFlushedWrites(context: context)
        }
    }

    /// `.all` closes the TLS session with close_notify first; `.input` is passed on;
    /// `.output` is not supported (TLS has no half-close of its own here).
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            if mode == .input {
                context.close(mode: mode, promise: promise)
            } else {
                promise?.fail(ChannelError.operationUnsupported)
            }
            return
        }
        switch self.state {
        case .idle, .handshaking:
            self.state = .closed
            self.failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(promise: promise)
        case .active:
            self.startClosing(context: context, promise: promise)
        case .closing:
            if let promise {
                if let closePromise = self.closePromise {
                    closePromise.futureResult.cascade(to: promise)
                } else {
                    self.closePromise = promise
                }
            }
        case .closed:
            context.close(promise: promise)
        }
    }

    /// ``TLSAbort`` closes at once; other events are passed on.
    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is TLSAbort else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        let wasClosed = self.state == .closed
        self.state = .closed
        self.shutdownTimer?.cancel()
        self.shutdownTimer = nil
        self.failPendingWrites(ChannelError.ioOnClosedChannel)
        let closePromise = self.closePromise
        self.closePromise = nil
        if wasClosed {
            promise?.succeed()
        } else {
            context.close(promise: promise)
        }
        closePromise.map { context.channel.closeFuture.cascade(to: $0) }
    }

    // MARK: Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard self.state == .idle else { return }
        self.state = .handshaking
        self.advanceHandshake(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        guard let session = self.session else { return }
        switch session.handshake() {
        case .needsInput:
            self.sendOutput(context: context, promise: nil)
            context.read()
        case .failed(let error):
            // Send the alert that tells the peer why, then give up.
            self.sendOutput(context: context, promise: nil)
            self.fail(context: context, error)
        case .complete:
            self.state = .active
            self.sendOutput(context: context, promise: nil)
            let event = TLSHandshakeCompleted(
                protocolVersion: session.protocolVersion,
                alpnProtocol: session.alpnProtocol,
                peerSubject: session.peerSubject,
                cipher: session.cipher,
                peerAlternativeNames: session.peerAlternativeNames,
                peerCertificateProblem: session.peerCertificateProblem,
                authenticationBinding: session.authenticationBinding
            )
            self.completedHandshake = event
            if let records = session.handOverRecords() {
                self.connection = records
                self.session = nil
            }
            context.fireUserInboundEventTriggered(event)
            // Writes flushed during the handshake, and data that followed the peer's last
            // handshake message, can go now (each step checks the state is still active).
            self.encryptFlushedWrites(context: context)
            if self.readRequested {
                self.deliverPlaintext(context: context)
            }
        }
    }

    // MARK: Reading plaintext

    /// Delivers buffered plaintext if a read was requested; if there is none, asks the
    /// channel for more ciphertext.
    private func deliverPlaintext(context: ChannelHandlerContext) {
        guard self.state == .active, self.readRequested, !self.isDelivering else { return }
        self.isDelivering = true
        var delivered = false
        var stop = TLSConnection.ReadStop.needsInput
        if self.connection.hasBufferedInput {
            (delivered, stop) = self.fireDecryptedChunks(context: context)
        }
        // A KeyUpdate or other post-handshake message may need an answer.
        if self.connection.pendingOutputCount > 0 {
            self.sendOutput(context: context, promise: nil)
        }
        if delivered {
            context.fireChannelReadComplete()
        }
        self.isDelivering = false

        switch stop {
        case .closeNotify:
            self.answerCloseNotify(context: context)
        case .failed(let error):
            self.fail(context: context, error)
        case .needsInput, .bufferFull:
            // Still asked (nothing arrived, or asked again during delivery): read more.
            if self.state == .active, self.readRequested {
                context.read()
            }
        }
    }

    /// Decrypts and fires chunks until no complete record is left or the state changes.
    private func fireDecryptedChunks(context: ChannelHandlerContext) -> (delivered: Bool, stop: TLSConnection.ReadStop) {
        let startState = self.state
        var delivered = false
        while true {
            let capacity = min(Self.maximumReadChunk, max(Self.minimumReadChunk, self.connection.bufferedInputEstimate))
            var chunk = context.channel.allocator.buffer(capacity: capacity)
            let stop = self.connection.read(into: &chunk)
            if chunk.readableBytes > 0 {
                delivered = true
                self.readRequested = false
                context.fireChannelRead(self.wrapInboundOut(chunk))
            }
            guard case .bufferFull = stop, self.state == startState else {
                return (delivered, stop)
            }
        }
    }

    /// At the end of the input: delivers what is left regardless of read requests and says
    /// whether the stream ended cleanly (`nil`) or how it did not.
    private func finishReading(context: ChannelHandlerContext) -> TLSError? {
        self.connection.markEndOfInput()
        self.isDelivering = true
        let (delivered, stop) = self.fireDecryptedChunks(context: context)
        if delivered {
            context.fireChannelReadComplete()
        }
        self.isDelivering = false
        switch stop {
        case .closeNotify:
            return nil
        case .failed(let error):
            return error
        case .needsInput, .bufferFull:
            return .uncleanShutdown
        }
    }

    // MARK: Writing plaintext

    /// Encrypts the flushed writes, packing small ones into full records, and sends the
    /// result as one write whose outcome completes every write's promise.
    private func encryptFlushedWrites(context: ChannelHandlerContext) {
        guard self.state == .active, self.flushedWriteCount > 0 else { return }
        // OpenSSL writes the records straight into one buffer sized for the plaintext plus each
        // record's overhead, so it does not regrow.
        let plaintextCount = self.pendingWrites.prefix(self.flushedWriteCount).reduce(0) { $0 + $1.data.readableBytes }
        // The staging buffer starts at the size of the first flush and grows (at most to one
        // record) only on connections that write more, so an idle one does not hold 16 KiB.
        var staging = self.stagingBuffer
            ?? context.channel.allocator.buffer(capacity: min(plaintextCount, Self.recordPayloadSize))
        self.stagingBuffer = nil  // keep `staging` uniquely referenced, so appends never copy
        let recordCount = plaintextCount / Self.recordPayloadSize + 1
        var output = context.channel.allocator.buffer(
            capacity: self.connection.pendingOutputCount + plaintextCount + recordCount * Self.recordOverhead
        )
        var combinedPromise: EventLoopPromise<Void>?
        var failure: TLSError?

        while self.flushedWriteCount > 0 {
            let (data, promise) = self.pendingWrites.removeFirst()
            self.flushedWriteCount -= 1
            if let promise {
                if let combinedPromise {
                    combinedPromise.futureResult.cascade(to: promise)
                } else {
                    combinedPromise = promise
                }
            }
            guard failure == nil else { continue }
            if staging.readableBytes + data.readableBytes > Self.recordPayloadSize {
                failure = self.encrypt(&staging, into: &output)
            }
            if data.readableBytes >= Self.recordPayloadSize {
                failure = failure ?? self.encrypt(data, into: &output)
            } else {
                staging.writeImmutableBuffer(data)
            }
        }
        failure = failure ?? self.encrypt(&staging, into: &output)
        self.stagingBuffer = staging

        if let failure {
            combinedPromise?.fail(failure)
            self.fail(context: context, failure)
        } else {
            context.writeAndFlush(self.wrapOutboundOut(output), promise: combinedPromise)
        }
    }

    /// Encrypts and empties `staging`, appending the records to `output`.
    private func encrypt(_ staging: inout ByteBuffer, into output: inout ByteBuffer) -> TLSError? {
        guard staging.readableBytes > 0 else { return nil }
        let failure = self.encrypt(staging, into: &output)
        staging.clear()
        return failure
    }

    /// Encrypts `plaintext`, appending the records (and anything queued before) to `output`.
    private func encrypt(_ plaintext: ByteBuffer, into output: inout ByteBuffer) -> TLSError? {
        plaintext.withUnsafeReadableBytes { self.connection.write($0, into: &output) }
    }

    /// Writes and flushes everything OpenSSL has produced as one buffer. With nothing to
    /// send, a `promise` still completes in order behind earlier writes.
    private func sendOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let count = self.connection.pendingOutputCount
        guard count > 0 || promise != nil else { return }
        var output = context.channel.allocator.buffer(capacity: count)
        self.connection.takeOutput(into: &output)
        context.writeAndFlush(self.wrapOutboundOut(output), promise: promise)
    }

    private func failPendingWrites(_ error: any Error) {
        self.flushedWriteCount = 0
        while let (_, promise) = self.pendingWrites.popFirst() {
            promise?.fail(error)
        }
    }

    // MARK: Closing

    private func startClosing(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        self.state = .closing
        self.closePromise = promise
        // Like a plain channel, drop writes that were never flushed.
        self.failPendingWrites(ChannelError.ioOnClosedChannel)
        guard self.connection.sendCloseNotify() else {
            self.finishClosing(context: context)
            return
        }
        self.sendOutput(context: context, promise: nil)
        self.shutdownTimer = context.eventLoop.assumeIsolated().scheduleTask(
            in: self.tlsContext.configuration.shutdownTimeout
        ) {
            self.finishClosing(context: context)
        }
        self.discardUntilCloseNotify(context: context)
    }

    /// While closing: drops data the peer still sends until its close_notify arrives.
    private func discardUntilCloseNotify(context: ChannelHandlerContext) {
        guard self.state == .closing else { return }
        var scratch = context.channel.allocator.buffer(capacity: Self.recordPayloadSize)
        while true {
            scratch.clear()
            switch self.connection.read(into: &scratch) {
            case .bufferFull:
                continue
            case .needsInput:
                context.read()
                return
            case .closeNotify, .failed:
                // Either way there is nothing more to wait for.
                self.finishClosing(context: context)
                return
            }
        }
    }

    private func finishClosing(context: ChannelHandlerContext) {
        guard self.state == .closing else { return }
        self.state = .closed
        self.shutdownTimer?.cancel()
        self.shutdownTimer = nil
        let promise = self.closePromise
        self.closePromise = nil
        context.close(promise: promise)
    }

    /// The peer sent close_notify: answer with ours and close the channel, without error.
    private func answerCloseNotify(context: ChannelHandlerContext) {
        guard self.state == .active else { return }
        self.state = .closed
        self.failPendingWrites(ChannelError.ioOnClosedChannel)
        if self.connection.sendCloseNotify() {
            self.sendOutput(context: context, promise: nil)
        }
        context.close(promise: nil)
    }

    /// A fatal error: report it, then close.
    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        guard self.state != .closed else { return }
        self.state = .closed
        self.shutdownTimer?.cancel()
        self.shutdownTimer = nil
        context.fireErrorCaught(error)
        self.failPendingWrites(error)
        let promise = self.closePromise
        self.closePromise = nil
        context.close(promise: promise)
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
