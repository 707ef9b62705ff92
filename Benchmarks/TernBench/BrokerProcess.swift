import Foundation

/// A broker on this machine, seen through Linux's /proc: which process listens on a port, and
/// how much memory it holds.
enum BrokerProcess {
    /// The process that has a listening TCP socket on `port`: the socket's inode from
    /// /proc/net/tcp and /proc/net/tcp6, matched against the /proc/PID/fd links of every
    /// process. `nil` when none is found or the links are not readable (another user's
    /// process, without root).
    static func pid(listeningOn port: Int) -> Int32? {
        let inodes = Set(["/proc/net/tcp", "/proc/net/tcp6"].flatMap { listeningInodes(in: $0, port: port) })
        guard !inodes.isEmpty, let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for process in processes {
            guard let pid = Int32(process),
                  let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd")
            else { continue }
            for descriptor in descriptors {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\(descriptor)"),
                   inodes.contains(target) {
                    return pid
                }
            }
        }
        return nil
    }

    /// The resident set size (VmRSS in /proc/PID/status) of `pid`, in bytes.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        // "VmRSS:     12345 kB"
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return kilobytes.map { $0 * 1024 }
    }

    /// "socket:[INODE]" for each socket in LISTEN state (0A) on `port` in a /proc/net/tcp table.
    private static func listeningInodes(in table: String, port: Int) -> [String] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { return [] }
        let portSuffix = ":" + String(format: "%04X", port)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: " ")
            guard columns.count > 9, columns[1].hasSuffix(portSuffix), columns[3] == "0A" else { return nil }
            return "socket:[\(columns[9])]"
        }
    }
}
