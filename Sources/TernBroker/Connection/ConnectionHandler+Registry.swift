import NIOCore
import NIOPosix
import TernProtocol

extension ConnectionHandler {
    /// Answers a schema-registry frame. A change saves the registry to disk, so it runs on the
    /// blocking-I/O thread pool; meanwhile this connection processes nothing after the frame, so
    /// that what follows it sees the change, and other connections go on.
    func administer(_ frame: Frame) {
        let operation = RegistryOperation(frame: frame, registry: core.registry, limits: limits)
        guard operation.changesRegistry, let context else {
            send(registryAnswer(operation.answer()))
            return
        }
        state.readGate.inputDeferred()
        awaitingRegistry = true
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            operation.answer()
        }.whenComplete { result in
            let handler = loopBoundSelf.value
            switch result {
            case .success(let outcome):
                handler.send(handler.registryAnswer(outcome))
            case .failure(let error):
                handler.logger.error("a registry change could not run", metadata: ["error": "\(error)"])
            }
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
