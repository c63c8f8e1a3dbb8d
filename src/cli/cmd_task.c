/*
 * cli/cmd_task.c: `hotmig task ...`, the client of hotmigd's REST API (libcurl):
 *
 *   hotmig task list [--state S]
 *   hotmig task create --name N --source URI --target URI [--mode M] [--include P]... [--exclude P]...
 *                      [--threads N] [--apply-threads N] [--max-rows-per-sec N] [--chunk-rows N]
 *                      [--start-at RFC3339]
 *                      [--source-password-file F] [--target-password-file F]
 *   hotmig task show|tables|events|terminate|retry|delete TASK
 *   hotmig task check TASK [--no-wait]        (waits for the precheck and prints it)
 *   hotmig task start TASK [--at RFC3339]
 *   hotmig task finish TASK [--lock-source]
 *   hotmig task clean-target TASK --confirm NAME
 *   hotmig task verify TASK [--threads N] [--chunk-rows N] [--max-rows-per-sec N]
 *                      (hotmigd compares source and target; waits for the result and prints each
 *                      difference; exit 0 equal, 1 differs or failed)
 *   hotmig task failover TASK --source URI [--source-password-file F]
 *                      (a failed or terminated task follows the new primary its source failed
 *                      over to, from its GTID checkpoint; hotmigd refuses one that lacks
 *                      transactions the target has)
 *   common: [--server URL] [--token-file F] [--json]
 *
 * TASK is an id or a name. The server is --server, else $HOTMIG_SERVER, else
 * http://127.0.0.1:8420; the token is the first line of --token-file, else of
 * $HOTMIG_TOKEN_FILE, else $HOTMIG_TOKEN. --json prints the API's JSON as it came. Passwords come
 * from files or the environment (HOTMIG_SOURCE_PASSWORD, HOTMIG_TARGET_PASSWORD) as migrate
 * takes them, and are only sent to hotmigd, never printed. Exit status: 0 done, 1 the API or
 * the server refused or failed (one line with its message), 2 usage error; check: 1 when an
 * item FAILED. Owns nothing beyond the call.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"

#define ANSWER_MAX (64u * 1024 * 1024)
#define CHECK_WAIT_S 600

typedef struct task_args {
    const char *sub, *task, *server, *token_file, *state, *name, *source, *target, *mode, *start_at, *at,
        *confirm, *spf, *tpf;
    const char **include, **exclude;
    size_t n_include, n_exclude;
    long long threads, apply_threads, max_rows, chunk_rows;
    bool json, lock_source, no_wait;
    char token[512];
    char base[1024];
} task_args;

static const char *const SUBS[] = {"list", "create", "show", "tables", "check", "start", "finish", "terminate",
                                   "retry", "clean-target", "delete", "events", "failover", "verify", NULL};

static void task_usage(FILE *f)
{
    fputs("usage: hotmig task list [--state S]\n"
          "       hotmig task create --name N --source URI --target URI [--mode full|full+incremental]\n"
          "                          [--include P]... [--exclude P]... [--threads N] [--max-rows-per-sec N]\n"
          "                          [--apply-threads N] [--chunk-rows N]\n"
          "                          [--start-at RFC3339] [--source-password-file F] [--target-password-file F]\n"
          "       hotmig task show|tables|events|terminate|retry|delete TASK\n"
          "       hotmig task check TASK [--no-wait]\n"
          "       hotmig task start TASK [--at RFC3339]\n"
          "       hotmig task finish TASK [--lock-source]\n"
          "       hotmig task clean-target TASK --confirm NAME\n"
          "       hotmig task failover TASK --source URI [--source-password-file F]\n"
          "       hotmig task verify TASK [--threads N] [--chunk-rows N] [--max-rows-per-sec N]\n"
          "  common: --server URL (default $HOTMIG_SERVER or http://127.0.0.1:8420)\n"
          "          --token-file F (default $HOTMIG_TOKEN_FILE, or the token in $HOTMIG_TOKEN)\n"
          "          --json (print the API's JSON)\n"
          "TASK is a task id or name. Exit status: 0 done, 1 refused or failed, 2 usage error.\n",
          f);
}

/* A usage error: err filled, exit status 2. */
#define usage_err(err, ...) (hm_err_set((err), HM_EUSAGE, __VA_ARGS__), 2)

static int first_line(const char *path, char *out, size_t n, const char *what, hm_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        hm_err_set(err, HM_EUSAGE, "cannot read %s %s: %s", what, path, strerror(errno));
        return 2;
    }
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int push(const char ***arr, size_t *n, const char *v)
{
    const char **p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return 2;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

static int parse_num(const char *name, const char *v, long long *out, hm_err *err)
{
    char *end;
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (errno || *end || *out < 1 || *v == '-')
        return usage_err(err, "%s must be a whole number > 0", name);
    return 0;
}

static int parse(task_args *a, int argc, char **argv, hm_err *err)
{
    enum { O_SERVER = 256, O_TOKEN, O_JSON, O_STATE, O_NAME, O_SRC, O_TGT, O_MODE, O_INC, O_EXC, O_THR, O_ATHR, O_RATE,
           O_CHUNK, O_START_AT, O_AT, O_LOCK, O_CONFIRM, O_SPF, O_TPF, O_NOWAIT, O_HELP };
    static const struct option opts[] = {
        {"server", required_argument, NULL, O_SERVER},
        {"token-file", required_argument, NULL, O_TOKEN},
        {"json", no_argument, NULL, O_JSON},
        {"state", required_argument, NULL, O_STATE},
        {"name", required_argument, NULL, O_NAME},
        {"source", required_argument, NULL, O_SRC},
        {"target", required_argument, NULL, O_TGT},
        {"mode", required_argument, NULL, O_MODE},
        {"include", required_argument, NULL, O_INC},
        {"exclude", required_argument, NULL, O_EXC},
        {"threads", required_argument, NULL, O_THR},
        {"apply-threads", required_argument, NULL, O_ATHR},
        {"max-rows-per-sec", required_argument, NULL, O_RATE},
        {"chunk-rows", required_argument, NULL, O_CHUNK},
        {"start-at", required_argument, NULL, O_START_AT},
        {"at", required_argument, NULL, O_AT},
        {"lock-source", no_argument, NULL, O_LOCK},
        {"confirm", required_argument, NULL, O_CONFIRM},
        {"source-password-file", required_argument, NULL, O_SPF},
        {"target-password-file", required_argument, NULL, O_TPF},
        {"no-wait", no_argument, NULL, O_NOWAIT},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *env;
    int c;
    bool known = false;

    if (argc < 3 || strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "help") == 0) {
        if (argc >= 3) {
            task_usage(stdout);
            return -1;
        }
        return usage_err(err, "hotmig task needs a subcommand: list, create, show, tables, check, start, "
                                    "finish, terminate, retry, clean-target, delete, events, failover, verify");
    }
    a->sub = argv[2];
    for (const char *const *s = SUBS; *s; s++)
        known |= strcmp(*s, a->sub) == 0;
    if (!known)
        return usage_err(err, "unknown subcommand 'task %s'; see hotmig task --help", a->sub);
    optind = 3;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_SERVER: a->server = optarg; break;
        case O_TOKEN: a->token_file = optarg; break;
        case O_JSON: a->json = true; break;
        case O_STATE: a->state = optarg; break;
        case O_NAME: a->name = optarg; break;
        case O_SRC: a->source = optarg; break;
        case O_TGT: a->target = optarg; break;
        case O_MODE: a->mode = optarg; break;
        case O_INC:
            if (push(&a->include, &a->n_include, optarg))
                return usage_err(err, "out of memory");
            break;
        case O_EXC:
            if (push(&a->exclude, &a->n_exclude, optarg))
                return usage_err(err, "out of memory");
            break;
        case O_THR:
            if (parse_num("--threads", optarg, &a->threads, err))
                return 2;
            break;
        case O_ATHR:
            if (parse_num("--apply-threads", optarg, &a->apply_threads, err))
                return 2;
            break;
        case O_RATE:
            if (parse_num("--max-rows-per-sec", optarg, &a->max_rows, err))
                return 2;
            break;
        case O_CHUNK:
            if (parse_num("--chunk-rows", optarg, &a->chunk_rows, err))
                return 2;
            break;
        case O_START_AT: a->start_at = optarg; break;
        case O_AT: a->at = optarg; break;
        case O_LOCK: a->lock_source = true; break;
        case O_CONFIRM: a->confirm = optarg; break;
        case O_SPF: a->spf = optarg; break;
        case O_TPF: a->tpf = optarg; break;
        case O_NOWAIT: a->no_wait = true; break;
        case O_HELP: task_usage(stdout); return -1;
        default:
            return usage_err(err, "unknown or incomplete option '%s'; see hotmig task --help", argv[optind - 1]);
        }
    }
    if (strcmp(a->sub, "list") != 0 && strcmp(a->sub, "create") != 0) {
        if (optind >= argc)
            return usage_err(err, "hotmig task %s needs the task's id or name", a->sub);
        a->task = argv[optind++];
    }
    if (optind < argc)
        return usage_err(err, "unexpected argument '%s'; see hotmig task --help", argv[optind]);
    if (strcmp(a->sub, "create") == 0 && (!a->name || !a->source || !a->target))
        return usage_err(err, "hotmig task create needs --name, --source and --target");
    if (strcmp(a->sub, "failover") == 0 && (!a->source || a->name || a->target || a->mode || a->n_include ||
                                           a->n_exclude || a->threads || a->apply_threads || a->max_rows || a->chunk_rows ||
                                           a->start_at || a->tpf))
        return usage_err(err, "hotmig task failover takes the new source: --source URI (and "
                              "--source-password-file F), nothing else of the task's settings");
    if (strcmp(a->sub, "create") != 0 && strcmp(a->sub, "failover") != 0 &&
        (a->name || a->source || a->target || a->mode || a->n_include || a->n_exclude || a->start_at || a->spf ||
         a->tpf || a->apply_threads || ((a->threads || a->max_rows || a->chunk_rows) && strcmp(a->sub, "verify") != 0)))
        return usage_err(err, "--name, --source, --target and the other task settings belong to hotmig task "
                              "create, not task %s", a->sub);
    if (a->state && strcmp(a->sub, "list") != 0)
        return usage_err(err, "--state belongs to hotmig task list");
    if (a->at && strcmp(a->sub, "start") != 0)
        return usage_err(err, "--at belongs to hotmig task start");
    if (a->lock_source && strcmp(a->sub, "finish") != 0)
        return usage_err(err, "--lock-source belongs to hotmig task finish");
    if (a->no_wait && strcmp(a->sub, "check") != 0)
        return usage_err(err, "--no-wait belongs to hotmig task check");
    if (strcmp(a->sub, "clean-target") == 0 && !a->confirm)
        return usage_err(err, "hotmig task clean-target drops what the task created on the target: give "
                                    "--confirm with the task's name");
    if (a->confirm && strcmp(a->sub, "clean-target") != 0)
        return usage_err(err, "--confirm belongs to hotmig task clean-target");

    if (!a->server)
        a->server = (env = getenv("HOTMIG_SERVER")) && *env ? env : "http://127.0.0.1:8420";
    if (strncmp(a->server, "http://", 7) != 0 && strncmp(a->server, "https://", 8) != 0)
        return usage_err(err, "--server must be an http:// or https:// URL, not '%s'", a->server);
    snprintf(a->base, sizeof a->base, "%s", a->server);
    while (strlen(a->base) > 8 && a->base[strlen(a->base) - 1] == '/')
        a->base[strlen(a->base) - 1] = '\0';
    if (!a->token_file && (env = getenv("HOTMIG_TOKEN_FILE")) && *env)
        a->token_file = env;
    if (a->token_file) {
        if (first_line(a->token_file, a->token, sizeof a->token, "the token file", err))
            return 2;
    } else if ((env = getenv("HOTMIG_TOKEN")) && *env) {
        snprintf(a->token, sizeof a->token, "%s", env);
    } else {
        return usage_err(err, "no API token: give --token-file DIR/token (DIR: hotmigd's --data-dir) or set "
                                    "HOTMIG_TOKEN_FILE");
    }
    return 0;
}

/* ---- HTTP ---- */

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    return hm_buf_add(ud, p, sz * n) == HM_OK ? sz * n : 0;
}

/* One API call: method path [body]. Returns the HTTP status (0 when no answer came, err
 * filled) and the parsed answer in *out (NULL when none or not JSON). */
static long api(const task_args *a, const char *method, const char *path, const json_t *body, json_t **out,
                hm_err *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    hm_buf ans;
    char url[2048], auth[600], cerr[CURL_ERROR_SIZE] = "";
    char *text = NULL;
    long status = 0;
    CURLcode rc;

    *out = NULL;
    if (!c) {
        hm_err_set(err, HM_ENOMEM, "cannot start libcurl");
        return 0;
    }
    hm_buf_init(&ans, ANSWER_MAX);
    snprintf(url, sizeof url, "%s/api/v1%s", a->base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", a->token);
    hdr = curl_slist_append(hdr, auth);
    hdr = curl_slist_append(hdr, "Accept: application/json");
    if (body) {
        text = json_dumps(body, JSON_COMPACT);
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, text ? text : "{}");
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        hm_err_set(err, HM_ECONNECT, "cannot reach hotmigd at %s: %s; is it running there? (--server URL)",
                   a->base, cerr[0] ? cerr : curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (ans.len)
            *out = json_loadb(ans.data, ans.len, 0, NULL);
    }
    if (text) {
        memset(text, 0, strlen(text)); /* it may hold a password */
        free(text);
    }
    curl_slist_free_all(hdr);
    memset(auth, 0, sizeof auth);
    curl_easy_cleanup(c);
    hm_buf_release(&ans);
    return status;
}

/* The error line of a refused call: the API's message when it sent one. */
static int api_fail(long status, json_t *ans, const char *what)
{
    json_t *m = json_object_get(json_object_get(ans, "error"), "message");
    if (json_is_string(m))
        fprintf(stderr, "hotmig: %s: %s\n", what, json_string_value(m));
    else
        fprintf(stderr, "hotmig: %s: hotmigd answered HTTP %ld\n", what, status);
    json_decref(ans);
    return 1;
}

/* Calls the API; on success *out holds the answer and 0 is returned, else the error line is
 * printed and 1 returned. */
static int call(const task_args *a, const char *method, const char *path, const json_t *body, json_t **out,
                const char *what)
{
    hm_err err = {0};
    long st = api(a, method, path, body, out, &err);
    if (st == 0) {
        fprintf(stderr, "hotmig: %s\n", err.msg);
        return 1;
    }
    if (st < 200 || st > 299) {
        int rc = api_fail(st, *out, what);
        *out = NULL;
        return rc;
    }
    return 0;
}

/* ---- output ---- */

static const char *s_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static void print_json(const json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
}

/* A task's progress in a few words: percent of the copy, lag while syncing. */
static void progress_words(const json_t *t, char *out, size_t n)
{
    const json_t *p = json_object_get(t, "progress");
    const json_t *pct = json_object_get(p, "percent"), *lag = json_object_get(p, "lag_s");
    out[0] = '\0';
    if (json_is_number(pct))
        snprintf(out, n, "%.0f%%", json_number_value(pct));
    if (json_is_number(lag))
        snprintf(out + strlen(out), n - strlen(out), "%slag %.1f s", out[0] ? ", " : "", json_number_value(lag));
}

static void print_list(const json_t *ans)
{
    const json_t *tasks = json_object_get(ans, "tasks"), *t;
    size_t i, nw = 4;
    json_array_foreach(tasks, i, t)
        if (strlen(s_of(t, "name")) > nw)
            nw = strlen(s_of(t, "name"));
    printf("%-6s %-*s %-12s %-17s %s\n", "ID", (int)nw, "NAME", "STATE", "MODE", "PROGRESS");
    json_array_foreach(tasks, i, t) {
        char prog[64];
        progress_words(t, prog, sizeof prog);
        printf("%-6lld %-*s %-12s %-17s %s\n", (long long)json_integer_value(json_object_get(t, "id")), (int)nw,
               s_of(t, "name"), s_of(t, "state"), s_of(t, "mode"), prog);
    }
    printf("%zu task%s\n", json_array_size(tasks), json_array_size(tasks) == 1 ? "" : "s");
}

/* key: value for every member; nested objects and arrays as compact JSON. */
static void print_fields(const json_t *o, const char *indent)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        if (json_is_object(v)) {
            printf("%s%s:\n", indent, k);
            print_fields(v, "  ");
        } else if (json_is_string(v)) {
            printf("%s%s: %s\n", indent, k, json_string_value(v));
        } else {
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s%s: %s\n", indent, k, s ? s : "?");
            free(s);
        }
    }
}

static void print_events(const json_t *ans)
{
    const json_t *ev = json_object_get(ans, "events"), *e;
    size_t i;
    json_array_foreach(ev, i, e) {
        const json_t *at = json_object_get(e, "at");
        char when[40] = "";
        if (json_is_string(at))
            snprintf(when, sizeof when, "%s", json_string_value(at));
        else if (json_is_integer(at))
            snprintf(when, sizeof when, "%lld", (long long)json_integer_value(at));
        printf("%-24s %-10s %-12s %-12s %s\n", when, s_of(e, "kind"), s_of(e, "state"), s_of(e, "who"),
               s_of(e, "message"));
    }
}

static void print_tables(const json_t *ans)
{
    const json_t *tb = json_object_get(ans, "tables"), *t;
    size_t i;
    printf("%-40s %-9s %14s %16s %14s\n", "TABLE", "STATE", "ROWS COPIED", "BYTES COPIED", "ROWS APPLIED");
    json_array_foreach(tb, i, t) {
        char name[256];
        snprintf(name, sizeof name, "%s.%s", s_of(t, "db"), s_of(t, "table"));
        printf("%-40s %-9s %14lld %16lld %14lld\n", name, s_of(t, "state"),
               (long long)json_integer_value(json_object_get(t, "rows_copied")),
               (long long)json_integer_value(json_object_get(t, "bytes_copied")),
               (long long)json_integer_value(json_object_get(t, "rows_applied")));
    }
}

/* The precheck as a table; returns 1 when its result is failed. */
static int print_check(const json_t *chk)
{
    const json_t *items = json_object_get(chk, "items"), *it;
    size_t i, iw = 4;
    json_array_foreach(items, i, it)
        if (strlen(s_of(it, "id")) > iw)
            iw = strlen(s_of(it, "id"));
    printf("%-*s  %-8s %s\n", (int)iw, "ITEM", "RESULT", "MESSAGE / FIX");
    json_array_foreach(items, i, it) {
        printf("%-*s  %-8s %s\n", (int)iw, s_of(it, "id"), s_of(it, "result"), s_of(it, "message"));
        if (*s_of(it, "fix") && strcmp(s_of(it, "result"), "PASS") != 0)
            printf("%-*s  %-8s fix: %s\n", (int)iw, "", "", s_of(it, "fix"));
    }
    printf("result: %s\n", *s_of(chk, "result") ? s_of(chk, "result") : "none");
    return strcasecmp(s_of(chk, "result"), "failed") == 0 ? 1 : 0;
}

/* ---- the subcommands ---- */

/* The task's path "/tasks/ID" from an id or a name. */
static int task_path(const task_args *a, char *out, size_t n)
{
    json_t *ans = NULL, *t;
    size_t i;
    const char *p = a->task;
    bool digits = *p != '\0';
    for (; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    if (digits && strlen(a->task) < 19) {
        snprintf(out, n, "/tasks/%s", a->task);
        return 0;
    }
    if (call(a, "GET", "/tasks", NULL, &ans, "cannot list the tasks"))
        return 1;
    json_array_foreach(json_object_get(ans, "tasks"), i, t) {
        if (strcmp(s_of(t, "name"), a->task) == 0) {
            snprintf(out, n, "/tasks/%lld", (long long)json_integer_value(json_object_get(t, "id")));
            json_decref(ans);
            return 0;
        }
    }
    json_decref(ans);
    fprintf(stderr, "hotmig: no task named '%s' on %s; hotmig task list shows them\n", a->task, a->base);
    return 1;
}

static json_t *str_array(const char **v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

/* The password of one side: file > environment; NULL when neither (the URI may hold it). */
static int side_password(const char *file, const char *env, json_t *body, const char *key, hm_err *err)
{
    char pw[1024];
    const char *e;
    if (file) {
        if (first_line(file, pw, sizeof pw, "the password file", err))
            return 2;
        json_object_set_new(body, key, json_string(pw));
        memset(pw, 0, sizeof pw);
    } else if ((e = getenv(env)) != NULL) {
        json_object_set_new(body, key, json_string(e));
    }
    return 0;
}

static int cmd_create(const task_args *a)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "name", a->name, "source", a->source, "target", a->target);
    json_t *ans = NULL;
    hm_err err = {0};
    int rc;
    if (a->mode)
        json_object_set_new(body, "mode", json_string(a->mode));
    if (a->n_include)
        json_object_set_new(body, "include", str_array(a->include, a->n_include));
    if (a->n_exclude)
        json_object_set_new(body, "exclude", str_array(a->exclude, a->n_exclude));
    if (a->threads)
        json_object_set_new(body, "threads", json_integer(a->threads));
    if (a->apply_threads)
        json_object_set_new(body, "apply_threads", json_integer(a->apply_threads));
    if (a->max_rows)
        json_object_set_new(body, "max_rows_per_sec", json_integer(a->max_rows));
    if (a->chunk_rows)
        json_object_set_new(body, "chunk_rows", json_integer(a->chunk_rows));
    if (a->start_at)
        json_object_set_new(body, "start_at", json_string(a->start_at));
    if (side_password(a->spf, "HOTMIG_SOURCE_PASSWORD", body, "source_password", &err) ||
        side_password(a->tpf, "HOTMIG_TARGET_PASSWORD", body, "target_password", &err)) {
        json_decref(body);
        fprintf(stderr, "hotmig: %s\n", err.msg);
        return 2;
    }
    rc = call(a, "POST", "/tasks", body, &ans, "cannot create the task");
    json_decref(body);
    if (rc)
        return rc;
    if (a->json)
        print_json(ans);
    else
        printf("task %s created: id %lld, state %s\n", s_of(ans, "name"),
               (long long)json_integer_value(json_object_get(ans, "id")), s_of(ans, "state"));
    json_decref(ans);
    return 0;
}

static int cmd_check(const task_args *a, const char *path)
{
    char p[160];
    json_t *ans = NULL;
    double t0 = hm_clock_now();
    int rc;
    snprintf(p, sizeof p, "%s/check", path);
    if (call(a, "POST", p, NULL, &ans, "cannot start the precheck"))
        return 1;
    while (!a->no_wait && strcmp(s_of(ans, "state"), "checking") == 0) {
        if (hm_clock_now() - t0 > CHECK_WAIT_S) {
            json_decref(ans);
            fprintf(stderr, "hotmig: the precheck is still running after %d s; see hotmig task show\n", CHECK_WAIT_S);
            return 1;
        }
        hm_clock_sleep(0.3);
        json_decref(ans);
        if (call(a, "GET", path, NULL, &ans, "cannot read the task"))
            return 1;
    }
    json_decref(ans);
    if (a->no_wait) {
        if (!a->json)
            printf("precheck started; hotmig task check %s shows it when done\n", a->task);
        return 0;
    }
    if (call(a, "GET", p, NULL, &ans, "cannot read the precheck"))
        return 1;
    if (a->json) {
        print_json(ans);
        rc = strcasecmp(s_of(ans, "result"), "failed") == 0 ? 1 : 0;
    } else {
        rc = print_check(ans);
    }
    json_decref(ans);
    return rc;
}

/* POST verify, then waits for the result (GET verify) and prints it. */
static int cmd_verify(const task_args *a, const char *path)
{
    char p[160];
    json_t *body = json_object(), *ans = NULL, *d;
    size_t i;
    int rc;
    if (a->threads)
        json_object_set_new(body, "threads", json_integer(a->threads));
    if (a->chunk_rows)
        json_object_set_new(body, "chunk_rows", json_integer(a->chunk_rows));
    if (a->max_rows)
        json_object_set_new(body, "max_rows_per_sec", json_integer(a->max_rows));
    snprintf(p, sizeof p, "%s/verify", path);
    rc = call(a, "POST", p, body, &ans, "cannot start the verification");
    json_decref(body);
    while (!rc && strcmp(s_of(ans, "state"), "running") == 0) {
        hm_clock_sleep(0.3);
        json_decref(ans);
        ans = NULL;
        rc = call(a, "GET", p, NULL, &ans, "cannot read the verification");
    }
    if (rc)
        return rc;
    if (a->json) {
        print_json(ans);
    } else if (strcmp(s_of(ans, "state"), "failed") == 0) {
        fprintf(stderr, "hotmig: verify failed: %s\n", s_of(ans, "message"));
    } else {
        json_array_foreach(json_object_get(ans, "diffs"), i, d)
            printf("differs: %s.%s %s: %s%s%s\n", s_of(d, "db"), s_of(d, "table"), s_of(d, "key"), s_of(d, "kind"),
                   *s_of(d, "columns") ? " " : "", s_of(d, "columns"));
        if (json_integer_value(json_object_get(ans, "diffs_more")))
            printf("... and %lld more differences\n", (long long)json_integer_value(json_object_get(ans, "diffs_more")));
        printf("verify: %s: %lld tables, %lld rows compared (%s%s%s%s)\n",
               json_is_true(json_object_get(ans, "equal")) ? "equal" : "DIFFERS",
               (long long)json_integer_value(json_object_get(ans, "tables")),
               (long long)json_integer_value(json_object_get(ans, "rows_compared")),
               strcmp(s_of(ans, "mode"), "common_points") == 0 ? "at common points with the sync" : "live tables",
               json_is_true(json_object_get(ans, "equal")) ? "" : "; fix SQL: GET /api/v1",
               json_is_true(json_object_get(ans, "equal")) ? "" : path,
               json_is_true(json_object_get(ans, "equal")) ? "" : "/verify/fix.sql");
    }
    rc = strcmp(s_of(ans, "state"), "done") == 0 && json_is_true(json_object_get(ans, "equal")) ? 0 : 1;
    json_decref(ans);
    return rc;
}

static int cmd_action(const task_args *a, const char *path)
{
    char p[160];
    json_t *body = NULL, *ans = NULL;
    char what[64];
    int rc;
    if (strcmp(a->sub, "start") == 0 && a->at)
        body = json_pack("{s:s}", "at", a->at);
    else if (strcmp(a->sub, "finish") == 0)
        body = json_pack("{s:b}", "lock_source", a->lock_source);
    else if (strcmp(a->sub, "clean-target") == 0)
        body = json_pack("{s:s}", "confirm", a->confirm);
    else if (strcmp(a->sub, "failover") == 0) {
        hm_err err = {0};
        body = json_pack("{s:s}", "source", a->source);
        if (side_password(a->spf, "HOTMIG_SOURCE_PASSWORD", body, "source_password", &err)) {
            json_decref(body);
            fprintf(stderr, "hotmig: %s\n", err.msg);
            return 2;
        }
    }
    snprintf(p, sizeof p, "%s/%s", path, a->sub);
    if (strcmp(a->sub, "failover") == 0)
        snprintf(what, sizeof what, "task failover");
    else
        snprintf(what, sizeof what, "cannot %s the task", a->sub);
    rc = call(a, "POST", p, body ? body : NULL, &ans, what);
    json_decref(body);
    if (rc)
        return rc;
    if (a->json)
        print_json(ans);
    else
        printf("task %s (id %lld): %s\n", s_of(ans, "name"), (long long)json_integer_value(json_object_get(ans, "id")),
               s_of(ans, "state"));
    json_decref(ans);
    return 0;
}

static int run(const task_args *a)
{
    char path[96], p[160];
    json_t *ans = NULL;
    if (strcmp(a->sub, "list") == 0) {
        char q[160] = "/tasks";
        if (a->state) {
            char *esc = curl_easy_escape(NULL, a->state, 0);
            snprintf(q, sizeof q, "/tasks?state=%s", esc ? esc : "");
            curl_free(esc);
        }
        if (call(a, "GET", q, NULL, &ans, "cannot list the tasks"))
            return 1;
        a->json ? print_json(ans) : print_list(ans);
        json_decref(ans);
        return 0;
    }
    if (strcmp(a->sub, "create") == 0)
        return cmd_create(a);
    if (task_path(a, path, sizeof path))
        return 1;
    if (strcmp(a->sub, "check") == 0)
        return cmd_check(a, path);
    if (strcmp(a->sub, "verify") == 0)
        return cmd_verify(a, path);
    if (strcmp(a->sub, "delete") == 0) {
        if (call(a, "DELETE", path, NULL, &ans, "cannot delete the task"))
            return 1;
        json_decref(ans);
        if (!a->json)
            printf("task %s deleted\n", a->task);
        return 0;
    }
    if (strcmp(a->sub, "show") == 0 || strcmp(a->sub, "events") == 0 || strcmp(a->sub, "tables") == 0) {
        snprintf(p, sizeof p, "%s%s%s", path, strcmp(a->sub, "show") == 0 ? "" : "/",
                 strcmp(a->sub, "show") == 0 ? "" : a->sub);
        if (call(a, "GET", p, NULL, &ans, "cannot read the task"))
            return 1;
        if (a->json)
            print_json(ans);
        else if (strcmp(a->sub, "show") == 0)
            print_fields(ans, "");
        else if (strcmp(a->sub, "events") == 0)
            print_events(ans);
        else
            print_tables(ans);
        json_decref(ans);
        return 0;
    }
    return cmd_action(a, path);
}

int hm_cmd_task(int argc, char **argv)
{
    task_args a;
    hm_err err = {0};
    int rc;
    memset(&a, 0, sizeof a);
    rc = parse(&a, argc, argv, &err);
    if (rc == 0) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fprintf(stderr, "hotmig: libcurl cannot start\n");
            rc = 1;
        } else {
            rc = run(&a);
            curl_global_cleanup();
        }
    } else if (rc < 0) {
        rc = 0;
    } else {
        fprintf(stderr, "hotmig: %s\n", err.msg);
    }
    memset(a.token, 0, sizeof a.token);
    free(a.include);
    free(a.exclude);
    fflush(stdout);
    return rc;
}
