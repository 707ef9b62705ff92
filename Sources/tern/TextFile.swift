import SystemPackage
import TernFiles

/// Reads a whole text file.
enum TextFile {
    /// The contents of the file at `path`, or of standard input when `path` is `-`.
    ///
    /// - Throws: ``FileError``, e.g. "cannot read order.tern: no such file or directory".
    static func contents(of path: String) throws(FileError) -> String {
        let bytes = try path == "-" ? FileContents.read(from: .standardInput, name: "standard input") : FileContents.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileError("read", path: path == "-" ? "standard input" : path, reason: "it is not UTF-8 text")
        }
        return text
    }
}
