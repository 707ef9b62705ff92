import SystemPackage

/// Writes to standard error from any thread, without Foundation.
public enum StandardError {
    /// Writes `line` and a newline, in one write. A failure is ignored: standard error is where
    /// it would be reported.
    public static func writeLine(_ line: String) {
        _ = try? FileDescriptor.standardError.writeAll((line + "\n").utf8)
    }
}
