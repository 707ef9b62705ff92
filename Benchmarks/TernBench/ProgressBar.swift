import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar redrawn on standard error ten times a second while a phase runs;
/// nothing at all when standard error is not a terminal.
enum ProgressBar {
    static let isEnabled = isatty(STDERR_FILENO) == 1

    /// Runs `body` while showing `label` and `fraction()`, a number from 0 to 1.
    static func showing<Value>(
        _ label: String, fraction: @escaping @Sendable () -> Double, _ body: () async throws -> Value
    ) async throws -> Value {
        guard isEnabled else { return try await body() }
        let drawer = Task {
            while !Task.isCancelled {
                draw(label, fraction())
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        drawer.cancel()
        await drawer.value
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        return try result.get()
    }

    private static func draw(_ label: String, _ fraction: Double) {
        let width = 30
        let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let filled = Int(clamped * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(clamped * 100))%".utf8))
    }
}
