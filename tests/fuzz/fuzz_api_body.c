/*
 * tests/fuzz/fuzz_api_body.c: libFuzzer driver for the REST API's request bodies, as hotmigd's
 * core (src/service, svc.h) validates them. The input is the body's bytes; it is parsed as the
 * HTTP front does (json_loadb, JSON_REJECT_DUPLICATES, any value) and handed to every call that
 * checks a body without needing a server:
 *   - hm_taskjson_parse as a create and as a PATCH of a stored spec (task settings, endpoints
 *     with their TLS options, patterns, numbers, times);
 *   - hm_svc_task_create (store, sealed passwords, the rendered task), then delete;
 *   - the action bodies: start, finish, terminate, retry, clean-target, clone, failover, on a task
 *     id that does not exist (the body is checked first, then "no task");
 *   - the connection-test / catalog body (hm_catalog_body_check: everything but the connect).
 * A temporary data directory (store, secret key) is made once in LLVMFuzzerInitialize.
 * Besides not crashing or leaking: every refusal is a 400 or 404 with a code and a message; an
 * accepted spec holds no password anywhere; a created task renders "password_set" and no
 * password, and its name is a valid one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/svc_int.h"

static hm_svc *svc;
static json_t *old_spec;
static const int64_t NO_TASK = 987654321;
static char tmp_dir[64]; /* mkdtemp's; the data directory is tmp_dir/data */

static void cleanup(void)
{
    /* the temp dir holds only what this process wrote; removed by path, nothing broader */
    char cmd[128];
    if (svc) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
        hm_svc_close(svc);
        svc = NULL;
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_api_body: could not remove the temp dir\n");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[96];
    hm_svc_opts o;
    hm_err e;
    (void)argc, (void)argv;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/fuzz_api_body.XXXXXX");
    if (!mkdtemp(tmp_dir))
        abort();
    memset(&o, 0, sizeof o);
    snprintf(dir, sizeof dir, "%s/data", tmp_dir); /* hm_svc_open creates it 0700 */
    o.data_dir = dir;
    if (!(svc = hm_svc_open(&o, &e))) {
        fprintf(stderr, "fuzz_api_body: hm_svc_open: %s\n", e.msg);
        abort();
    }
    atexit(cleanup);
    old_spec = json_pack("{s:{s:s, s:s, s:i, s:s}, s:{s:s, s:s, s:i, s:s, s:s}, s:s, s:[s], s:[], s:i, s:i, s:I}",
                         "source", "uri", "mysql://root@127.0.0.1:3306", "host", "127.0.0.1", "port", 3306, "user",
                         "root", "target", "uri", "mysql://app@127.0.0.1:3307?tls=required", "host", "127.0.0.1",
                         "port", 3307, "user", "app", "tls", "required", "mode", "full+incremental", "include", "app",
                         "exclude", "threads", 4, "max_rows_per_sec", 0, "start_at_ms", (json_int_t)0);
    return 0;
}

static void check_refusal(hm_svc_status st, const hm_svc_err *err, const char *what)
{
    if (st == HM_SVC_OK)
        return;
    if ((st != HM_SVC_EBADINPUT && st != HM_SVC_ENOTFOUND && st != HM_SVC_ECONFLICT) || !err->code[0] ||
        !err->message[0]) {
        fprintf(stderr, "%s: refusal without status 400/404/409, code or message: %d [%s] [%s]\n", what, (int)st,
                err->code, err->message);
        abort();
    }
}

/* No "password" key at any depth of v. */
static void no_password(const json_t *v, const char *what)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) {
            if (strcmp(k, "password") == 0) {
                fprintf(stderr, "%s: holds a password\n", what);
                abort();
            }
            no_password(x, what);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) no_password(x, what);
    }
}

static void parse(const json_t *body, bool patch)
{
    json_t *spec = NULL;
    char *spw = NULL, *tpw = NULL, name[72] = "";
    hm_svc_err err;
    hm_svc_status st;
    memset(&err, 0, sizeof err);
    st = hm_taskjson_parse(body, patch, patch ? old_spec : NULL, &spec, &spw, &tpw, name, sizeof name, &err);
    check_refusal(st, &err, patch ? "patch" : "create");
    if (st != HM_SVC_OK) {
        if (spec || spw || tpw || err.status != st) {
            fprintf(stderr, "refused parse left outputs behind or a status mismatch\n");
            abort();
        }
        return;
    }
    if (!json_is_object(spec) || (!patch && (!json_is_object(json_object_get(spec, "source")) ||
                                             !json_is_object(json_object_get(spec, "target")) ||
                                             !hm_taskjson_name_ok(name)))) {
        fprintf(stderr, "accepted create without source, target or a valid name\n");
        abort();
    }
    no_password(spec, "spec");
    json_decref(spec);
    free(spw);
    free(tpw);
}

static void create(const json_t *body)
{
    json_t *out = NULL;
    hm_svc_err err;
    hm_svc_status st;
    memset(&err, 0, sizeof err);
    st = hm_svc_task_create(svc, body, "fuzz", &out, &err);
    check_refusal(st, &err, "task_create");
    if (st != HM_SVC_OK)
        return;
    no_password(out, "created task");
    if (!json_is_boolean(json_object_get(json_object_get(out, "source"), "password_set"))) {
        fprintf(stderr, "created task without source.password_set\n");
        abort();
    }
    memset(&err, 0, sizeof err);
    if (hm_svc_task_delete(svc, json_integer_value(json_object_get(out, "id")), "fuzz", &err) != HM_SVC_OK) {
        fprintf(stderr, "delete of a created task: %s\n", err.message);
        abort();
    }
    json_decref(out);
}

static void actions(const json_t *body)
{
    static const char *const names[] = {"start", "finish", "terminate", "retry", "clean-target", "nope"};
    json_t *out = NULL;
    hm_svc_err err;
    hm_svc_status st;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        memset(&err, 0, sizeof err);
        st = hm_svc_task_action(svc, NO_TASK, names[i], body, "fuzz", &out, &err);
        if (st == HM_SVC_OK) {
            fprintf(stderr, "action %s on no task succeeded\n", names[i]);
            abort();
        }
        check_refusal(st, &err, names[i]);
    }
    memset(&err, 0, sizeof err);
    st = hm_svc_task_clone(svc, NO_TASK, body, "fuzz", &out, &err);
    if (st == HM_SVC_OK)
        abort();
    check_refusal(st, &err, "clone");
    memset(&err, 0, sizeof err);
    st = hm_svc_task_failover(svc, NO_TASK, body, "fuzz", &out, &err);
    if (st == HM_SVC_OK)
        abort();
    check_refusal(st, &err, "failover");
    memset(&err, 0, sizeof err);
    st = hm_catalog_body_check(svc, body, &err);
    check_refusal(st, &err, "connection body");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!body)
        return 0;
    parse(body, false);
    parse(body, true);
    create(body);
    actions(body);
    json_decref(body);
    return 0;
}
