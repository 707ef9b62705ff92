import Foundation
import TernChildProcesses
import Testing

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

extension ChildProcess {
    /// Runs the built executable `executable` (`ternd`, `tern`, …).
    convenience init(_ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]) async throws {
        try await self.init(path: Executables.url(executable), arguments, in: directory, input: input, environment: environment)
    }

    /// Runs the program at `path`, as a user would: when the tests run as root, as
    /// ``UnprivilegedUser/current`` (through `setpriv`) in a directory that user owns, with
    /// `environment` added to this process's.
    convenience init(path: URL, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]) async throws {
        var command = [path.path] + arguments
        if let user = UnprivilegedUser.current {
            command = [UnprivilegedUser.setpriv.path] + user.setprivArguments + command
            if let directory { try user.takeOwnership(of: directory) }
        }
        try await self.init(program: command[0], Array(command.dropFirst()), in: directory?.path, input: input, environment: environment)
    }
}

/// Runs the built executable `executable` to completion and returns its exit status and output.
func run(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:], seconds: Double = 30
) async throws -> (status: Int32, output: String, errors: String) {
    try await ChildProcess(executable, arguments, in: directory, input: input, environment: environment).result(seconds: seconds)
}

/// Publishes `payload` to `topic` with `tern pub`, again every 300 ms until `subscriber` (a
/// `tern sub --count 1`) exits, for at most 30 seconds: on a loaded machine a subscriber may take
/// longer than any fixed pause to subscribe, and a message published before that reaches nobody.
func publish(_ payload: String, to topic: String, until subscriber: ChildProcess, _ arguments: [String] = [], in directory: URL) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    repeat {
        let publish = try await run("tern", ["pub", topic, payload] + arguments, in: directory)
        #expect(publish.status == 0, "\(publish.errors)")
        try await Task.sleep(for: .milliseconds(300))
    } while subscriber.isRunning && ContinuousClock.now < deadline
}
