import ArgumentParser
import TernProtocol

extension Headers {
    /// The headers of repeated `--header NAME=VALUE` options.
    init(arguments: [String]) throws {
        self.init()
        for field in arguments {
            guard let equals = field.firstIndex(of: "="), equals != field.startIndex else {
                throw ValidationError("--header must be NAME=VALUE, got '\(field)'")
            }
            add(name: String(field[..<equals]), value: String(field[field.index(after: equals)...]))
        }
    }
}
