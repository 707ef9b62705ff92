import SystemPackage
import TernFiles

/// Writes to standard output line by line, each line in one write, so that a program reading
/// `tern sub` through a pipe sees every message as it arrives.
enum StandardOutput {
    /// Writes `line` and a newline.
    ///
    /// - Throws: ``FileError`` when standard output cannot be written (a full disk).
    static func writeLine(_ line: String) throws(FileError) {
        try FileError.attempt("write to", path: "standard output") {
            _ = try FileDescriptor.standardOutput.writeAll((line + "\n").utf8)
        }
    }
}
