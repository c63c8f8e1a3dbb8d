/*
 * db/uri.h: parsing connection URIs of the form
 *   mysql://USER[:PASS]@HOST[:PORT][/][?tls=MODE&ca=FILE&cert=FILE&key=FILE]
 *
 * USER, PASS and the option values may be percent-encoded (so ':' '@' '/' '&' can appear in
 * them). MODE is disabled, preferred (the default), required, verify-ca or verify-identity;
 * verify-* need ca=FILE; cert and key go together. An unknown option, a repeated one or a bad
 * value is refused with a message naming it. An hm_uri owns its strings; hm_uri_release() wipes
 * the password before freeing it.
 */
#ifndef HM_DB_URI_H
#define HM_DB_URI_H

#include "hotmig.h"

typedef struct hm_uri {
    char *user;
    char *password; /* NULL when the URI has none */
    char *host;
    unsigned port;  /* 3306 when absent */
    hm_tls_mode tls; /* HM_TLS_DEFAULT when absent */
    char *tls_ca, *tls_cert, *tls_key; /* NULL when absent */
} hm_uri;

/* Fills *u (owned by the caller, release with hm_uri_release). On error *u is left empty and
 * err names the problem without echoing the password. */
hm_code hm_uri_parse(const char *text, hm_uri *u, hm_err *err);
void hm_uri_release(hm_uri *u);

/* Replaces the password (the copy is owned by u). */
hm_code hm_uri_set_password(hm_uri *u, const char *password, hm_err *err);

/* Writes "mysql://USER@HOST:PORT[?tls=...]" (never the password) into out; it parses back to the
 * same URI but for the password. Returns false when out is too small: out then holds a text cut
 * short, fit to show but not to connect with. */
bool hm_uri_redacted(const hm_uri *u, char *out, size_t outsz);

#endif
