import TernFiles

/// The file operations of TernTLS, failing with ``TLSError``s that name the path.
enum TLSFiles {
    static func read(_ path: String) throws(TLSError) -> [UInt8] {
        do {
            return try FileContents.read(path)
        } catch {
            throw .fileUnreadable(path: path, reason: error.reason)
        }
    }

    /// Replaces the file at `path` durably (see `DurableFile`); a private key gets mode 0600.
    static func write(_ contents: String, to path: String, isPrivate: Bool) throws(TLSError) {
        do {
            try DurableFile.write(contents, to: path, permissions: isPrivate ? [.ownerReadWrite] : [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw .invalidConfiguration(reason: error.description)
        }
    }

    static func createDirectory(_ path: String) throws(TLSError) {
        do {
            try Directories.create(path)
        } catch {
            throw .invalidConfiguration(reason: error.description)
        }
    }
}
