/// A key and its value as etcd holds them, with the revisions that order changes.
public struct EtcdKeyValue: Sendable, Hashable {
    /// The key, as UTF-8 text.
    public var key: String
    /// The value's bytes.
    public var value: [UInt8]
    /// The revision that created the key; 0 for a key that does not exist.
    public var createRevision: Int64
    /// The revision of the key's last change.
    public var modRevision: Int64
    /// How many times the key was written since it was created.
    public var version: Int64
    /// The lease the key is attached to, 0 for none.
    public var lease: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// A lease: keys attached to it are deleted when it expires or is revoked.
public struct EtcdLease: Sendable, Hashable {
    /// A lease's id, as etcd issues it.
    public typealias ID = Int64

    public var id: ID
    /// Seconds left before it expires unless kept alive.
    public var ttl: Int64
}

/// One change seen by a watch.
public enum EtcdEvent: Sendable, Hashable {
    /// The key was created or written.
    case put(EtcdKeyValue)
    /// The key was deleted, or its lease expired; `modRevision` is the deletion's revision.
    case delete(key: String, modRevision: Int64)

    public var key: String {
        switch self {
        case .put(let keyValue): keyValue.key
        case .delete(let key, _): key
        }
    }
}

/// The answer to a range read: the keys found and the store's revision at the time of the read.
public struct EtcdRange: Sendable, Hashable {
    public var keyValues: [EtcdKeyValue]
    /// The store's revision when it was read: a watch from `revision + 1` misses nothing after it.
    public var revision: Int64

    public init(keyValues: [EtcdKeyValue], revision: Int64) {
        self.keyValues = keyValues
        self.revision = revision
    }
}

/// A condition of a transaction on one key.
public struct EtcdComparison: Sendable, Hashable {
    /// What of the key is compared.
    public enum Target: Sendable, Hashable {
        /// Its version: 0 when the key does not exist.
        case version(Int64)
        /// The revision that created it: 0 when the key does not exist.
        case createRevision(Int64)
        /// The revision of its last change.
        case modRevision(Int64)
        /// Its value.
        case value([UInt8])
    }

    public var key: String
    /// The value the target must equal for the comparison to hold.
    public var target: Target

    /// Holds when `key`'s `target` equals the given value.
    public static func equal(_ key: String, _ target: Target) -> EtcdComparison {
        EtcdComparison(key: key, target: target)
    }
}

/// A write or read inside a transaction.
public enum EtcdOperation: Sendable, Hashable {
    /// Writes `value` at `key`, attached to `lease` when given.
    case put(key: String, value: [UInt8], lease: EtcdLease.ID?)
    /// Deletes `key`.
    case delete(key: String)
    /// Reads `key`: its value comes back in ``EtcdTransactionResult/reads``.
    case get(key: String)
}

/// The outcome of a transaction: whether its comparisons held, and the keys its `get`
/// operations read, in order (an empty list for each other operation).
public struct EtcdTransactionResult: Sendable, Hashable {
    /// Whether every comparison held, so that the `then` operations ran.
    public var succeeded: Bool
    /// For each operation that ran, in order, the keys a `get` read (empty for the others).
    public var reads: [[EtcdKeyValue]]
    /// The store's revision after the transaction.
    public var revision: Int64
}
