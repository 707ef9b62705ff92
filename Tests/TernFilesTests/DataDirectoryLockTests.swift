import Foundation
import Testing
import TernChildProcesses
import TernFiles

@Suite struct DataDirectoryLockTests {
    @Test func anEmptyPathIsRefused() {
        let error = #expect(throws: DataDirectoryLock.Failure.self) { try DataDirectoryLock.acquire("") }
        #expect(error?.description == "cannot use data directory '': the path is empty")
    }

    @Test func theLockFileHoldsThePidAndALaterCallInTheSameProcessSharesTheLock() throws {
        let directory = NSTemporaryDirectory() + "tern-lock-" + UUID().uuidString + "/data"
        let lock = try DataDirectoryLock.acquire(directory)
        #expect(try DataDirectoryLock.acquire(directory + "/") === lock)
        let contents = String(decoding: try FileContents.read(directory + "/" + DataDirectoryLock.fileName), as: UTF8.self)
        #expect(contents == "\(getpid())\n")
    }

    @Test func anotherProcessIsRefusedWithTheHoldersPid() async throws {
        let directory = NSTemporaryDirectory() + "tern-lock-" + UUID().uuidString
        _ = try DataDirectoryLock.acquire(directory)
        // flock(1) stands in for a second daemon: it tries the same lock without waiting.
        let flock = try await ChildProcess(
            program: "flock", ["--nonblock", "--conflict-exit-code", "7", directory + "/" + DataDirectoryLock.fileName, "true"]
        ).result()
        #expect(flock.status == 7, "\(flock.errors)")
    }

    @Test func aDirectoryThatCannotBeCreatedIsUnusable() throws {
        let file = NSTemporaryDirectory() + "tern-lock-file-" + UUID().uuidString
        try DurableFile.write("not a directory", to: file)
        let error = #expect(throws: DataDirectoryLock.Failure.self) { try DataDirectoryLock.acquire(file + "/data") }
        #expect(error?.description.hasPrefix("cannot create directory \(file)") == true)
    }
}
