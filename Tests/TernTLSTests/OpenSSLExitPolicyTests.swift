import COpenSSLExitPolicy
import Testing

/// OpenSSL keeps its global state until the process ends, so an event-loop thread that still
/// closes TLS connections while `main` returns does not lock what an exit handler freed (a
/// `tern-bench connections` run crashed so once, in `pthread_rwlock_unlock`).
@Suite struct OpenSSLExitPolicyTests {
    @Test func openSSLWasToldBeforeMainToKeepItsStateUntilTheProcessEnds() {
        #expect(tern_openssl_keeps_state_until_exit() == 1)
    }
}
