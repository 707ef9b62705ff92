import ArgumentParser
import TernSettingValues

extension ServerAddress: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
