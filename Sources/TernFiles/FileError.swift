import SystemPackage

/// A failed file-system operation: what was attempted, on which path, and the system's reason.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was attempted, as a verb phrase: "read", "create directory", "lock".
    public var operation: String
    public var path: String
    /// The system's words for the failure, such as "no space left on device".
    public var reason: String

    public init(_ operation: String, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    init(_ operation: String, path: String, errno: Errno) {
        self.init(operation, path: path, reason: Self.describe(errno))
    }

    /// "cannot OPERATION PATH: REASON"
    public var description: String {
        "cannot \(operation) \(path): \(reason)"
    }

    /// Runs `body`, turning the `Errno` it throws into a ``FileError`` for `operation` on `path`.
    public static func attempt<Result>(_ operation: String, path: String, _ body: () throws -> Result) throws(FileError) -> Result {
        do {
            return try body()
        } catch let error as FileError {
            throw error
        } catch let error as Errno {
            throw FileError(operation, path: path, errno: error)
        } catch {
            throw FileError(operation, path: path, reason: "\(error)")
        }
    }

    /// Fails for `operation` on `path` with the reason in `errno` when `result` is -1.
    static func check(_ result: Int32, _ operation: String, path: String) throws(FileError) {
        guard result == -1 else { return }
        throw FileError(operation, path: path, errno: Errno.last)
    }

    /// The system's description of `errno`, lowercased to fit inside a sentence.
    static func describe(_ errno: Errno) -> String {
        let text = errno.description
        guard let first = text.first, text.dropFirst().first?.isUppercase != true else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

extension Errno {
    /// The error of the last failed system call on this thread.
    static var last: Errno { Errno(rawValue: systemErrno) }
}
