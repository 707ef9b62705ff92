/// A reason the benchmark could not run or did not measure what it should; printed as one
/// line on standard error, and the tool exits non-zero.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
