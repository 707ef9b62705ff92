import Foundation
import TernChildProcesses

/// Runs the `openssl` command line with `arguments` in `directory` to completion.
func runOpenSSL(_ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String, errors: String) {
    try await ChildProcess(program: "openssl", arguments, in: directory.path).result()
}
