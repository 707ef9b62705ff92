/// A broker setting that is not right, named by its key, in one line:
/// `mailbox-bytes must be between 1MiB and 1024GiB, not 0`,
/// `topics[1].overflow-policy: invalid value 'bogus' (block, drop-oldest, drop-newest or reject)`.
public struct BrokerSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the setting.
    public enum Problem: Sendable, Hashable {
        /// The text is not a value of the setting at all; `expected` says what would be.
        case invalidValue(String, expected: String)
        /// The value is one the setting does not take, alone or with the others: a sentence
        /// whose subject is the setting (`must be between 1 and 1024, not 0`).
        case refused(String)
        /// The source does not hold the setting the way it must: `unknown key 'mailbox-byte'`,
        /// `expected a whole number, not a string`.
        case malformed(String)
    }

    /// The setting's key, one component per level: `["mailbox-bytes"]`,
    /// `["topics", "1", "overflow-policy"]`; empty for the source as a whole.
    public var key: [String]
    public var problem: Problem

    public init(key: [String], problem: Problem) {
        self.key = key
        self.problem = problem
    }

    /// The key as people read it: `mailbox-bytes`, `topics[1].overflow-policy`.
    public var setting: String {
        key.reduce(into: "") { name, component in
            if component.allSatisfy(\.isNumber) && !component.isEmpty {
                name += "[\(component)]"
            } else {
                name += name.isEmpty ? component : "." + component
            }
        }
    }

    public var description: String {
        switch problem {
        case .invalidValue(let text, let expected): "\(setting): invalid value '\(text)' (\(expected))"
        case .refused(let reason): "\(setting) \(reason)"
        case .malformed(let reason): key.isEmpty ? reason : "\(setting): \(reason)"
        }
    }

    /// The same error for the setting inside `container`: a topic entry's `topics.N`.
    func within(_ container: [String]) -> BrokerSettingError {
        BrokerSettingError(key: container + key, problem: problem)
    }
}
