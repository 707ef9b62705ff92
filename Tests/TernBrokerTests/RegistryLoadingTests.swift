import Foundation
import Testing
import TernFiles

@testable import TernBroker

/// A saved registry is checked entry by entry when it is loaded: a hand-edited or damaged
/// file refuses the start with one line naming the entry, never loads half right.
@Suite struct RegistryLoadingTests {
    private static let order = "record Order { id: string }"

    private func load(_ json: String) throws(RegistryStore.Failure) -> SchemaRegistry {
        let directory = NSTemporaryDirectory() + "tern-registry-" + UUID().uuidString
        try? Directories.create(directory)
        try? DurableFile.write(json, to: directory + "/registry.json")
        return try SchemaRegistry(store: RegistryStore(directory: directory))
    }

    private func refusal(_ json: String) -> String {
        do {
            _ = try load(json)
            return "loaded"
        } catch {
            return error.description.components(separatedBy: "is invalid: ").last ?? error.description
        }
    }

    private func subject(_ name: String, id: Int, mode: String = "BACKWARD", versions: [Int] = [1]) -> String {
        let list = versions.map { #"{"number": \#($0), "definition": "\#(Self.order)"}"# }.joined(separator: ",")
        return #"{"name": "\#(name)", "id": \#(id), "mode": "\#(mode)", "versions": [\#(list)]}"#
    }

    @Test func aValidRegistryLoads() throws {
        let registry = try load(#"{"subjects": [\#(subject("orders", id: 1, versions: [1, 2]))], "bindings": {"orders.new": "orders"}}"#)
        #expect(try registry.subject(named: "orders").versions.count == 2)
        #expect(registry.binding(forTopic: "orders.new")?.subject.name == "orders")
    }

    @Test func eachKindOfBadEntryIsRefusedByName() {
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1, mode: "SIDEWAYS"))], "bindings": {}}"#)
            == "subject 'orders': unknown compatibility mode 'SIDEWAYS'")
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1)), \#(subject("orders", id: 2))], "bindings": {}}"#)
            == "subject 'orders': listed twice")
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1)), \#(subject("audit", id: 1))], "bindings": {}}"#)
            == "subject 'audit': id 1 is 0 or taken")
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1, versions: [1, 3]))], "bindings": {}}"#)
            == "subject 'orders': version 3 where version 2 belongs (versions are numbered 1, 2, 3…)")
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1, versions: []))], "bindings": {}}"#)
            == "subject 'orders': it has no versions")
        #expect(refusal(#"{"subjects": [\#(subject("", id: 1))], "bindings": {}}"#) == "a subject: its name is empty")
        #expect(refusal(#"{"subjects": [], "bindings": {"orders": "missing"}}"#) == "binding of topic 'orders': no subject 'missing'")
        #expect(refusal(#"{"subjects": [\#(subject("orders", id: 1))], "bindings": {"bad topic": "orders"}}"#).hasPrefix("binding of topic 'bad topic': "))
    }

    @Test func damagedJSONIsReportedInOneLineNamingTheFileAndThePlace() {
        #expect(throws: RegistryStore.Failure.self) { try load("{ not json") }
        do {
            _ = try load(#"{"subjects": [{"name": "orders", "id": "one", "mode": "NONE", "versions": []}], "bindings": {}}"#)
            Issue.record("loaded")
        } catch {
            #expect(error.description.contains("registry.json is damaged: subjects[0].id: "), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }
}
