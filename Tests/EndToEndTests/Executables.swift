import Foundation

/// Runs the built executables (`ternd`, `tern`, …) as a user would, from the build directory
/// that holds the test bundle.
enum Executables {
    /// The build directory, or, when the executables run as an unprivileged user, copies of
    /// them where that user can reach them: the build directory may be under root's home.
    static let directory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let built = URL(fileURLWithPath: executable).deletingLastPathComponent()
        guard UnprivilegedUser.current != nil else { return built }
        let copies = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tern-e2e-executables" + built.path.replacingOccurrences(of: "/", with: "_"))
        do {
            try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            for name in ["ternd", "tern", "tern-bench"] {
                let staged = copies.appendingPathComponent(name + ".new")
                try? FileManager.default.removeItem(at: staged)
                try FileManager.default.copyItem(at: built.appendingPathComponent(name), to: staged)
                guard rename(staged.path, copies.appendingPathComponent(name).path) == 0 else { return built }
            }
            return copies
        } catch {
            return built
        }
    }()

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }
}

/// A running child process whose output is collected.
final class ChildProcess: @unchecked Sendable {
    // Safe to share: `process` and the pipes are only read through their own thread-safe
    // APIs, and `output`/`errors` are guarded by `lock`.
    let process = Process()
    private let lock = NSLock()
    private var output = Data()
    private var errors = Data()
    /// How many of the two pipes have reached their end.
    private var closedPipes = 0

    /// Runs the built executable `executable` (`ternd`, `tern`, …).
    convenience init(_ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]) throws {
        try self.init(path: Executables.url(executable), arguments, in: directory, input: input, environment: environment)
    }

    /// Runs the program at `path`, with `environment` added to this process's.
    init(path: URL, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]) throws {
        if let user = UnprivilegedUser.current {
            // Run as a user would: without root's privileges, in a directory that user owns.
            process.executableURL = UnprivilegedUser.setpriv
            process.arguments = user.setprivArguments + [path.path] + arguments
            if let directory { try user.takeOwnership(of: directory) }
        } else {
            process.executableURL = path
            process.arguments = arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.read(handle) { $0.output.append($1) }
        }
        stderr.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.read(handle) { $0.errors.append($1) }
        }
        if let input {
            let stdin = Pipe()
            process.standardInput = stdin
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    /// Appends what `handle` has with `append`; at its end, counts the pipe as closed.
    private func read(_ handle: FileHandle, _ append: (ChildProcess, Data) -> Void) {
        let data = handle.availableData
        lock.withLock {
            if data.isEmpty {
                handle.readabilityHandler = nil
                closedPipes += 1
            } else {
                append(self, data)
            }
        }
    }

    var standardOutput: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    var standardError: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

    /// Waits for the process to exit, killing it after `seconds`; returns its exit status.
    @discardableResult
    func wait(seconds: Double = 30) async throws -> Int32 {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw TimedOut(what: "\(process.executableURL?.lastPathComponent ?? "process") \(process.arguments ?? [])")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Let the pipes' last bytes arrive: both reach their end soon after the exit.
        let drained = ContinuousClock.now + .seconds(10)
        while lock.withLock({ closedPipes < 2 }) && ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Runs an executable to completion and returns its exit status and output.
func run(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:], seconds: Double = 30
) async throws -> (status: Int32, output: String, errors: String) {
    let child = try ChildProcess(executable, arguments, in: directory, input: input, environment: environment)
    let status = try await child.wait(seconds: seconds)
    return (status, child.standardOutput, child.standardError)
}

