import Foundation
import NIOCore

/// One-line descriptions of system errors, such as a busy port.
enum SystemErrorText {
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }
}

/// File-system checks the daemon needs.
enum FileStatus {
    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}
