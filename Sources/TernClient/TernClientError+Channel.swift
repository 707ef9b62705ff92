import NIOCore
import NIOPosix
import TernTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TernClientError {
    /// Maps an error from connecting or from the channel to a one-line client error.
    init(channelError error: any Error) {
        switch error {
        case let error as TernClientError:
            self = error
        case TLSError.uncleanShutdown:
            // The peer's socket closed without TLS's goodbye: the broker was killed or the
            // network cut the connection.
            self = .disconnected(code: nil, reason: "the connection was closed abruptly")
        case let error as TLSError:
            self = .tls(error)
        case ChannelError.connectTimeout:
            self = .timeout
        case let error as NIOConnectionError:
            let reasons = error.connectionErrors.map { Self.reason(for: $0.error) }
            if let dnsError = error.dnsAAAAError ?? error.dnsAError, reasons.isEmpty {
                self = .connectionFailed(reason: "cannot resolve \(error.host): \(dnsError)")
            } else {
                self = .connectionFailed(reason: reasons.first ?? "no address found for \(error.host)")
            }
        case let error as IOError:
            self = .disconnected(code: nil, reason: Self.reason(for: error))
        default:
            self = .connectionFailed(reason: "\(error)")
        }
    }

    /// The system's text for an I/O error, e.g. "Connection refused".
    private static func reason(for error: any Error) -> String {
        guard let error = error as? IOError else {
            if case ChannelError.connectTimeout = error { return "timed out" }
            return "\(error)"
        }
        return String(cString: strerror(error.errnoCode))
    }
}
