#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small POSIX file helpers for PEM files, so TernTLS needs no Foundation. Every failure
/// names the path and the system's reason.
enum FileIO {
    /// Reads the whole file at `path`.
    static func readFile(_ path: String) throws(TLSError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .fileUnreadable(path: path, reason: Self.lastErrorText())
        }
        defer { close(fd) }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileUnreadable(path: path, reason: Self.lastErrorText())
            }
            contents.append(contentsOf: chunk[0..<count])
        }
        return contents
    }

    /// Writes `contents` to `path`, replacing it, and sets its permission bits to `mode`.
    static func writeFile(_ contents: String, to path: String, mode: mode_t) throws(TLSError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw .invalidConfiguration(reason: "cannot write \(path): \(Self.lastErrorText())")
        }
        defer { close(fd) }
        // The file may have existed with wider permissions: narrow them before writing a key.
        guard fchmod(fd, mode) == 0 else {
            throw .invalidConfiguration(reason: "cannot set permissions of \(path): \(Self.lastErrorText())")
        }
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .invalidConfiguration(reason: "cannot write \(path): \(Self.lastErrorText())")
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Creates the directory at `path` and any missing parents (like `mkdir -p`).
    static func createDirectory(_ path: String) throws(TLSError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .invalidConfiguration(reason: "cannot create directory \(prefix): \(Self.lastErrorText())")
            }
        }
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
