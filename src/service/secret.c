/*
 * service/secret.c: the key file, the API token and password hashes (see secret.h). Owns the
 * key and token bytes (in sodium_malloc'd memory, wiped on release).
 *
 * A key or token file is written whole to a temporary name (0600), fsync'd, then renamed: a
 * crash during the first start never leaves a short key that would later fail to open the
 * passwords it sealed.
 */
#include "service/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

#define TOKEN_BYTES 32
#define TOKEN_HEX (TOKEN_BYTES * 2)

struct hm_secret {
    unsigned char *key;  /* crypto_secretbox_KEYBYTES, sodium_malloc */
    char *token;         /* TOKEN_HEX + 1, sodium_malloc */
    char token_path[4096];
};

/* Reads exactly n bytes of path into buf; 1 when the file does not exist. */
static int read_exact(const char *path, void *buf, size_t n, hm_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    ssize_t got;
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        hm_err_set(err, HM_EIO, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) {
        close(fd);
        hm_err_set(err, HM_EIO, "%s is readable by others (mode %03o); chmod 600 it", path,
                   (unsigned)(sb.st_mode & 0777));
        return -1;
    }
    got = read(fd, buf, n);
    close(fd);
    if (got != (ssize_t)n) {
        hm_err_set(err, HM_EIO, "%s is not %zu bytes long: it was not written by hotmigd, or is damaged; restore "
                   "it from a backup (the stored passwords need it)", path, n);
        return -1;
    }
    return 0;
}

static hm_code write_new(const char *path, const void *buf, size_t n, hm_err *err)
{
    char tmp[4200];
    int fd;
    snprintf(tmp, sizeof tmp, "%s.new", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hm_err_set(err, HM_EIO, "cannot create %s: %s", tmp, strerror(errno));
    if (write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return hm_err_set(err, HM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return hm_err_set(err, HM_EIO, "cannot rename %s: %s", tmp, strerror(errno));
    }
    return HM_OK;
}

hm_secret *hm_secret_open(const char *dir, hm_err *err)
{
    hm_secret *s;
    char path[4096];
    int r;
    if (sodium_init() < 0) {
        hm_err_set(err, HM_EINTERNAL, "libsodium cannot initialise");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->key = sodium_malloc(crypto_secretbox_KEYBYTES)) || !(s->token = sodium_malloc(TOKEN_HEX + 1))) {
        hm_err_set(err, HM_ENOMEM, "out of memory for the secrets");
        hm_secret_release(s);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/secret.key", dir);
    r = read_exact(path, s->key, crypto_secretbox_KEYBYTES, err);
    if (r == 1) {
        crypto_secretbox_keygen(s->key);
        r = write_new(path, s->key, crypto_secretbox_KEYBYTES, err) == HM_OK ? 0 : -1;
    }
    if (r != 0)
        goto fail;
    snprintf(s->token_path, sizeof s->token_path, "%s/token", dir);
    r = read_exact(s->token_path, s->token, TOKEN_HEX, err);
    if (r == 1) {
        unsigned char raw[TOKEN_BYTES];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(s->token, TOKEN_HEX + 1, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);
        r = write_new(s->token_path, s->token, TOKEN_HEX, err) == HM_OK ? 0 : -1;
    }
    if (r != 0)
        goto fail;
    s->token[TOKEN_HEX] = '\0';
    return s;
fail:
    hm_secret_release(s);
    return NULL;
}

void hm_secret_release(hm_secret *s)
{
    if (!s)
        return;
    sodium_free(s->key);
    sodium_free(s->token);
    free(s);
}

const char *hm_secret_token_path(const hm_secret *s)
{
    return s->token_path;
}

bool hm_secret_token_ok(const hm_secret *s, const char *token)
{
    if (!token || strlen(token) != TOKEN_HEX)
        return false;
    return sodium_memcmp(token, s->token, TOKEN_HEX) == 0;
}

hm_code hm_secret_seal(const hm_secret *s, const char *password, unsigned char **out, size_t *outlen,
                       hm_err *err)
{
    size_t n = strlen(password);
    unsigned char *buf = malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n);
    if (!buf)
        return hm_err_set(err, HM_ENOMEM, "out of memory sealing a password");
    randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES, (const unsigned char *)password, n, buf, s->key);
    *out = buf;
    *outlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    return HM_OK;
}

char *hm_secret_unseal(const hm_secret *s, const unsigned char *in, size_t inlen)
{
    size_t n;
    char *pw;
    if (!in || inlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return NULL;
    n = inlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (!(pw = malloc(n + 1)))
        return NULL;
    if (crypto_secretbox_open_easy((unsigned char *)pw, in + crypto_secretbox_NONCEBYTES,
                                   inlen - crypto_secretbox_NONCEBYTES, in, s->key) != 0) {
        free(pw);
        return NULL;
    }
    pw[n] = '\0';
    return pw;
}

void hm_secret_free_password(char *pw)
{
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
}

hm_code hm_secret_hash_password(const char *password, char *out, size_t outsz, hm_err *err)
{
    if (outsz < crypto_pwhash_STRBYTES)
        return hm_err_set(err, HM_EINTERNAL, "password hash buffer too small");
    /* interactive limits: about 64 MiB and 0.1 s per login, the console's budget */
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return hm_err_set(err, HM_ENOMEM, "out of memory hashing a password");
    return HM_OK;
}

bool hm_secret_verify_password(const char *hash, const char *password)
{
    if (!hash || !*hash || !password)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
