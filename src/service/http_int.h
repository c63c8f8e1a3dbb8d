/*
 * service/http_int.h: what the HTTP front's modules share, and nothing outside them uses:
 *   http.c         the daemon, per-request state, the body limit, the auth gate, dispatch,
 *                  answers, static assets
 *   http_routes.c  the route table and the handlers of /api/v1 (calls into svc.h)
 *   http_auth.c    console sessions (cookie + CSRF token) and the failed-login limiter
 *   http_sse.c     GET /events/stream (server-sent events)
 *   http_metrics.c GET /metrics (Prometheus text exposition)
 *
 * Ownership: an hm_http_ans owns its body (json_decref'd by http.c after sending) and its raw
 * response; a handler fills one and returns; http.c sends it and frees it in one place.
 */
#ifndef HM_SERVICE_HTTP_INT_H
#define HM_SERVICE_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/http.h"
#include "service/svc.h"

#define HM_HTTP_BODY_MAX (1024 * 1024)  /* request bodies: larger ones get 413 */
#define HM_HTTP_API "/api/v1"

typedef struct hm_http_sessions hm_http_sessions;

struct hm_http {
    hm_svc *svc;                 /* borrowed */
    struct MHD_Daemon *mhd;
    hm_http_sessions *sessions;  /* owned */
    bool tls;
    unsigned port;
    atomic_bool stopping;        /* event streams end when set */
    char *tls_cert, *tls_key;    /* PEM text, owned (MHD borrows it) */
};

/* One request: who asked, and the body read so far. */
typedef struct hm_http_req {
    hm_http *h;
    struct MHD_Connection *conn;
    const char *method;          /* borrowed from MHD */
    const char *path;            /* the part after /api/v1, borrowed */
    char client[64];             /* the peer's address, for the login limiter and the log */
    char who[80];                /* "token", "user:NAME": recorded by the core on actions */
    char sid[72];                /* the session id when the caller came with the cookie */
    const json_t *body;          /* the parsed body, NULL when empty; borrowed */
    int64_t id;                  /* {id} of the path, 0 when none */
} hm_http_req;

typedef struct hm_http_ans {
    unsigned status;
    json_t *body;                /* owned; NULL: no body */
    struct MHD_Response *raw;    /* owned; when set, sent as it is (event stream, metrics) */
    struct {
        const char *name;        /* static */
        char value[256];
    } hdr[3];                    /* extra headers: Set-Cookie, Allow, Retry-After ... */
    unsigned n_hdr;
} hm_http_ans;

/* ---- answers (http.c) ---- */
/* status and {"error": {"code", "message"}} into ans. */
void hm_http_fail(hm_http_ans *ans, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The core's answer: out (stolen) on HM_SVC_OK with ok_status, else its error. */
void hm_http_svc(hm_http_ans *ans, hm_svc_status st, json_t *out, const hm_svc_err *err, unsigned ok_status);
/* Adds a header to the answer (silently dropped past three). */
void hm_http_ans_header(hm_http_ans *ans, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A query argument of the request, NULL when absent. */
const char *hm_http_query(const hm_http_req *r, const char *name);
/* A request header, NULL when absent. */
const char *hm_http_header(const hm_http_req *r, const char *name);

/* ---- routes (http_routes.c) ---- */
typedef void (*hm_http_handler)(hm_http_req *r, hm_http_ans *ans);

enum {
    HM_ROUTE_PUBLIC = 1,  /* no credentials needed */
    HM_ROUTE_BODY = 2,    /* takes a JSON object body (optional: NULL when none was sent) */
    HM_ROUTE_OBJECT = 4,  /* the handler always gets an object ({} when no body was sent: the
                             core then names the missing fields) */
};

typedef struct hm_http_route {
    const char *method;
    const char *path;     /* under /api/v1; "{id}" matches a task id */
    unsigned flags;
    hm_http_handler fn;
} hm_http_route;

extern const hm_http_route hm_http_route_table[];
extern const size_t hm_http_route_count;

/* ---- sessions (http_auth.c) ---- */
hm_http_sessions *hm_http_sessions_new(void);
void hm_http_sessions_free(hm_http_sessions *s);
/* Creates a session for who; fills sid and csrf (hex, NUL-terminated). false when full. */
bool hm_http_session_create(hm_http_sessions *s, const char *who, char sid[72], char csrf[72]);
/* Looks sid up (and extends it): true with who and csrf filled when it is live. */
bool hm_http_session_get(hm_http_sessions *s, const char *sid, char who[80], char csrf[72]);
void hm_http_session_delete(hm_http_sessions *s, const char *sid);
/* The failed-login limiter: seconds the address must still wait (0: may try now), and a
 * failure to count. */
unsigned hm_http_login_wait(hm_http_sessions *s, const char *client);
void hm_http_login_failed(hm_http_sessions *s, const char *client);
void hm_http_login_ok(hm_http_sessions *s, const char *client);
/* Constant-time string equality (CSRF tokens). */
bool hm_http_str_eq(const char *a, const char *b);

/* ---- the other handlers ---- */
void hm_http_session_post(hm_http_req *r, hm_http_ans *ans);
void hm_http_session_get_h(hm_http_req *r, hm_http_ans *ans);
void hm_http_session_delete_h(hm_http_req *r, hm_http_ans *ans);
void hm_http_sse(hm_http_req *r, hm_http_ans *ans);
void hm_http_metrics(hm_http_req *r, hm_http_ans *ans);

#endif
