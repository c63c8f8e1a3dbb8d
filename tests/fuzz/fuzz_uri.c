/*
 * tests/fuzz/fuzz_uri.c: libFuzzer driver for the connection URI parser (db/uri.h). Besides not
 * crashing: a URI that parses prints (redacted) to a text that parses to the same user, host,
 * port and TLS options, and no password; a failed parse leaves the hm_uri empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/uri.h"

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), out[8192];
    hm_uri u, v;
    hm_err err;
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&err, 0, sizeof err);
    if (hm_uri_parse(text, &u, &err) != HM_OK) {
        if (u.user || u.password || u.host || u.tls_ca || u.tls_cert || u.tls_key)
            abort();
        free(text);
        return 0;
    }
    if (hm_uri_redacted(&u, out, sizeof out)) { /* whole (a cut text is said to be cut) */
        if (hm_uri_parse(out, &v, &err) != HM_OK) {
            fprintf(stderr, "redacted [%s] of [%s] does not parse: %s\n", out, text, err.msg);
            abort();
        }
        if (!same(u.user, v.user) || !same(u.host, v.host) || u.port != v.port ||
            (u.tls != v.tls && !(u.tls == HM_TLS_DEFAULT && v.tls == HM_TLS_DEFAULT)) ||
            !same(u.tls_ca, v.tls_ca) || !same(u.tls_cert, v.tls_cert) || !same(u.tls_key, v.tls_key) ||
            v.password) {
            fprintf(stderr, "redacted [%s] of [%s] parses to another URI\n", out, text);
            abort();
        }
        hm_uri_release(&v);
    }
    hm_uri_release(&u);
    free(text);
    return 0;
}
