#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ServiceLifecycle
import UnixSignals

/// The signals that would end the daemon by default but must not: SIGUSR1 and SIGALRM are
/// logged and ignored (SIGHUP reloads the settings and SIGUSR2 is lame duck mode, see
/// ``BrokerService``);
/// SIGPIPE (a closed log pipe), SIGXFSZ (writes fail with an error instead), SIGVTALRM, SIGPROF
/// and SIGIO are ignored silently. SIGTERM and SIGINT stop the broker gracefully (the service
/// group); SIGQUIT keeps its default, a core dump, for debugging a stuck process.
struct IgnoredSignals: Service {
    let logger: Logger

    static let logged: [UnixSignal] = [.sigusr1, .sigalrm]
    static let silenced: [Int32] = [SIGPIPE, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO]

    /// Ignores the silenced signals: called first thing, before anything is written.
    static func silence() {
        for signal in silenced {
            Glibc.signal(signal, SIG_IGN)
        }
    }

    func run() async {
        for await signal in await UnixSignalsSequence(trapping: Self.logged).cancelOnGracefulShutdown() {
            logger.notice("ignored a signal: ternd stops on SIGTERM or SIGINT, or SIGUSR2 for lame duck mode", metadata: ["signal": "\(signal)"])
        }
    }
}
