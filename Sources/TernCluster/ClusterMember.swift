#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A node of a cluster as it registers itself in etcd (CLUSTER.md, "Membership"): the value
/// of its member key, in JSON.
public struct ClusterMember: Sendable, Hashable, Codable {
    /// The node's id, new each time a ternd process starts: 16 lowercase hex digits.
    public var id: String
    /// `HOST:PORT` where the node accepts routes from the other nodes.
    public var route: String
    /// `HOST:PORT` where the node accepts clients.
    public var client: String

    public init(id: String, route: String, client: String) {
        self.id = id
        self.route = route
        self.client = client
    }

    /// A new random node id.
    public static func newID() -> String {
        let value = UInt64.random(in: .min ... .max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The member's JSON.
    public var encoded: [UInt8] {
        // Three strings always encode.
        (try? Array(JSONEncoder().encode(self))) ?? []
    }

    /// The member at a key's value, or `nil` when the value is not a member's JSON.
    public init?(json: [UInt8]) {
        guard let member = try? JSONDecoder().decode(ClusterMember.self, from: Data(json)) else { return nil }
        self = member
    }
}
