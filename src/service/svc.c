/*
 * service/svc.c: the service core's entry points (svc.h): opening the data directory, the
 * in-memory tasks (loaded from the store at open, written through on every change), the API's
 * task calls, events and samples, console users, and the change feed the front turns into
 * server-sent events.
 *
 * Owns: the data directory's lock (DIR/lock, flock: one hotmigd per directory), the task list,
 * the change counter. The state machine is task.c's, the threads runner.c's, the store
 * store.c's, the secrets secret.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "service/svc_int.h"
#include "util/err.h"

#define SAMPLES_KEEP 360 /* full-resolution samples per task (30 min at 5 s); older ones thinned */
#define EVENTS_MAX 5000  /* events in one answer */

int64_t hm_svc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

hm_svc_status hm_svc_fail(hm_svc_err *err, hm_svc_status st, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return st;
    err->status = st;
    snprintf(err->code, sizeof err->code, "%s", code);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return st;
}

unsigned hm_svc_http_status(hm_svc_status s)
{
    switch (s) {
    case HM_SVC_OK: return 200;
    case HM_SVC_EBADINPUT: return 400;
    case HM_SVC_ENOTFOUND: return 404;
    case HM_SVC_ECONFLICT: return 409;
    case HM_SVC_EUNAVAIL: return 503;
    default: return 500;
    }
}

hm_task *hm_svc_find(hm_svc *svc, int64_t id)
{
    size_t lo = 0, hi = svc->ntasks;
    while (lo < hi) { /* tasks are kept by id */
        size_t mid = (lo + hi) / 2;
        if (svc->tasks[mid]->id == id)
            return svc->tasks[mid];
        if (svc->tasks[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static hm_task *find_name(hm_svc *svc, const char *name)
{
    for (size_t i = 0; i < svc->ntasks; i++)
        if (strcmp(svc->tasks[i]->name, name) == 0)
            return svc->tasks[i];
    return NULL;
}

static char *dumps(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

static void to_store(const hm_task *t, hm_store_task *st, char **texts)
{
    memset(st, 0, sizeof *st);
    st->id = t->id;
    st->name = t->name;
    st->state = hm_task_state_name(t->state);
    st->spec = texts[0] = dumps(t->spec);
    st->src_pw = t->src_pw, st->src_pw_len = t->src_pw_len;
    st->tgt_pw = t->tgt_pw, st->tgt_pw_len = t->tgt_pw_len;
    st->check = NULL; /* written by hm_svc_set_check only */
    texts[1] = NULL;
    st->progress = texts[2] = dumps(t->progress);
    st->last_error = texts[3] = dumps(t->last_error);
    st->final = texts[4] = dumps(t->final);
    st->extra = texts[5] = dumps(t->extra);
    st->created_at = t->created_at, st->updated_at = t->updated_at, st->edited_at = t->edited_at;
    st->start_req_at = t->start_req_at, st->start_at = t->start_at;
}

static hm_code save(hm_svc *svc, hm_task *t, bool insert, hm_err *err)
{
    char *texts[6] = {0};
    hm_store_task st;
    hm_code rc;
    to_store(t, &st, texts);
    rc = insert ? hm_store_task_insert(svc->store, &st, err) : hm_store_task_update(svc->store, &st, err);
    if (insert && rc == HM_OK)
        t->id = st.id;
    for (int i = 0; i < 6; i++)
        free(texts[i]);
    return rc;
}

void hm_svc_progress_set(hm_task *t, const char *key, json_t *value)
{
    json_t *p = json_copy(t->progress); /* shallow: the other fields are shared, never changed */
    json_object_set_new(p, key, value);
    json_decref(t->progress);
    t->progress = p;
}

json_t *hm_svc_render(hm_task *t)
{
    if (!t->rendered || t->rendered_seq != t->change_seq) {
        json_decref(t->rendered);
        t->rendered = hm_taskjson_render(t);
        t->rendered_seq = t->change_seq;
    }
    return json_incref(t->rendered);
}

void hm_svc_publish(hm_svc *svc, hm_task *t)
{
    t->change_seq = ++svc->change_seq;
    pthread_cond_broadcast(&svc->changed);
}

void hm_svc_touch(hm_svc *svc, hm_task *t)
{
    hm_err e;
    if (save(svc, t, false, &e) != HM_OK)
        fprintf(stderr, "hotmigd: task %lld: %s\n", (long long)t->id, e.msg);
    hm_svc_publish(svc, t);
}

void hm_svc_event(hm_svc *svc, hm_task *t, const char *kind, const char *who, json_t *data, const char *fmt, ...)
{
    char msg[1024], *text = dumps(data);
    va_list ap;
    hm_err e;
    hm_store_event ev;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ev = (hm_store_event){.task_id = t->id, .at = hm_svc_now_ms(), .kind = kind,
                          .state = hm_task_state_name(t->state), .message = msg, .who = who, .data = text};
    if (hm_store_event_add(svc->store, &ev, NULL, &e) != HM_OK)
        fprintf(stderr, "hotmigd: task %lld: %s\n", (long long)t->id, e.msg);
    free(text);
    json_decref(data);
    hm_svc_publish(svc, t);
}

/* ---- tasks in memory ---- */

static void task_free(hm_task *t)
{
    if (!t)
        return;
    json_decref(t->spec);
    json_decref(t->check);
    json_decref(t->progress);
    json_decref(t->last_error);
    json_decref(t->final);
    json_decref(t->extra);
    json_decref(t->rendered);
    free(t->text);
    free(t->src_pw);
    free(t->tgt_pw);
    free(t);
}

static bool add_task(hm_svc *svc, hm_task *t)
{
    size_t i;
    if (svc->ntasks == svc->cap) {
        size_t cap = svc->cap ? svc->cap * 2 : 64;
        hm_task **n = realloc(svc->tasks, cap * sizeof *n);
        if (!n)
            return false;
        svc->tasks = n, svc->cap = cap;
    }
    for (i = svc->ntasks; i > 0 && svc->tasks[i - 1]->id > t->id; i--)
        svc->tasks[i] = svc->tasks[i - 1];
    svc->tasks[i] = t;
    svc->ntasks++;
    return true;
}

static void remove_task(hm_svc *svc, hm_task *t)
{
    for (size_t i = 0; i < svc->ntasks; i++)
        if (svc->tasks[i] == t) {
            memmove(&svc->tasks[i], &svc->tasks[i + 1], (svc->ntasks - i - 1) * sizeof *svc->tasks);
            svc->ntasks--;
            break;
        }
    svc->deleted_ids[svc->ndeleted % 64] = t->id;
    svc->deleted_seq[svc->ndeleted % 64] = ++svc->change_seq;
    svc->ndeleted++;
    pthread_cond_broadcast(&svc->changed);
    task_free(t);
}

/* What a task keeps in memory of a precheck report. */
static json_t *check_summary_of(const json_t *full)
{
    json_t *failed = json_array(), *it, *sum;
    size_t i, warnings = 0;
    json_array_foreach(json_object_get(full, "items"), i, it) {
        const char *r = json_string_value(json_object_get(it, "result"));
        if (r && strcmp(r, "FAILED") == 0)
            json_array_append(failed, json_object_get(it, "id"));
        else if (r && strcmp(r, "WARNING") == 0)
            warnings++;
    }
    sum = json_pack("{s:O, s:O, s:O, s:o, s:I}", "result", json_object_get(full, "result"), "checked_at",
                    json_object_get(full, "checked_at"), "checked_at_ms", json_object_get(full, "checked_at_ms"),
                    "failed", failed, "warnings", (json_int_t)warnings);
    if (sum && json_object_get(full, "error"))
        json_object_set(sum, "error", json_object_get(full, "error"));
    return sum;
}

void hm_svc_set_check(hm_svc *svc, hm_task *t, json_t *full)
{
    char *text = dumps(full);
    hm_err e;
    if (hm_store_task_set_check(svc->store, t->id, text, &e) != HM_OK)
        fprintf(stderr, "hotmigd: task %lld: %s\n", (long long)t->id, e.msg);
    free(text);
    json_decref(t->check);
    t->check = check_summary_of(full);
    json_decref(full);
    hm_svc_publish(svc, t);
}

static json_t *load_json(const char *text)
{
    return text ? json_loads(text, 0, NULL) : NULL;
}

static unsigned char *dup_blob(const unsigned char *p, size_t n)
{
    unsigned char *d;
    if (!p || !(d = malloc(n ? n : 1)))
        return NULL;
    memcpy(d, p, n);
    return d;
}

/* The progress of a task that never ran: one object shared by all of them (values are never
 * changed in place: copy on write), made once, kept for the process's life. */
static json_t *shared_empty_progress;
static pthread_once_t empty_progress_once = PTHREAD_ONCE_INIT;

static void make_empty_progress(void)
{
    shared_empty_progress = json_pack("{s:s, s:f, s:i, s:i, s:n, s:n, s:i, s:f, s:i, s:n}", "stage", "none",
                                      "percent", 0.0, "rows_copied", 0, "bytes_copied", 0, "lag_s", "lag_bytes",
                                      "trx_applied", 0, "trx_per_sec", 0.0, "reconnects", 0, "phase");
}

static json_t *empty_progress(void)
{
    pthread_once(&empty_progress_once, make_empty_progress);
    return json_incref(shared_empty_progress);
}

static int load_one(const hm_store_task *st, void *ud)
{
    hm_svc *svc = ud;
    hm_task *t = calloc(1, sizeof *t);
    if (!t)
        return 1;
    t->id = st->id;
    snprintf(t->name, sizeof t->name, "%s", st->name);
    if (!hm_task_state_parse(st->state, &t->state))
        t->state = HM_TASK_FAILED;
    t->spec = load_json(st->spec);
    t->src_pw = dup_blob(st->src_pw, st->src_pw_len), t->src_pw_len = st->src_pw_len;
    t->tgt_pw = dup_blob(st->tgt_pw, st->tgt_pw_len), t->tgt_pw_len = st->tgt_pw_len;
    if (st->check) {
        json_t *full = load_json(st->check);
        t->check = full ? check_summary_of(full) : NULL;
        json_decref(full);
    }
    t->progress = load_json(st->progress);
    t->last_error = load_json(st->last_error);
    t->final = load_json(st->final);
    t->extra = load_json(st->extra);
    if (!t->progress || strcmp(json_string_value(json_object_get(t->progress, "stage")) ?
                                   json_string_value(json_object_get(t->progress, "stage")) : "", "none") == 0) {
        json_decref(t->progress); /* a task that never ran: the shared object */
        t->progress = empty_progress();
    }
    if (!t->extra)
        t->extra = json_object();
    t->created_at = st->created_at, t->updated_at = st->updated_at, t->edited_at = st->edited_at;
    t->start_req_at = st->start_req_at, t->start_at = st->start_at;
    if (!t->spec || !add_task(svc, t)) {
        task_free(t);
        return 1;
    }
    return 0;
}

/* ---- open / close ---- */

static hm_code open_dir(hm_svc *svc, const char *dir, hm_err *err)
{
    struct stat sb;
    char path[4200];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return hm_err_set(err, HM_EIO, "cannot create the data directory %s: %s", dir, strerror(errno));
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hm_err_set(err, HM_EIO, "%s is not a directory", dir);
    if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) != 0)
        return hm_err_set(err, HM_EIO, "cannot make %s private (chmod 700): %s", dir, strerror(errno));
    snprintf(path, sizeof path, "%s/lock", dir);
    svc->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (svc->lock_fd < 0)
        return hm_err_set(err, HM_EIO, "cannot create %s: %s", path, strerror(errno));
    if (flock(svc->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return hm_err_set(err, HM_ESTATE, "another hotmigd uses the data directory %s (%s is locked); stop it or "
                          "choose another --data-dir", dir, path);
    return HM_OK;
}

hm_svc *hm_svc_open(const hm_svc_opts *o, hm_err *err)
{
    hm_svc *svc = calloc(1, sizeof *svc);
    char path[4200];
    if (!svc) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    svc->lock_fd = -1;
    svc->change_seq = 1; /* 0 means "from now" in hm_svc_changes_wait */
    pthread_mutex_init(&svc->mu, NULL);
    pthread_cond_init(&svc->changed, NULL);
    svc->max_copying = o->max_copying ? o->max_copying : 1;
    svc->sample_interval_ms = o->sample_interval_ms ? o->sample_interval_ms : 5000;
    if (!o->data_dir || !*o->data_dir || strlen(o->data_dir) >= sizeof svc->data_dir - 32) {
        hm_err_set(err, HM_EUSAGE, "--data-dir is missing or too long");
        goto fail;
    }
    snprintf(svc->data_dir, sizeof svc->data_dir, "%s", o->data_dir);
    if (open_dir(svc, o->data_dir, err) != HM_OK || !(svc->secret = hm_secret_open(o->data_dir, err)))
        goto fail;
    snprintf(path, sizeof path, "%s/hotmigd.db", o->data_dir);
    if (!(svc->store = hm_store_open(path, err)))
        goto fail;
    if (hm_store_task_each(svc->store, load_one, svc, err) != HM_OK)
        goto fail;
    /* what a crash left running goes on (task.c, invariant 4) */
    pthread_mutex_lock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_task *t = svc->tasks[i];
        hm_svc_err se;
        switch (t->state) {
        case HM_TASK_CHECKING:
            hm_svc_event(svc, t, "info", "hotmigd", NULL, "hotmigd restarted during the precheck: running it again");
            if (hm_runner_check(svc, t, &se) != HM_SVC_OK)
                hm_svc_event(svc, t, "error", "hotmigd", NULL, "%s", se.message);
            break;
        case HM_TASK_COPYING:
        case HM_TASK_SYNCING:
        case HM_TASK_FINISHING:
            hm_svc_event(svc, t, "info", "hotmigd", NULL, "hotmigd restarted: resuming from the checkpoint");
            hm_runner_resume(svc, t);
            break;
        case HM_TASK_TERMINATING:
            hm_task_terminated(svc, t);
            break;
        default:
            break;
        }
    }
    pthread_mutex_unlock(&svc->mu);
    if (hm_runner_start_scheduler(svc, err) != HM_OK)
        goto fail;
    return svc;
fail:
    hm_svc_close(svc);
    return NULL;
}

void hm_svc_close(hm_svc *svc)
{
    if (!svc)
        return;
    pthread_mutex_lock(&svc->mu);
    svc->closing = true;
    pthread_cond_broadcast(&svc->changed);
    pthread_mutex_unlock(&svc->mu);
    hm_vrun_stop_all(svc);
    hm_runner_stop_all(svc);
    for (size_t i = 0; i < svc->ntasks; i++)
        task_free(svc->tasks[i]);
    free(svc->tasks);
    hm_store_close(svc->store);
    hm_secret_release(svc->secret);
    if (svc->lock_fd >= 0)
        close(svc->lock_fd);
    pthread_cond_destroy(&svc->changed);
    pthread_mutex_destroy(&svc->mu);
    free(svc);
}

/* ---- authentication ---- */

const char *hm_svc_token_path(const hm_svc *svc)
{
    return hm_secret_token_path(svc->secret);
}

bool hm_svc_token_ok(const hm_svc *svc, const char *token)
{
    return hm_secret_token_ok(svc->secret, token);
}

hm_svc_status hm_svc_user_set(hm_svc *svc, const char *user, const char *password, hm_svc_err *err)
{
    char hash[256];
    hm_err e;
    if (!user || !hm_taskjson_name_ok(user))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"user\": 1 to 64 letters, digits, '.', '_' "
                           "or '-'");
    if (!password || strlen(password) < 8 || strlen(password) > 1024)
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"password\": 8 to 1024 characters");
    if (hm_secret_hash_password(password, hash, sizeof hash, &e) != HM_OK ||
        hm_store_user_set(svc->store, user, hash, &e) != HM_OK)
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
    return HM_SVC_OK;
}

bool hm_svc_user_ok(hm_svc *svc, const char *user, const char *password)
{
    char hash[256];
    hm_err e;
    if (!user || !password || hm_store_user_hash(svc->store, user, hash, sizeof hash, &e) != HM_OK || !hash[0])
        return false;
    return hm_secret_verify_password(hash, password);
}

/* ---- tasks ---- */

static hm_svc_status closing(hm_svc *svc, hm_svc_err *err)
{
    return svc->closing ? hm_svc_fail(err, HM_SVC_EUNAVAIL, "shutting_down", "hotmigd is shutting down; try again "
                                      "when it is back") : HM_SVC_OK;
}

static hm_svc_status lookup(hm_svc *svc, int64_t id, hm_task **t, hm_svc_err *err)
{
    if (closing(svc, err) != HM_SVC_OK)
        return HM_SVC_EUNAVAIL;
    if (!(*t = hm_svc_find(svc, id)))
        return hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    return HM_SVC_OK;
}

/* Replaces a sealed password with a new one (pw: NULL keeps the old). */
static hm_svc_status set_password(hm_svc *svc, unsigned char **blob, size_t *len, const char *pw, hm_svc_err *err)
{
    unsigned char *b;
    size_t n;
    hm_err e;
    if (!pw)
        return HM_SVC_OK;
    if (hm_secret_seal(svc->secret, pw, &b, &n, &e) != HM_OK)
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "%s", e.msg);
    free(*blob);
    *blob = b, *len = n;
    return HM_SVC_OK;
}

static void wipe_free(char *pw)
{
    hm_secret_free_password(pw);
}

hm_svc_status hm_svc_task_create(hm_svc *svc, const json_t *body, const char *who, json_t **out, hm_svc_err *err)
{
    char name[72] = "", *spw = NULL, *tpw = NULL;
    json_t *spec;
    hm_task *t;
    hm_err e;
    hm_svc_status st = hm_taskjson_parse(body, false, NULL, &spec, &spw, &tpw, name, sizeof name, err);
    if (st != HM_SVC_OK)
        return st;
    if (!(t = calloc(1, sizeof *t))) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
        goto out;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    t->state = HM_TASK_CREATED;
    t->spec = spec, spec = NULL;
    t->progress = empty_progress();
    t->extra = json_object();
    t->created_at = t->updated_at = t->edited_at = hm_svc_now_ms();
    t->start_at = json_integer_value(json_object_get(t->spec, "start_at_ms"));
    if ((st = set_password(svc, &t->src_pw, &t->src_pw_len, spw, err)) != HM_SVC_OK ||
        (st = set_password(svc, &t->tgt_pw, &t->tgt_pw_len, tpw, err)) != HM_SVC_OK)
        goto out;
    pthread_mutex_lock(&svc->mu);
    if ((st = closing(svc, err)) != HM_SVC_OK) {
    } else if (find_name(svc, t->name)) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "name_taken", "field \"name\": a task named %s exists already", t->name);
    } else if (save(svc, t, true, &e) != HM_OK) {
        st = hm_svc_fail(err, e.code == HM_ECONFLICT ? HM_SVC_ECONFLICT : HM_SVC_EINTERNAL,
                         e.code == HM_ECONFLICT ? "name_taken" : "store", "%s", e.msg);
    } else if (!add_task(svc, t)) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
    } else {
        hm_svc_event(svc, t, "action", who, NULL, "task created");
        *out = hm_svc_render(t);
        t = NULL;
    }
    pthread_mutex_unlock(&svc->mu);
out:
    json_decref(spec);
    task_free(t);
    wipe_free(spw);
    wipe_free(tpw);
    return st;
}

hm_svc_status hm_svc_task_list(hm_svc *svc, const char *state, json_t **out, hm_svc_err *err)
{
    hm_task_state want = HM_TASK_CREATED;
    json_t *arr;
    if (state && *state && !hm_task_state_parse(state, &want))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "parameter \"state\": not a task state");
    arr = json_array();
    pthread_mutex_lock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++)
        if (!state || !*state || svc->tasks[i]->state == want)
            json_array_append_new(arr, hm_svc_render(svc->tasks[i]));
    pthread_mutex_unlock(&svc->mu);
    *out = json_pack("{s:o}", "tasks", arr);
    return HM_SVC_OK;
}

hm_svc_status hm_svc_task_list_text(hm_svc *svc, const char *state, char **out, size_t *len, hm_svc_err *err)
{
    static const char head[] = "{\"tasks\":[", tail[] = "]}";
    hm_task_state want = HM_TASK_CREATED;
    size_t n = sizeof head - 1, cap = 0;
    char *buf = NULL;
    hm_svc_status st = HM_SVC_OK;
    if (state && *state && !hm_task_state_parse(state, &want))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "parameter \"state\": not a task state");
    pthread_mutex_lock(&svc->mu);
    for (int pass = 0; pass < 2 && st == HM_SVC_OK; pass++) {
        bool first = true;
        if (pass == 1 && !(buf = malloc(cap))) {
            st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
            break;
        }
        n = sizeof head - 1;
        if (pass == 1)
            memcpy(buf, head, n);
        for (size_t i = 0; i < svc->ntasks; i++) {
            hm_task *t = svc->tasks[i];
            if (state && *state && t->state != want)
                continue;
            if (pass == 0 && (!t->text || t->text_seq != t->change_seq)) {
                /* only the text is kept: a rendered object per task costs ~5 KB of jansson
                 * values, 1,000 tasks 5 MB of hotmigd's RSS for nothing the list needs */
                json_t *r = hm_taskjson_render(t);
                free(t->text);
                t->text = json_dumps(r, JSON_COMPACT);
                t->text_len = t->text ? strlen(t->text) : 0;
                t->text_seq = t->change_seq;
                json_decref(r);
            }
            if (pass == 1) {
                if (!first)
                    buf[n] = ',';
                memcpy(buf + n + !first, t->text, t->text_len);
            }
            n += t->text_len + !first;
            first = false;
        }
        if (pass == 1)
            memcpy(buf + n, tail, sizeof tail);
        n += sizeof tail - 1;
        cap = n + 1;
    }
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK)
        return st;
    *out = buf;
    *len = n;
    return HM_SVC_OK;
}

hm_svc_status hm_svc_task_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK)
        *out = hm_svc_render(t);
    pthread_mutex_unlock(&svc->mu);
    return st;
}

static bool editable(hm_task *t, const char *what, hm_svc_err *err)
{
    json_t *a = hm_task_actions(t);
    size_t i;
    json_t *v;
    bool ok = false;
    json_array_foreach(a, i, v) ok |= strcmp(json_string_value(v), what) == 0;
    json_decref(a);
    if (ok && t->cleaning) {
        hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is cleaning its target; try again when it is done",
                    t->name);
        return false;
    }
    if (!ok)
        hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is %s: %s is not allowed in that state", t->name,
                    hm_task_state_name(t->state), what);
    return ok;
}

hm_svc_status hm_svc_task_patch(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                hm_svc_err *err)
{
    char name[72] = "", *spw = NULL, *tpw = NULL;
    json_t *spec = NULL;
    hm_task *t, *other;
    hm_svc_status st;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) != HM_SVC_OK)
        goto out;
    if (!editable(t, "edit", err)) {
        st = HM_SVC_ECONFLICT;
        goto out;
    }
    if ((st = hm_taskjson_parse(body, true, t->spec, &spec, &spw, &tpw, name, sizeof name, err)) != HM_SVC_OK)
        goto out;
    if (name[0] && (other = find_name(svc, name)) && other != t) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "name_taken", "field \"name\": a task named %s exists already", name);
        goto out;
    }
    if ((st = set_password(svc, &t->src_pw, &t->src_pw_len, spw, err)) != HM_SVC_OK ||
        (st = set_password(svc, &t->tgt_pw, &t->tgt_pw_len, tpw, err)) != HM_SVC_OK)
        goto out;
    if (name[0])
        snprintf(t->name, sizeof t->name, "%s", name);
    json_decref(t->spec);
    t->spec = spec, spec = NULL;
    t->start_at = json_integer_value(json_object_get(t->spec, "start_at_ms"));
    t->edited_at = t->updated_at = hm_svc_now_ms();
    hm_svc_event(svc, t, "action", who, NULL, "task edited; run check again before start");
    hm_svc_touch(svc, t);
    *out = hm_svc_render(t);
out:
    pthread_mutex_unlock(&svc->mu);
    json_decref(spec);
    wipe_free(spw);
    wipe_free(tpw);
    return st;
}

hm_svc_status hm_svc_task_delete(hm_svc *svc, int64_t id, const char *who, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    hm_err e;
    (void)who;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK) {
        hm_vrun_reap(t);
        if (!editable(t, "delete", err))
            st = HM_SVC_ECONFLICT;
        else if (t->run || t->vrun)
            st = hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is busy (or verifying); try again in a "
                             "moment", t->name);
        else if (hm_store_task_delete(svc->store, t->id, &e) != HM_OK)
            st = hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
        else
            remove_task(svc, t);
    }
    pthread_mutex_unlock(&svc->mu);
    return st;
}

hm_svc_status hm_svc_task_clone(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                hm_svc_err *err)
{
    const json_t *nv = json_object_get(body, "name");
    const char *k;
    json_t *v;
    hm_task *src, *t = NULL;
    hm_svc_status st;
    hm_err e;
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "the body must be a JSON object {\"name\"}");
    json_object_foreach((json_t *)body, k, v) if (strcmp(k, "name") != 0) return hm_svc_fail(
        err, HM_SVC_EBADINPUT, "unknown_field", "field \"%.64s\": unknown field (allowed: name)", k);
    if (!json_is_string(nv) || !hm_taskjson_name_ok(json_string_value(nv)))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, nv ? "bad_field" : "missing_field", "field \"name\": 1 to 64 "
                           "letters, digits, '.', '_' or '-', starting with a letter or digit");
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &src, err)) != HM_SVC_OK)
        goto out;
    if (find_name(svc, json_string_value(nv))) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "name_taken", "field \"name\": a task named %s exists already",
                         json_string_value(nv));
        goto out;
    }
    if (!(t = calloc(1, sizeof *t))) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
        goto out;
    }
    snprintf(t->name, sizeof t->name, "%s", json_string_value(nv));
    t->spec = json_deep_copy(src->spec);
    t->src_pw = dup_blob(src->src_pw, src->src_pw_len), t->src_pw_len = src->src_pw_len;
    t->tgt_pw = dup_blob(src->tgt_pw, src->tgt_pw_len), t->tgt_pw_len = src->tgt_pw_len;
    t->progress = empty_progress();
    t->extra = json_object();
    t->created_at = t->updated_at = t->edited_at = hm_svc_now_ms();
    t->start_at = json_integer_value(json_object_get(t->spec, "start_at_ms"));
    if (save(svc, t, true, &e) != HM_OK) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
    } else if (!add_task(svc, t)) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
    } else {
        hm_svc_event(svc, t, "action", who, NULL, "task created as a clone of %s", src->name);
        *out = hm_svc_render(t);
        t = NULL;
    }
out:
    pthread_mutex_unlock(&svc->mu);
    task_free(t);
    return st;
}

hm_svc_status hm_svc_task_tables(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK) {
        json_t *arr = json_array(), *tb;
        size_t i;
        bool synced = t->state == HM_TASK_SYNCING || t->state == HM_TASK_FINISHING;
        json_array_foreach(json_object_get(t->extra, "tables"), i, tb) {
            json_t *c = json_deep_copy(tb);
            const char *s = json_string_value(json_object_get(c, "state"));
            if (synced && s && strcmp(s, "copied") == 0)
                json_object_set_new(c, "state", json_string("syncing"));
            json_array_append_new(arr, c);
        }
        *out = json_pack("{s:o, s:I}", "tables", arr, "rows_applied",
                         (json_int_t)json_integer_value(json_object_get(t->progress, "rows_applied")));
    }
    pthread_mutex_unlock(&svc->mu);
    return st;
}

hm_svc_status hm_svc_task_check(hm_svc *svc, int64_t id, const char *who, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK && (st = editable(t, "check", err) ? HM_SVC_OK : HM_SVC_ECONFLICT) == HM_SVC_OK &&
        (st = hm_task_check_begin(svc, t, who, err)) == HM_SVC_OK)
        *out = hm_svc_render(t);
    pthread_mutex_unlock(&svc->mu);
    return st;
}

hm_svc_status hm_svc_task_check_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    bool stale = false;
    char name[72] = "", *text = NULL;
    hm_err e;
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK) {
        snprintf(name, sizeof name, "%s", t->name);
        if (t->check)
            stale = json_integer_value(json_object_get(t->check, "checked_at_ms")) < t->edited_at;
        else
            st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "no_check", "task %s has not been checked yet: POST "
                             "/tasks/%lld/check", t->name, (long long)id);
    }
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK)
        return st;
    if (hm_store_task_check(svc->store, id, &text, &e) != HM_OK)
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
    if (!text || !(*out = json_loads(text, 0, NULL))) {
        free(text);
        return hm_svc_fail(err, HM_SVC_ENOTFOUND, "no_check", "task %s has no stored precheck: run it again", name);
    }
    free(text);
    json_object_del(*out, "checked_at_ms");
    json_object_set_new(*out, "stale", json_boolean(stale));
    return HM_SVC_OK;
}

/* Checks an action's body: an object (or NULL) with only the allowed fields. */
static hm_svc_status action_body(const json_t *body, const char *action, const char *allowed, hm_svc_err *err)
{
    const char *k;
    json_t *v;
    if (!body || json_is_null(body))
        return HM_SVC_OK;
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "%s: the body must be a JSON object", action);
    json_object_foreach((json_t *)body, k, v) if (!allowed || strcmp(k, allowed) != 0) return hm_svc_fail(
        err, HM_SVC_EBADINPUT, "unknown_field", "field \"%.64s\": unknown field for %s (allowed: %s)", k, action,
        allowed ? allowed : "none");
    return HM_SVC_OK;
}

hm_svc_status hm_svc_task_action(hm_svc *svc, int64_t id, const char *action, const json_t *body, const char *who,
                                 json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    int64_t at = -1;
    bool lock_source = false;
    if (!action)
        action = "";
    if (strcmp(action, "start") == 0) {
        const json_t *v = json_object_get(body, "at");
        if ((st = action_body(body, action, "at", err)) != HM_SVC_OK)
            return st;
        if (v && !json_is_null(v) && (!json_is_string(v) || !hm_taskjson_parse_time(json_string_value(v), &at)))
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_time", "field \"at\": not an RFC 3339 time "
                               "(2026-12-06T02:00:00Z) or null");
        if (v && json_is_null(v))
            at = 0;
    } else if (strcmp(action, "finish") == 0) {
        const json_t *v = json_object_get(body, "lock_source");
        if ((st = action_body(body, action, "lock_source", err)) != HM_SVC_OK)
            return st;
        if (v && !json_is_boolean(v))
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_type", "field \"lock_source\": must be true or false");
        lock_source = json_is_true(v);
    } else if (strcmp(action, "clean-target") == 0) {
        const json_t *v = json_object_get(body, "confirm");
        if ((st = action_body(body, action, "confirm", err)) != HM_SVC_OK)
            return st;
        if (!json_is_string(v))
            return hm_svc_fail(err, HM_SVC_EBADINPUT, v ? "bad_type" : "missing_field", "field \"confirm\": give the "
                               "task's name, {\"confirm\": \"<task name>\"}, to drop what it created on the target");
        if ((st = hm_clean_target(svc, id, json_string_value(v), who, err)) != HM_SVC_OK)
            return st;
        return hm_svc_task_get(svc, id, out, err);
    } else if (strcmp(action, "terminate") == 0 || strcmp(action, "retry") == 0) {
        if ((st = action_body(body, action, NULL, err)) != HM_SVC_OK)
            return st;
    } else {
        return hm_svc_fail(err, HM_SVC_ENOTFOUND, "unknown_action", "no action \"%.40s\" (start, finish, terminate, "
                           "retry, clean-target)", action);
    }
    pthread_mutex_lock(&svc->mu);
    if ((st = lookup(svc, id, &t, err)) == HM_SVC_OK) {
        if (t->cleaning)
            st = hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is cleaning its target", t->name);
        else if (strcmp(action, "start") == 0)
            st = hm_task_start(svc, t, at, who, err);
        else if (strcmp(action, "finish") == 0)
            st = hm_task_finish(svc, t, lock_source, who, err);
        else if (strcmp(action, "terminate") == 0)
            st = hm_task_terminate(svc, t, who, err);
        else
            st = hm_task_retry(svc, t, who, err);
        if (st == HM_SVC_OK)
            *out = hm_svc_render(t);
    }
    pthread_mutex_unlock(&svc->mu);
    return st;
}

/* ---- events and samples ---- */

static int add_event(const hm_store_event *ev, void *ud)
{
    json_t *o = json_pack("{s:I, s:o, s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)ev->seq, "at",
                          hm_taskjson_time_value(ev->at), "at_ms", (json_int_t)ev->at, "kind", ev->kind, "state",
                          ev->state, "message", ev->message, "who", ev->who);
    json_t *d = ev->data ? json_loads(ev->data, 0, NULL) : NULL;
    if (d)
        json_object_set_new(o, "data", d);
    json_array_append_new(ud, o);
    return 0;
}

hm_svc_status hm_svc_task_events(hm_svc *svc, int64_t id, int64_t since, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    hm_err e;
    json_t *arr;
    pthread_mutex_lock(&svc->mu);
    st = lookup(svc, id, &t, err);
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK)
        return st;
    arr = json_array();
    if (hm_store_event_each(svc->store, id, since, EVENTS_MAX, add_event, arr, &e) != HM_OK) {
        json_decref(arr);
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
    }
    *out = json_pack("{s:o}", "events", arr);
    return HM_SVC_OK;
}

static int add_sample(int64_t at, const char *data, void *ud)
{
    json_t *o = json_loads(data, 0, NULL);
    if (!o)
        return 0;
    json_object_set_new(o, "at_ms", json_integer(at));
    json_object_set_new(o, "at", hm_taskjson_time_value(at));
    json_array_append_new(ud, o);
    return 0;
}

hm_svc_status hm_svc_task_samples(hm_svc *svc, int64_t id, int64_t since, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st;
    hm_err e;
    json_t *arr;
    pthread_mutex_lock(&svc->mu);
    st = lookup(svc, id, &t, err);
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK)
        return st;
    arr = json_array();
    if (hm_store_sample_each(svc->store, id, since, add_sample, arr, &e) != HM_OK) {
        json_decref(arr);
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "store", "%s", e.msg);
    }
    *out = json_pack("{s:o}", "samples", arr);
    return HM_SVC_OK;
}

/* Under mu: records a sample of the task's progress (runner.c calls it every sample interval). */
void hm_svc_sample(hm_svc *svc, hm_task *t, json_t *sample)
{
    char *text = dumps(sample);
    hm_err e;
    if (text && hm_store_sample_add(svc->store, t->id, hm_svc_now_ms(), text, SAMPLES_KEEP, &e) != HM_OK)
        fprintf(stderr, "hotmigd: task %lld: %s\n", (long long)t->id, e.msg);
    free(text);
    json_decref(sample);
}

/* ---- the change feed ---- */

hm_svc_status hm_svc_changes_wait(hm_svc *svc, uint64_t *seq, int timeout_ms, json_t **out, hm_svc_err *err)
{
    struct timespec dl;
    json_t *arr = json_array();
    hm_svc_status st = HM_SVC_OK;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L)
        dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&svc->mu);
    if (*seq == 0 || *seq > svc->change_seq)
        *seq = svc->change_seq;
    while (!svc->closing && svc->change_seq <= *seq)
        if (pthread_cond_timedwait(&svc->changed, &svc->mu, &dl) != 0)
            break;
    if (svc->closing) {
        st = hm_svc_fail(err, HM_SVC_EUNAVAIL, "shutting_down", "hotmigd is shutting down");
    } else {
        for (size_t i = 0; i < svc->ntasks; i++)
            if (svc->tasks[i]->change_seq > *seq)
                json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)svc->tasks[i]->change_seq,
                                                     "type", "task", "task", hm_svc_render(svc->tasks[i])));
        for (unsigned i = 0; i < 64 && i < svc->ndeleted; i++)
            if (svc->deleted_seq[i] > *seq)
                json_array_append_new(arr, json_pack("{s:I, s:s, s:I}", "seq", (json_int_t)svc->deleted_seq[i], "type",
                                                     "task_deleted", "id", (json_int_t)svc->deleted_ids[i]));
        *seq = svc->change_seq;
    }
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return HM_SVC_OK;
}
