import SystemPackage

/// Reading whole files.
public enum FileContents {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        try FileError.attempt("read", path: path) {
            let descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
            return try descriptor.closeAfter { try readToEnd(descriptor) }
        }
    }

    /// The bytes `descriptor` yields until its end, such as all of standard input; `name` names
    /// it in errors ("cannot read standard input: …").
    public static func read(from descriptor: FileDescriptor, name: String) throws(FileError) -> [UInt8] {
        try FileError.attempt("read", path: name) { try readToEnd(descriptor) }
    }

    private static func readToEnd(_ descriptor: FileDescriptor) throws -> [UInt8] {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[..<count])
        }
    }
}
