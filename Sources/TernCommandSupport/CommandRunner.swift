import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process with `status`; a name that the command's own `exit(withError:)` does not hide.
private func terminate(_ status: Int32) -> Never {
    exit(status)
}

extension AsyncParsableCommand {
    /// Parses the command line and runs the command, like ArgumentParser's own `main`, but a
    /// command line that cannot be parsed or does not validate ends with one line on standard
    /// error, `NAME: REASON`, and exit status 2, as with other Unix tools; help goes to standard
    /// output with status 0, and a command's own `ExitCode` is kept.
    public static func runAsTool() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            terminate(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            let message = self.message(for: error)
            if code == .validationFailure {
                StandardError.writeLine("\(configuration.commandName ?? "error"): \(message.split(separator: "\n").joined(separator: " "))")
                terminate(2)
            }
            if !message.isEmpty { StandardError.writeLine(message) }
            terminate(code.rawValue)
        }
    }
}
