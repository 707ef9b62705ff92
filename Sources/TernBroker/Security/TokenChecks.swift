import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Checks tokens against their users' slow hashes one at a time, on the blocking-I/O thread
/// pool: however many clients present tokens at once, right or wrong, the checks take one
/// thread, so the event loops (and the clients already connected) go on at full speed, and the
/// pool keeps its other threads for the registry's saves. Checks wait in line, up to
/// ``maxWaiting``; a check whose client has gone by its turn is skipped.
final class TokenChecks: Sendable {
    /// One token waiting to be checked.
    struct Check: Sendable {
        var token: String
        var candidates: [User]
        /// Whether the client still waits for the answer.
        var isWanted: @Sendable () -> Bool
        var promise: EventLoopPromise<Authenticator.Outcome>
    }

    /// The most checks that may wait; more are refused at once.
    static let maxWaiting = 4096

    private let line = NIOLockedValueBox<(waiting: Deque<Check>, running: Bool)>(([], false))

    /// Checks `token` against `candidates` and answers on `eventLoop`.
    func check(
        _ token: String, candidates: [User], on eventLoop: any EventLoop, isWanted: @escaping @Sendable () -> Bool
    ) -> EventLoopFuture<Authenticator.Outcome> {
        let promise = eventLoop.makePromise(of: Authenticator.Outcome.self)
        let starts = line.withLockedValue { line -> Bool? in
            guard line.waiting.count < Self.maxWaiting else { return nil }
            line.waiting.append(Check(token: token, candidates: candidates, isWanted: isWanted, promise: promise))
            defer { line.running = true }
            return !line.running
        }
        switch starts {
        case nil:
            promise.succeed(.refused(reason: "the broker is busy checking tokens; try again", detail: "\(Self.maxWaiting) token checks wait"))
        case true?:
            runNext()
        case false?:
            break
        }
        return promise.futureResult
    }

    /// Runs the check at the head of the line, then the next, until none waits.
    private func runNext() {
        guard let check = line.withLockedValue({ line -> Check? in
            guard let check = line.waiting.popFirst() else {
                line.running = false
                return nil
            }
            return check
        }) else { return }
        NIOThreadPool.singleton.submit { state in
            if state == .active, check.isWanted() {
                check.promise.succeed(Authenticator.check(token: check.token, candidates: check.candidates))
            } else {
                check.promise.succeed(.refused(reason: "the token was not checked", detail: "the client left before its token was checked"))
            }
            self.runNext()
        }
    }
}
