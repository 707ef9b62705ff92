import NIOCore
import TernProtocol
import TernTLS

/// Builds a client connection's channel pipeline: TLS (unless disabled), then the protocol
/// handler, which decodes frames itself so that no frame is boxed on its way between handlers.
enum ConnectionPipeline {
    static func configure(_ channel: any Channel, core: BrokerCore) throws {
        let handlers = channel.pipeline.syncOperations
        if let tls = core.tls {
            try handlers.addHandler(TLSHandler(context: tls))
        }
        try handlers.addHandler(ConnectionHandler(core: core))
    }
}
