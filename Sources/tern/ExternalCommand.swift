import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run to completion with bytes on its standard input, without Foundation.
///
/// ``run(input:)`` blocks its thread until the program exits: call it from a thread pool.
struct ExternalCommand: Sendable, CustomStringConvertible {
    /// The program (looked up in `PATH`) and its arguments.
    let arguments: [String]

    /// What a finished run produced.
    struct Output {
        var standardOutput: [UInt8]
        var standardError: [UInt8]
        /// The exit status, or `nil` when a signal ended the program.
        var exitStatus: Int32?
        /// The signal that ended the program, if any.
        var signal: Int32?
    }

    /// Why the program could not be run.
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    var description: String {
        arguments.joined(separator: " ")
    }

    /// Held from creating a child's pipes until it is spawned, so no child inherits descriptors
    /// before they are marked close-on-exec. An inherited pipe end or socket would stay open as
    /// long as that child runs: a sibling would never see the end of its input, and the broker
    /// would not notice this client's connection closing.
    private static let spawning = NIOLock()

    /// Runs the program with `input` on its standard input and collects both of its outputs.
    func run(input: [UInt8]) throws -> Output {
        let (standardInput, standardOutput, standardError, pid) = try Self.spawning.withLock {
            var pipes: [Pipe] = []
            do {
                for _ in 0..<3 { pipes.append(try Pipe()) }
                Self.markDescriptorsCloseOnExec()
                let pid = try spawn(standardInput: pipes[0].readEnd, standardOutput: pipes[1].writeEnd, standardError: pipes[2].writeEnd)
                return (pipes[0], pipes[1], pipes[2], pid)
            } catch {
                for pipe in pipes { pipe.closeBothEnds() }
                throw error
            }
        }
        for fd in [standardInput.readEnd, standardOutput.writeEnd, standardError.writeEnd] { _ = close(fd) }

        var output = Output(standardOutput: [], standardError: [])
        var streams = Streams(input: input, inputFD: standardInput.writeEnd, outputFD: standardOutput.readEnd, errorFD: standardError.readEnd)
        streams.pump(into: &output)

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The wait status layout shared by Linux and the BSDs: low 7 bits the signal, next byte the exit status.
        let signal = status & 0x7f
        if signal == 0 {
            output.exitStatus = (status >> 8) & 0xff
        } else {
            output.signal = signal
        }
        return output
    }

    private func spawn(standardInput: Int32, standardOutput: Int32, standardError: Int32) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, standardInput, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, standardOutput, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, standardError, STDERR_FILENO)
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t?
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child gets only the descriptors of the file actions.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
        let environment = _NSGetEnviron().pointee
        #else
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let environment = environ
        #endif

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, environment)
        guard result == 0 else {
            throw LaunchError(description: "cannot run '\(arguments[0])': \(String(cString: strerror(result)))")
        }
        return pid
    }
}

extension ExternalCommand {
    /// Marks every open descriptor above standard error close-on-exec (the event loop's, the
    /// broker connection's), so a child gets only the descriptors of its file actions. macOS
    /// does this in `posix_spawn` with `POSIX_SPAWN_CLOEXEC_DEFAULT`.
    fileprivate static func markDescriptorsCloseOnExec() {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd > STDERR_FILENO, fd != own else { continue }
            _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
        }
        #endif
    }
}

/// A pipe whose ends close on exec: a child gets only the ends it is given explicitly.
private struct Pipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw ExternalCommand.LaunchError(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func closeBothEnds() {
        _ = close(readEnd)
        _ = close(writeEnd)
    }
}

/// Writes the input to a child and reads its two outputs at the same time, so neither side
/// waits for the other with a full pipe.
private struct Streams {
    let input: [UInt8]
    var written = 0
    var inputFD: Int32?
    var outputFD: Int32?
    var errorFD: Int32?

    init(input: [UInt8], inputFD: Int32, outputFD: Int32, errorFD: Int32) {
        self.input = input
        self.inputFD = inputFD
        self.outputFD = outputFD
        self.errorFD = errorFD
        _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
        if input.isEmpty { closeInput() }
    }

    /// Runs until the input is written (or the child stopped reading) and both outputs ended.
    mutating func pump(into output: inout ExternalCommand.Output) {
        while inputFD != nil || outputFD != nil || errorFD != nil {
            var polled = [(inputFD, POLLOUT), (outputFD, POLLIN), (errorFD, POLLIN)].compactMap { fd, events in
                fd.map { pollfd(fd: $0, events: Int16(events), revents: 0) }
            }
            guard poll(&polled, nfds_t(polled.count), -1) >= 0 || errno == EINTR else { return closeAll() }
            for entry in polled where entry.revents != 0 {
                if entry.fd == inputFD {
                    writeInput()
                } else if entry.fd == outputFD {
                    if !readAvailable(from: entry.fd, into: &output.standardOutput) { outputFD = closing(entry.fd) }
                } else if !readAvailable(from: entry.fd, into: &output.standardError) {
                    errorFD = closing(entry.fd)
                }
            }
        }
    }

    private mutating func writeInput() {
        guard let fd = inputFD else { return }
        let count = input[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            written += count
            if written == input.count { closeInput() }
        } else if count < 0 && errno != EAGAIN && errno != EINTR {
            // The child closed its input (EPIPE): it does not want the rest.
            closeInput()
        }
    }

    /// Reads what is available; `false` at the end of the stream.
    private func readAvailable(from fd: Int32, into bytes: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            bytes.append(contentsOf: chunk[..<count])
            return true
        }
        return count < 0 && (errno == EAGAIN || errno == EINTR)
    }

    private mutating func closeInput() {
        inputFD = inputFD.flatMap(closing)
    }

    private mutating func closeAll() {
        for fd in [inputFD, outputFD, errorFD].compactMap({ $0 }) { _ = close(fd) }
        (inputFD, outputFD, errorFD) = (nil, nil, nil)
    }

    /// Closes `fd`; always `nil`, for the variable that held it.
    private func closing(_ fd: Int32) -> Int32? {
        _ = close(fd)
        return nil
    }
}
