/*
 * db/uri.h: parsing connection URIs of the form mysql://USER[:PASS]@HOST[:PORT].
 *
 * USER and PASS may be percent-encoded (so ':' '@' '/' can appear in them). An hm_uri owns its
 * strings; hm_uri_release() wipes the password before freeing it.
 */
#ifndef HM_DB_URI_H
#define HM_DB_URI_H

#include "hotmig.h"

typedef struct hm_uri {
    char *user;
    char *password; /* NULL when the URI has none */
    char *host;
    unsigned port;  /* 3306 when absent */
} hm_uri;

/* Fills *u (owned by the caller, release with hm_uri_release). On error *u is left empty and
 * err names the problem without echoing the password. */
hm_code hm_uri_parse(const char *text, hm_uri *u, hm_err *err);
void hm_uri_release(hm_uri *u);

/* Replaces the password (the copy is owned by u). */
hm_code hm_uri_set_password(hm_uri *u, const char *password, hm_err *err);

/* Writes "mysql://USER@HOST:PORT" (never the password) into out. */
void hm_uri_redacted(const hm_uri *u, char *out, size_t outsz);

#endif
