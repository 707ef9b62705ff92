import NIOCore
import TernProtocol
import TernTLS

/// Builds a client connection's channel pipeline: TLS (unless disabled), the frame decoder, and
/// the protocol handler.
enum ConnectionPipeline {
    static func configure(_ channel: any Channel, core: BrokerCore) throws {
        let handlers = channel.pipeline.syncOperations
        if let tls = core.configuration.tls {
            try handlers.addHandler(TLSHandler(context: tls))
        }
        try handlers.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: core.configuration.limits.maxFrameLength)))
        try handlers.addHandler(ConnectionHandler(core: core))
    }
}
