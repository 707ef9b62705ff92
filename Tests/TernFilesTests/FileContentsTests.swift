import SystemPackage
import TernFiles
import Testing

@Suite struct FileContentsTests {
    @Test func aDescriptorIsReadToItsEnd() throws {
        let (readEnd, writeEnd) = try FileDescriptor.pipe()
        defer { try? readEnd.close() }
        // More than one read's worth, and less than a pipe holds.
        let written = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        _ = try writeEnd.closeAfter { try writeEnd.writeAll(written) }
        #expect(try FileContents.read(from: readEnd, name: "the pipe") == written)
    }

    @Test func aDescriptorThatCannotBeReadIsNamedInTheError() throws {
        let directory = try FileDescriptor.open("/", .readOnly)
        defer { try? directory.close() }
        let error = #expect(throws: FileError.self) { try FileContents.read(from: directory, name: "standard input") }
        #expect(error?.description == "cannot read standard input: is a directory")
    }
}
