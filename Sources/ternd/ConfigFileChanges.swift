#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The changes of a config file, for `--watch-config`: its modification time, size and inode,
/// looked at once a second (an editor that replaces the file gives it a new inode).
struct ConfigFileChanges: AsyncSequence, Sendable {
    typealias Element = Void

    let path: String
    var interval: Duration = .seconds(1)

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        let interval: Duration
        var last: Stamp?

        /// Returns once the file differs from when it was last looked at; `nil` when cancelled.
        mutating func next() async -> Void? {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return nil
                }
                let now = Stamp(path: path)
                defer { last = now }
                if now != last, now != nil { return () }
            }
            return nil
        }
    }

    /// What tells one version of the file from another.
    struct Stamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int
        var inode: UInt64

        /// The file's stamp now; `nil` while it does not exist (an editor between writes).
        init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            seconds = Int(status.st_mtim.tv_sec)
            nanoseconds = Int(status.st_mtim.tv_nsec)
            size = Int(status.st_size)
            inode = UInt64(status.st_ino)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(path: path, interval: interval, last: Stamp(path: path))
    }
}
