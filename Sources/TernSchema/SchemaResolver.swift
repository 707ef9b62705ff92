/// Turns data written with one schema into data for another, by Avro's resolution rules:
/// fields matched by name, reader fields the writer lacks take their defaults, writer fields
/// the reader lacks are dropped, int32 → int64 → float64 promotions, T → optional<T>.
///
/// The plan is compiled once; resolving bytes never builds `SchemaValue`s.
public struct SchemaResolver: Sendable {
    public let writer: Schema
    public let reader: Schema
    private let plan: ResolutionStep

    /// Fails when the reader cannot read the writer's data at all. An enum symbol that only
    /// the writer has is not a failure here: resolving a value that uses it is.
    public init(writer: Schema, reader: Schema) throws(SchemaResolutionError) {
        var compiler = ResolutionCompiler()
        plan = compiler.step(writer: .record(writer.root), reader: .record(reader.root), path: [writer.name])
        let fatal = compiler.issues.filter {
            if case .missingSymbols = $0.rule { false } else { true }
        }
        guard fatal.isEmpty else {
            throw SchemaResolutionError(violations: fatal.map {
                CompatibilityViolation(issue: $0, direction: .resolution, previousIndex: 0)
            })
        }
        self.writer = writer
        self.reader = reader
    }

    /// The reader's encoding of a payload written with the writer's schema.
    public func resolve(_ bytes: UnsafeRawBufferPointer) throws(SchemaValueError) -> [UInt8] {
        var input = PayloadReader(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        try writer.whole(&input) { (input) throws(SchemaValueError) in try plan.run(&input, into: &output) }
        return output
    }

    /// The reader's encoding of a payload written with the writer's schema.
    public func resolve(_ bytes: [UInt8]) throws(SchemaValueError) -> [UInt8] {
        try bytes.withPayloadReader { (input) throws(SchemaValueError) in
            var output: [UInt8] = []
            output.reserveCapacity(input.remaining)
            try writer.whole(&input) { (input) throws(SchemaValueError) in try plan.run(&input, into: &output) }
            return output
        }
    }

    /// The reader's view of a value of the writer's schema.
    public func resolve(_ value: SchemaValue) throws(SchemaValueError) -> SchemaValue {
        try reader.decode(try resolve(try writer.encode(value)))
    }
}

/// A reader schema that cannot read a writer schema's data, with every reason.
public struct SchemaResolutionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var violations: [CompatibilityViolation]

    public var description: String {
        violations.map(\.description).joined(separator: "\n")
    }
}

extension CompatibilityViolation {
    init(issue: ResolutionCompiler.Issue, direction: Direction, previousIndex: Int) {
        self.init(path: pathText(issue.path), rule: issue.rule, direction: direction, previousIndex: previousIndex)
    }
}
