/*
 * service/secret.h: hotmigd's secrets at rest, with libsodium: the key that seals stored
 * passwords (DIR/secret.key, 0600, crypto_secretbox), the API token (DIR/token, 0600, 32 random
 * bytes as hex), and console users' password hashes (argon2id, crypto_pwhash_str).
 *
 * An hm_secret holds the key and the token in memory locked against swapping
 * (sodium_malloc); hm_secret_release wipes them. Nothing here ever logs a secret.
 */
#ifndef HM_SERVICE_SECRET_H
#define HM_SERVICE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "hotmig.h"

typedef struct hm_secret hm_secret;

/* Loads DIR/secret.key and DIR/token, creating each (0600) on first start. DIR must exist. */
hm_secret *hm_secret_open(const char *dir, hm_err *err);
void hm_secret_release(hm_secret *s);

/* DIR/token. Borrowed. */
const char *hm_secret_token_path(const hm_secret *s);
/* Whether token is the API token (constant time in the token's length). */
bool hm_secret_token_ok(const hm_secret *s, const char *token);

/* Seals a password: *out (malloc, owned by the caller) = nonce || ciphertext. */
hm_code hm_secret_seal(const hm_secret *s, const char *password, unsigned char **out, size_t *outlen,
                       hm_err *err);
/* Opens a sealed password: a new NUL-terminated string (free with hm_secret_free_password, which
 * wipes it); NULL when it does not open (another key, or tampered). */
char *hm_secret_unseal(const hm_secret *s, const unsigned char *in, size_t inlen);
void hm_secret_free_password(char *pw);

/* argon2id hash of password into out (crypto_pwhash_STRBYTES). */
hm_code hm_secret_hash_password(const char *password, char *out, size_t outsz, hm_err *err);
bool hm_secret_verify_password(const char *hash, const char *password);

#endif
