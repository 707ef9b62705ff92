import NIOConcurrencyHelpers
import TernProtocol

/// Hands a client's events to every stream made by ``TernClient/events``.
///
/// Each stream starts with the client's state (``TernClientEvent/connected(_:)`` when connected,
/// ``TernClientEvent/closed(reason:)`` when closed) and then gets each event as it happens,
/// keeping the newest ``bufferSize`` when its reader lags.
final class ClientEvents: Sendable {
    static let bufferSize = 256

    private struct State {
        var streams: [UInt64: AsyncStream<TernClientEvent>.Continuation] = [:]
        var nextID: UInt64 = 0
        var connectedTo: ServerAddress?
        /// Set once the client is closed: the last event.
        var closing: TernClientEvent?
    }

    private let state = NIOLockedValueBox(State())

    /// A new stream of the events from now on, starting with the client's state.
    func stream() -> AsyncStream<TernClientEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: TernClientEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferSize))
        let (id, first, closing) = state.withLockedValue { state -> (UInt64, TernClientEvent?, TernClientEvent?) in
            state.nextID += 1
            if state.closing == nil { state.streams[state.nextID] = continuation }
            return (state.nextID, state.connectedTo.map { .connected($0) }, state.closing)
        }
        if let first { continuation.yield(first) }
        if let closing {
            continuation.yield(closing)
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// The server the client is connected to, if it is.
    var connectedServer: ServerAddress? {
        state.withLockedValue { $0.connectedTo }
    }

    /// Hands `event` to every stream; ``TernClientEvent/closed(reason:)`` ends them.
    func emit(_ event: TernClientEvent) {
        let streams = state.withLockedValue { state -> [AsyncStream<TernClientEvent>.Continuation] in
            switch event {
            case .connected(let server), .reconnected(let server, _):
                state.connectedTo = server
            case .disconnected:
                state.connectedTo = nil
            case .closed:
                state.connectedTo = nil
                state.closing = event
                defer { state.streams.removeAll() }
                return Array(state.streams.values)
            case .lameDuck, .error:
                break
            }
            return Array(state.streams.values)
        }
        for stream in streams {
            stream.yield(event)
            if case .closed = event { stream.finish() }
        }
    }
}
