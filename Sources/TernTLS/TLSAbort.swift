/// An outbound user event that closes a TLS connection at once, without close_notify and
/// without waiting for the peer's: for a peer that is gone (it answers nothing), where the
/// orderly close would only wait out its timeout. On a channel without TLS the event is
/// refused and the close that follows it does the same.
public struct TLSAbort: Sendable, Hashable {
    public init() {}
}
