/*
 * service/http.c: hotmigd's HTTP server (libmicrohttpd): per-request state, the body limit,
 * the auth gate, dispatch to the route table (http_routes.c), answers, the console's assets.
 *
 * Threads: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a long request (an
 * event stream, a catalog read from a slow server) never holds up another. Connections are
 * bounded (CONN_LIMIT, per address PER_IP_LIMIT) and idle ones dropped after IDLE_TIMEOUT_S.
 *
 * A request, as libmicrohttpd hands it over:
 *
 *   headers ──► first call: route lookup (404 / 405), credentials (401 / 403 / 429),
 *               Content-Length over 1 MiB (413): any of these is answered at once, the body
 *               is never read
 *   body    ──► accumulated in a bounded buffer (hm_buf, 1 MiB); past it the bytes are
 *               dropped and the answer will be 413 (a client that goes on past 16 MiB is
 *               disconnected)
 *   end     ──► JSON parsed (400 naming the problem), then the handler; its answer is sent
 *               and freed here, in one place (send_ans)
 *
 * Every byte is hostile: the path is matched segment by segment against the table, never
 * copied into a fixed buffer unchecked; JSON goes through jansson (depth-limited, NUL and
 * duplicate keys refused); what is echoed back or logged is cut and made valid UTF-8.
 * Owns: the MHD daemon, the sessions (http_auth.c), the TLS PEM text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "service/assets.h"
#include "service/http_int.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"

#define CONN_LIMIT 512
#define PER_IP_LIMIT 128
#define IDLE_TIMEOUT_S 60
#define DISCARD_MAX (16u * 1024 * 1024)
#define STACK_SIZE (512u * 1024)

typedef struct conn_state {
    hm_http_req req;
    const hm_http_route *route;
    hm_buf body;
    size_t dropped;     /* bytes past the limit */
    bool too_big;
    double t0;
} conn_state;

/* ---- small helpers ---- */

/* Copies s into out (size n) with every byte outside printable ASCII replaced by '?', cut
 * with "..." when longer: what a client sent, made safe to log or echo. */
static void clean_copy(char *out, size_t n, const char *s)
{
    size_t i = 0;
    if (!n)
        return;
    for (; s && *s && i + 1 < n; s++)
        out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[i] = '\0';
    if (s && *s && n > 4)
        memcpy(out + n - 4, "...", 4);
}

void hm_http_ans_header(hm_http_ans *ans, const char *name, const char *fmt, ...)
{
    va_list ap;
    if (ans->n_hdr >= sizeof ans->hdr / sizeof ans->hdr[0])
        return;
    ans->hdr[ans->n_hdr].name = name;
    va_start(ap, fmt);
    vsnprintf(ans->hdr[ans->n_hdr].value, sizeof ans->hdr[0].value, fmt, ap);
    va_end(ap);
    ans->n_hdr++;
}

/* A JSON string from text that may hold invalid UTF-8 (a client's bytes in a message). */
static json_t *safe_string(const char *s)
{
    json_t *j = json_string(s);
    if (!j) {
        char tmp[1024];
        clean_copy(tmp, sizeof tmp, s);
        j = json_string(tmp);
    }
    return j;
}

static void fail_v(hm_http_ans *ans, unsigned status, const char *code, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_decref(ans->body);
    ans->status = status;
    ans->body = json_pack("{s:{s:s, s:o}}", "error", "code", code, "message", safe_string(msg));
}

void hm_http_fail(hm_http_ans *ans, unsigned status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(ans, status, code, fmt, ap);
    va_end(ap);
}

void hm_http_svc(hm_http_ans *ans, hm_svc_status st, json_t *out, const hm_svc_err *err, unsigned ok_status)
{
    if (st == HM_SVC_OK) {
        ans->status = ok_status;
        ans->body = out ? out : json_object();
        return;
    }
    json_decref(out);
    hm_http_fail(ans, hm_svc_http_status(st), err->code[0] ? err->code : "error", "%s",
                 err->message[0] ? err->message : "the request failed");
}

const char *hm_http_query(const hm_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *hm_http_header(const hm_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                : sizeof(struct sockaddr_in);
        if (getnameinfo(ci->client_addr, len, out, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
            snprintf(out, n, "?");
    }
}

/* ---- sending ---- */

static void common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

/* Sends ans and frees what it owns. */
static enum MHD_Result send_ans(struct MHD_Connection *c, hm_http_ans *ans)
{
    struct MHD_Response *resp = ans->raw;
    enum MHD_Result rc;
    ans->raw = NULL;
    if (!resp) {
        char *text = ans->body ? json_dumps(ans->body, JSON_COMPACT) : NULL;
        size_t len = text ? strlen(text) : 0;
        if (text) {
            text[len] = '\0';
            resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
            if (!resp)
                free(text);
        } else {
            resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        }
        if (!resp) {
            json_decref(ans->body);
            ans->body = NULL;
            return MHD_NO;
        }
        if (text)
            MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    json_decref(ans->body);
    ans->body = NULL;
    common_headers(resp);
    for (unsigned i = 0; i < ans->n_hdr; i++)
        MHD_add_response_header(resp, ans->hdr[i].name, ans->hdr[i].value);
    rc = MHD_queue_response(c, ans->status ? ans->status : 500, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- static assets of the console ---- */

static bool accepts_gzip(struct MHD_Connection *c)
{
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

static void serve_asset(struct MHD_Connection *c, const char *url, hm_http_ans *ans)
{
    const hm_asset *a = hm_asset_find(strcmp(url, "/") == 0 ? "/index.html" : url);
    const char *inm;
    struct MHD_Response *resp;
    bool gz;
    if (!a) {
        hm_http_fail(ans, 404, "not_found", "no such page: %s", url);
        return;
    }
    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    gz = a->gz && accepts_gzip(c);
    if (inm && strcmp(inm, a->etag) == 0) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        ans->status = 304;
    } else {
        resp = MHD_create_response_from_buffer(gz ? a->gz_len : a->len,
                                               (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
        ans->status = 200;
        if (resp) {
            MHD_add_response_header(resp, "Content-Type", a->content_type);
            if (gz)
                MHD_add_response_header(resp, "Content-Encoding", "gzip");
        }
    }
    if (!resp) {
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    MHD_add_response_header(resp, "ETag", a->etag);
    MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    /* revalidated every time (cheap: 304 by ETag), so a new hotmigd is never shown old files */
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    ans->raw = resp;
}

/* ---- routing ---- */

/* Whether path (after /api/v1) matches pattern; a "{id}" segment matches one non-empty segment. */
static bool path_match(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++, path++;
        if (strncmp(pattern, "{id}", 4) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return false;
            pattern += 4, path += n;
        } else {
            size_t n = strcspn(pattern, "/");
            if (strncmp(pattern, path, n) != 0 || (path[n] != '/' && path[n] != '\0'))
                return false;
            pattern += n, path += n;
        }
    }
    return *pattern == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

/* The route for method and path; NULL with *path_known set when only the method is wrong
 * (allow: the methods that path takes). */
static const hm_http_route *route_find(const char *method, const char *path, bool *path_known, char *allow,
                                       size_t allow_n)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = false;
    allow[0] = '\0';
    for (size_t i = 0; i < hm_http_route_count; i++) {
        const hm_http_route *r = &hm_http_route_table[i];
        if (!path_match(r->path, path))
            continue;
        if (strcmp(r->method, m) == 0)
            return r;
        *path_known = true;
        if (strlen(allow) + strlen(r->method) + 3 < allow_n) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, r->method);
        }
    }
    return NULL;
}

/* The {id} segment of path for pattern: a positive whole number, else 0. */
static int64_t path_id(const char *pattern, const char *path)
{
    const char *p = strstr(pattern, "{id}");
    const char *seg = path;
    int64_t v = 0;
    size_t n;
    if (!p)
        return 0;
    /* the id is the segment at the same depth as {id} */
    for (const char *q = pattern; q < p; q++)
        if (*q == '/') {
            seg = strchr(seg, '/');
            if (!seg)
                return 0;
            seg++;
        }
    n = strcspn(seg, "/");
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            return 0;
        v = v * 10 + (seg[i] - '0');
    }
    return v;
}

static bool is_write(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
}

/* The auth gate. true when the caller may go on (r->who filled); false with ans filled. */
static bool authenticate(hm_http *h, hm_http_req *r, hm_http_ans *ans)
{
    const char *authz = hm_http_header(r, "Authorization");
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "hm_session");
    if (authz) {
        const char *tok = authz;
        if (strncasecmp(tok, "Bearer ", 7) != 0) {
            hm_http_ans_header(ans, "WWW-Authenticate", "Bearer");
            hm_http_fail(ans, 401, "unauthorized", "the Authorization header must be 'Bearer <token>' "
                                                   "(the API token is in the file token of hotmigd's data directory)");
            return false;
        }
        tok += 7;
        while (*tok == ' ')
            tok++;
        /* no limiter here: the token is 32 random bytes (nothing to guess), and counting wrong
         * tokens per address would let anyone on a shared address lock the real clients out */
        if (!hm_svc_token_ok(h->svc, tok)) {
            hm_http_ans_header(ans, "WWW-Authenticate", "Bearer");
            hm_http_fail(ans, 401, "unauthorized", "wrong API token: use the one in the file token of hotmigd's "
                                                   "data directory");
            return false;
        }
        snprintf(r->who, sizeof r->who, "token");
        return true;
    }
    if (cookie) {
        char csrf[72];
        if (!hm_http_session_get(h->sessions, cookie, r->who, csrf)) {
            hm_http_fail(ans, 401, "unauthorized", "the session has ended; log in again");
            return false;
        }
        snprintf(r->sid, sizeof r->sid, "%s", cookie);
        if (is_write(r->method)) {
            const char *sent = hm_http_header(r, "X-CSRF-Token");
            if (!sent || !hm_http_str_eq(sent, csrf)) {
                hm_http_fail(ans, 403, "csrf", "the X-CSRF-Token header is %s: a change through a session "
                             "must carry the csrf_token that POST /api/v1/session answered",
                             sent ? "wrong" : "missing");
                return false;
            }
        }
        return true;
    }
    hm_http_ans_header(ans, "WWW-Authenticate", "Bearer");
    hm_http_fail(ans, 401, "unauthorized", "no credentials: send Authorization: Bearer <token> (the token is in "
                                           "the file token of hotmigd's data directory) or log in");
    return false;
}

/* The answer that needs no body: errors found from the headers, assets, health. true when ans
 * is filled (send it now). */
static bool early_answer(hm_http *h, conn_state *cs, const char *url, hm_http_ans *ans)
{
    hm_http_req *r = &cs->req;
    bool known;
    char allow[64];
    const char *cl;
    if (strncmp(url, HM_HTTP_API, strlen(HM_HTTP_API)) != 0 ||
        (url[strlen(HM_HTTP_API)] != '/' && url[strlen(HM_HTTP_API)] != '\0')) {
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            hm_http_ans_header(ans, "Allow", "GET, HEAD");
            hm_http_fail(ans, 405, "method_not_allowed", "%s is not allowed here: only GET (the API is under "
                         HM_HTTP_API ")", r->method);
        } else if (strcmp(url, "/healthz") == 0) {
            ans->status = 200;
            ans->body = json_pack("{s:b}", "ok", 1);
        } else {
            serve_asset(r->conn, url, ans);
        }
        return true;
    }
    r->path = url + strlen(HM_HTTP_API);
    cs->route = route_find(r->method, r->path, &known, allow, sizeof allow);
    if (!cs->route) {
        char shown[128];
        clean_copy(shown, sizeof shown, url);
        if (known) {
            hm_http_ans_header(ans, "Allow", "%s", allow);
            hm_http_fail(ans, 405, "method_not_allowed", "%s is not allowed on %s; allowed: %s", r->method, shown,
                         allow);
        } else {
            hm_http_fail(ans, 404, "no_route", "no such API route: %s %s", r->method, shown);
        }
        return true;
    }
    if (!(cs->route->flags & HM_ROUTE_PUBLIC) && !authenticate(h, r, ans))
        return true;
    cl = hm_http_header(r, "Content-Length");
    if (cl) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno || end == cl || n > HM_HTTP_BODY_MAX) {
            hm_http_fail(ans, 413, "body_too_large", "the request body is over the limit of %d bytes (1 MiB)",
                         HM_HTTP_BODY_MAX);
            return true;
        }
    }
    return false;
}

/* Parses the body and runs the handler. */
static void dispatch(conn_state *cs, hm_http_ans *ans)
{
    hm_http_req *r = &cs->req;
    json_t *body = NULL;
    if (cs->too_big) {
        hm_http_fail(ans, 413, "body_too_large", "the request body is over the limit of %d bytes (1 MiB)",
                     HM_HTTP_BODY_MAX);
        return;
    }
    if (strstr(cs->route->path, "{id}")) {
        r->id = path_id(cs->route->path, r->path);
        if (r->id <= 0) {
            hm_http_fail(ans, 404, "not_found", "no such task: task ids are positive whole numbers");
            return;
        }
    }
    if (cs->body.len > 0 && (cs->route->flags & HM_ROUTE_BODY)) {
        json_error_t je;
        body = json_loadb(cs->body.data, cs->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!body) {
            /* jansson quotes the offending input after " near ": not echoed (it may be a secret) */
            char *near = strstr(je.text, " near ");
            if (near)
                *near = '\0';
            if (strstr(je.text, "JSON_ALLOW_NUL"))
                snprintf(je.text, sizeof je.text, "a string holds \\u0000 (a NUL character), which is not allowed");
            hm_http_fail(ans, 400, "bad_json", "the body is not valid JSON: %s (line %d, column %d)", je.text,
                         je.line, je.column);
            return;
        }
        if (!json_is_object(body)) {
            json_decref(body);
            hm_http_fail(ans, 400, "bad_json", "the body must be a JSON object ({...})");
            return;
        }
    }
    if (!body && (cs->route->flags & HM_ROUTE_OBJECT))
        body = json_object();
    r->body = body;
    cs->route->fn(r, ans);
    r->body = NULL;
    json_decref(body);
    if (!ans->status && !ans->raw)
        hm_http_fail(ans, 500, "internal", "no answer");
}

/* One line per change and per error; never a body, a query string or a header value. */
static void log_request(const conn_state *cs, const char *url, unsigned status)
{
    char shown[160];
    if (status < 400 && !is_write(cs->req.method))
        return;
    if (status == 304)
        return;
    clean_copy(shown, sizeof shown, url);
    fprintf(stderr, "hotmigd: %s %s %s -> %u (%s, %.0f ms)\n", cs->req.client, cs->req.method, shown, status,
            cs->req.who[0] ? cs->req.who : "anonymous", (hm_clock_now() - cs->t0) * 1000);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    hm_http *h = cls;
    conn_state *cs = *con_cls;
    hm_http_ans ans;
    enum MHD_Result rc;
    (void)version;
    memset(&ans, 0, sizeof ans);
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        cs->t0 = hm_clock_now();
        cs->req.h = h;
        cs->req.conn = c;
        cs->req.method = method;
        hm_buf_init(&cs->body, HM_HTTP_BODY_MAX);
        client_addr(c, cs->req.client, sizeof cs->req.client);
        if (early_answer(h, cs, url, &ans)) {
            log_request(cs, url, ans.status);
            return send_ans(c, &ans);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cs->too_big && hm_buf_add(&cs->body, upload, *upload_size) != HM_OK) {
            cs->too_big = true;
            hm_buf_release(&cs->body);
        }
        if (cs->too_big) {
            cs->dropped += *upload_size;
            if (cs->dropped > DISCARD_MAX)
                return MHD_NO; /* a client that will not stop: drop the connection */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    dispatch(cs, &ans);
    log_request(cs, url, ans.status);
    rc = send_ans(c, &ans);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    conn_state *cs = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (!cs)
        return;
    hm_buf_release(&cs->body);
    free(cs);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    n = strcspn(line, "\n");
    line[n] = '\0';
    fprintf(stderr, "hotmigd: http: %s\n", line);
}

/* ---- start / stop ---- */

static char *read_pem(const char *path, const char *what, hm_err *err)
{
    FILE *f = fopen(path, "rb");
    hm_buf b;
    char chunk[4096];
    size_t n;
    if (!f) {
        hm_err_set(err, HM_EUSAGE, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    hm_buf_init(&b, 1024 * 1024);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (hm_buf_add(&b, chunk, n) != HM_OK) {
            fclose(f);
            hm_buf_release(&b);
            hm_err_set(err, HM_EUSAGE, "the TLS %s %s is over 1 MiB: is it a PEM file?", what, path);
            return NULL;
        }
    fclose(f);
    if (!b.data || !strstr(b.data, "-----BEGIN")) {
        hm_buf_release(&b);
        hm_err_set(err, HM_EUSAGE, "the TLS %s %s is not a PEM file (no -----BEGIN line)", what, path);
        return NULL;
    }
    return b.data;
}

static void http_free(hm_http *h)
{
    if (!h)
        return;
    hm_http_sessions_free(h->sessions);
    if (h->tls_key)
        memset(h->tls_key, 0, strlen(h->tls_key));
    free(h->tls_key);
    free(h->tls_cert);
    free(h);
}

hm_http *hm_http_start(hm_svc *svc, const hm_http_opts *o, hm_err *err)
{
    hm_http *h = calloc(1, sizeof *h);
    struct addrinfo hints, *ai = NULL;
    char port[16];
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *di;
    int gai;

    if (!h || !(h->sessions = hm_http_sessions_new())) {
        http_free(h);
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    h->svc = svc;
    if (o->tls_cert || o->tls_key) {
        if (!o->tls_cert || !o->tls_key) {
            http_free(h);
            hm_err_set(err, HM_EUSAGE, "--tls-cert and --tls-key go together");
            return NULL;
        }
        if (!(h->tls_cert = read_pem(o->tls_cert, "certificate", err)) ||
            !(h->tls_key = read_pem(o->tls_key, "key", err))) {
            http_free(h);
            return NULL;
        }
        h->tls = true;
        flags |= MHD_USE_TLS;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    snprintf(port, sizeof port, "%u", o->port);
    if ((gai = getaddrinfo(o->host, port, &hints, &ai)) != 0 || !ai) {
        http_free(h);
        hm_err_set(err, HM_EUSAGE, "--listen: '%s' is not a numeric IP address (%s)", o->host, gai_strerror(gai));
        return NULL;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->mhd = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h,
                              MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
                              MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
                              MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK_SIZE,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                              h->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, h->tls_key,
                              MHD_OPTION_HTTPS_MEM_CERT, h->tls_cert,
                              MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->mhd) {
        int e = errno;
        http_free(h);
        hm_err_set(err, HM_EIO, "cannot listen on %s:%u: %s; is another process using the port? choose another "
                   "with --listen", o->host, o->port, e ? strerror(e) : "libmicrohttpd refused the settings");
        return NULL;
    }
    di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : o->port;
    return h;
}

unsigned hm_http_port(const hm_http *h)
{
    return h->port;
}

void hm_http_stop(hm_http *h)
{
    if (!h)
        return;
    atomic_store(&h->stopping, true);
    if (h->mhd)
        MHD_stop_daemon(h->mhd);
    http_free(h);
}

void hm_http_routes_print(FILE *f)
{
    for (size_t i = 0; i < hm_http_route_count; i++)
        fprintf(f, "%s %s\n", hm_http_route_table[i].method, hm_http_route_table[i].path);
}
