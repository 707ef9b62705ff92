import ArgumentParser
import TernCommandSupport
import TernFiles
import TernTLS

/// `tern auth …`: the credentials of a broker's users.
struct AuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Make the credentials of a broker's users: token hashes and Ed25519 key pairs.",
        subcommands: [AuthHashCommand.self, AuthKeygenCommand.self]
    )
}

/// `tern auth hash`: a token's salted scrypt hash, for a user's `token-hash`.
struct AuthHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Read a token on standard input (its first line) and print its hash for a user's token-hash.",
        discussion: "The hash is salted and slow (scrypt); the token itself appears nowhere."
    )

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(from: .standardInput, name: "standard input")
        } catch {
            try fail("\(error)")
        }
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard let token = String(validating: line, as: UTF8.self), !token.isEmpty else {
            try fail("standard input holds no token (one line of UTF-8 text)")
        }
        do {
            print(try TokenHash(hashing: token))
        } catch {
            try fail("cannot hash the token: \(error)")
        }
    }
}

/// `tern auth keygen FILE`: a new Ed25519 key pair.
struct AuthKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new Ed25519 private key to a file (mode 0600) and print its public key for a user's public-key."
    )

    @Argument(help: ArgumentHelp("Where to write the private key (PEM); an existing file is not replaced.", valueName: "file"))
    var file: String

    func run() throws {
        if (try? FileContents.read(file)) != nil {
            try fail("\(file) exists: choose another file, or remove it first")
        }
        do {
            let key = try Ed25519PrivateKey.generate()
            try key.write(to: file)
            print(key.publicKey)
        } catch {
            try fail("\(error)")
        }
    }
}

/// Writes `tern: MESSAGE` to standard error and exits with status 1.
private func fail(_ message: String) throws -> Never {
    StandardError.writeLine("tern: \(message)")
    throw ExitCode.failure
}
