import TernProtocol

/// What the broker announced when the connection opened (see ``TernClient/serverInfo``).
public struct TernServerInfo: Sendable, Hashable {
    /// The protocol version the connection speaks.
    public var protocolVersion: UInt16
    /// Free text identifying the broker instance.
    public var serverID: String
    /// The limits the client keeps to: frame, payload, header and topic sizes, subscriptions.
    public var limits: Limits
    /// The capabilities the broker offers.
    public var features: Features
    /// How often the broker pings a quiet connection; `nil` when it does not.
    public var pingInterval: Duration?

    public init(protocolVersion: UInt16, serverID: String, limits: Limits, features: Features, pingInterval: Duration?) {
        self.protocolVersion = protocolVersion
        self.serverID = serverID
        self.limits = limits
        self.features = features
        self.pingInterval = pingInterval
    }
}

extension TernServerInfo {
    /// What a WELCOME announces.
    init(_ welcome: Frame.Welcome) {
        self.init(
            protocolVersion: welcome.version,
            serverID: welcome.serverID,
            limits: welcome.limits,
            features: welcome.features,
            pingInterval: welcome.pingIntervalMilliseconds == 0 ? nil : .milliseconds(welcome.pingIntervalMilliseconds)
        )
    }
}
