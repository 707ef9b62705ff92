import Foundation
import TernChildProcesses
import Testing

/// `tern schema …` and typed `tern pub`/`tern sub` against the real `ternd`, run as a user would.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SchemaCLITests {
    static let v1 = "/// An order.\nrecord Order {\n  id: string\n  quantity: int32\n}\n"
    static let incompatible = "record Order { id: string  quantity: int32  priority: int32 }"
    static let v2 = "record Order { id: string  quantity: int32  note: string = \"none\" }"

    /// A `ternd` with its state in `data/` of a fresh directory, and the `tern` flags to reach it.
    private struct Daemon {
        let directory: URL
        let port: Int
        var process: ChildProcess

        var flags: [String] { ["--server", "127.0.0.1:\(port)", "--ca", "data/tls/ca.pem"] }

        static func start() async throws -> Daemon {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-schema-cli-" + UUID().uuidString)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let port = try await Loopback.freePort()
            return Daemon(directory: directory, port: port, process: try await launch(in: directory, port: port))
        }

        /// Starts `ternd` again on the same port and data directory.
        mutating func restart() async throws {
            process = try await Self.launch(in: directory, port: port)
        }

        private static func launch(in directory: URL, port: Int) async throws -> ChildProcess {
            let process = try await ChildProcess("ternd", ["--listen", "127.0.0.1:\(port)", "--data-dir", "data", "--log-level", "error"], in: directory)
            do {
                try await Loopback.waitForListener(on: port)
            } catch {
                process.signal(SIGKILL)
                Issue.record("ternd did not start: \(process.standardError)")
                throw error
            }
            return process
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }

        func tern(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String, errors: String) {
            try await run("tern", arguments + flags, in: directory, input: input)
        }

        func subscriber(_ arguments: [String]) async throws -> ChildProcess {
            try await ChildProcess("tern", arguments + flags, in: directory)
        }
    }

    @Test func schemaCommandsRegisterCheckAndRefuseNamingTheField() async throws {
        let daemon = try await Daemon.start()
        defer { daemon.process.signal(SIGKILL) }
        try daemon.write(Self.v1, to: "v1.tern")
        try daemon.write(Self.incompatible, to: "incompatible.tern")
        try daemon.write(Self.v2, to: "v2.tern")

        let registered = try await daemon.tern(["schema", "register", "orders", "v1.tern"])
        #expect(registered.status == 0, "\(registered.errors)")
        #expect(registered.output.hasPrefix("orders version 1 (subject id 1, BACKWARD, fingerprint 0x"), "\(registered.output)")
        #expect(try await daemon.tern(["schema", "register", "orders", "v1.tern"]).output == registered.output, "identical: the same version")

        let refused = try await daemon.tern(["schema", "register", "orders", "incompatible.tern"])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("incompatible schema") && refused.errors.contains("Order.priority: field added without a default"), "\(refused.errors)")

        let check = try await daemon.tern(["schema", "check", "orders", "incompatible.tern"])
        #expect(check.status == 1)
        #expect(check.errors.contains("Order.priority"), "\(check.errors)")
        let compatible = try await daemon.tern(["schema", "check", "orders", "-"], input: Self.v2)
        #expect(compatible.status == 0 && compatible.output == "compatible\n", "\(compatible.errors)")

        #expect(try await daemon.tern(["schema", "register", "orders", "v2.tern"]).output.hasPrefix("orders version 2 "))
        #expect(try await daemon.tern(["schema", "mode", "orders", "full-transitive"]).output == "orders: FULL_TRANSITIVE\n")
        #expect(try await daemon.tern(["schema", "list"]).output == "orders (subject id 1, FULL_TRANSITIVE): versions 1, 2\n")
        let shown = try await daemon.tern(["schema", "show", "orders", "--version", "1"])
        #expect(shown.output.hasPrefix("// orders version 1 (subject id 1, FULL_TRANSITIVE, fingerprint 0x"), "\(shown.output)")
        #expect(shown.output.hasSuffix("\n" + Self.v1), "\(shown.output)")

        let missing = try await daemon.tern(["schema", "show", "nothing"])
        #expect(missing.status == 1 && missing.errors == "tern: refused by the schema registry: unknown subject: no subject 'nothing'\n", "\(missing.errors)")
        let badMode = try await daemon.tern(["schema", "mode", "orders", "sideways"])
        #expect(badMode.status != 0 && badMode.errors.contains("sideways"), "\(badMode.errors)")
        let missingFile = try await daemon.tern(["schema", "register", "orders", "missing.tern"])
        #expect(missingFile.status == 1 && missingFile.errors == "tern: cannot read missing.tern: no such file or directory\n", "\(missingFile.errors)")
    }

    @Test func typedMessagesArePublishedAndReadAsJSONAndOldReadersKeepWorking() async throws {
        let daemon = try await Daemon.start()
        defer { daemon.process.signal(SIGKILL) }
        try daemon.write(Self.v1, to: "v1.tern")
        try daemon.write(Self.v2, to: "v2.tern")
        #expect(try await daemon.tern(["schema", "register", "orders", "v1.tern"]).status == 0)
        let bound = try await daemon.tern(["schema", "bind", "orders", "orders"])
        #expect(bound.status == 0 && bound.output == "'orders' is bound to subject 'orders'\n", "\(bound.errors)")

        let oldReader = try await daemon.subscriber(["sub", "orders", "--schema", "orders@1", "--count", "2"])
        let jsonReader = try await daemon.subscriber(["sub", "orders", "--schema", "orders@1", "--count", "2", "--json"])
        try await Task.sleep(for: .milliseconds(700))

        let wrongField = try await daemon.tern(["pub", "orders", #"{"id": "x", "quantity": "two"}"#, "--schema", "orders"])
        #expect(wrongField.status == 1)
        #expect(wrongField.errors == "tern: not a message of orders version 1: Order.quantity: expected int32, found a string\n", "\(wrongField.errors)")
        let untagged = try await daemon.tern(["pub", "orders", "raw bytes", "--ack"])
        #expect(untagged.status == 1)
        #expect(untagged.errors.contains("schema required") && untagged.errors.split(separator: "\n").count == 1, "\(untagged.errors)")

        #expect(try await daemon.tern(["pub", "orders", #"{"id": "first", "quantity": 1}"#, "--schema", "orders@1"]).status == 0)
        #expect(try await daemon.tern(["schema", "register", "orders", "v2.tern"]).status == 0)
        let fromLines = try await daemon.tern(
            ["pub", "orders", "--schema", "orders", "--ack"], input: "{\"id\": \"second\", \"quantity\": 2, \"note\": \"v2 only\"}\n\n{\"id\": \"third\"}\n"
        )
        #expect(fromLines.status == 1, "the third line lacks quantity")
        #expect(fromLines.errors == "tern: line 3: not a message of orders version 2: Order: missing field \"quantity\"\n", "\(fromLines.errors)")

        #expect(try await oldReader.wait() == 0, "\(oldReader.standardError)")
        #expect(oldReader.standardOutput == "{\"id\":\"first\",\"quantity\":1}\n{\"id\":\"second\",\"quantity\":2}\n",
                "a version-1 reader gets the version-2 message resolved to version 1")
        #expect(try await jsonReader.wait() == 0, "\(jsonReader.standardError)")
        let objects = try jsonReader.standardOutput.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.map { ($0?["payload"] as? [String: Any])?["id"] as? String } == ["first", "second"])
        #expect(objects.allSatisfy { $0?["topic"] as? String == "orders" })

        let newReader = try await daemon.subscriber(["sub", "orders", "--schema", "orders", "--count", "1"])
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await daemon.tern(["pub", "orders", #"{"id": "fourth", "quantity": 4}"#, "--schema", "orders@1"]).status == 0)
        #expect(try await newReader.wait() == 0, "\(newReader.standardError)")
        #expect(newReader.standardOutput == "{\"id\":\"fourth\",\"quantity\":4,\"note\":\"none\"}\n", "a version-2 reader gets the default")

        #expect(try await daemon.tern(["schema", "bind", "orders", "--unbind"]).output == "'orders' is unbound\n")
        #expect(try await daemon.tern(["pub", "orders", "raw bytes", "--ack"]).status == 0, "an unbound topic carries any bytes")
    }

    @Test func registeredSchemasSurviveKill9OfTernd() async throws {
        var daemon = try await Daemon.start()
        defer { daemon.process.signal(SIGKILL) }
        try daemon.write(Self.v1, to: "v1.tern")
        try daemon.write(Self.v2, to: "v2.tern")
        #expect(try await daemon.tern(["schema", "register", "orders", "v1.tern"]).status == 0)
        #expect(try await daemon.tern(["schema", "register", "orders", "v2.tern"]).status == 0)
        #expect(try await daemon.tern(["schema", "register", "audit", "v1.tern"]).status == 0)
        #expect(try await daemon.tern(["schema", "mode", "audit", "none"]).status == 0)
        #expect(try await daemon.tern(["schema", "bind", "orders", "orders"]).status == 0)
        let before = try await daemon.tern(["schema", "list"]).output

        daemon.process.signal(SIGKILL)
        #expect(try await daemon.process.wait() != 0)
        try await daemon.restart()

        let after = try await daemon.tern(["schema", "list"])
        #expect(after.status == 0, "\(after.errors)")
        #expect(after.output == before)
        #expect(after.output == "audit (subject id 2, NONE): versions 1\norders (subject id 1, BACKWARD): versions 1, 2\n")
        let shown = try await daemon.tern(["schema", "show", "orders", "--version", "2"])
        #expect(shown.output.hasSuffix("\n" + Self.v2 + "\n"), "\(shown.output)")
        let untagged = try await daemon.tern(["pub", "orders", "raw bytes", "--ack"])
        #expect(untagged.status == 1 && untagged.errors.contains("schema required"), "the binding survived: \(untagged.errors)")
    }
}
