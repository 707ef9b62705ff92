/// A failure that ends `ternd` with a one-line message and exit code 1.
struct DaemonError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
