import Logging
import TernCluster
import TernEtcd

/// The etcd a cluster node's schema registry is kept in, under the cluster's registry keys.
struct RegistryInEtcd: Sendable {
    let client: EtcdClient
    let keys: ClusterKeys
    let logger: Logger

    /// How many times a change is tried against etcd when others keep committing first.
    static let maxAttempts = 16
}

extension SchemaRegistry {
    /// Commits a change to etcd in one transaction conditional on what the change read, and
    /// applies it to the cache at once. When another node committed first, the cache is read
    /// again and the change worked out again (its checks against what won), up to
    /// ``RegistryInEtcd/maxAttempts`` times. A change the cache refuses is worked out once more
    /// against etcd's current state before the refusal stands: the cache may not have heard yet
    /// of a subject, a version or a compatibility mode another node committed.
    func commit<Value: Sendable>(_ change: Change<Value>, to etcd: RegistryInEtcd) async throws(Failure) -> (value: Value, changed: Bool) {
        var reloaded = false
        for _ in 0..<RegistryInEtcd.maxAttempts {
            let current = state.withLockedValue { $0 }
            var next = current
            let result: (value: Value, changed: Bool)
            do throws(Failure) {
                result = try change(&next)
            } catch where !reloaded {
                try await reloadForChange()
                reloaded = true
                continue
            }
            guard result.changed else { return result }
            let transaction = RegistryTransaction(from: current, to: next, keys: etcd.keys)
            let outcome: EtcdTransactionResult
            do {
                outcome = try await etcd.client.transaction(if: transaction.conditions, then: transaction.operations)
            } catch {
                throw Self.unavailable(error)
            }
            if outcome.succeeded {
                apply(transaction.events(at: outcome.revision))
                return result
            }
            try await reloadForChange()
            reloaded = true
        }
        throw Failure(
            code: .registryUnavailable,
            message: "other nodes changed the registry first \(RegistryInEtcd.maxAttempts) times in a row; try again"
        )
    }

    /// Reads every registry key from etcd into the cache; returns the revision read at, from
    /// which a watch misses nothing.
    @discardableResult
    func reload() async throws(EtcdError) -> Int64 {
        guard let etcd else { return 0 }
        let range = try await etcd.client.get(prefix: etcd.keys.registry)
        log(changeState { $0.replace(with: range, keys: etcd.keys) })
        return range.revision
    }

    /// Applies changes a watch of the registry keys reported.
    func apply(_ events: [EtcdEvent]) {
        guard let etcd else { return }
        log(changeState { $0.apply(events, keys: etcd.keys) })
    }

    private func reloadForChange() async throws(Failure) {
        do {
            try await reload()
        } catch {
            throw Self.unavailable(error)
        }
    }

    private func log(_ problems: [String]) {
        for problem in problems { etcd?.logger.warning("\(problem)") }
    }

    private static func unavailable(_ error: EtcdError) -> Failure {
        Failure(code: .registryUnavailable, message: "the registry is kept in etcd, which cannot be reached: \(error)")
    }
}
