import Atomics
import NIOConcurrencyHelpers
import NIOPosix
import TernProtocol
import TernSchema

/// The broker's schema registry: subjects with numbered schema versions, compatibility modes,
/// and the bindings of topics to subjects. Every change is saved to disk before it is
/// acknowledged (see ``RegistryStore``); without a store it lives in memory. On a cluster
/// node it is a cache of the registry in etcd (``RegistryInEtcd``): a change is acknowledged
/// once etcd committed it, and reads never wait for etcd.
final class SchemaRegistry: Sendable {
    /// How registrations went, for the metrics.
    let registrations = RegistrationCounts()

    /// One registered version.
    struct Version: Sendable {
        var number: UInt32
        /// The text as registered, docs included.
        var definition: String
        var schema: Schema
    }

    /// A subject and its versions, oldest first.
    struct Subject: Sendable {
        var name: String
        var id: UInt32
        var mode: CompatibilityMode
        var versions: [Version]

        func version(_ number: UInt32) -> Version? {
            number == 0 ? versions.last : versions.first { $0.number == number }
        }
    }

    /// What a topic bound to a subject accepts.
    struct Binding: Sendable {
        var subject: Subject
    }

    struct Failure: Error {
        var code: ErrorCode
        var message: String
        /// The change was valid but could not be saved: the operator must hear of it.
        var isStorageFailure = false
    }

    struct State {
        var subjects: [String: Subject] = [:]
        var bindings: [String: String] = [:]
        var lastSubjectID: UInt32 = 0
        /// On a cluster node, what the cache knows of etcd's keys besides the above.
        var mirror = RegistryMirror()

        init() {}

        /// The state a saved registry describes, checked entry by entry.
        init(validating contents: RegistryStore.Contents, from path: String) throws(RegistryStore.Failure) {
            func refuse(_ entry: String, _ problem: String) -> RegistryStore.Failure {
                RegistryStore.Failure(description: "the schema registry \(path) is invalid: \(entry): \(problem)")
            }
            var ids: Set<UInt32> = []
            for subject in contents.subjects {
                let entry = "subject '\(subject.name)'"
                guard !subject.name.isEmpty else { throw refuse("a subject", "its name is empty") }
                guard subjects[subject.name] == nil else { throw refuse(entry, "listed twice") }
                guard subject.id > 0, ids.insert(subject.id).inserted else { throw refuse(entry, "id \(subject.id) is 0 or taken") }
                guard let mode = CompatibilityMode(name: subject.mode) else { throw refuse(entry, "unknown compatibility mode '\(subject.mode)'") }
                var versions: [Version] = []
                for (index, version) in subject.versions.enumerated() {
                    guard version.number == UInt32(index + 1) else {
                        throw refuse(entry, "version \(version.number) where version \(index + 1) belongs (versions are numbered 1, 2, 3…)")
                    }
                    do {
                        versions.append(Version(number: version.number, definition: version.definition, schema: try Schema(parsing: version.definition)))
                    } catch {
                        throw refuse("\(entry) version \(version.number)", "\(error)")
                    }
                }
                guard !versions.isEmpty else { throw refuse(entry, "it has no versions") }
                subjects[subject.name] = Subject(name: subject.name, id: subject.id, mode: mode, versions: versions)
                lastSubjectID = max(lastSubjectID, subject.id)
            }
            for (topic, subject) in contents.bindings.sorted(by: { $0.key < $1.key }) {
                if let problem = TopicSyntax.problem(withTopic: topic) { throw refuse("binding of topic '\(topic)'", problem) }
                guard subjects[subject] != nil else { throw refuse("binding of topic '\(topic)'", "no subject '\(subject)'") }
            }
            bindings = contents.bindings
        }
    }

    /// The mode of a subject registered without one, as in Confluent's registry.
    static let defaultMode = CompatibilityMode.backward

    /// Read under its lock; changed only through ``changeState(_:)``.
    let state: NIOLockedValueBox<State>
    /// How many topics are bound to subjects, so that a publish to a broker without bindings
    /// takes no lock to learn that its topic has none.
    private let boundTopics = ManagedAtomic(0)
    /// Held while a change is worked out and saved: one change at a time.
    private let changes = NIOLock()
    private let store: RegistryStore?
    /// Runs before each save; tests use it to hold a save in progress.
    private let beforeSave: (@Sendable () -> Void)?
    /// Where a cluster node's registry is kept.
    let etcd: RegistryInEtcd?

    /// An empty registry kept in memory only.
    init() {
        self.state = NIOLockedValueBox(State())
        self.store = nil
        self.beforeSave = nil
        self.etcd = nil
    }

    /// A cache of the registry kept in etcd, empty until it is read (``reload()``).
    init(etcd: RegistryInEtcd) {
        self.state = NIOLockedValueBox(State())
        self.store = nil
        self.beforeSave = nil
        self.etcd = etcd
    }

    /// Loads the registry `store` keeps, or starts an empty one there.
    ///
    /// - Throws: ``RegistryStore/Failure`` naming the file and the first entry that is not
    ///   valid: an unknown mode, a duplicate subject name or id, versions not numbered 1, 2, 3…,
    ///   a definition that does not parse, a binding of an invalid topic or to no subject.
    init(store: RegistryStore, beforeSave: (@Sendable () -> Void)? = nil) throws(RegistryStore.Failure) {
        self.state = NIOLockedValueBox(try store.load().map { contents throws(RegistryStore.Failure) in
            try State(validating: contents, from: store.path)
        } ?? State())
        self.store = store
        self.beforeSave = beforeSave
        self.etcd = nil
        changeState { _ in }
    }

    // MARK: Administration

    /// Registers `definition` under `subject`: the existing version when it is identical to
    /// one, else a new version if the subject's mode allows it.
    func register(subject name: String, definition: String) async throws(Failure) -> (Subject, Version) {
        var outcome = RegistrationCounts.Outcome.refused
        defer { registrations.count(outcome) }
        try Self.checkName(name)
        let schema = try Self.parse(definition)
        let registered = try await commit { state throws(Failure) in
            var subject = state.subjects[name] ?? Subject(name: name, id: state.lastSubjectID + 1, mode: Self.defaultMode, versions: [])
            if let existing = subject.versions.first(where: { $0.schema.canonicalText == schema.canonicalText }) {
                return ((subject, existing), false)
            }
            try Self.checkCompatibility(of: schema, with: subject)
            let version = Version(number: (subject.versions.last?.number ?? 0) + 1, definition: definition, schema: schema)
            subject.versions.append(version)
            if state.subjects[name] == nil { state.lastSubjectID = subject.id }
            state.subjects[name] = subject
            return ((subject, version), true)
        }
        outcome = registered.changed ? .registered : .unchanged
        return registered.value
    }

    /// Whether `definition` would be accepted as the subject's next version.
    func check(subject name: String, definition: String) throws(Failure) {
        try Self.checkName(name)
        let schema = try Self.parse(definition)
        guard let subject = state.withLockedValue({ $0.subjects[name] }) else { return }
        try Self.checkCompatibility(of: schema, with: subject)
    }

    func subject(named name: String) throws(Failure) -> Subject {
        guard let subject = state.withLockedValue({ $0.subjects[name] }) else {
            throw Failure(code: .unknownSubject, message: "no subject '\(name)'")
        }
        return subject
    }

    /// All subjects, or the one named, sorted by name.
    func subjects(named name: String) throws(Failure) -> [Subject] {
        guard name.isEmpty else { return [try subject(named: name)] }
        return state.withLockedValue { Array($0.subjects.values) }.sorted { $0.name < $1.name }
    }

    func setMode(_ mode: CompatibilityMode, subject name: String) async throws(Failure) {
        try await commit { state throws(Failure) in
            guard state.subjects[name] != nil else { throw Failure(code: .unknownSubject, message: "no subject '\(name)'") }
            let changed = state.subjects[name]?.mode != mode
            state.subjects[name]?.mode = mode
            return ((), changed)
        }
    }

    /// Binds `topic` to `subject`, or unbinds it when `subject` is empty.
    func bind(topic: String, subject name: String) async throws(Failure) {
        if let problem = TopicSyntax.problem(withTopic: topic) {
            throw Failure(code: .invalidTopic, message: problem)
        }
        try await commit { state throws(Failure) in
            guard !name.isEmpty else {
                return ((), state.bindings.removeValue(forKey: topic) != nil)
            }
            guard state.subjects[name] != nil else { throw Failure(code: .unknownSubject, message: "no subject '\(name)'") }
            let changed = state.bindings[topic] != name
            state.bindings[topic] = name
            return ((), changed)
        }
    }

    // MARK: Publishing and delivery

    /// The subject `topic` is bound to, if any.
    func binding(forTopic topic: String) -> Binding? {
        guard boundTopics.load(ordering: .acquiring) > 0 else { return nil }
        return state.withLockedValue { state in
            state.bindings[topic].flatMap { state.subjects[$0] }.map(Binding.init)
        }
    }

    /// Why a subscription cannot read as `reference`, or `nil` when the version is registered.
    func problem(readingAs reference: SchemaReference) -> (ErrorCode, String)? {
        state.withLockedValue { state in
            guard let subject = state.subjects.values.first(where: { $0.id == reference.subjectID }) else {
                return (.unknownSubject, "no subject has id \(reference.subjectID), so it cannot be read as")
            }
            guard reference.version != 0, subject.version(reference.version) != nil else {
                return (.unknownVersion, "subject '\(subject.name)' has no version \(reference.version) to read as")
            }
            return nil
        }
    }

    /// The registered schema a reference names.
    func schema(for reference: SchemaReference) -> Schema? {
        state.withLockedValue { state in
            state.subjects.values.first { $0.id == reference.subjectID }?.version(reference.version)?.schema
        }
    }

    // MARK: Internals

    /// Refuses a subject name that is not 1 to 255 bytes of visible ASCII (PROTOCOL.md section 10.1).
    private static func checkName(_ name: String) throws(Failure) {
        guard !VisibleName.isValid(name) else { return }
        throw Failure(code: .invalidSubject, message: "subject name '\(name)' must be 1 to 255 bytes of visible ASCII")
    }

    private static func parse(_ definition: String) throws(Failure) -> Schema {
        do {
            return try Schema(parsing: definition)
        } catch {
            throw Failure(code: .invalidSchema, message: "\(error)")
        }
    }

    private static func checkCompatibility(of schema: Schema, with subject: Subject) throws(Failure) {
        guard let mode = SchemaCompatibility.Mode(rawValue: subject.mode.description) else { return }
        let violations = SchemaCompatibility.check(schema, against: subject.versions.map(\.schema), mode: mode)
        guard violations.isEmpty else {
            // One line per broken rule and nothing else (PROTOCOL.md section 5.15).
            let lines = Set(violations.map(\.description)).sorted()
            throw Failure(code: .incompatibleSchema, message: lines.joined(separator: "\n"))
        }
    }

    /// A change of the state: what it returns, and whether it changed anything.
    typealias Change<Value> = @Sendable (inout State) throws(Failure) -> (value: Value, changed: Bool)

    /// Applies a change where the registry is kept: in etcd on a cluster node, else in memory,
    /// saved to disk first when there is a store (on the blocking-I/O thread pool).
    @discardableResult
    private func commit<Value: Sendable>(_ change: @escaping Change<Value>) async throws(Failure) -> (value: Value, changed: Bool) {
        if let etcd { return try await commit(change, to: etcd) }
        guard store != nil else { return try mutate(change) }
        let outcome = try? await NIOThreadPool.singleton.runIfActive {
            Result { () throws(Failure) in try self.mutate(change) }
        }
        guard let outcome else {
            throw Failure(code: .internalError, message: "the registry could not be saved: the I/O thread pool is stopped", isStorageFailure: true)
        }
        return try outcome.get()
    }

    /// Applies a change and, when it changed anything, saves the registry before it is visible.
    /// Changes are serialized by their own lock; readers take the state's lock only to look at
    /// it, never while a change is saved, so a registration holds up no publish.
    private func mutate<Value>(_ change: Change<Value>) throws(Failure) -> (value: Value, changed: Bool) {
        changes.lock()
        defer { changes.unlock() }
        var next = state.withLockedValue { $0 }
        let result = try change(&next)
        if result.changed, let store {
            beforeSave?()
            do {
                try store.save(RegistryStore.Contents(next.subjects.values, bindings: next.bindings))
            } catch {
                throw Failure(code: .internalError, message: "the registry could not be saved: \(error)", isStorageFailure: true)
            }
        }
        let changed = next
        changeState { $0 = changed }
        return result
    }

    /// Changes the state under its lock, keeping the count of bound topics current.
    func changeState<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLockedValue { state in
            defer { boundTopics.store(state.bindings.count, ordering: .releasing) }
            return body(&state)
        }
    }
}
