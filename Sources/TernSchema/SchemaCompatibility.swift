/// Confluent's compatibility modes over Avro's resolution rules.
public enum SchemaCompatibility {
    /// Which versions a new schema is checked against, and in which direction.
    public enum Mode: String, CaseIterable, Hashable, Sendable {
        case none = "NONE"
        /// The new version can read data written with the latest previous one.
        case backward = "BACKWARD"
        /// The latest previous version can read data written with the new one.
        case forward = "FORWARD"
        /// Both backward and forward.
        case full = "FULL"
        /// Backward against every previous version.
        case backwardTransitive = "BACKWARD_TRANSITIVE"
        /// Forward against every previous version.
        case forwardTransitive = "FORWARD_TRANSITIVE"
        /// Full against every previous version.
        case fullTransitive = "FULL_TRANSITIVE"

        public var checksBackward: Bool { [.backward, .full, .backwardTransitive, .fullTransitive].contains(self) }
        public var checksForward: Bool { [.forward, .full, .forwardTransitive, .fullTransitive].contains(self) }
        public var isTransitive: Bool { [.backwardTransitive, .forwardTransitive, .fullTransitive].contains(self) }
    }

    /// Every reason why `new` may not follow `previous` (oldest first) under `mode`; empty when
    /// it may. Each violation says which previous version and direction it comes from.
    public static func check(_ new: Schema, against previous: [Schema], mode: Mode) -> [CompatibilityViolation] {
        let indices = mode.isTransitive ? Array(previous.indices) : Array(previous.indices.suffix(1))
        var violations: [CompatibilityViolation] = []
        for index in indices.reversed() {
            if mode.checksBackward {
                violations += problems(reader: new, writer: previous[index], direction: .backward, previousIndex: index)
            }
            if mode.checksForward {
                violations += problems(reader: previous[index], writer: new, direction: .forward, previousIndex: index)
            }
        }
        return violations
    }

    /// Every rule that stops `reader` from reading all data written with `writer`.
    public static func problems(
        reader: Schema, writer: Schema,
        direction: CompatibilityViolation.Direction = .resolution, previousIndex: Int = 0
    ) -> [CompatibilityViolation] {
        var compiler = ResolutionCompiler()
        _ = compiler.step(writer: .record(writer.root), reader: .record(reader.root), path: [writer.name])
        return compiler.issues.map { CompatibilityViolation(issue: $0, direction: direction, previousIndex: previousIndex) }
    }
}
