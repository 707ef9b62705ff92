import TernProtocol

extension TernClientError {
    /// For an ``ErrorCode/incompatibleSchema`` refusal, each offending field and rule, e.g.
    /// `Order.quantity: field added without a default (BACKWARD: new readers cannot read old
    /// messages)`; empty for any other error.
    ///
    /// These are the lines of the broker's message (PROTOCOL.md section 5.15); a heading line
    /// ending in `:`, which brokers before revision 2 of the protocol sent, is left out.
    public var violations: [String] {
        guard case .registry(.incompatibleSchema, let message) = self else { return [] }
        var lines = message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if lines.count > 1, lines[0].hasSuffix(":") { lines.removeFirst() }
        return lines
    }
}
