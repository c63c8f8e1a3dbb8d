/*
 * service/http_routes.c: the route table of /api/v1 and the handlers that are only a call
 * into the core (svc.h). docs/openapi.yaml documents every route listed here, and
 * tests/integration/t_svc_api_routes.sh holds the table, that file and the tests to one list.
 * Each handler reads what it needs from the request (the parsed body, query arguments, the
 * {id} of the path, who asked), calls the core once, and hands its answer (or error) back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/http_int.h"

/* A query argument that must be a whole number >= 0 (0 when absent); false with ans filled. */
static bool query_i64(hm_http_req *r, hm_http_ans *ans, const char *name, int64_t *out)
{
    const char *v = hm_http_query(r, name);
    char *end;
    long long x;
    *out = 0;
    if (!v || !*v)
        return true;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || *end || x < 0 || *v == '-' || *v == '+' || *v == ' ') {
        hm_http_fail(ans, 400, "bad_field", "the query argument %s must be a whole number >= 0", name);
        return false;
    }
    *out = x;
    return true;
}

/* GET /tasks: the core's text of the list (each task's JSON kept by the core until the task
 * changes: 1,000 tasks cost a copy, not 1,000 renderings and a dump). The unfiltered list
 * carries the change feed's position as its ETag ("tasks-SEQ"), so a poller that has it gets
 * 304 without the list being built at all. */
static void tasks_list(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc *svc = r->h->svc;
    hm_svc_err e = {0};
    json_t *changes = NULL;
    const char *state = hm_http_query(r, "state"), *inm = hm_http_header(r, "If-None-Match");
    uint64_t seq = 0;
    char *text = NULL, etag[40] = "";
    size_t len = 0;
    hm_svc_status st;
    if (state && !*state)
        state = NULL;
    /* the feed's position before the list: a change racing with it only makes the next poll
     * fetch the list again */
    if (!state && hm_svc_changes_wait(svc, &seq, 0, &changes, &e) == HM_SVC_OK && seq)
        snprintf(etag, sizeof etag, "\"tasks-%llu\"", (unsigned long long)seq);
    json_decref(changes);
    if (etag[0] && inm && strcmp(inm, etag) == 0) {
        ans->status = 304;
        ans->raw = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        memset(&e, 0, sizeof e);
        st = hm_svc_task_list_text(svc, state, &text, &len, &e);
        if (st != HM_SVC_OK) {
            hm_http_svc(ans, st, NULL, &e, 200);
            return;
        }
        ans->status = 200;
        ans->raw = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!ans->raw)
            free(text);
        else
            MHD_add_response_header(ans->raw, "Content-Type", "application/json; charset=utf-8");
    }
    if (!ans->raw) {
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    if (etag[0])
        MHD_add_response_header(ans->raw, "ETag", etag);
    MHD_add_response_header(ans->raw, "Cache-Control", "no-cache");
}

static void tasks_create(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_create(r->h->svc, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 201);
}

static void task_get(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_get(r->h->svc, r->id, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_patch(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    if (!r->body) {
        hm_http_fail(ans, 400, "bad_field", "PATCH needs a JSON object body with the fields to change");
        return;
    }
    hm_svc_status st = hm_svc_task_patch(r->h->svc, r->id, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_delete(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    hm_svc_status st = hm_svc_task_delete(r->h->svc, r->id, r->who, &e);
    hm_http_svc(ans, st, NULL, &e, 204);
    if (ans->status == 204) {
        json_decref(ans->body);
        ans->body = NULL;
    }
}

static void task_clone(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_clone(r->h->svc, r->id, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 201);
}

static void task_tables(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_tables(r->h->svc, r->id, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_check(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_check(r->h->svc, r->id, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 202);
}

static void task_check_get(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_check_get(r->h->svc, r->id, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

/* POST /tasks/{id}/<action>: the action is the path's last segment. */
static void task_action(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    const char *action = strrchr(r->path, '/');
    char name[32];
    size_t n;
    if (!action) {
        hm_http_fail(ans, 404, "no_route", "no action in the path");
        return;
    }
    action++;
    if (!*action) { /* trailing slash */
        for (action -= 2; action > r->path && *action != '/'; action--)
            ;
        action++;
    }
    n = strcspn(action, "/");
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, action, n);
    name[n] = '\0';
    hm_svc_status st = hm_svc_task_action(r->h->svc, r->id, name, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_failover(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_failover(r->h->svc, r->id, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_verify(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_verify(r->h->svc, r->id, r->body, r->who, &out, &e);
    hm_http_svc(ans, st, out, &e, 202);
}

static void task_verify_get(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_task_verify_get(r->h->svc, r->id, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

/* GET /tasks/{id}/verify/fix.sql: the engine's fix SQL as a download (application/sql). */
static void task_verify_fix(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    char *text = NULL, disp[80];
    size_t len = 0;
    hm_svc_status st = hm_svc_task_verify_fix(r->h->svc, r->id, &text, &len, &e);
    if (st != HM_SVC_OK) {
        hm_http_svc(ans, st, NULL, &e, 200);
        return;
    }
    ans->status = 200;
    if (!(ans->raw = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE))) {
        free(text);
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    snprintf(disp, sizeof disp, "attachment; filename=\"verify-fix-task-%lld.sql\"", (long long)r->id);
    MHD_add_response_header(ans->raw, "Content-Type", "application/sql; charset=utf-8");
    MHD_add_response_header(ans->raw, "Content-Disposition", disp);
    MHD_add_response_header(ans->raw, "Cache-Control", "no-store");
}

static void task_events(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    int64_t since;
    if (!query_i64(r, ans, "since", &since))
        return;
    hm_svc_status st = hm_svc_task_events(r->h->svc, r->id, since, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void task_samples(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    int64_t since;
    if (!query_i64(r, ans, "since", &since))
        return;
    hm_svc_status st = hm_svc_task_samples(r->h->svc, r->id, since, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void connections_test(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_connection_test(r->h->svc, r->body, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void catalog(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e = {0};
    json_t *out = NULL;
    hm_svc_status st = hm_svc_catalog(r->h->svc, r->body, &out, &e);
    hm_http_svc(ans, st, out, &e, 200);
}

static void healthz(hm_http_req *r, hm_http_ans *ans)
{
    (void)r;
    ans->status = 200;
    ans->body = json_pack("{s:b}", "ok", 1);
}

const hm_http_route hm_http_route_table[] = {
    {"GET", "/healthz", HM_ROUTE_PUBLIC, healthz},
    {"POST", "/session", HM_ROUTE_PUBLIC | HM_ROUTE_BODY, hm_http_session_post},
    {"GET", "/session", 0, hm_http_session_get_h},
    {"DELETE", "/session", 0, hm_http_session_delete_h},
    {"GET", "/tasks", 0, tasks_list},
    {"POST", "/tasks", HM_ROUTE_BODY | HM_ROUTE_OBJECT, tasks_create},
    {"GET", "/tasks/{id}", 0, task_get},
    {"PATCH", "/tasks/{id}", HM_ROUTE_BODY, task_patch},
    {"DELETE", "/tasks/{id}", 0, task_delete},
    {"POST", "/tasks/{id}/clone", HM_ROUTE_BODY | HM_ROUTE_OBJECT, task_clone},
    {"GET", "/tasks/{id}/tables", 0, task_tables},
    {"POST", "/tasks/{id}/check", HM_ROUTE_BODY, task_check},
    {"GET", "/tasks/{id}/check", 0, task_check_get},
    {"POST", "/tasks/{id}/start", HM_ROUTE_BODY, task_action},
    {"POST", "/tasks/{id}/finish", HM_ROUTE_BODY, task_action},
    {"POST", "/tasks/{id}/terminate", HM_ROUTE_BODY, task_action},
    {"POST", "/tasks/{id}/retry", HM_ROUTE_BODY, task_action},
    {"POST", "/tasks/{id}/clean-target", HM_ROUTE_BODY, task_action},
    {"POST", "/tasks/{id}/failover", HM_ROUTE_BODY | HM_ROUTE_OBJECT, task_failover},
    {"POST", "/tasks/{id}/verify", HM_ROUTE_BODY, task_verify},
    {"GET", "/tasks/{id}/verify", 0, task_verify_get},
    {"GET", "/tasks/{id}/verify/fix.sql", 0, task_verify_fix},
    {"GET", "/tasks/{id}/events", 0, task_events},
    {"GET", "/tasks/{id}/samples", 0, task_samples},
    {"POST", "/connections/test", HM_ROUTE_BODY | HM_ROUTE_OBJECT, connections_test},
    {"POST", "/catalog", HM_ROUTE_BODY | HM_ROUTE_OBJECT, catalog},
    {"GET", "/events/stream", 0, hm_http_sse},
    {"GET", "/metrics", 0, hm_http_metrics},
};
const size_t hm_http_route_count = sizeof hm_http_route_table / sizeof hm_http_route_table[0];
