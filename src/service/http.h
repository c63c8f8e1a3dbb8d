/*
 * service/http.h: hotmigd's HTTP front (http*.c): the REST API under /api/v1, the console's
 * sessions, server-sent events, /metrics and the console's static assets, served by
 * libmicrohttpd over the core's calls (svc.h). main.c starts and stops it; nothing else does.
 */
#ifndef HM_SERVICE_HTTP_H
#define HM_SERVICE_HTTP_H

#include <stdbool.h>
#include <stdio.h>

#include "hotmig.h"
#include "service/svc.h"

typedef struct hm_http hm_http;

typedef struct hm_http_opts {
    const char *host;       /* numeric address to bind ("127.0.0.1", "::1", "0.0.0.0") */
    unsigned port;          /* 0: any free port (hm_http_port says which) */
    const char *tls_cert;   /* PEM file paths; both or neither */
    const char *tls_key;
} hm_http_opts;

/* Binds and starts serving (threads of its own). svc is borrowed and must outlive the front.
 * NULL and err filled when the address cannot be bound or the TLS files cannot be read. */
hm_http *hm_http_start(hm_svc *svc, const hm_http_opts *o, hm_err *err);
/* The port actually bound. */
unsigned hm_http_port(const hm_http *h);
/* Stops accepting, ends open event streams, waits for every connection thread, frees h. */
void hm_http_stop(hm_http *h);

/* The route table, one "METHOD /path" per line (paths under /api/v1, ids as {id}), for the test
 * that holds the OpenAPI file, the router and the tests to the same list. */
void hm_http_routes_print(FILE *f);

#endif
