#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard error from any thread, without Foundation.
public enum StandardError {
    /// Writes `line` and a newline.
    public static func writeLine(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in
            var remaining = UnsafeRawBufferPointer(bytes)
            while !remaining.isEmpty {
                let written = write(STDERR_FILENO, remaining.baseAddress, remaining.count)
                if written <= 0 { return }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
            }
        }
    }
}
