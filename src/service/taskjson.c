/*
 * service/taskjson.c: task bodies in (validated field by field; every error names the field) and
 * task objects out (the API's Task schema: never a password, "password_set" instead).
 *
 * A task's settings live in one JSON object, the spec (stored as is, with no password):
 *   {"source": {"uri", "host", "port", "user"}, "target": {...}, "mode", "include": [...],
 *    "exclude": [...], "threads", "apply_threads", "max_rows_per_sec", "chunk_rows", "start_at_ms"}
 * Every byte of a body is treated as hostile: types are checked before use, strings bounded.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copy/select.h"
#include "db/uri.h"
#include "service/svc_int.h"

#define MAX_PATTERNS 256
#define MAX_STR 1024

static const char *const body_fields[] = {"name", "source", "target", "source_password", "target_password",
                                          "mode", "include", "exclude", "threads", "apply_threads",
                                          "max_rows_per_sec", "chunk_rows", "start_at", NULL};

bool hm_taskjson_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || !isalnum((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
            return false;
    return true;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool hm_taskjson_parse_time(const char *s, int64_t *ms)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, frac_ms = 0, off = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p;
    time_t t;
    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return false;
    y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60)
        return false;
    p = s + 19;
    if (*p == '.') {
        int n = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (n < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            n++, p++;
        }
        if (n == 0)
            return false;
        for (; n < 3; n++)
            frac_ms *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = digits(p + 1, 2), om = digits(p + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return false;
        off = (oh * 60 + om) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec == 60 ? 59 : sec;
    t = timegm(&tm);
    if (tm.tm_mday != d) /* Feb 29 of a year that has none */
        return false;
    *ms = ((int64_t)t - (int64_t)off * 60) * 1000 + frac_ms;
    return true;
}

void hm_taskjson_time(int64_t ms, char *out, size_t outsz)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

json_t *hm_taskjson_time_value(int64_t ms)
{
    char buf[40];
    if (ms <= 0)
        return json_null();
    hm_taskjson_time(ms, buf, sizeof buf);
    return json_string(buf);
}

static hm_svc_status bad(hm_svc_err *err, const char *code, const char *field, const char *why)
{
    return hm_svc_fail(err, HM_SVC_EBADINPUT, code, "field \"%s\": %s", field, why);
}

/* A string field of at most MAX_STR bytes with no NUL. */
static hm_svc_status get_str(const json_t *v, const char *field, const char **out, hm_svc_err *err)
{
    if (!json_is_string(v))
        return bad(err, "bad_type", field, "must be a string");
    if (json_string_length(v) > MAX_STR || strlen(json_string_value(v)) != json_string_length(v))
        return bad(err, "bad_field", field, "too long or holds a NUL byte");
    *out = json_string_value(v);
    return HM_SVC_OK;
}

/* source / target: "mysql://USER[:PASS]@HOST[:PORT]" or {"uri", "password"}. */
static hm_svc_status parse_endpoint(const json_t *v, const char *field, json_t **ep, char **pw, hm_svc_err *err)
{
    const char *uri = NULL, *pwv = NULL;
    char fname[64], red[600];
    hm_uri u;
    hm_err e;
    hm_svc_status st;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            snprintf(fname, sizeof fname, "%s.%.20s", field, k);
            if (strcmp(k, "uri") == 0)
                st = get_str(x, fname, &uri, err);
            else if (strcmp(k, "password") == 0)
                st = get_str(x, fname, &pwv, err);
            else
                st = bad(err, "unknown_field", fname, "unknown field (allowed: uri, password)");
            if (st != HM_SVC_OK)
                return st;
        }
        if (!uri)
            return bad(err, "missing_field", field, "needs \"uri\"");
    } else if ((st = get_str(v, field, &uri, err)) != HM_SVC_OK) {
        return bad(err, "bad_type", field, "must be a mysql://USER@HOST:PORT string or {\"uri\", \"password\"}");
    }
    memset(&e, 0, sizeof e);
    if (strncmp(uri, "mysql://", 8) != 0 || hm_uri_parse(uri, &u, &e) != HM_OK) {
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_uri", "field \"%s\": not a mysql://USER[:PASS]@HOST[:PORT] "
                           "URI%s%s", field, e.msg[0] ? ": " : "", e.msg);
    }
    if (!u.user || !*u.user || !u.host || !*u.host) {
        hm_uri_release(&u);
        return bad(err, "bad_uri", field, "the URI needs a user and a host: mysql://USER@HOST:PORT");
    }
    if (pwv && u.password) {
        hm_uri_release(&u);
        return bad(err, "bad_field", field, "a password both in the URI and beside it: give it once");
    }
    hm_uri_redacted(&u, red, sizeof red);
    /* percent-decoding can make any byte: a user, host or file name that is not UTF-8 cannot
     * be kept in the spec (jansson refuses it), and must not be dropped silently either */
    *ep = json_pack("{s:s, s:s, s:i, s:s}", "uri", red, "host", u.host, "port", (int)u.port, "user", u.user);
    /* TLS settings of the URI (?tls=&ca=&cert=&key=): kept so that every engine call of the task
     * connects as the URI said; file names only, never a secret */
    if (*ep && u.tls != HM_TLS_DEFAULT)
        json_object_set_new(*ep, "tls", json_string(hm_tls_mode_name(u.tls)));
    if (*ep && ((u.tls_ca && json_object_set_new(*ep, "tls_ca", json_string(u.tls_ca)) != 0) ||
                (u.tls_cert && json_object_set_new(*ep, "tls_cert", json_string(u.tls_cert)) != 0) ||
                (u.tls_key && json_object_set_new(*ep, "tls_key", json_string(u.tls_key)) != 0))) {
        json_decref(*ep);
        *ep = NULL;
    }
    if (!*ep) {
        hm_uri_release(&u);
        return bad(err, "bad_uri", field, "the URI's user, host and file names must be UTF-8 text once "
                   "percent-decoded");
    }
    if (pwv)
        *pw = strdup(pwv);
    else if (u.password)
        *pw = strdup(u.password);
    hm_uri_release(&u);
    return HM_SVC_OK;
}

static hm_svc_status parse_patterns(const json_t *v, const char *field, json_t **out, hm_svc_err *err)
{
    size_t i;
    json_t *x;
    char fname[64];
    if (!json_is_array(v))
        return bad(err, "bad_type", field, "must be an array of patterns (\"db\" or \"db.table\", * and ?)");
    if (json_array_size(v) > MAX_PATTERNS)
        return bad(err, "bad_field", field, "too many patterns (at most 256)");
    json_array_foreach(v, i, x) {
        const char *p;
        hm_svc_status st;
        snprintf(fname, sizeof fname, "%s[%zu]", field, i);
        if ((st = get_str(x, fname, &p, err)) != HM_SVC_OK)
            return st;
        if (!hm_select_pattern_ok(p) || strlen(p) > 129)
            return bad(err, "bad_pattern", fname, "not a pattern: \"db\" or \"db.table\", * and ? as wildcards");
    }
    *out = json_deep_copy(v);
    return HM_SVC_OK;
}

static hm_svc_status parse_uint(const json_t *v, const char *field, json_int_t lo, json_int_t hi, json_int_t *out,
                                hm_svc_err *err)
{
    char why[96];
    if (!json_is_integer(v))
        return bad(err, "bad_type", field, "must be an integer");
    if (json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(why, sizeof why, "must be between %lld and %lld", (long long)lo, (long long)hi);
        return bad(err, "bad_field", field, why);
    }
    *out = json_integer_value(v);
    return HM_SVC_OK;
}

hm_svc_status hm_taskjson_parse(const json_t *body, bool patch, const json_t *old_spec, json_t **spec_out,
                                char **src_pw, char **tgt_pw, char *name, size_t namesz, hm_svc_err *err)
{
    json_t *spec, *v;
    const char *k;
    hm_svc_status st = HM_SVC_OK;
    *spec_out = NULL;
    *src_pw = *tgt_pw = NULL;
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "the body must be a JSON object");
    json_object_foreach((json_t *)body, k, v) {
        bool known = false;
        for (size_t i = 0; body_fields[i]; i++)
            known |= strcmp(k, body_fields[i]) == 0;
        if (!known) {
            char f[80];
            snprintf(f, sizeof f, "%.64s", k);
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "unknown_field", "field \"%s\": unknown field (allowed: name, "
                               "source, target, source_password, target_password, mode, include, exclude, threads, "
                               "apply_threads, max_rows_per_sec, chunk_rows, start_at)", f);
        }
    }
    if (!patch) {
        static const char *const req[] = {"name", "source", "target"};
        for (size_t i = 0; i < 3; i++)
            if (!json_object_get(body, req[i]))
                return bad(err, "missing_field", req[i], "is required");
    }
    spec = old_spec ? json_deep_copy(old_spec)
                    : json_pack("{s:s, s:[], s:[], s:i, s:i, s:I}", "mode", "full+incremental", "include", "exclude",
                                "threads", 4, "max_rows_per_sec", 0, "start_at_ms", (json_int_t)0);
    if ((v = json_object_get(body, "name"))) {
        const char *n;
        if ((st = get_str(v, "name", &n, err)) != HM_SVC_OK)
            goto fail;
        if (!hm_taskjson_name_ok(n)) {
            st = bad(err, "bad_field", "name", "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
                     "digit");
            goto fail;
        }
        snprintf(name, namesz, "%s", n);
    }
    for (int side = 0; side < 2; side++) {
        const char *f = side ? "target" : "source", *pf = side ? "target_password" : "source_password";
        char **pw = side ? tgt_pw : src_pw;
        json_t *ep = NULL, *pv = json_object_get(body, pf);
        if ((v = json_object_get(body, f))) {
            if ((st = parse_endpoint(v, f, &ep, pw, err)) != HM_SVC_OK)
                goto fail;
            json_object_set_new(spec, f, ep);
        }
        if (pv) {
            const char *p;
            if (*pw) {
                st = bad(err, "bad_field", pf, "the password is already in the URI: give it once");
                goto fail;
            }
            if ((st = get_str(pv, pf, &p, err)) != HM_SVC_OK)
                goto fail;
            *pw = strdup(p);
        }
    }
    if ((v = json_object_get(body, "mode"))) {
        const char *m;
        if ((st = get_str(v, "mode", &m, err)) != HM_SVC_OK)
            goto fail;
        if (strcmp(m, "full") != 0 && strcmp(m, "full+incremental") != 0) {
            st = bad(err, "bad_field", "mode", "must be \"full\" or \"full+incremental\"");
            goto fail;
        }
        json_object_set_new(spec, "mode", json_string(m));
    }
    for (int i = 0; i < 2; i++) {
        const char *f = i ? "exclude" : "include";
        json_t *pats = NULL;
        if ((v = json_object_get(body, f))) {
            if ((st = parse_patterns(v, f, &pats, err)) != HM_SVC_OK)
                goto fail;
            json_object_set_new(spec, f, pats);
        }
    }
    if ((v = json_object_get(body, "threads"))) {
        json_int_t n;
        if ((st = parse_uint(v, "threads", 1, 64, &n, err)) != HM_SVC_OK)
            goto fail;
        json_object_set_new(spec, "threads", json_integer(n));
    }
    if ((v = json_object_get(body, "apply_threads"))) { /* 0: the engine's default */
        json_int_t n;
        if ((st = parse_uint(v, "apply_threads", 0, 64, &n, err)) != HM_SVC_OK)
            goto fail;
        json_object_set_new(spec, "apply_threads", json_integer(n));
    }
    if ((v = json_object_get(body, "max_rows_per_sec"))) {
        json_int_t n;
        if ((st = parse_uint(v, "max_rows_per_sec", 0, (json_int_t)1 << 40, &n, err)) != HM_SVC_OK)
            goto fail;
        json_object_set_new(spec, "max_rows_per_sec", json_integer(n));
    }
    if ((v = json_object_get(body, "chunk_rows"))) {
        json_int_t n;
        if ((st = parse_uint(v, "chunk_rows", 0, (json_int_t)1 << 32, &n, err)) != HM_SVC_OK)
            goto fail;
        json_object_set_new(spec, "chunk_rows", json_integer(n));
    }
    if ((v = json_object_get(body, "start_at"))) {
        int64_t ms = 0;
        const char *s;
        if (!json_is_null(v)) {
            if ((st = get_str(v, "start_at", &s, err)) != HM_SVC_OK)
                goto fail;
            if (!hm_taskjson_parse_time(s, &ms)) {
                st = bad(err, "bad_time", "start_at", "not an RFC 3339 time (2026-12-06T02:00:00Z) or null");
                goto fail;
            }
        }
        json_object_set_new(spec, "start_at_ms", json_integer(ms));
    }
    *spec_out = spec;
    return HM_SVC_OK;
fail:
    json_decref(spec);
    free(*src_pw);
    free(*tgt_pw);
    *src_pw = *tgt_pw = NULL;
    return st;
}

/* The mode a stored name stands for (hm_tls_mode_name's inverse); absent or unknown: default. */
static hm_tls_mode tls_mode_of(const char *name)
{
    for (int m = HM_TLS_DISABLED; name && m <= HM_TLS_VERIFY_IDENTITY; m++)
        if (strcmp(name, hm_tls_mode_name((hm_tls_mode)m)) == 0)
            return (hm_tls_mode)m;
    return HM_TLS_DEFAULT;
}

void hm_taskjson_endpoint(const json_t *spec, const char *side, hm_endpoint *ep)
{
    const json_t *e = json_object_get(spec, side);
    memset(ep, 0, sizeof *ep);
    ep->host = json_string_value(json_object_get(e, "host"));
    ep->port = (unsigned)json_integer_value(json_object_get(e, "port"));
    ep->user = json_string_value(json_object_get(e, "user"));
    ep->tls = tls_mode_of(json_string_value(json_object_get(e, "tls")));
    ep->tls_ca = json_string_value(json_object_get(e, "tls_ca"));
    ep->tls_cert = json_string_value(json_object_get(e, "tls_cert"));
    ep->tls_key = json_string_value(json_object_get(e, "tls_key"));
}

static json_t *render_endpoint(const json_t *spec, const char *side, bool password_set)
{
    json_t *e = json_deep_copy(json_object_get(spec, side));
    if (!e)
        e = json_object();
    json_object_set_new(e, "password_set", json_boolean(password_set));
    return e;
}

static json_t *check_summary(const hm_task *t)
{
    if (!t->check)
        return json_null();
    return json_pack("{s:O, s:O, s:O, s:O, s:b}", "result", json_object_get(t->check, "result"), "checked_at",
                     json_object_get(t->check, "checked_at"), "failed", json_object_get(t->check, "failed"),
                     "warnings", json_object_get(t->check, "warnings"), "stale",
                     json_integer_value(json_object_get(t->check, "checked_at_ms")) < t->edited_at);
}

json_t *hm_taskjson_render(const hm_task *t)
{
    const json_t *s = t->spec;
    return json_pack("{s:I, s:s, s:s, s:O, s:o, s:o, s:O, s:O, s:O, s:o, s:O, s:o, s:o, s:o, s:o, s:o, s:O, s:O, s:O, s:o, s:o}",
                     "id", (json_int_t)t->id, "name", t->name, "state", hm_task_state_name(t->state),
                     "mode", json_object_get(s, "mode"),
                     "source", render_endpoint(s, "source", t->src_pw != NULL),
                     "target", render_endpoint(s, "target", t->tgt_pw != NULL),
                     "include", json_object_get(s, "include"), "exclude", json_object_get(s, "exclude"),
                     "threads", json_object_get(s, "threads"),
                     "apply_threads", json_integer(json_integer_value(json_object_get(s, "apply_threads"))),
                     "max_rows_per_sec", json_object_get(s, "max_rows_per_sec"),
                     "chunk_rows", json_integer(json_integer_value(json_object_get(s, "chunk_rows"))),
                     "start_at", hm_taskjson_time_value(t->start_at),
                     "created_at", hm_taskjson_time_value(t->created_at),
                     "updated_at", hm_taskjson_time_value(t->updated_at),
                     "check", check_summary(t),
                     "progress", t->progress,
                     "last_error", t->last_error ? t->last_error : json_null(),
                     "final", t->final ? t->final : json_null(),
                     "start_requested_at", hm_taskjson_time_value(t->start_req_at),
                     "actions", hm_task_actions(t));
}
