import TernProtocol

extension ConnectionHandler {
    /// Tells the client the servers it may reconnect to now, once it was welcomed.
    func announce(servers addresses: [String]) {
        guard state.isReady, !state.isClosing else { return }
        send(.servers(Frame.Servers(addresses: addresses)))
        flushIfNeeded()
    }
}
