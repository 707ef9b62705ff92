#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole text file, without Foundation.
enum TextFile {
    /// Why a file could not be read, e.g. "cannot read order.tern: No such file or directory".
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The contents of the file at `path`, or of standard input when `path` is `-`.
    static func contents(of path: String) throws -> String {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw ReadError(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != STDIN_FILENO { _ = close(fd) } }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            contents.append(contentsOf: chunk[..<count])
        }
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw ReadError(description: "\(path) is not UTF-8 text")
        }
        return text
    }
}
