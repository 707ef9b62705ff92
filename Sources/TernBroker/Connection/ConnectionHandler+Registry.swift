import NIOCore
import TernProtocol

extension ConnectionHandler {
    /// Answers a schema-registry frame. A change waits for the registry to be saved (to disk
    /// on the blocking-I/O thread pool, or committed to etcd on a cluster node) off the event
    /// loop; meanwhile this connection processes nothing after the frame, so that what follows
    /// it sees the change, and other connections go on.
    func administer(_ frame: Frame) {
        let operation = RegistryOperation(frame: frame, registry: core.registry, limits: limits)
        guard operation.changesRegistry else {
            send(registryAnswer(operation.readAnswer()))
            return
        }
        guard let context else { return }
        state.readGate.inputDeferred()
        awaitingRegistry = true
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await operation.changeAnswer()
        }.whenSuccess { outcome in
            let handler = loopBoundSelf.value
            handler.send(handler.registryAnswer(outcome))
            handler.flushIfNeeded()
            handler.awaitingRegistry = false
            handler.inputMayGoOn()
        }
    }

    /// The answer of a registry operation, after logging a change that could not be saved.
    private func registryAnswer(_ outcome: (answer: Frame, storageFailure: String?)) -> Frame {
        if let failure = outcome.storageFailure {
            logger.error("a registry change was refused: it could not be saved", metadata: ["error": "\(failure)"])
        }
        return outcome.answer
    }
}
