#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads standard input line by line as raw bytes, so payloads that are not UTF-8 survive.
///
/// Reads block the calling thread, which is fine for a command-line tool.
struct StandardInputLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// The next line without its `\n`, or `nil` at the end of input. A last line without a
    /// newline is still a line.
    mutating func next() -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = newline + 1 }
                return buffer[start..<newline]
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return buffer[start...]
            }
            fill()
        }
    }

    private mutating func fill() {
        buffer.removeFirst(start)
        start = 0
        let chunk = 64 << 10
        let previousCount = buffer.count
        buffer.reserveCapacity(previousCount + chunk)
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { bytes in
                read(STDIN_FILENO, bytes.baseAddress.map { $0 + previousCount }, chunk)
            }
        } while count < 0 && errno == EINTR
        buffer.removeLast(chunk - max(count, 0))
        if count <= 0 { atEnd = true }
    }
}
