import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program a test runs, through swift-subprocess: its standard output and error are collected
/// while it runs, it can be written to and signalled, and it is killed when dropped.
///
/// The child gets no descriptor of the test process but its three standard streams, so it
/// cannot hold another test's connection open.
public final class ChildProcess: Sendable {
    /// The child's process id, for /proc and for tools that take one. Valid while it runs.
    public let processIdentifier: pid_t
    /// The program and its arguments, for messages.
    public let commandLine: String
    private let transcript: Transcript
    private let signals: AsyncStream<Int32>.Continuation
    private let exit: Task<Int32, any Error>

    /// A child that did not exit or print in time, or that could not be watched.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `program` (a path when it contains a `/`, else looked up in `PATH`) with
    /// `arguments`, in `directory` or this process's working directory.
    ///
    /// - Parameters:
    ///   - input: Written to the child's standard input first.
    ///   - keepingInputOpen: Leaves standard input open after `input` until the child exits
    ///     (a client that would quit at the end of its input); otherwise the child reads the
    ///     end of its input after `input`.
    ///   - environment: Added to this process's environment for the child.
    public init(
        program: String, _ arguments: [String], in directory: String? = nil, input: String? = nil, keepingInputOpen: Bool = false,
        environment: [String: String] = [:]
    ) async throws {
        _ = brokenPipesFail
        let transcript = Transcript()
        let (started, starting) = AsyncThrowingStream.makeStream(of: pid_t.self)
        let (signals, signalling) = AsyncStream.makeStream(of: Int32.self)
        let configuration = Configuration(
            executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(arguments),
            environment: environment.isEmpty ? .inherit : .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, Optional($0.value)) })),
            workingDirectory: directory.map { FilePath($0) }
        )
        exit = Task {
            defer { transcript.running.withLock { $0 = false } }
            do {
                let result = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                    starting.yield(execution.processIdentifier.value)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await signal in signals { try? execution.send(signal: Signal(rawValue: signal)) }
                        }
                        group.addTask {
                            let writer = execution.standardInputWriter
                            if let input { _ = try? await writer.write(Array(input.utf8)) }
                            // Else swift-subprocess closes it once the child has exited.
                            if !keepingInputOpen { try await writer.finish() }
                        }
                        // Both outputs end when the child exits.
                        async let output: Void = transcript.output.collect(execution.standardOutput)
                        async let errors: Void = transcript.errors.collect(execution.standardError)
                        _ = try await (output, errors)
                        group.cancelAll()
                    }
                }
                starting.finish()
                switch result.terminationStatus {
                case .exited(let status): return status
                case .signaled(let signal): return 128 + signal
                }
            } catch {
                starting.finish(throwing: error)
                throw error
            }
        }
        var iterator = started.makeAsyncIterator()
        guard let processIdentifier = try await iterator.next() else {
            throw Failure(description: "\(program) was started but its process id never arrived")
        }
        self.processIdentifier = processIdentifier
        self.commandLine = ([program] + arguments).joined(separator: " ")
        self.transcript = transcript
        self.signals = signalling
    }

    deinit {
        exit.cancel()
    }

    /// What the child wrote to standard output so far.
    public var standardOutput: String { transcript.output.text }
    /// What the child wrote to standard error so far.
    public var standardError: String { transcript.errors.text }

    /// Whether the child has not been seen to exit yet.
    public var isRunning: Bool { transcript.running.withLock { $0 } }

    /// Sends `signal` to the child, unless it has exited.
    public func signal(_ signal: Int32) {
        signals.yield(signal)
    }

    /// Waits for the child to exit and returns its exit status (128 + the signal when a signal
    /// ended it); after `seconds`, kills it and throws ``Failure``.
    @discardableResult
    public func wait(seconds: Double = 30) async throws -> Int32 {
        let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { try await self.exit.value }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            let first = try await group.next() ?? nil
            if first == nil { self.signal(SIGKILL) }
            group.cancelAll()
            return first
        }
        guard let status else { throw Failure(description: "\(commandLine) did not exit within \(seconds) s") }
        return status
    }

    /// Waits until the child's standard output contains `text` and returns that output; throws
    /// ``Failure`` after `seconds` or when the child exits first.
    public func standardOutput(containing text: String, within seconds: Double = 20) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let output = standardOutput
            if output.contains(text) { return output }
            if !isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "\(commandLine) did not print \"\(text)\"; it printed \(standardOutput) \(standardError)")
    }

    /// Waits for the child to exit, as ``wait(seconds:)``, and returns its exit status and both
    /// outputs.
    public func result(seconds: Double = 30) async throws -> (status: Int32, output: String, errors: String) {
        let status = try await wait(seconds: seconds)
        return (status, standardOutput, standardError)
    }
}

/// Writing to a child that closed its input fails with EPIPE instead of ending the tests.
private let brokenPipesFail: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// What a child wrote, and whether it still runs: shared with the task that runs it.
private final class Transcript: Sendable {
    let output = Collected()
    let errors = Collected()
    let running = Mutex(true)
}

/// The bytes of one of a child's outputs so far.
private final class Collected: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    /// Appends what `stream` yields until its end.
    func collect(_ stream: SubprocessOutputSequence) async throws {
        for try await chunk in stream {
            chunk.withUnsafeBytes { chunk in bytes.withLock { $0.append(contentsOf: chunk) } }
        }
    }

    var text: String {
        bytes.withLock { String(decoding: $0, as: UTF8.self) }
    }
}
