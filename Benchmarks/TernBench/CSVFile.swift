import Foundation

/// Appends reports to a CSV file, one row each, writing the header line when the file is new
/// or empty.
enum CSVFile {
    static func append(_ report: Report, to path: String) throws {
        let isNew = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) == 0
        let text = (isNew ? report.csvHeader + "\n" : "") + report.csvRow + "\n"
        guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil),
              let file = FileHandle(forWritingAtPath: path)
        else { throw BenchFailure("cannot write \(path)") }
        defer { try? file.close() }
        do {
            try file.seekToEnd()
            try file.write(contentsOf: Data(text.utf8))
        } catch {
            throw BenchFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
