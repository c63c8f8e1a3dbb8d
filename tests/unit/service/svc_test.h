/*
 * tests/unit/service/svc_test.h: helpers the service tests share: a fresh data directory, task
 * lookups and waits through the public calls (svc.h) only.
 */
#ifndef HM_TEST_SVC_TEST_H
#define HM_TEST_SVC_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/svc.h"

static inline double tst_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A new, empty directory path under /tmp (the directory itself is not created). */
static inline void tst_data_dir(char *out, size_t outsz, const char *tag)
{
    char tmpl[] = "/tmp/hm-svc-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    snprintf(out, outsz, "%s/%s", tmpl, tag);
}

static inline hm_svc *tst_open(const char *dir, unsigned max_copying)
{
    hm_svc_opts o = {.data_dir = dir, .max_copying = max_copying, .sample_interval_ms = 1000};
    hm_err e = {0};
    hm_svc *svc = hm_svc_open(&o, &e);
    if (!svc)
        fail_msg("hm_svc_open: %s", e.msg);
    return svc;
}

static inline json_t *tst_get(hm_svc *svc, int64_t id)
{
    json_t *t = NULL;
    hm_svc_err err;
    if (hm_svc_task_get(svc, id, &t, &err) != HM_SVC_OK)
        fail_msg("get %lld: %s", (long long)id, err.message);
    return t;
}

static inline char *tst_state(hm_svc *svc, int64_t id)
{
    json_t *t = tst_get(svc, id);
    char *s = strdup(json_string_value(json_object_get(t, "state")));
    json_decref(t);
    return s;
}

/* Waits until the task is in one of the states ("a|b"); fails after timeout_s. */
static inline void tst_wait_state(hm_svc *svc, int64_t id, const char *states, double timeout_s)
{
    double end = tst_now() + timeout_s;
    char *s = NULL;
    for (;;) {
        char pat[64];
        free(s);
        s = tst_state(svc, id);
        snprintf(pat, sizeof pat, "|%s|", s);
        {
            char all[256];
            snprintf(all, sizeof all, "|%s|", states);
            if (strstr(all, pat)) {
                free(s);
                return;
            }
        }
        /* a state the task never leaves by itself: no use waiting */
        if (tst_now() > end || ((strcmp(s, "finished") == 0 || strcmp(s, "failed") == 0 ||
                                 strcmp(s, "terminated") == 0) && !strstr(states, s))) {
            json_t *t = tst_get(svc, id);
            char *txt = json_dumps(t, JSON_COMPACT);
            fail_msg("task %lld is %s after %.0f s, waiting for %s: %s", (long long)id, s, timeout_s, states, txt);
        }
        usleep(100 * 1000);
    }
}

static inline hm_svc_status tst_action(hm_svc *svc, int64_t id, const char *action, json_t *body, hm_svc_err *err)
{
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_action(svc, id, action, body, "token", &out, err);
    json_decref(out);
    json_decref(body);
    return st;
}

/* Creates a task from a JSON text; returns its id. */
static inline int64_t tst_create(hm_svc *svc, const char *json)
{
    json_error_t je;
    json_t *b = json_loads(json, 0, &je), *out = NULL;
    hm_svc_err err;
    int64_t id;
    if (!b)
        fail_msg("bad test JSON: %s", je.text);
    if (hm_svc_task_create(svc, b, "token", &out, &err) != HM_SVC_OK)
        fail_msg("create: %s: %s", err.code, err.message);
    id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(b);
    return id;
}

/* Whether the file holds the bytes of needle. */
static inline bool tst_file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    size_t n = strlen(needle), cap = 1 << 20, len = 0;
    char *buf;
    bool found = false;
    if (!f)
        return false;
    buf = malloc(cap);
    for (;;) {
        size_t got;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    fclose(f);
    for (size_t i = 0; i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

#endif
