/*
 * service/http_auth.c: the console's sessions and the failed-login limiter, in memory.
 *
 * A session is created by POST /api/v1/session (the API token, or a user and password the core
 * checks) and named by a random id (32 bytes from libsodium, hex) that travels only in the
 * HttpOnly, SameSite=Strict cookie hm_session; its CSRF token (another 32 random bytes) must
 * come back in X-CSRF-Token on every change made through the cookie. Sessions end after
 * SESSION_IDLE_S without use, SESSION_MAX_S after login, at logout, or when hotmigd stops.
 * At most MAX_SESSIONS live at once; the oldest goes first.
 *
 * The limiter counts failed logins per client address:
 * after FAIL_FREE failures within FAIL_WINDOW_S, each further try must wait FAIL_BASE_WAIT_S,
 * doubling with each failure up to FAIL_MAX_WAIT_S; while it waits, even the right password is
 * refused (429), so guessing costs time whatever the answer. A fixed table of MAX_CLIENTS addresses (least recently failed evicted)
 * keeps its memory bounded whatever a client sends.
 *
 * Also the handlers of /api/v1/session. Owns its tables (one mutex).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/http_int.h"

#define MAX_SESSIONS 256
#define SESSION_IDLE_S (8 * 3600)
#define SESSION_MAX_S (7 * 24 * 3600)
#define MAX_CLIENTS 256
#define FAIL_FREE 5
#define FAIL_WINDOW_S 300
#define FAIL_BASE_WAIT_S 5
#define FAIL_MAX_WAIT_S 300

typedef struct session {
    char sid[72], csrf[72], who[80];
    time_t created, used;   /* 0 created: free slot */
} session;

typedef struct client {
    char addr[64];
    unsigned fails;
    time_t first, last, until;
} client;

struct hm_http_sessions {
    pthread_mutex_t mu;
    session s[MAX_SESSIONS];
    client c[MAX_CLIENTS];
};

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1; /* never 0: 0 marks a free slot */
}

hm_http_sessions *hm_http_sessions_new(void)
{
    hm_http_sessions *s;
    if (sodium_init() < 0)
        return NULL;
    s = calloc(1, sizeof *s);
    if (s && pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void hm_http_sessions_free(hm_http_sessions *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    sodium_memzero(s, sizeof *s);
    free(s);
}

bool hm_http_str_eq(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b) || n == 0)
        return false;
    return sodium_memcmp(a, b, n) == 0;
}

static void random_hex(char out[72])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, 72, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

static bool live(const session *x, time_t now)
{
    return x->created && now - x->used < SESSION_IDLE_S && now - x->created < SESSION_MAX_S;
}

bool hm_http_session_create(hm_http_sessions *s, const char *who, char sid[72], char csrf[72])
{
    time_t now = now_s();
    session *slot = NULL;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < MAX_SESSIONS; i++) {
        session *x = &s->s[i];
        if (!live(x, now)) {
            slot = x;
            break;
        }
        if (!slot || x->used < slot->used)
            slot = x; /* full: the least recently used goes */
    }
    memset(slot, 0, sizeof *slot);
    random_hex(slot->sid);
    random_hex(slot->csrf);
    snprintf(slot->who, sizeof slot->who, "%s", who);
    slot->created = slot->used = now;
    memcpy(sid, slot->sid, 72);
    memcpy(csrf, slot->csrf, 72);
    pthread_mutex_unlock(&s->mu);
    return true;
}

static session *find(hm_http_sessions *s, const char *sid, time_t now)
{
    if (strlen(sid) != 64)
        return NULL;
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (live(&s->s[i], now) && hm_http_str_eq(s->s[i].sid, sid))
            return &s->s[i];
    return NULL;
}

bool hm_http_session_get(hm_http_sessions *s, const char *sid, char who[80], char csrf[72])
{
    time_t now = now_s();
    session *x;
    bool ok = false;
    pthread_mutex_lock(&s->mu);
    if ((x = find(s, sid, now)) != NULL) {
        x->used = now;
        memcpy(who, x->who, 80);
        memcpy(csrf, x->csrf, 72);
        ok = true;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void hm_http_session_delete(hm_http_sessions *s, const char *sid)
{
    session *x;
    pthread_mutex_lock(&s->mu);
    if ((x = find(s, sid, now_s())) != NULL)
        sodium_memzero(x, sizeof *x);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the limiter ---- */

static client *client_find(hm_http_sessions *s, const char *addr, bool make)
{
    client *oldest = &s->c[0];
    for (size_t i = 0; i < MAX_CLIENTS; i++) {
        if (s->c[i].fails && strcmp(s->c[i].addr, addr) == 0)
            return &s->c[i];
        if (s->c[i].last < oldest->last)
            oldest = &s->c[i];
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->addr, sizeof oldest->addr, "%s", addr);
    return oldest;
}

unsigned hm_http_login_wait(hm_http_sessions *s, const char *addr)
{
    time_t now = now_s();
    unsigned wait = 0;
    client *c;
    pthread_mutex_lock(&s->mu);
    c = client_find(s, addr, false);
    if (c && c->until > now)
        wait = (unsigned)(c->until - now);
    pthread_mutex_unlock(&s->mu);
    return wait;
}

void hm_http_login_failed(hm_http_sessions *s, const char *addr)
{
    time_t now = now_s();
    client *c;
    pthread_mutex_lock(&s->mu);
    c = client_find(s, addr, true);
    if (c->fails && now - c->last > FAIL_WINDOW_S)
        c->fails = 0;
    if (!c->fails)
        c->first = now;
    c->fails++;
    c->last = now;
    if (c->fails >= FAIL_FREE) {
        unsigned shift = c->fails - FAIL_FREE;
        unsigned wait = shift >= 8 ? FAIL_MAX_WAIT_S : FAIL_BASE_WAIT_S * (1u << shift);
        c->until = now + (wait > FAIL_MAX_WAIT_S ? FAIL_MAX_WAIT_S : wait);
    }
    pthread_mutex_unlock(&s->mu);
}

void hm_http_login_ok(hm_http_sessions *s, const char *addr)
{
    client *c;
    pthread_mutex_lock(&s->mu);
    if ((c = client_find(s, addr, false)) != NULL)
        memset(c, 0, sizeof *c);
    pthread_mutex_unlock(&s->mu);
}

/* ---- /api/v1/session ---- */

static void session_answer(hm_http_ans *ans, unsigned status, const char *who, const char *csrf)
{
    const char *user = strncmp(who, "user:", 5) == 0 ? who + 5 : who;
    ans->status = status;
    ans->body = json_pack("{s:s, s:s}", "user", user, "csrf_token", csrf);
}

void hm_http_session_post(hm_http_req *r, hm_http_ans *ans)
{
    hm_http_sessions *s = r->h->sessions;
    const json_t *b = r->body;
    json_t *tok = json_object_get(b, "token"), *user = json_object_get(b, "user"),
           *pw = json_object_get(b, "password");
    const char *key;
    json_t *v;
    char who[80], sid[72], csrf[72];
    unsigned wait;
    bool ok;

    if (!b) {
        hm_http_fail(ans, 400, "bad_field", "the body must be {\"token\": ...} or {\"user\": ..., \"password\": ...}");
        return;
    }
    json_object_foreach((json_t *)b, key, v) {
        if (strcmp(key, "token") != 0 && strcmp(key, "user") != 0 && strcmp(key, "password") != 0) {
            hm_http_fail(ans, 400, "unknown_field", "unknown field '%.64s': a login takes token, or user and "
                         "password", key);
            return;
        }
    }
    if (tok ? (user || pw || !json_is_string(tok))
            : (!json_is_string(user) || !json_is_string(pw) || !json_string_length(user))) {
        hm_http_fail(ans, 400, "bad_field", "%s", tok ? "token must be a string, given alone"
                     : "user and password must both be non-empty strings (or give token)");
        return;
    }
    if ((wait = hm_http_login_wait(s, r->client)) > 0) {
        hm_http_ans_header(ans, "Retry-After", "%u", wait);
        hm_http_fail(ans, 429, "too_many_attempts", "too many failed logins from %s; try again in %u s",
                     r->client, wait);
        return;
    }
    if (tok) {
        ok = hm_svc_token_ok(r->h->svc, json_string_value(tok));
        snprintf(who, sizeof who, "token");
    } else {
        ok = json_string_length(user) < 64 && hm_svc_user_ok(r->h->svc, json_string_value(user), json_string_value(pw));
        snprintf(who, sizeof who, "user:%s", json_string_value(user));
    }
    if (!ok) {
        hm_http_login_failed(s, r->client);
        hm_http_fail(ans, 401, "login_failed", "%s", tok ? "wrong API token: use the one in the file token of "
                     "hotmigd's data directory" : "wrong user name or password");
        return;
    }
    hm_http_login_ok(s, r->client);
    hm_http_session_create(s, who, sid, csrf);
    hm_http_ans_header(ans, "Set-Cookie", "hm_session=%s; HttpOnly; SameSite=Strict; Path=/%s", sid,
                       r->h->tls ? "; Secure" : "");
    session_answer(ans, 200, who, csrf);
    sodium_memzero(sid, sizeof sid);
}

void hm_http_session_get_h(hm_http_req *r, hm_http_ans *ans)
{
    char who[80], csrf[72];
    if (!r->sid[0] || !hm_http_session_get(r->h->sessions, r->sid, who, csrf)) {
        hm_http_fail(ans, 401, "unauthorized", "no session: log in with POST /api/v1/session");
        return;
    }
    session_answer(ans, 200, who, csrf);
}

void hm_http_session_delete_h(hm_http_req *r, hm_http_ans *ans)
{
    if (!r->sid[0]) {
        hm_http_fail(ans, 401, "unauthorized", "no session to end");
        return;
    }
    hm_http_session_delete(r->h->sessions, r->sid);
    hm_http_ans_header(ans, "Set-Cookie", "hm_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
                       r->h->tls ? "; Secure" : "");
    ans->status = 204;
}
