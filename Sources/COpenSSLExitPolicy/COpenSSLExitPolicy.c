#include "COpenSSLExitPolicy.h"

#include <openssl/crypto.h>

static int keepsStateUntilExit = 0;

// Runs before `main`, so before any other OpenSSL call: the first initialisation decides
// whether OpenSSL registers its `atexit` cleanup.
__attribute__((constructor)) static void tern_openssl_keep_state_until_exit(void) {
    keepsStateUntilExit = OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

int tern_openssl_keeps_state_until_exit(void) {
    return keepsStateUntilExit;
}
