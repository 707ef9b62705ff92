#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TernClient
import TernFiles

/// How `--token`, `--token-file`, `--identity` and the environment variable `TERN_TOKEN` become
/// a client's credentials.
public enum CredentialOptions {
    /// The environment variable a token is taken from when no option gives credentials.
    public static let tokenVariable = "TERN_TOKEN"

    /// A token file that cannot be read, or holds no token.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The credentials the options give: `token`, the first line of `tokenFile`, the key file
    /// `identity`, or else `TERN_TOKEN` when it is set and not empty; `nil` for none.
    static func credentials(token: String?, tokenFile: String?, identity: String?) throws(Failure) -> TernClient.Configuration.Credentials? {
        if let token { return .token(token) }
        if let tokenFile { return .token(try firstLine(of: tokenFile)) }
        if let identity { return .keyFile(identity) }
        if let variable = getenv(tokenVariable), let token = String(validatingCString: variable), !token.isEmpty {
            return .token(token)
        }
        return nil
    }

    /// The first line of the file at `path`, without its line break: the token.
    private static func firstLine(of path: String) throws(Failure) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw Failure(description: "\(error)")
        }
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard let token = String(validating: line, as: UTF8.self), !token.isEmpty else {
            throw Failure(description: "token file \(path): its first line holds no token")
        }
        return token
    }
}
