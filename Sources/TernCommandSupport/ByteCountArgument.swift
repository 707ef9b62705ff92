import ArgumentParser
import TernSettingValues

/// A byte count on the command line (`64MiB`, `512KB`, `4096`).
public typealias ByteCountArgument = ByteCount

extension ByteCount: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
