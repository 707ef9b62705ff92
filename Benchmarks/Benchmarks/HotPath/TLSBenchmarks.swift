import Benchmark
import Glibc
import NIOCore
import NIOEmbedded
import TernProtocol
import TernTLS

/// The TLS record path of a delivery: MESSAGE frames written through the broker's `TLSHandler`
/// (encrypted into records) and those records read through a client's (decrypted), on two
/// `EmbeddedChannel`s with the handshake done beforehand. `TLSRecordsBatched` flushes a thousand
/// frames at once (full records, as under load); `TLSRecordPerMessage` flushes each frame alone,
/// one record per message, as at low load and in request/reply.
func registerTLSBenchmarks(_ configuration: Benchmark.Configuration) throws {
    let count = configuration.scalingFactor.rawValue
    let pair = try TLSChannelPair()
    var frame = Workload.outputBuffer(frames: 1)
    try frame.writeMessageFrame(
        subscriptionID: Workload.subscriptionID, topic: Workload.publish.topic, replyTo: nil,
        headers: Workload.publish.headers, schema: nil, payload: Workload.publish.payload
    )
    var batch = Workload.outputBuffer(frames: count)
    for _ in 0..<count { batch.writeImmutableBuffer(frame) }

    Benchmark("TLSRecordsBatched", configuration: configuration) { _ in
        try pair.send(batch)
    }
    Benchmark("TLSRecordPerMessage", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            try pair.send(frame)
        }
    }
}

/// A broker-side and a client-side TLS handler on embedded channels, connected by hand.
private final class TLSChannelPair {
    private let server: EmbeddedChannel
    private let client: EmbeddedChannel

    init() throws {
        let directory = "/tmp/tern-microbenchmarks-tls-\(getpid())"
        let files = try TLSCertificateAuthority.generateServerFiles(in: directory)
        let serverContext = try TLSContext(configuration: .server(
            certificateChainFile: files.certificateChainFile, privateKeyFile: files.privateKeyFile
        ))
        let clientContext = try TLSContext(configuration: .client(serverName: "localhost", trustRootsFile: files.caCertificateFile))
        self.server = EmbeddedChannel(handler: try TLSHandler(context: serverContext))
        self.client = EmbeddedChannel(handler: try TLSHandler(context: clientContext, serverName: "localhost"))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 8376)
        try self.server.connect(to: address).wait()
        try self.client.connect(to: address).wait()
        while try self.moveCiphertext(from: self.client, to: self.server) + self.moveCiphertext(from: self.server, to: self.client) > 0 {}
        for file in [files.caCertificateFile, files.caPrivateKeyFile, files.certificateChainFile, files.privateKeyFile] {
            unlink(file)
        }
        rmdir(directory)
    }

    /// Writes `plaintext` through the server's handler and reads it out of the client's.
    func send(_ plaintext: ByteBuffer) throws {
        try self.server.writeOutbound(plaintext)
        _ = try self.moveCiphertext(from: self.server, to: self.client)
        // The handler decrypts as the channel asks to read, as a channel with autoRead would.
        var received = 0
        while received < plaintext.readableBytes {
            self.client.read()
            var progressed = false
            while let chunk = try self.client.readInbound(as: ByteBuffer.self) {
                received += chunk.readableBytes
                progressed = true
            }
            guard progressed else {
                fatalError("the client decrypted \(received) bytes of \(plaintext.readableBytes)")
            }
        }
    }

    /// Hands everything `sender` wrote to `receiver`'s input; returns the bytes moved.
    private func moveCiphertext(from sender: EmbeddedChannel, to receiver: EmbeddedChannel) throws -> Int {
        var moved = 0
        while let ciphertext = try sender.readOutbound(as: ByteBuffer.self) {
            moved += ciphertext.readableBytes
            try receiver.writeInbound(ciphertext)
        }
        return moved
    }
}
