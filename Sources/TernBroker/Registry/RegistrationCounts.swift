import Atomics

/// How the schema registrations a registry was asked for went.
final class RegistrationCounts: Sendable {
    enum Outcome: String, CaseIterable, Sendable {
        /// A new version was registered.
        case registered
        /// The schema was identical to a registered version, which was returned.
        case unchanged
        /// The registration was refused: an invalid or incompatible schema, or a failed save.
        case refused
    }

    private let counts: [ManagedAtomic<UInt64>] = Outcome.allCases.map { _ in ManagedAtomic(0) }

    func count(_ outcome: Outcome) {
        counts[Self.index(of: outcome)].wrappingIncrement(ordering: .relaxed)
    }

    /// How many registrations ended with `outcome`.
    subscript(outcome: Outcome) -> UInt64 {
        counts[Self.index(of: outcome)].load(ordering: .relaxed)
    }

    private static func index(of outcome: Outcome) -> Int {
        Outcome.allCases.firstIndex(of: outcome) ?? 0
    }
}
