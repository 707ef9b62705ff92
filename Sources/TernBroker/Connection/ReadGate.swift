/// Whether the connection may read from its socket: not while a topic's full mailbox holds its
/// publisher back, not while earlier input waits to be processed, and never again once the
/// broker is shutting down. A read asked for while the gate is closed happens when it opens.
struct ReadGate {
    /// Topics whose full mailboxes hold this publisher back.
    private var pausingTopics: Set<ObjectIdentifier> = []
    /// Input already read waits to be processed (a turn's work budget ran out, or a registry
    /// change is being saved).
    private var inputWaiting = false
    private var isQuiescing = false
    /// A read was asked for while the gate was closed.
    private var readPending = false

    var isOpen: Bool { pausingTopics.isEmpty && !inputWaiting && !isQuiescing }

    /// The channel asks for a read: `true` when it may happen now.
    mutating func readRequested() -> Bool {
        if isOpen { return true }
        readPending = true
        return false
    }

    mutating func pause(for topic: ObjectIdentifier) {
        pausingTopics.insert(topic)
    }

    /// `true` when the read asked for earlier may happen now.
    mutating func resume(for topic: ObjectIdentifier) -> Bool {
        pausingTopics.remove(topic)
        return readIfPending()
    }

    mutating func inputDeferred() {
        inputWaiting = true
    }

    /// The waiting input was processed: `true` when the read asked for earlier may happen now.
    mutating func inputProcessed() -> Bool {
        inputWaiting = false
        return readIfPending()
    }

    /// The broker is shutting down: no more reads.
    mutating func quiesce() {
        isQuiescing = true
    }

    private mutating func readIfPending() -> Bool {
        guard isOpen && readPending else { return false }
        readPending = false
        return true
    }
}
