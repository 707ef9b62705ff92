import Foundation
import Testing
import TernFiles

@Suite struct DurableFileTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "tern-files-" + UUID().uuidString
        try Directories.create(path)
        return path
    }

    @Test func writeReplacesTheFileAndLeavesNoTemporaryFiles() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/file.txt"
        try DurableFile.write("first", to: path)
        try DurableFile.write("second", to: path, permissions: [.ownerReadWrite])
        #expect(String(decoding: try FileContents.read(path), as: UTF8.self) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file.txt"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/file.txt"
        try DurableFile.write("kept", to: path)
        // A directory in the way of the rename: the write fails after the temporary file exists.
        let blocked = directory + "/blocked"
        try Directories.create(blocked + "/inside")
        #expect(throws: FileError.self) { try DurableFile.write("lost", to: blocked) }
        #expect(String(decoding: try FileContents.read(path), as: UTF8.self) == "kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["blocked", "file.txt"])
    }

    @Test func concurrentWritersNeverCollideOnATemporaryFile() async throws {
        let path = try temporaryDirectory() + "/registry.json"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for round in 0..<50 { try DurableFile.write("writer \(writer) round \(round)", to: path) }
                }
            }
            try await group.waitForAll()
        }
        #expect(String(decoding: try FileContents.read(path), as: UTF8.self).hasSuffix("round 49"))
    }

    @Test func errorsNameTheOperationThePathAndTheSystemsReason() {
        let error = #expect(throws: FileError.self) { try FileContents.read("/nonexistent/tern/file") }
        #expect(error?.description == "cannot read /nonexistent/tern/file: no such file or directory")
    }
}
