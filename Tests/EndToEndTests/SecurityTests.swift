import Foundation
import NIOCore
import Testing
import TernClient
import TernProtocol
import TernTLS

/// `ternd` with users in its config file, as README's "Securing ternd" sets it up: each way of
/// authenticating from TernClient and from `tern`, right and wrong, permissions refused while
/// the connection goes on, and SIGHUP reloading them under open connections.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SecurityTests {
    private static let token = "orders-token-7f3a"

    /// The files of one secured daemon: its config, the client CA, certificates and keys.
    private struct Setup {
        let directory: URL
        let identity: String
        let strangerIdentity: String
        let validCertificate: (String, String)
        let expiredCertificate: (String, String)
        let foreignCertificate: (String, String)
        let config: URL
        let publicKey: Ed25519PublicKey
        let tokenHash: TokenHash

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-security-" + UUID().uuidString)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let key = try Ed25519PrivateKey.generate()
            identity = directory.appendingPathComponent("edge-7.key").path
            try key.write(to: identity)
            publicKey = key.publicKey
            strangerIdentity = directory.appendingPathComponent("stranger.key").path
            try Ed25519PrivateKey.generate().write(to: strangerIdentity)
            let authority = try TLSCertificateAuthority.generate(commonName: "Clients")
            try authority.credential.write(certificateFile: directory.appendingPathComponent("clients-ca.pem").path, privateKeyFile: directory.appendingPathComponent("clients-ca.key").path)
            let now = Int64(Date().timeIntervalSince1970)
            let directory = directory
            func write(_ credential: TLSCredential, as name: String) throws -> (String, String) {
                let files = (directory.appendingPathComponent(name + ".pem").path, directory.appendingPathComponent(name + ".key").path)
                try credential.write(certificateFile: files.0, privateKeyFile: files.1)
                return files
            }
            validCertificate = try write(authority.issueClientCertificate(commonName: "ops"), as: "ops")
            expiredCertificate = try write(
                authority.issueClientCertificate(commonName: "ops", validity: TLSCertificateValidity(notBefore: now - 10 * 86_400, notAfter: now - 86_400)), as: "expired"
            )
            foreignCertificate = try write(TLSCertificateAuthority.generate(commonName: "Elsewhere").issueClientCertificate(commonName: "ops"), as: "foreign")
            tokenHash = try TokenHash(hashing: SecurityTests.token)
            config = directory.appendingPathComponent("ternd.json")
            try writeConfig(ordersSubscribe: ["orders.*"])
        }

        /// The config with orders-svc allowed to subscribe to `ordersSubscribe`; without ops
        /// when `withOps` is false.
        func writeConfig(ordersSubscribe: [String], withOps: Bool = true) throws {
            func list(_ patterns: [String]) -> String { "[" + patterns.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
            let ops = """
                , {"name": "ops", "certificate": "CN=ops", "publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}, "registry": "admin"}
                """
            try Data("""
                {"authorization": {"users": [
                  {"name": "orders-svc", "token-hash": "\(tokenHash)", "publish": {"allow": ["orders.>"]},
                   "subscribe": {"allow": \(list(ordersSubscribe))}, "request": {"allow": ["pricing.>"]}, "registry": "read"},
                  {"name": "edge-7", "public-key": "\(publicKey)", "publish": {"allow": ["edge.>"]}, "subscribe": {"allow": ["edge.>"]}}\(withOps ? ops : "")
                ]}}
                """.utf8).write(to: config)
        }

        func start(_ more: [String] = []) async throws -> RunningDaemon {
            try await RunningDaemon.start(["--config", config.path, "--tls-client-ca", directory.appendingPathComponent("clients-ca.pem").path] + more, in: directory)
        }
    }

    private func configuration(_ daemon: RunningDaemon, credentials: TernClient.Configuration.Credentials? = nil, certificate: (String, String)? = nil) -> TernClient.Configuration {
        TernClient.Configuration(
            servers: [.init(host: "127.0.0.1", port: daemon.port)],
            security: .tls(caFile: daemon.caFile, certificateFile: certificate?.0, keyFile: certificate?.1, serverName: nil),
            clientName: "security-test", credentials: credentials
        )
    }

    private func expectAuthenticationFailure(_ configuration: TernClient.Configuration, _ comment: Comment) async {
        do {
            let client = try await TernClient.connect(configuration)
            await client.close()
            Issue.record("connected: \(comment)")
        } catch TernClientError.authenticationFailed {
        } catch {
            Issue.record("\(comment): \(error)")
        }
    }

    /// Expects `subscription` to end with `permission_denied` for `pattern`, without a message.
    private func expectRevoked(_ subscription: TernSubscription, pattern: String) async throws {
        var messages = subscription.makeAsyncIterator()
        do {
            _ = try await messages.next()
            Issue.record("the revoked subscription to \(pattern) goes on")
        } catch let error as TernClientError {
            #expect(error == .permissionDenied(operation: "subscribe", topic: pattern))
        }
    }

    @Test func eachMethodAuthenticatesFromTernClientAndAWrongSecretIsRefused() async throws {
        let setup = try Setup()
        // Every level, so that the check for secrets in the log covers them all.
        let daemon = try await setup.start(["--log-level", "trace"])
        for (credentials, certificate) in [(TernClient.Configuration.Credentials.token(Self.token), nil), (.token(Self.token, user: "orders-svc"), nil), (.keyFile(setup.identity), nil), (nil, setup.validCertificate)] {
            let client = try await TernClient.connect(configuration(daemon, credentials: credentials, certificate: certificate))
            #expect(client.serverInfo.features.contains(.authentication), "\(String(describing: credentials))")
            await client.close()
        }
        await expectAuthenticationFailure(configuration(daemon, credentials: .token("wrong")), "a wrong token")
        await expectAuthenticationFailure(configuration(daemon, credentials: .token(Self.token, user: "edge-7")), "a token under another user")
        await expectAuthenticationFailure(configuration(daemon, credentials: .keyFile(setup.strangerIdentity)), "a signature by an unknown key")
        await expectAuthenticationFailure(configuration(daemon, certificate: setup.expiredCertificate), "an expired client certificate")
        await expectAuthenticationFailure(configuration(daemon, certificate: setup.foreignCertificate), "a certificate of another CA")
        await expectAuthenticationFailure(configuration(daemon), "no credentials")
        // A proof made for another session (a replay): the signature of another binding.
        let replayed = try PublicKeyProof(signing: (0..<32).map { _ in UInt8.random(in: 0...255) }, with: Ed25519PrivateKey(file: setup.identity))
        await expectAuthenticationFailure(configuration(daemon, credentials: .token(replayed.secret, user: replayed.user)), "a replayed signature")
        try await daemon.stop(removingDirectory: false)
        let log = daemon.process.standardError
        #expect(log.contains("authentication failed") && log.contains("peer="), "failures are logged with the peer")
        #expect(!log.contains(Self.token) && !log.contains("wrong") && !log.contains(replayed.secret), "no secret in the log: \(log)")
        try? FileManager.default.removeItem(at: setup.directory)
    }

    @Test func aUserKeepsItsConnectionWhenRefusedAndADeniedSubscriberGetsNothing() async throws {
        let setup = try Setup()
        let daemon = try await setup.start()
        let orders = try await TernClient.connect(configuration(daemon, credentials: .token(Self.token)))
        let ops = try await TernClient.connect(configuration(daemon, certificate: setup.validCertificate))
        await #expect(throws: TernClientError.permissionDenied(operation: "publish", topic: "billing.x")) {
            try await orders.publish("no", to: "billing.x", acknowledged: true)
        }
        await #expect(throws: TernClientError.permissionDenied(operation: "subscribe", topic: "orders.>")) {
            _ = try await orders.subscribe(to: "orders.>")
        }
        await #expect(throws: TernClientError.permissionDenied(operation: "request", topic: "billing.quote")) {
            _ = try await orders.request("?", to: "billing.quote")
        }
        let own = try await orders.subscribe(to: "orders.*")
        let watcher = try await ops.subscribe(to: ">")
        try await orders.publish("yes", to: "orders.eu", acknowledged: true)
        var ownMessages = own.makeAsyncIterator()
        #expect(try await ownMessages.next().map { String(buffer: $0.payload) } == "yes")
        var watched = watcher.makeAsyncIterator()
        #expect(try await watched.next()?.topic == "orders.eu", "the refused publish reached nobody: the first message seen is the allowed one")
        await orders.close()
        await ops.close()
        try await daemon.stop()
    }

    @Test func ternAndItsCredentialOptionsAuthenticateAndRefusalsAreOneLine() async throws {
        let setup = try Setup()
        let daemon = try await setup.start()
        let tokenFile = setup.directory.appendingPathComponent("token").path
        try Data((Self.token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        let common = ["--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caFile]
        let ways: [([String], [String: String])] = [
            (["--token", Self.token], [:]), (["--token-file", tokenFile], [:]), ([], ["TERN_TOKEN": Self.token]),
        ]
        for (options, environment) in ways {
            let published = try await run("tern", ["pub", "orders.cli", "x"] + common + options, in: setup.directory, environment: environment)
            #expect(published.status == 0, "tern pub \(options) \(environment.keys): \(published.errors)")
        }
        let byKey = try await run("tern", ["pub", "edge.cli", "x", "--identity", setup.identity] + common, in: setup.directory)
        #expect(byKey.status == 0, "--identity: \(byKey.errors)")
        let byCertificate = try await run("tern", ["pub", "any.topic", "x", "--cert", setup.validCertificate.0, "--key", setup.validCertificate.1] + common, in: setup.directory)
        #expect(byCertificate.status == 0, "--cert: \(byCertificate.errors)")
        let wrong = try await run("tern", ["pub", "orders.cli", "x", "--token", "wrong"] + common, in: setup.directory)
        #expect(wrong.status == 1 && wrong.errors.hasPrefix("tern: authentication failed:") && wrong.errors.split(separator: "\n").count == 1, "\(wrong.errors)")
        let denied = try await run("tern", ["pub", "billing.x", "x", "--token", Self.token] + common, in: setup.directory)
        #expect(denied.status == 1 && denied.errors == "tern: permission denied: publish 'billing.x'\n", "\(denied.errors)")
        try await daemon.stop()
    }

    @Test func hangupReloadsPermissionsEndingSubscriptionsAndRemovedUsers() async throws {
        let setup = try Setup()
        let daemon = try await setup.start()
        let orders = try await TernClient.connect(configuration(daemon, credentials: .token(Self.token)))
        let ops = try await TernClient.connect(configuration(daemon, certificate: setup.validCertificate))
        let revoked = try await orders.subscribe(to: "orders.*")
        let kept = try await orders.subscribe(to: "orders.eu")
        try setup.writeConfig(ordersSubscribe: ["orders.eu"], withOps: false)
        daemon.process.signal(SIGHUP)
        try await expectRevoked(revoked, pattern: "orders.*")
        do {
            try await ops.flush()
            try await Task.sleep(for: .milliseconds(200))
            try await ops.flush()
            Issue.record("the removed user's connection stays open")
        } catch let error as TernClientError {
            #expect(error == .authenticationFailed(reason: "authentication failed: user 'ops' was removed from the broker's users"))
        }
        try await orders.publish("after", to: "orders.eu", acknowledged: true)
        var keptMessages = kept.makeAsyncIterator()
        #expect(try await keptMessages.next().map { String(buffer: $0.payload) } == "after")
        // A config that does not read is refused; the one in force stays.
        try Data("{\"authorization\": {\"users\": [{\"name\": \"x\"}]}}".utf8).write(to: setup.config)
        daemon.process.signal(SIGHUP)
        try await eventually(within: 10, "the refused reload to be logged") { daemon.process.standardError.contains("reload refused") }
        try await orders.publish("still", to: "orders.eu", acknowledged: true)
        #expect(try await keptMessages.next().map { String(buffer: $0.payload) } == "still")
        await orders.close()
        await ops.close()
        try await daemon.stop()
    }

    @Test func aWatchedConfigFileReloadsWhenItChanges() async throws {
        let setup = try Setup()
        let daemon = try await setup.start(["--watch-config"])
        let orders = try await TernClient.connect(configuration(daemon, credentials: .token(Self.token)))
        let revoked = try await orders.subscribe(to: "orders.*")
        try setup.writeConfig(ordersSubscribe: ["orders.eu"])
        try await expectRevoked(revoked, pattern: "orders.*")
        try await eventually(within: 10, "the reload to be logged") { daemon.process.standardError.contains("signal=config file changed") }
        await orders.close()
        try await daemon.stop()
    }

    @Test func hangupPutsANewServerCertificateInForceForNewConnections() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-tls-reload-" + UUID().uuidString)
        let first = try TLSCertificateAuthority.generateServerFiles(in: directory.appendingPathComponent("first").path)
        let second = try TLSCertificateAuthority.generateServerFiles(in: directory.appendingPathComponent("second").path)
        let served = directory.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let certificate = served.appendingPathComponent("server.pem")
        let key = served.appendingPathComponent("server.key")
        func serve(_ files: TLSServerFiles) throws {
            try? FileManager.default.removeItem(at: certificate)
            try? FileManager.default.removeItem(at: key)
            try FileManager.default.copyItem(atPath: files.certificateChainFile, toPath: certificate.path)
            try FileManager.default.copyItem(atPath: files.privateKeyFile, toPath: key.path)
        }
        try serve(first)
        let daemon = try await RunningDaemon.start(["--tls-cert", certificate.path, "--tls-key", key.path], in: directory)
        func connect(trusting files: TLSServerFiles) async throws -> TernClient {
            try await TernClient.connect(TernClient.Configuration(
                servers: [.init(host: "127.0.0.1", port: daemon.port)],
                security: .tls(caFile: files.caCertificateFile, certificateFile: nil, keyFile: nil, serverName: nil), clientName: "tls-reload"
            ))
        }
        let before = try await connect(trusting: first)
        try serve(second)
        UnprivilegedUser.current.map { try? $0.takeOwnership(of: directory) }
        daemon.process.signal(SIGHUP)
        try await eventually(within: 10, "the reload to be logged") { daemon.process.standardError.contains("reloaded the settings") }
        await (try await connect(trusting: second)).close()
        await #expect(throws: TernClientError.self, "the old CA no longer verifies new connections") { try await connect(trusting: first) }
        try await before.flush()
        await before.close()
        try await daemon.stop()
    }
}
