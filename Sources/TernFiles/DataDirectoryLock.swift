#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage
import Synchronization

/// The exclusive claim of one process on a data directory: a `flock` on `ternd.lock` in it,
/// which holds the claimant's pid. It is released when the process exits, however it exits.
///
/// A process locks a directory once; later calls for the same directory return the same lock,
/// so that a daemon and the broker it embeds can both ask for it.
public final class DataDirectoryLock: Sendable {
    /// Why a data directory cannot be used.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// Another process holds the lock; its pid when the lock file names one.
        case inUse(directory: String, pid: Int32?)
        case unusable(FileError)

        public var description: String {
            switch self {
            case .inUse(let directory, let pid):
                "data directory \(directory) is in use by another process\(pid.map { " (pid \($0))" } ?? "")"
            case .unusable(let error):
                "\(error)"
            }
        }
    }

    /// The directory as it was named.
    public let directory: String
    private let descriptor: FileDescriptor

    private static let held = Mutex<[String: DataDirectoryLock]>([:])

    private init(directory: String, descriptor: FileDescriptor) {
        self.directory = directory
        self.descriptor = descriptor
    }

    /// The name of the lock file in a data directory.
    public static let fileName = "ternd.lock"

    /// Creates `directory` if it is missing and locks it for this process.
    ///
    /// - Throws: ``Failure/inUse(directory:pid:)`` when another process holds it,
    ///   ``Failure/unusable(_:)`` when it cannot be created or written.
    public static func acquire(_ directory: String) throws(Failure) -> DataDirectoryLock {
        guard !directory.isEmpty else {
            throw .unusable(FileError("use data directory", path: "''", reason: "the path is empty"))
        }
        do {
            try Directories.create(directory)
        } catch {
            throw .unusable(error)
        }
        let key = Self.key(for: directory)
        return try held.withLock { held throws(Failure) in
            if let existing = held[key] { return existing }
            let lock = try lockFile(in: directory)
            held[key] = lock
            return lock
        }
    }

    private static func lockFile(in directory: String) throws(Failure) -> DataDirectoryLock {
        let path = directory + "/" + fileName
        let descriptor: FileDescriptor
        do {
            descriptor = try FileError.attempt("create", path: path) {
                try FileDescriptor.open(FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
            }
        } catch {
            throw .unusable(error)
        }
        guard flock(descriptor.rawValue, LOCK_EX | LOCK_NB) == 0 else {
            let busy = Errno.last == .wouldBlock
            let holder = busy ? Self.pid(in: descriptor) : nil
            try? descriptor.close()
            if busy { throw .inUse(directory: directory, pid: holder) }
            throw .unusable(FileError("lock", path: path, errno: Errno.last))
        }
        do {
            try FileError.attempt("write", path: path) {
                _ = try descriptor.resize(to: 0)
                _ = try descriptor.writeAll(toAbsoluteOffset: 0, Array("\(getpid())\n".utf8))
            }
        } catch {
            try? descriptor.close()
            throw .unusable(error)
        }
        return DataDirectoryLock(directory: directory, descriptor: descriptor)
    }

    private static func pid(in descriptor: FileDescriptor) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard let count = try? bytes.withUnsafeMutableBytes({ try descriptor.read(fromAbsoluteOffset: 0, into: $0) }) else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingWhitespace)
    }

    /// The directory's identity: its device and inode, so that two spellings of one path agree.
    private static func key(for directory: String) -> String {
        var status = stat()
        guard stat(directory, &status) == 0 else { return directory }
        return "\(status.st_dev):\(status.st_ino)"
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
