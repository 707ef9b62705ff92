import SystemPackage
import TernFiles

/// Reads standard input line by line as raw bytes, so payloads that are not UTF-8 survive.
///
/// Reads block the calling thread, which is fine for a command-line tool.
struct StandardInputLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// The next line without its `\n`, or `nil` at the end of input. A last line without a
    /// newline is still a line.
    ///
    /// - Throws: ``FileError`` when standard input cannot be read.
    mutating func next() throws(FileError) -> ArraySlice<UInt8>? {
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
            try fill()
        }
    }

    /// Appends the next read's bytes to the unread rest of the buffer.
    private mutating func fill() throws(FileError) {
        buffer.removeFirst(start)
        start = 0
        let chunk = 64 << 10
        let previousCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let count = try FileError.attempt("read", path: "standard input") {
            try buffer.withUnsafeMutableBytes { try FileDescriptor.standardInput.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[previousCount...])) }
        }
        buffer.removeLast(chunk - count)
        atEnd = count == 0
    }
}
