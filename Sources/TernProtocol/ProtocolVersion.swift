/// Protocol version negotiation, as in Kafka's ApiVersions: the client offers a range, the
/// server picks the highest version both speak or refuses with the range it supports.
public enum ProtocolVersion {
    /// The versions this implementation speaks.
    public static let supported: ClosedRange<UInt16> = 1...1

    /// The highest version in both ranges, or `nil` when they do not overlap.
    public static func negotiate(clientMin: UInt16, clientMax: UInt16, server: ClosedRange<UInt16> = supported) -> UInt16? {
        guard clientMin <= clientMax else { return nil }
        let highest = min(clientMax, server.upperBound)
        return highest >= max(clientMin, server.lowerBound) ? highest : nil
    }

    /// The ERROR frame a server sends when ``negotiate(clientMin:clientMax:server:)`` fails.
    public static func unsupportedVersionError(clientMin: UInt16, clientMax: UInt16, server: ClosedRange<UInt16> = supported) -> Frame.Error {
        Frame.Error(
            code: .unsupportedVersion,
            id: UInt64(server.lowerBound) << 16 | UInt64(server.upperBound),
            message: "no common protocol version: the client offered \(clientMin)...\(clientMax), the server speaks \(server.lowerBound)...\(server.upperBound)",
            closesConnection: true
        )
    }
}
