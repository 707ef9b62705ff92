#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Directories: creating them with their parents, and making a change in one durable.
public enum Directories {
    /// Creates the directory at `path` and any missing parents (like `mkdir -p`).
    public static func create(_ path: String, permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute]) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, permissions.rawValue) == -1 && Errno.last != .fileExists {
                throw FileError("create directory", path: String(prefix.dropLast()), errno: Errno.last)
            }
        }
        guard isDirectory(path) else { throw FileError("create directory", path: path, reason: "a file of that name is in the way") }
    }

    /// Creates the directory at `path` if it is missing and checks that this process may create
    /// and replace files in it.
    public static func prepareForWriting(_ path: String) throws(FileError) {
        try create(path)
        guard access(path, W_OK | X_OK) == 0 else { throw FileError("write in directory", path: path, errno: Errno.last) }
    }

    /// Whether `path` names a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// Waits until the entries of the directory at `path` (a file renamed into it) are on disk.
    static func sync(_ path: String) throws(FileError) {
        try FileError.attempt("sync directory", path: path) {
            let descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .directory])
            try descriptor.closeAfter {
                guard fsync(descriptor.rawValue) == 0 else { throw Errno.last }
            }
        }
    }
}
