import Foundation
import Synchronization
import TernTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real etcd (Debian's `etcd-server`) for a test: a single member on two free loopback
/// ports, with its data in a new temporary directory that is removed when it stops; clients
/// reach it over TLS when it is given a certificate.
public final class EtcdProcess: Sendable {
    /// The client URL: `http://127.0.0.1:PORT`.
    public let url: String
    public let clientPort: Int
    public let dataDirectory: String
    private let peerPort: Int
    private let tlsArguments: [String]
    private let process: Mutex<ChildProcess>

    /// Starts etcd and waits until it accepts connections.
    ///
    /// - Parameter tls: A certificate and key (PEM files) for clients to reach etcd over TLS.
    public init(tls: (certificateFile: String, keyFile: String)? = nil) async throws {
        clientPort = try Self.freePort()
        peerPort = try Self.freePort()
        var template = Array("/tmp/tern-etcd-XXXXXX".utf8CString)
        guard let directory = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            throw ChildProcess.Failure(description: "cannot create a directory for etcd")
        }
        dataDirectory = directory
        url = (tls == nil ? "http" : "https") + "://127.0.0.1:\(clientPort)"
        tlsArguments = tls.map { ["--cert-file", $0.certificateFile, "--key-file", $0.keyFile] } ?? []
        process = Mutex(try await Self.launch(url: url, peerPort: peerPort, dataDirectory: directory, arguments: tlsArguments))
    }

    /// Starts etcd with a server certificate for 127.0.0.1 from a new CA, writing `ca.pem`,
    /// `etcd.pem` and `etcd.key` into `directory`; returns it and the CA's file, which clients
    /// trust it with.
    public static func withTLS(in directory: String) async throws -> (etcd: EtcdProcess, caFile: String) {
        let authority = try TLSCertificateAuthority.generate()
        try authority.credential.write(certificateFile: directory + "/ca.pem", privateKeyFile: directory + "/ca.key")
        try authority.issueServerCertificate().write(certificateFile: directory + "/etcd.pem", privateKeyFile: directory + "/etcd.key")
        return (try await EtcdProcess(tls: (directory + "/etcd.pem", directory + "/etcd.key")), directory + "/ca.pem")
    }

    deinit {
        process.withLock { $0.signal(SIGKILL) }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Stops etcd with SIGKILL, as a crash would, and waits for it to exit.
    public func kill() async throws {
        let process = process.withLock { $0 }
        process.signal(SIGKILL)
        try await process.wait()
    }

    /// Starts etcd again, after ``kill()``, on the same ports and data.
    public func restart() async throws {
        let restarted = try await Self.launch(url: url, peerPort: peerPort, dataDirectory: dataDirectory, arguments: tlsArguments)
        process.withLock { $0 = restarted }
    }

    /// What etcd wrote to standard error, for a failure's message.
    public var log: String { process.withLock { $0.standardError } }

    /// Runs etcd and waits until it accepts clients.
    private static func launch(url: String, peerPort: Int, dataDirectory: String, arguments: [String]) async throws -> ChildProcess {
        let peer = "http://127.0.0.1:\(peerPort)"
        let process = try await ChildProcess(program: "etcd", [
            "--name", "tern-test", "--data-dir", dataDirectory + "/data",
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "tern-test=\(peer)", "--log-level", "warn",
        ] + arguments)
        let port = Int(url.split(separator: ":").last ?? "") ?? 0
        let deadline = ContinuousClock.now + .seconds(20)
        // Accepting connections comes before serving: a plaintext etcd must also say it is
        // healthy, or a loaded machine's first request finds it not ready yet.
        let plaintext = url.hasPrefix("http://")
        while !(accepts(port: port) && (!plaintext || isHealthy(port: port))) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.signal(SIGKILL)
                throw ChildProcess.Failure(description: "etcd did not start: \(process.standardError)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process
    }

    /// A loopback port that was free a moment ago, and that no earlier call in this process
    /// returned: a test that asks for several (client and peer ports, a node's client and route
    /// ports) never gets one twice.
    public static func freePort() throws -> Int {
        while true {
            let port = try anyFreePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    /// The ports ``freePort()`` returned so far in this process.
    private static let handedOut = Mutex<Set<Int>>([])

    private static func anyFreePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcess.Failure(description: "socket failed") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcess.Failure(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether etcd answers `GET /health` with `"health":"true"` within a second.
    private static func isHealthy(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        let request = Array("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard connected, send(descriptor, request, request.count, 0) == request.count else { return false }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            answer += chunk[0..<count]
        }
        return String(decoding: answer, as: UTF8.self).contains("\"health\":\"true\"")
    }

    private static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
