import NIOCore
import NIOPosix
import TernChildProcesses

/// Plain TCP on 127.0.0.1, for finding ports and poking at a broker without a client.
enum Loopback {
    /// A port that was free a moment ago, and that no earlier call returned (``EtcdProcess/freePort()``).
    static func freePort() async throws -> Int {
        try EtcdProcess.freePort()
    }

    /// Waits until something accepts connections on `port`.
    static func waitForListener(on port: Int, seconds: Double = 20) async throws {
        try await eventually(within: seconds, "a listener on port \(port)") {
            guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() else {
                return false
            }
            try? await channel.close()
            return true
        }
    }

    /// Sends `bytes` on a new connection and waits until the peer closes it; returns whether it did.
    static func sendAndAwaitClose(_ bytes: String, to port: Int, seconds: Double = 15) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: bytes))
        do {
            try await within(seconds, "the broker to close a plaintext connection") {
                try await channel.closeFuture.get()
                return true
            }
            return true
        } catch is TimedOut {
            try? await channel.close()
            return false
        }
    }
}
