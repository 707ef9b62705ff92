/// Names one registered schema version: the subject's registry id and the version within it.
public struct SchemaReference: Sendable, Hashable, CustomStringConvertible {
    /// The id the registry gave the subject when its first version was registered.
    public var subjectID: UInt32
    /// The version within the subject, starting at 1.
    public var version: UInt32

    public init(subjectID: UInt32, version: UInt32) {
        self.subjectID = subjectID
        self.version = version
    }

    public var description: String { "\(subjectID)@\(version)" }
}

/// A subject's compatibility mode, with Confluent's meanings.
public enum CompatibilityMode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case backward = 1
    case forward = 2
    case full = 3
    case backwardTransitive = 4
    case forwardTransitive = 5
    case fullTransitive = 6

    /// The mode's name as written in the CLI and the specification, e.g. `BACKWARD_TRANSITIVE`.
    public var description: String {
        switch self {
        case .none: "NONE"
        case .backward: "BACKWARD"
        case .forward: "FORWARD"
        case .full: "FULL"
        case .backwardTransitive: "BACKWARD_TRANSITIVE"
        case .forwardTransitive: "FORWARD_TRANSITIVE"
        case .fullTransitive: "FULL_TRANSITIVE"
        }
    }

    /// Parses a mode name, ignoring case and accepting `-` for `_`.
    public init?(name: String) {
        let normalized = String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        guard let mode = Self.allCases.first(where: { $0.description == normalized }) else { return nil }
        self = mode
    }
}
