#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// One-line descriptions of system errors, such as a busy port.
enum SystemErrorText {
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return describe(errno: error.errnoCode)
        }
        return "\(error)"
    }

    /// The system's words for an `errno` value, such as "no such file or directory".
    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
