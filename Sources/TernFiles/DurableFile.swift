#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Replacing a file so that a crash, a full disk or a concurrent writer never leaves it
/// half-written: the contents go to a temporary file of a unique name in the same directory,
/// which is synced to disk and renamed over the target; then the directory is synced. Readers
/// see the old contents or the new, never a mix, and a failure leaves the old file untouched.
public enum DurableFile {
    /// Replaces the file at `path` with `contents`, with the permission bits `permissions`.
    public static func write(_ contents: some Collection<UInt8>, to path: String, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]) throws(FileError) {
        let directory = Self.directory(of: path)
        let temporary = "\(path).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        do throws(FileError) {
            try FileError.attempt("write", path: temporary) {
                let descriptor = try FileDescriptor.open(
                    FilePath(temporary), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec], permissions: permissions
                )
                try descriptor.closeAfter {
                    _ = try Array(contents).withUnsafeBytes { try descriptor.writeAll($0) }
                    guard fsync(descriptor.rawValue) == 0 else { throw Errno.last }
                }
            }
            try FileError.check(rename(temporary, path), "replace", path: path)
        } catch {
            unlink(temporary)
            throw error
        }
        try Directories.sync(directory)
    }

    /// Replaces the file at `path` with the UTF-8 bytes of `text`.
    public static func write(_ text: String, to path: String, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]) throws(FileError) {
        try write(Array(text.utf8), to: path, permissions: permissions)
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
