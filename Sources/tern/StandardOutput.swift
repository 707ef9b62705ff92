#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output line by line: each line is flushed at once, so that a program
/// reading `tern sub` through a pipe sees every message as it arrives.
enum StandardOutput {
    /// Prints `line` and a newline, and flushes.
    static func writeLine(_ line: String) {
        print(line)
        fflush(nil)
    }
}
