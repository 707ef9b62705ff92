import Subprocess
import SystemPackage

/// A program run to completion with bytes on its standard input, through swift-subprocess.
///
/// What the child gets: the input on its standard input (when it closes that early, the rest is
/// not written and that is not an error), pipes read concurrently as its standard output and
/// error, this process's environment and working directory, no other descriptor of this
/// process (the broker connection, the event loop's), the default action for every signal and
/// no signal blocked. When the task running ``run(input:)`` is cancelled, the child gets SIGTERM,
/// then SIGKILL after ``stopGracePeriod``.
struct ExternalCommand: Sendable, CustomStringConvertible {
    /// The program (a path when it contains a `/`, else looked up in `PATH`) and its arguments.
    let arguments: [String]
    /// The most standard output kept; a child that writes more fails with ``OutputLimitExceeded``.
    let outputLimit: Int
    /// The most standard error kept; the rest is read and dropped.
    let errorLimit: Int

    /// How long a child has between SIGTERM and SIGKILL when its run is cancelled.
    static let stopGracePeriod: Duration = .seconds(2)

    /// What a finished run produced.
    struct Output {
        var standardOutput: [UInt8]
        /// At most ``ExternalCommand/errorLimit`` bytes of the child's standard error.
        var standardError: [UInt8]
        var status: TerminationStatus
    }

    /// Why the program could not be run: "cannot run 'frobnicate': not found in PATH".
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    /// The child wrote more than ``ExternalCommand/outputLimit`` bytes to its standard output.
    struct OutputLimitExceeded: Error {}

    var description: String {
        arguments.joined(separator: " ")
    }

    /// Runs the program with `input` on its standard input and collects both of its outputs.
    func run(input: [UInt8]) async throws -> Output {
        var platformOptions = PlatformOptions()
        platformOptions.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: Self.stopGracePeriod)]
        let program = arguments[0]
        let configuration = Configuration(
            executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(executablePathOverride: program, remainingValues: Array(arguments.dropFirst())),
            platformOptions: platformOptions
        )
        let errorLimit = self.errorLimit
        do {
            let result = try await Subprocess.run(configuration, input: .inputWriter, output: .bytes(limit: outputLimit), error: .sequence) { execution in
                async let errors = Self.prefix(of: execution.standardError, limit: errorLimit)
                try await Self.write(input, to: execution.standardInputWriter)
                return try await errors
            }
            return Output(standardOutput: result.standardOutput, standardError: result.closureResult, status: result.terminationStatus)
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw OutputLimitExceeded()
        } catch let error as SubprocessError where error.code == .executableNotFound {
            let reason = program.contains("/") ? "no executable file there" : "not found in PATH"
            throw LaunchError(description: "cannot run '\(program)': \(reason)")
        } catch let error as SubprocessError where error.code == .spawnFailed {
            throw LaunchError(description: "cannot run '\(program)': \(error.underlyingError.map { "\($0)" } ?? "\(error)")")
        }
    }

    /// Writes `input` and closes the child's standard input; a child that closed it first
    /// did not want the rest.
    private static func write(_ input: [UInt8], to writer: StandardInputWriter) async throws {
        do {
            _ = try await writer.write(input)
        } catch where error.underlyingError == .brokenPipe {
            // The rest is not wanted.
        }
        try await writer.finish()
    }

    /// The first `limit` bytes of `stream`, which is read to its end.
    private static func prefix(of stream: SubprocessOutputSequence, limit: Int) async throws -> [UInt8] {
        var kept: [UInt8] = []
        for try await chunk in stream {
            chunk.withUnsafeBytes { kept.append(contentsOf: $0.prefix(limit - kept.count)) }
        }
        return kept
    }
}
