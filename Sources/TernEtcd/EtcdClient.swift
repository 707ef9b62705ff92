#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TernTLS

/// A client of etcd's v3 API over its HTTP/JSON gateway (`/v3/kv/*`, `/v3/lease/*`,
/// `/v3/watch`): plain HTTP/1.1 on swift-nio, one connection per request.
///
/// Requests go to the endpoint that answered last; when it cannot be reached, to the next one,
/// in the order given. `https://` endpoints are reached over TLS through the system's OpenSSL
/// (TernTLS). Keys are UTF-8 text, values bytes.
public final class EtcdClient: Sendable {
    public let endpoints: [EtcdEndpoint]
    /// How long a request (not a watch) may take, connection included, on one endpoint.
    public let requestTimeout: Duration
    private let group: any EventLoopGroup
    private let tls: TLSContext?
    /// The index in `endpoints` of the endpoint that answered last.
    private let preferred = Mutex(0)

    /// - Parameter tls: The client side of TLS for `https://` endpoints, from
    ///   ``tlsContext(trustRootsFile:certificateFile:privateKeyFile:)``.
    /// - Precondition: `endpoints` is not empty.
    public init(
        endpoints: [EtcdEndpoint], tls: TLSContext? = nil, requestTimeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        precondition(!endpoints.isEmpty, "an etcd client needs an endpoint")
        self.endpoints = endpoints
        self.tls = tls
        self.requestTimeout = requestTimeout
        self.group = group
    }

    /// The client side of TLS for `https://` endpoints: trusting the CAs in `trustRootsFile`
    /// (the system's when `nil`), presenting the certificate in `certificateFile` when etcd asks
    /// for one (`--client-cert-auth`), offering ALPN `http/1.1`.
    public static func tlsContext(trustRootsFile: String?, certificateFile: String?, privateKeyFile: String?) throws(TLSError) -> TLSContext {
        var configuration = TLSConfiguration.client(
            serverName: nil, trustRootsFile: trustRootsFile, certificateChainFile: certificateFile, privateKeyFile: privateKeyFile
        )
        configuration.applicationProtocols = ["http/1.1"]
        return try TLSContext(configuration: configuration)
    }

    // MARK: Keys

    /// The value of `key`, or `nil` when it does not exist.
    public func get(_ key: String) async throws(EtcdError) -> EtcdKeyValue? {
        try await range(EtcdWire.RangeRequest(key: EtcdWire.base64(key))).keyValues.first
    }

    /// Every key that starts with `prefix`, in key order, and the revision they were read at.
    public func get(prefix: String) async throws(EtcdError) -> EtcdRange {
        try await range(EtcdWire.RangeRequest(key: EtcdWire.base64(prefix), rangeEnd: EtcdWire.base64(EtcdWire.prefixEnd(prefix))))
    }

    private func range(_ request: EtcdWire.RangeRequest) async throws(EtcdError) -> EtcdRange {
        let response: EtcdWire.RangeResponse = try await call("/v3/kv/range", request)
        return try EtcdRange(keyValues: decode(response.kvs ?? []), revision: response.header?.revision.number ?? 0)
    }

    /// Writes `value` at `key`, attached to `lease` when given; returns the new revision.
    @discardableResult
    public func put(_ key: String, value: [UInt8], lease: EtcdLease.ID? = nil) async throws(EtcdError) -> Int64 {
        let response: EtcdWire.RangeResponse = try await call("/v3/kv/put", Self.put(key, value: value, lease: lease))
        return response.header?.revision.number ?? 0
    }

    /// Deletes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ key: String) async throws(EtcdError) -> Bool {
        let response: DeleteResponse = try await call("/v3/kv/deleterange", EtcdWire.RangeRequest(key: EtcdWire.base64(key)))
        return response.deleted.number > 0
    }

    /// Deletes every key that starts with `prefix`; returns how many there were.
    @discardableResult
    public func delete(prefix: String) async throws(EtcdError) -> Int64 {
        let request = EtcdWire.RangeRequest(key: EtcdWire.base64(prefix), rangeEnd: EtcdWire.base64(EtcdWire.prefixEnd(prefix)))
        let response: DeleteResponse = try await call("/v3/kv/deleterange", request)
        return response.deleted.number
    }

    private struct DeleteResponse: Decodable {
        var deleted: EtcdWire.Int64String?
    }

    /// Runs `success` when every comparison of `conditions` holds, else `failure`, atomically.
    public func transaction(
        if conditions: [EtcdComparison], then success: [EtcdOperation], else failure: [EtcdOperation] = []
    ) async throws(EtcdError) -> EtcdTransactionResult {
        let request = EtcdWire.TxnRequest(compare: conditions.map(Self.compare), success: success.map(Self.operation), failure: failure.map(Self.operation))
        let response: EtcdWire.TxnResponse = try await call("/v3/kv/txn", request)
        var reads: [[EtcdKeyValue]] = []
        for operation in response.responses ?? [] {
            reads.append(try decode(operation.responseRange?.kvs ?? []))
        }
        return EtcdTransactionResult(succeeded: response.succeeded ?? false, reads: reads, revision: response.header?.revision.number ?? 0)
    }

    // MARK: Leases

    /// A new lease that expires after `ttl` seconds unless kept alive.
    public func grantLease(ttl: Int64) async throws(EtcdError) -> EtcdLease {
        let response: EtcdWire.LeaseResponse = try await call("/v3/lease/grant", EtcdWire.LeaseGrantRequest(ttl: "\(ttl)"))
        return EtcdLease(id: response.id.number, ttl: response.ttl.number)
    }

    /// Renews `lease` for its whole TTL.
    ///
    /// - Throws: ``EtcdError/leaseNotFound(_:)`` when it has expired or was revoked.
    @discardableResult
    public func keepAlive(_ lease: EtcdLease.ID) async throws(EtcdError) -> EtcdLease {
        let message: EtcdWire.StreamMessage<EtcdWire.LeaseResponse> = try await call("/v3/lease/keepalive", EtcdWire.LeaseIDRequest(id: "\(lease)"))
        if let error = message.error { throw Self.refusal(error) }
        // The gateway leaves TTL out (0) for a lease it does not know.
        guard let result = message.result, result.ttl.number > 0 else { throw EtcdError.leaseNotFound(lease) }
        return EtcdLease(id: lease, ttl: result.ttl.number)
    }

    /// Revokes `lease`, deleting the keys attached to it.
    public func revokeLease(_ lease: EtcdLease.ID) async throws(EtcdError) {
        do {
            let _: EtcdWire.LeaseResponse = try await call("/v3/lease/revoke", EtcdWire.LeaseIDRequest(id: "\(lease)"))
        } catch .refused(_, let message) where message.contains("lease not found") {
            throw EtcdError.leaseNotFound(lease)
        }
    }

    // MARK: Watches

    /// Watches every key that starts with `prefix`, from `revision` (the next change when
    /// `nil`), and calls `handle` with each batch of changes in order; returns when the task is
    /// cancelled.
    ///
    /// - Throws: ``EtcdError/watchCanceled(reason:)`` when etcd ends the watch (its start
    ///   revision was compacted, for example), a transport error when the endpoint is lost.
    public func watch(
        prefix: String, fromRevision revision: Int64? = nil, _ handle: @escaping @Sendable ([EtcdEvent]) async throws -> Void
    ) async throws(EtcdError) {
        let request = EtcdWire.WatchCreate(createRequest: .init(
            key: EtcdWire.base64(prefix), rangeEnd: EtcdWire.base64(EtcdWire.prefixEnd(prefix)), startRevision: revision.map { "\($0)" }
        ))
        let body = try encode(request)
        do {
            try await withEndpoints(timeout: nil) { exchange in
                try await exchange.post("/v3/watch", body: body) { status, message in
                    let response: EtcdWire.StreamMessage<EtcdWire.WatchResponse> = try decodeMessage(message, status: status, from: exchange.endpoint)
                    if let error = response.error { throw Self.refusal(error) }
                    guard let result = response.result else { return true }
                    if result.canceled == true {
                        let compacted = result.compactRevision.number
                        throw EtcdError.watchCanceled(reason: compacted > 0 ? "revision \(revision ?? 0) was compacted (now \(compacted))" : result.cancelReason ?? "no reason given")
                    }
                    let events = try (result.events ?? []).map { event throws(EtcdError) in
                        guard let keyValue = event.kv?.decoded else { throw EtcdError.malformedResponse(exchange.endpoint, "a watch event without a valid key") }
                        return event.type == "DELETE" ? EtcdEvent.delete(key: keyValue.key, modRevision: keyValue.modRevision) : .put(keyValue)
                    }
                    if !events.isEmpty { try await handle(events) }
                    return true
                }
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            // Only cancellation, or what `handle` threw, lands here.
            if error is CancellationError || Task.isCancelled { return }
            throw EtcdError.malformedResponse(endpoints[0], "\(error)")
        }
    }

    // MARK: Requests

    /// Posts `request` to `path` and decodes the single answer.
    private func call<Response: Decodable & Sendable>(_ path: String, _ request: some Encodable) async throws(EtcdError) -> Response {
        let body = try encode(request)
        do {
            return try await withEndpoints(timeout: requestTimeout) { exchange in
                var response: Response?
                try await exchange.post(path, body: body) { status, message in
                    response = try decodeMessage(message, status: status, from: exchange.endpoint)
                    return false
                }
                guard let response else { throw EtcdError.malformedResponse(exchange.endpoint, "an empty answer") }
                return response
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            throw EtcdError.unreachable(endpoints[preferred.withLock { $0 }], reason: "\(error)")
        }
    }

    /// Runs `body` against the preferred endpoint, then against each other one while they cannot
    /// be reached; each try is cut off after `timeout`.
    private func withEndpoints<Result: Sendable>(
        timeout: Duration?, _ body: @escaping @Sendable (EtcdExchange) async throws -> Result
    ) async throws -> Result {
        let first = preferred.withLock { $0 }
        var lastError: EtcdError?
        for offset in 0..<endpoints.count {
            let index = (first + offset) % endpoints.count
            let limit = (timeout ?? requestTimeout).components
            let exchange = EtcdExchange(
                endpoint: endpoints[index], group: group, tls: tls, connectTimeout: .nanoseconds(limit.seconds * 1_000_000_000 + limit.attoseconds / 1_000_000_000)
            )
            do {
                let result = try await Self.within(timeout, exchange: exchange, body)
                preferred.withLock { $0 = index }
                return result
            } catch let error as EtcdError where error.isTransport && !Task.isCancelled {
                lastError = error
            }
        }
        throw lastError ?? EtcdError.unreachable(endpoints[first], reason: "no endpoint answered")
    }

    /// `body(exchange)`, cancelled with ``EtcdError/timedOut(_:seconds:)`` after `timeout`.
    private static func within<Result: Sendable>(
        _ timeout: Duration?, exchange: EtcdExchange, _ body: @escaping @Sendable (EtcdExchange) async throws -> Result
    ) async throws -> Result {
        guard let timeout else { return try await body(exchange) }
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body(exchange) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw EtcdError.timedOut(exchange.endpoint, seconds: Int(timeout.components.seconds))
            }
            return result
        }
    }

    // MARK: JSON

    private func encode(_ request: some Encodable) throws(EtcdError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(request))
        } catch {
            // Every request type encodes: only strings and lists of them.
            throw EtcdError.malformedResponse(endpoints[0], "request not encodable: \(error)")
        }
    }

    private func decode(_ keyValues: [EtcdWire.KeyValue]) throws(EtcdError) -> [EtcdKeyValue] {
        try keyValues.map { keyValue throws(EtcdError) in
            guard let decoded = keyValue.decoded else { throw EtcdError.malformedResponse(endpoints[0], "a key that is not UTF-8 base64") }
            return decoded
        }
    }

    private static func put(_ key: String, value: [UInt8], lease: EtcdLease.ID?) -> EtcdWire.PutRequest {
        EtcdWire.PutRequest(key: EtcdWire.base64(key), value: EtcdWire.base64(value), lease: lease.map { "\($0)" })
    }

    private static func compare(_ comparison: EtcdComparison) -> EtcdWire.Compare {
        var compare = EtcdWire.Compare(key: EtcdWire.base64(comparison.key), target: "")
        switch comparison.target {
        case .version(let version): (compare.target, compare.version) = ("VERSION", "\(version)")
        case .createRevision(let revision): (compare.target, compare.createRevision) = ("CREATE", "\(revision)")
        case .modRevision(let revision): (compare.target, compare.modRevision) = ("MOD", "\(revision)")
        case .value(let value): (compare.target, compare.value) = ("VALUE", EtcdWire.base64(value))
        }
        return compare
    }

    private static func operation(_ operation: EtcdOperation) -> EtcdWire.RequestOp {
        switch operation {
        case .put(let key, let value, let lease): EtcdWire.RequestOp(requestPut: put(key, value: value, lease: lease))
        case .delete(let key): EtcdWire.RequestOp(requestDeleteRange: .init(key: EtcdWire.base64(key)))
        case .get(let key): EtcdWire.RequestOp(requestRange: .init(key: EtcdWire.base64(key)))
        }
    }

    fileprivate static func refusal(_ error: EtcdWire.ErrorBody) -> EtcdError {
        EtcdError.refused(code: error.code ?? 0, message: error.message ?? error.error ?? "no message")
    }
}

/// `message` decoded as `Response`, or etcd's refusal when `status` is not 200.
private func decodeMessage<Response: Decodable>(_ message: [UInt8], status: HTTPResponseStatus, from endpoint: EtcdEndpoint) throws(EtcdError) -> Response {
    let decoder = JSONDecoder()
    if status != .ok {
        guard let refusal = try? decoder.decode(EtcdWire.ErrorBody.self, from: Data(message)), refusal.code != nil || refusal.message != nil else {
            throw EtcdError.malformedResponse(endpoint, "HTTP \(status.code) \(String(decoding: message.prefix(200), as: UTF8.self))")
        }
        throw EtcdClient.refusal(refusal)
    }
    do {
        return try decoder.decode(Response.self, from: Data(message))
    } catch {
        throw EtcdError.malformedResponse(endpoint, "\(error)")
    }
}
