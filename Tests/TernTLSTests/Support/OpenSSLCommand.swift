import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `openssl` command-line tool run as a child process, with its output in files so a
/// chatty process can never block on a full pipe. Always ended by ``stop()`` or deinit.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process` so that the child gets
/// only stdin, stdout and stderr: NIO's sockets are not close-on-exec, and a child that
/// inherited another test's connection would keep it open after that test closed it.
final class OpenSSLCommand {
    private var pid: pid_t = 0
    private var input: Int32 = -1
    private var exitStatus: Int32?
    private let outputPath: String
    private let errorPath: String

    /// Starts `openssl` with `arguments`, writing its output into files in `directory`.
    init(_ arguments: [String], directory: URL) throws {
        // Writing to the stdin of a process that already exited must fail, not kill us.
        signal(SIGPIPE, SIG_IGN)
        let name = "openssl-\(UUID().uuidString)"
        self.outputPath = directory.appendingPathComponent("\(name).out").path
        self.errorPath = directory.appendingPathComponent("\(name).err").path

        let output = open(self.outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let error = open(self.errorPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        var pipeEnds: [Int32] = [-1, -1]
        defer {
            close(output)
            close(error)
            close(pipeEnds[0])
        }
        guard output >= 0, error >= 0, pipe(&pipeEnds) == 0 else {
            throw TestFailure(description: "cannot set up openssl's input and output: \(String(cString: strerror(errno)))")
        }
        self.input = pipeEnds[1]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        try Self.closeEverythingElse(&actions, &attributes)

        let argv = (["openssl"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawnp(&self.pid, "openssl", &actions, &attributes, argv, environ)
        guard result == 0 else {
            close(self.input)
            throw TestFailure(description: "cannot start openssl: \(String(cString: strerror(result)))")
        }
    }

    #if canImport(Glibc)
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// Closes every descriptor from 3 up in the child (glibc's `addclosefrom_np`, which
    /// Swift's Glibc module does not export, so it is looked up at run time).
    private static func closeEverythingElse(
        _ actions: inout posix_spawn_file_actions_t,
        _ attributes: inout posix_spawnattr_t
    ) throws {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw TestFailure(description: "this C library has no posix_spawn_file_actions_addclosefrom_np")
        }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        guard addCloseFrom(&actions, 3) == 0 else {
            throw TestFailure(description: "posix_spawn_file_actions_addclosefrom_np failed")
        }
    }
    #else
    private static func closeEverythingElse(
        _ actions: inout posix_spawn_file_actions_t,
        _ attributes: inout posix_spawnattr_t
    ) throws {
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
    }
    #endif

    deinit {
        self.stop()
    }

    /// What the process printed on standard output so far.
    var output: String { (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? "" }
    /// What the process printed on standard error so far.
    var errorOutput: String { (try? String(contentsOfFile: self.errorPath, encoding: .utf8)) ?? "" }

    /// Writes `text` to the process's standard input.
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard self.input >= 0, write(self.input, bytes, bytes.count) == bytes.count else {
            throw TestFailure(description: "cannot write to openssl: \(String(cString: strerror(errno)))")
        }
    }

    /// Closes the process's standard input.
    func closeInput() {
        if self.input >= 0 {
            close(self.input)
            self.input = -1
        }
    }

    /// Whether the process is still running (reaping it if it has exited).
    private var isRunning: Bool {
        guard self.exitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(self.pid, &status, WNOHANG) == self.pid else { return true }
        // Exited normally: the code is in bits 8-15; killed by a signal: 128 + signal.
        self.exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + status & 0x7F
        return false
    }

    /// Waits until standard output contains `text`; returns the whole output.
    func waitForOutput(containing text: String, seconds: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let output = self.output
            if output.contains(text) { return output }
            if !self.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestTimeout(what: "openssl to print \"\(text)\"; it printed \(self.output) \(self.errorOutput)")
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(seconds: Double = 20) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while self.isRunning {
            guard Date() < deadline else {
                self.stop()
                throw TestTimeout(what: "openssl to exit; it printed \(self.output) \(self.errorOutput)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.exitStatus ?? -1
    }

    /// Ends the process if it is still running.
    func stop() {
        self.closeInput()
        guard self.isRunning else { return }
        kill(self.pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(self.pid, &status, 0)
        self.exitStatus = 128 + SIGKILL
    }

    /// Runs `openssl` with `arguments` to completion and returns its exit status and output.
    static func run(_ arguments: [String], directory: URL) async throws -> (status: Int32, output: String) {
        let command = try OpenSSLCommand(arguments, directory: directory)
        command.closeInput()
        let status = try await command.waitForExit()
        return (status, command.output + command.errorOutput)
    }
}
