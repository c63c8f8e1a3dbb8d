/*
 * tests/unit/service/test_svc_core.c: the service core without database servers: the data
 * directory and its secrets, the store (migrations, sample thinning, reopen), the validation of
 * task bodies (each bad field named), the state machine (start refused without a passing
 * precheck, with the FAILED items named; actions per state; who asked), no password at rest or
 * in any answer, the change feed.
 *
 * The precheck runs against 127.0.0.1:1, where nothing listens: its connection items FAIL.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "service/secret.h"
#include "service/store.h"
#include "svc_test.h"

#define NOWHERE "mysql://app:s3cr3t-PW-xyz@127.0.0.1:1"

static void test_data_dir_and_secrets(void **state)
{
    char dir[256], path[300], token[128] = "";
    struct stat sb;
    FILE *f;
    hm_svc *svc;
    hm_svc_err err;
    (void)state;
    tst_data_dir(dir, sizeof dir, "data");
    svc = tst_open(dir, 1);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/token", dir);
    assert_string_equal(hm_svc_token_path(svc), path);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(token, sizeof token, f));
    fclose(f);
    assert_int_equal(strlen(token), 64);
    assert_true(hm_svc_token_ok(svc, token));
    {
        char c0 = token[0];
        token[0] = c0 == 'a' ? 'b' : 'a';
        assert_false(hm_svc_token_ok(svc, token));
        token[0] = c0;
    }
    assert_false(hm_svc_token_ok(svc, ""));
    assert_false(hm_svc_token_ok(svc, NULL));
    snprintf(path, sizeof path, "%s/secret.key", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);

    assert_int_equal(hm_svc_user_set(svc, "alice", "correct horse battery", &err), HM_SVC_OK);
    assert_int_equal(hm_svc_user_set(svc, "bob", "short", &err), HM_SVC_EBADINPUT);
    assert_true(hm_svc_user_ok(svc, "alice", "correct horse battery"));
    assert_false(hm_svc_user_ok(svc, "alice", "correct horse batterz"));
    assert_false(hm_svc_user_ok(svc, "bob", "short"));
    hm_svc_close(svc);
    snprintf(path, sizeof path, "%s/hotmigd.db", dir);
    assert_false(tst_file_has(path, "correct horse battery"));
    assert_true(tst_file_has(path, "$argon2id$"));

    /* a second daemon on the same directory is refused; a reopen keeps token and users */
    svc = tst_open(dir, 1);
    {
        hm_svc_opts o = {.data_dir = dir};
        hm_err e = {0};
        assert_null(hm_svc_open(&o, &e));
        assert_non_null(strstr(e.msg, "another hotmigd"));
    }
    assert_true(hm_svc_token_ok(svc, token));
    assert_true(hm_svc_user_ok(svc, "alice", "correct horse battery"));
    hm_svc_close(svc);
}

static void test_store_reopen(void **state)
{
    char dir[256], path[300];
    hm_store *st;
    hm_err e;
    hm_store_task t = {.name = "x", .state = "created", .spec = "{}", .created_at = 1, .updated_at = 1,
                       .edited_at = 1};
    (void)state;
    tst_data_dir(dir, sizeof dir, "store");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/s.db", dir);
    st = hm_store_open(path, &e);
    assert_non_null(st);
    assert_int_equal(hm_store_schema_version(st), 1);
    assert_int_equal(hm_store_task_insert(st, &t, &e), HM_OK);
    assert_true(t.id > 0);
    t.id = 0;
    assert_int_equal(hm_store_task_insert(st, &t, &e), HM_ECONFLICT); /* the name is unique */
    hm_store_close(st);
    /* reopened: the schema is not applied twice, the task is there */
    st = hm_store_open(path, &e);
    assert_non_null(st);
    assert_int_equal(hm_store_schema_version(st), 1);
    hm_store_close(st);
    assert_true(tst_file_has(path, "created"));
}

static int sample_count(int64_t at, const char *data, void *ud)
{
    int64_t *acc = ud;
    (void)data;
    acc[0]++;
    acc[1] = at;
    return 0;
}

static void test_store_history_bounded(void **state)
{
    char dir[256], path[300];
    hm_store *st;
    hm_err e;
    int64_t acc[2] = {0, 0}, acc2[2] = {0, 0};
    (void)state;
    tst_data_dir(dir, sizeof dir, "store2");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/s.db", dir);
    st = hm_store_open(path, &e);
    assert_non_null(st);
    for (int i = 1; i <= 1000; i++)
        assert_int_equal(hm_store_sample_add(st, 7, i, "{\"rows\": 1}", 20, &e), HM_OK);
    assert_int_equal(hm_store_sample_add(st, 8, 5, "{}", 20, &e), HM_OK);
    assert_int_equal(hm_store_sample_each(st, 7, 0, sample_count, acc, &e), HM_OK);
    assert_true(acc[0] <= 40);
    assert_true(acc[0] >= 20);
    assert_int_equal(acc[1], 1000); /* the newest stays */
    assert_int_equal(hm_store_sample_each(st, 7, 980, sample_count, acc2, &e), HM_OK);
    assert_int_equal(acc2[0], 20); /* the newest 20 at full resolution */
    hm_store_close(st);
}

/* Creates from a JSON text, expecting a refusal naming field with code. */
static void bad_create(hm_svc *svc, const char *json, hm_svc_status want, const char *code, const char *field)
{
    json_error_t je;
    json_t *b = json_loads(json, JSON_DECODE_ANY, &je), *out = NULL;
    hm_svc_err err;
    memset(&err, 0, sizeof err);
    assert_non_null(b);
    assert_int_equal(hm_svc_task_create(svc, b, "token", &out, &err), want);
    assert_null(out);
    assert_string_equal(err.code, code);
    if (field && !strstr(err.message, field))
        fail_msg("message for %s does not name %s: %s", json, field, err.message);
    assert_null(strstr(err.message, "s3cr3t"));
    json_decref(b);
}

static void test_bad_input(void **state)
{
    char dir[256];
    hm_svc *svc;
    (void)state;
    tst_data_dir(dir, sizeof dir, "data");
    svc = tst_open(dir, 1);
    bad_create(svc, "[1]", HM_SVC_EBADINPUT, "bad_body", NULL);
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"colour\":1}",
               HM_SVC_EBADINPUT, "unknown_field", "\"colour\"");
    bad_create(svc, "{\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\"}", HM_SVC_EBADINPUT, "missing_field",
               "\"name\"");
    bad_create(svc, "{\"name\":\"-a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\"}", HM_SVC_EBADINPUT,
               "bad_field", "\"name\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":5,\"target\":\"" NOWHERE "\"}", HM_SVC_EBADINPUT, "bad_type",
               "\"source\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"http://x@h:1\",\"target\":\"" NOWHERE "\"}", HM_SVC_EBADINPUT,
               "bad_uri", "\"source\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"mysql://u@h:99999\"}", HM_SVC_EBADINPUT,
               "bad_uri", "\"target\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"include\":\"db\"}",
               HM_SVC_EBADINPUT, "bad_type", "\"include\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"include\":[\"a.b.c\"]}",
               HM_SVC_EBADINPUT, "bad_pattern", "\"include[0]\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"exclude\":[\"\"]}",
               HM_SVC_EBADINPUT, "bad_pattern", "\"exclude[0]\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"threads\":\"4\"}",
               HM_SVC_EBADINPUT, "bad_type", "\"threads\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"threads\":0}",
               HM_SVC_EBADINPUT, "bad_field", "\"threads\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"mode\":\"fast\"}",
               HM_SVC_EBADINPUT, "bad_field", "\"mode\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\",\"start_at\":\"tomorrow\"}",
               HM_SVC_EBADINPUT, "bad_time", "\"start_at\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE
               "\",\"start_at\":\"2027-02-29T00:00:00Z\"}", HM_SVC_EBADINPUT, "bad_time", "\"start_at\"");
    bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE
               "\",\"source_password\":\"x\"}", HM_SVC_EBADINPUT, "bad_field", "source_password");
    bad_create(svc, "{\"name\":\"a\",\"source\":{\"uri\":\"" NOWHERE "\",\"host\":\"x\"},\"target\":\"" NOWHERE "\"}",
               HM_SVC_EBADINPUT, "unknown_field", "\"source.host\"");
    {
        int64_t id = tst_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":{\"uri\":"
                                     "\"mysql://t@127.0.0.1:1\",\"password\":\"tgt-PW-987\"},\"start_at\":"
                                     "\"2026-12-06T03:00:00+01:00\",\"include\":[\"shop\",\"crm.*\"]}");
        json_t *t = tst_get(svc, id);
        char *txt = json_dumps(t, JSON_COMPACT);
        assert_null(strstr(txt, "s3cr3t"));
        assert_null(strstr(txt, "tgt-PW"));
        assert_string_equal(json_string_value(json_object_get(json_object_get(t, "source"), "uri")),
                            "mysql://app@127.0.0.1:1");
        assert_true(json_is_true(json_object_get(json_object_get(t, "source"), "password_set")));
        assert_true(json_is_true(json_object_get(json_object_get(t, "target"), "password_set")));
        assert_string_equal(json_string_value(json_object_get(t, "start_at")), "2026-12-06T02:00:00.000Z");
        assert_string_equal(json_string_value(json_object_get(t, "mode")), "full+incremental");
        assert_string_equal(json_string_value(json_object_get(t, "state")), "created");
        free(txt);
        json_decref(t);
        bad_create(svc, "{\"name\":\"a\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\"}", HM_SVC_ECONFLICT,
                   "name_taken", "\"name\"");
    }
    hm_svc_close(svc);
}

static bool has_action(json_t *t, const char *a)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(t, "actions"), i, v) if (strcmp(json_string_value(v), a) == 0) return true;
    return false;
}

static void test_state_machine(void **state)
{
    char dir[256], path[300];
    hm_svc *svc;
    hm_svc_err err;
    json_t *t, *out = NULL;
    int64_t id;
    (void)state;
    tst_data_dir(dir, sizeof dir, "data");
    svc = tst_open(dir, 1);
    id = tst_create(svc, "{\"name\":\"sm\",\"source\":\"" NOWHERE "\",\"target\":\"mysql://t@127.0.0.1:1\","
                         "\"target_password\":\"tgt-PW-987\"}");
    t = tst_get(svc, id);
    assert_true(has_action(t, "check"));
    assert_false(has_action(t, "start"));
    json_decref(t);
    /* start before any precheck: refused */
    assert_int_equal(tst_action(svc, id, "start", NULL, &err), HM_SVC_ECONFLICT);
    assert_string_equal(err.code, "bad_state");
    assert_non_null(strstr(err.message, "created"));
    assert_int_equal(hm_svc_task_check_get(svc, id, &out, &err), HM_SVC_ENOTFOUND);
    assert_int_equal(hm_svc_task_check(svc, id, "user:alice", &out, &err), HM_SVC_OK);
    json_decref(out);
    tst_wait_state(svc, id, "checked", 30);
    assert_int_equal(hm_svc_task_check_get(svc, id, &out, &err), HM_SVC_OK);
    assert_string_equal(json_string_value(json_object_get(out, "result")), "failed");
    json_decref(out);
    t = tst_get(svc, id);
    assert_true(has_action(t, "start"));
    assert_true(has_action(t, "edit"));
    assert_false(has_action(t, "finish"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "check"), "result")), "failed");
    json_decref(t);
    /* start refused, naming the FAILED items */
    assert_int_equal(tst_action(svc, id, "start", NULL, &err), HM_SVC_ECONFLICT);
    assert_string_equal(err.code, "check_failed");
    assert_non_null(strstr(err.message, "source.connect"));
    assert_non_null(strstr(err.message, "target.connect"));
    /* reopened: the precheck's summary and its full report are still there */
    hm_svc_close(svc);
    svc = tst_open(dir, 1);
    assert_int_equal(tst_action(svc, id, "start", NULL, &err), HM_SVC_ECONFLICT);
    assert_non_null(strstr(err.message, "source.connect"));
    assert_int_equal(hm_svc_task_check_get(svc, id, &out, &err), HM_SVC_OK);
    assert_true(json_array_size(json_object_get(out, "items")) > 10);
    {
        /* the stored report: source.connect FAILED (no server at that address) */
        json_t *items = json_object_get(out, "items"), *it, *src = NULL;
        size_t k;
        json_array_foreach(items, k, it) if (strcmp(json_string_value(json_object_get(it, "id")), "source.connect") == 0) src = it;
        assert_non_null(src);
        assert_string_equal(json_string_value(json_object_get(src, "result")), "FAILED");
    }
    assert_false(json_is_true(json_object_get(out, "stale")));
    json_decref(out);
    /* actions the state does not allow: 409 naming the state */
    assert_int_equal(tst_action(svc, id, "finish", NULL, &err), HM_SVC_ECONFLICT);
    assert_non_null(strstr(err.message, "checked"));
    assert_int_equal(tst_action(svc, id, "retry", NULL, &err), HM_SVC_ECONFLICT);
    assert_int_equal(tst_action(svc, id, "terminate", NULL, &err), HM_SVC_ECONFLICT);
    assert_int_equal(tst_action(svc, id, "clean-target", json_pack("{s:s}", "confirm", "sm"), &err), HM_SVC_ECONFLICT);
    assert_int_equal(tst_action(svc, id, "fly", NULL, &err), HM_SVC_ENOTFOUND);
    assert_int_equal(tst_action(svc, id, "start", json_pack("{s:s}", "at", "noon"), &err), HM_SVC_EBADINPUT);
    assert_string_equal(err.code, "bad_time");
    assert_int_equal(tst_action(svc, id, "finish", json_pack("{s:i}", "lock_source", 1), &err), HM_SVC_EBADINPUT);
    assert_int_equal(tst_action(svc, 999, "start", NULL, &err), HM_SVC_ENOTFOUND);
    /* an edit makes the precheck stale; a password left out keeps the stored one */
    {
        json_t *b = json_pack("{s:i}", "threads", 2);
        assert_int_equal(hm_svc_task_patch(svc, id, b, "token", &out, &err), HM_SVC_OK);
        assert_true(json_is_true(json_object_get(json_object_get(out, "check"), "stale")));
        assert_true(json_is_true(json_object_get(json_object_get(out, "target"), "password_set")));
        assert_int_equal(json_integer_value(json_object_get(out, "threads")), 2);
        json_decref(out);
        json_decref(b);
    }
    /* the events say who asked */
    assert_int_equal(hm_svc_task_events(svc, id, 0, &out, &err), HM_SVC_OK);
    {
        size_t i;
        json_t *ev;
        bool alice = false, hotmigd = false;
        json_array_foreach(json_object_get(out, "events"), i, ev) {
            const char *who = json_string_value(json_object_get(ev, "who"));
            if (strcmp(json_string_value(json_object_get(ev, "kind")), "state") == 0 &&
                strcmp(json_string_value(json_object_get(ev, "state")), "checking") == 0)
                alice = strcmp(who, "user:alice") == 0;
            if (strcmp(json_string_value(json_object_get(ev, "kind")), "state") == 0 &&
                strcmp(json_string_value(json_object_get(ev, "state")), "checked") == 0)
                hotmigd = strcmp(who, "hotmigd") == 0;
        }
        assert_true(alice);
        assert_true(hotmigd);
    }
    json_decref(out);
    /* clone keeps the passwords; delete */
    {
        json_t *b = json_pack("{s:s}", "name", "sm2");
        assert_int_equal(hm_svc_task_clone(svc, id, b, "token", &out, &err), HM_SVC_OK);
        assert_true(json_is_true(json_object_get(json_object_get(out, "target"), "password_set")));
        assert_string_equal(json_string_value(json_object_get(out, "state")), "created");
        json_decref(out);
        assert_int_equal(hm_svc_task_clone(svc, id, b, "token", &out, &err), HM_SVC_ECONFLICT);
        json_decref(b);
    }
    assert_int_equal(hm_svc_task_list(svc, "checked", &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(json_object_get(out, "tasks")), 1);
    json_decref(out);
    assert_int_equal(hm_svc_task_list(svc, "bogus", &out, &err), HM_SVC_EBADINPUT);
    /* the list as text: the same answer (twice: the second from the cache), then after a change */
    for (int round = 0; round < 3; round++) {
        char *text = NULL;
        size_t len = 0;
        json_t *a = NULL, *b;
        if (round == 2) {
            json_t *p = json_pack("{s:i}", "threads", 3);
            assert_int_equal(hm_svc_task_patch(svc, id, p, "token", &out, &err), HM_SVC_OK);
            json_decref(out);
            json_decref(p);
        }
        assert_int_equal(hm_svc_task_list(svc, NULL, &a, &err), HM_SVC_OK);
        assert_int_equal(hm_svc_task_list_text(svc, NULL, &text, &len, &err), HM_SVC_OK);
        assert_int_equal(strlen(text), len);
        b = json_loads(text, 0, NULL);
        assert_non_null(b);
        assert_true(json_equal(a, b));
        assert_int_equal(json_array_size(json_object_get(b, "tasks")), 2);
        json_decref(a);
        json_decref(b);
        free(text);
        assert_int_equal(hm_svc_task_list_text(svc, "checked", &text, &len, &err), HM_SVC_OK);
        b = json_loads(text, 0, NULL);
        assert_int_equal(json_array_size(json_object_get(b, "tasks")), 1);
        if (round == 2)
            assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(b, "tasks"), 0),
                                                                "threads")), 3);
        json_decref(b);
        free(text);
    }
    assert_int_equal(hm_svc_task_delete(svc, id, "token", &err), HM_SVC_OK);
    assert_int_equal(hm_svc_task_get(svc, id, &out, &err), HM_SVC_ENOTFOUND);
    hm_svc_close(svc);
    /* nothing of either password at rest */
    snprintf(path, sizeof path, "%s/hotmigd.db", dir);
    assert_false(tst_file_has(path, "s3cr3t-PW-xyz"));
    assert_false(tst_file_has(path, "tgt-PW-987"));
    snprintf(path, sizeof path, "%s/hotmigd.db-wal", dir);
    assert_false(tst_file_has(path, "s3cr3t-PW-xyz"));
    assert_false(tst_file_has(path, "tgt-PW-987"));
    /* reopened: the clone is there with its passwords set */
    svc = tst_open(dir, 1);
    assert_int_equal(hm_svc_task_list(svc, NULL, &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(json_object_get(out, "tasks")), 1);
    t = json_array_get(json_object_get(out, "tasks"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "sm2");
    assert_true(json_is_true(json_object_get(json_object_get(t, "source"), "password_set")));
    json_decref(out);
    hm_svc_close(svc);
}

static void test_change_feed(void **state)
{
    char dir[256];
    hm_svc *svc;
    hm_svc_err err;
    json_t *out = NULL;
    uint64_t seq = 0;
    int64_t id;
    (void)state;
    tst_data_dir(dir, sizeof dir, "data");
    svc = tst_open(dir, 1);
    assert_int_equal(hm_svc_changes_wait(svc, &seq, 50, &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(out), 0);
    json_decref(out);
    id = tst_create(svc, "{\"name\":\"feed\",\"source\":\"" NOWHERE "\",\"target\":\"" NOWHERE "\"}");
    assert_int_equal(hm_svc_changes_wait(svc, &seq, 1000, &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(out), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(out, 0), "task"), "id")), id);
    json_decref(out);
    assert_int_equal(hm_svc_task_delete(svc, id, "token", &err), HM_SVC_OK);
    assert_int_equal(hm_svc_changes_wait(svc, &seq, 1000, &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(out), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "type")), "task_deleted");
    json_decref(out);
    hm_svc_close(svc);
}

/* A damaged or exposed data directory: hm_svc_open refuses with a line saying what and where. */
static void open_fails(const char *dir, const char *needle)
{
    hm_svc_opts o = {.data_dir = dir};
    hm_err e = {0};
    hm_svc *svc = hm_svc_open(&o, &e);
    if (svc)
        fail_msg("hm_svc_open accepted %s (expected: %s)", dir, needle);
    if (!strstr(e.msg, needle))
        fail_msg("message does not say %s: %s", needle, e.msg);
}

static void test_bad_data_dir(void **state)
{
    char dir[256], path[300];
    FILE *f;
    (void)state;
    tst_data_dir(dir, sizeof dir, "data");
    hm_svc_close(tst_open(dir, 1));
    snprintf(path, sizeof path, "%s/token", dir);
    assert_int_equal(chmod(path, 0644), 0);
    open_fails(dir, "readable by others");
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(path, sizeof path, "%s/secret.key", dir);
    assert_int_equal(truncate(path, 10), 0);
    open_fails(dir, "secret.key");
    assert_int_equal(unlink(path), 0); /* a new key is made; the store is still fine */
    hm_svc_close(tst_open(dir, 1));
    snprintf(path, sizeof path, "%s/hotmigd.db", dir);
    unlink(path);
    {
        char wal[320];
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a database, but it is long enough to look like a header of one....................", f);
    fclose(f);
    open_fails(dir, "store");
    /* a file where the directory should be */
    snprintf(path, sizeof path, "%s/file", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    open_fails(path, "not a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_dir_and_secrets),
        cmocka_unit_test(test_store_reopen),
        cmocka_unit_test(test_store_history_bounded),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_change_feed),
        cmocka_unit_test(test_bad_data_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
