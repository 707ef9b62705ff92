#ifndef TERN_COPENSSLEXITPOLICY_H
#define TERN_COPENSSLEXITPOLICY_H

/// Whether OpenSSL agreed, before anything else in the process used it, to keep its global state
/// until the process ends: 1 if so, 0 if it refused.
///
/// By default OpenSSL frees that state from an `atexit` handler. A process that exits while an
/// event-loop thread still closes TLS connections (a client that returns from `main` right after
/// closing them, a broker stopping) would have that thread lock a freed lock and crash. A
/// constructor that runs before `main` asks OpenSSL not to free it (`OPENSSL_INIT_NO_ATEXIT`),
/// and the operating system reclaims it with the process.
int tern_openssl_keeps_state_until_exit(void);

#endif
