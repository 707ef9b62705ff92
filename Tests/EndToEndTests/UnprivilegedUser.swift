import Foundation

/// The user the executables run as when the tests run as root (as CI does): `nobody`, so that
/// a defect that needs a privilege (a socket option that only root may set, a file only root
/// may write) fails here as it would for any user. The tests themselves stay root, so that
/// they can read what the executables write and signal them.
struct UnprivilegedUser {
    let uid: uid_t
    let gid: gid_t

    static let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")

    /// `nobody`, when this process is root and `setpriv` exists; `nil` otherwise.
    static let current: UnprivilegedUser? = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv.path), let entry = getpwnam("nobody") else { return nil }
        return UnprivilegedUser(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }()

    /// `setpriv`'s arguments that drop to this user before running the command that follows.
    var setprivArguments: [String] {
        ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--inh-caps=-all", "--"]
    }

    /// Gives `directory` and everything in it to this user.
    func takeOwnership(of directory: URL) throws {
        let paths = [directory.path] + (FileManager.default.subpaths(atPath: directory.path) ?? []).map { directory.path + "/" + $0 }
        for path in paths where lchown(path, uid, gid) != 0 {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
