/*
 * service/svc_int.h: what the modules of the service core share (not for the fronts: they use
 * svc.h). The hm_svc handle, the in-memory task, and the calls between svc.c (the API, the
 * store's write-through, events and the change feed), task.c (the state machine), taskjson.c
 * (task bodies in, task objects out), runner.c (threads that drive the engine, the scheduler),
 * clean.c (clean-target) and catalog.c (servers before a task exists).
 *
 * Locking: one mutex, svc->mu, guards every hm_task and the svc's lists. Engine calls and
 * server round trips never run under it. The store has its own mutex, always taken after mu.
 */
#ifndef HM_SERVICE_SVC_INT_H
#define HM_SERVICE_SVC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "service/secret.h"
#include "service/store.h"
#include "service/svc.h"

typedef enum hm_task_state {
    HM_TASK_CREATED = 0,
    HM_TASK_CHECKING,
    HM_TASK_CHECKED,
    HM_TASK_QUEUED,
    HM_TASK_COPYING,
    HM_TASK_SYNCING,
    HM_TASK_FINISHING,
    HM_TASK_FINISHED,
    HM_TASK_TERMINATING,
    HM_TASK_TERMINATED,
    HM_TASK_FAILED,
    HM_TASK_N_STATES
} hm_task_state;

typedef struct hm_run hm_run; /* runner.c */
typedef struct hm_vrun hm_vrun; /* verify.c */

typedef struct hm_task {
    int64_t id;
    char name[72];
    hm_task_state state;
    json_t *spec;       /* owned: settings, no password (see taskjson.c) */
    unsigned char *src_pw, *tgt_pw; /* owned: sealed passwords or NULL */
    size_t src_pw_len, tgt_pw_len;
    json_t *check;      /* owned or NULL: the last precheck's summary {"result", "checked_at",
                           "checked_at_ms", "failed": [ids], "warnings", "error"?}; the full
                           report (every item's message and fix) is only in the store */
    json_t *progress;   /* owned, never NULL: the progress summary */
    json_t *last_error; /* owned or NULL */
    json_t *final;      /* owned or NULL */
    json_t *extra;      /* owned, never NULL: the runner's bookkeeping (tables, fingerprint,
                           databases on the target before the first copy, lock_source) */
    int64_t created_at, updated_at, edited_at, start_req_at, start_at; /* Unix ms; 0 none */
    uint64_t change_seq;
    hm_run *run;        /* owned by runner.c while a thread runs for the task */
    bool cleaning;      /* clean-target is running (no other action meanwhile) */
    hm_vrun *vrun;      /* owned by verify.c: the last verification's thread, or NULL */
    bool verifying;     /* a verification runs (no action but terminate meanwhile) */
    json_t *rendered;   /* owned or NULL: the task object as of rendered_seq (svc.c) */
    uint64_t rendered_seq;
    char *text;         /* owned or NULL: `rendered` dumped, as of text_seq */
    size_t text_len;
    uint64_t text_seq;
} hm_task;

struct hm_svc {
    pthread_mutex_t mu;
    pthread_cond_t changed;  /* signalled on every change (change feed, scheduler) */
    hm_store *store;
    hm_secret *secret;
    char data_dir[4096];
    int lock_fd;
    unsigned max_copying, sample_interval_ms;
    hm_task **tasks;         /* owned, by id */
    size_t ntasks, cap;
    uint64_t change_seq;
    int64_t deleted_ids[64]; /* recent deletions, for the change feed */
    uint64_t deleted_seq[64];
    unsigned ndeleted;
    bool closing;
    pthread_t scheduler;
    bool scheduler_started;
};

/* ---- svc.c ---- */
int64_t hm_svc_now_ms(void);
hm_task *hm_svc_find(hm_svc *svc, int64_t id); /* under mu */
/* Answers share the JSON values of a task (spec, progress, check ...) by reference and are
 * dumped outside mu: those values are never changed in place once set (copy on write).
 * hm_svc_progress_set is the one way to change a single field of the progress. Under mu. */
void hm_svc_progress_set(hm_task *t, const char *key, json_t *value);
/* The task object (a new reference; cached until the task changes). Under mu. */
json_t *hm_svc_render(hm_task *t);
/* Publishes a change of the task (change feed) without saving it. Under mu. */
void hm_svc_publish(hm_svc *svc, hm_task *t);
/* Saves the task (write-through) and publishes the change. Under mu. */
void hm_svc_touch(hm_svc *svc, hm_task *t);
/* Records an event (kind: "state", "action", "warning", "error", "info", "reconnect") and
 * publishes the change. data (stolen, may be NULL). Under mu. */
void hm_svc_event(hm_svc *svc, hm_task *t, const char *kind, const char *who, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Records a precheck report (stolen): the full report to the store, its summary in t->check.
 * Under mu. */
void hm_svc_set_check(hm_svc *svc, hm_task *t, json_t *full);
/* Records a progress sample (stolen). Under mu. */
void hm_svc_sample(hm_svc *svc, hm_task *t, json_t *sample);
/* Fills err and returns its status. */
hm_svc_status hm_svc_fail(hm_svc_err *err, hm_svc_status st, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- task.c: the state machine ---- */
const char *hm_task_state_name(hm_task_state s);
bool hm_task_state_parse(const char *name, hm_task_state *s);
bool hm_task_running(hm_task_state s);  /* checking, queued, copying, syncing, finishing, terminating */
/* The actions the state allows now: a new array of names. */
json_t *hm_task_actions(const hm_task *t);
/* Transitions (under mu). Each checks the state allows it (else HM_SVC_ECONFLICT naming the
 * state), records who asked in an event, saves and publishes. */
hm_svc_status hm_task_check_begin(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err);
void hm_task_check_done(hm_svc *svc, hm_task *t, json_t *check);
hm_svc_status hm_task_start(hm_svc *svc, hm_task *t, int64_t at, const char *who, hm_svc_err *err);
void hm_task_copy_begin(hm_svc *svc, hm_task *t);
void hm_task_copy_done(hm_svc *svc, hm_task *t, bool incremental, json_t *final);
hm_svc_status hm_task_finish(hm_svc *svc, hm_task *t, bool lock_source, const char *who, hm_svc_err *err);
void hm_task_finished(hm_svc *svc, hm_task *t, json_t *final);
hm_svc_status hm_task_terminate(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err);
void hm_task_terminated(hm_svc *svc, hm_task *t);
/* Any running state -> failed. stage: "check", "copy", "sync"; err: the engine's. */
void hm_task_fail(hm_svc *svc, hm_task *t, const char *stage, const hm_err *e);
hm_svc_status hm_task_retry(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err);
/* Whether the last precheck allows a start; else err names the FAILED items or the edit. */
hm_svc_status hm_task_check_allows_start(const hm_task *t, hm_svc_err *err);

/* ---- taskjson.c: bodies in, task objects out ---- */
/* Validates a create (patch: false) or PATCH body and fills *spec (new), and the passwords
 * (new strings, or NULL when the body has none). */
hm_svc_status hm_taskjson_parse(const json_t *body, bool patch, const json_t *old_spec, json_t **spec,
                                char **src_pw, char **tgt_pw, char *name, size_t namesz, hm_svc_err *err);
json_t *hm_taskjson_render(const hm_task *t); /* a new task object */
/* RFC 3339 -> Unix ms (false when malformed); Unix ms -> "YYYY-MM-DDTHH:MM:SS.mmmZ". */
bool hm_taskjson_parse_time(const char *s, int64_t *ms);
void hm_taskjson_time(int64_t ms, char *out, size_t outsz);
json_t *hm_taskjson_time_value(int64_t ms); /* a string, or null when ms is 0 */
/* Endpoint of side ("source"/"target") from spec; host/user borrowed from spec. */
void hm_taskjson_endpoint(const json_t *spec, const char *side, hm_endpoint *ep);
bool hm_taskjson_name_ok(const char *name);

/* ---- runner.c ---- */
hm_code hm_runner_start_scheduler(hm_svc *svc, hm_err *err);
/* Stops the scheduler and every runner (their tasks keep their state and checkpoints). */
void hm_runner_stop_all(hm_svc *svc);
/* Starts a thread for the task's precheck (state checking). Under mu. */
hm_svc_status hm_runner_check(hm_svc *svc, hm_task *t, hm_svc_err *err);
/* Resumes a task found copying/syncing/finishing at open. Under mu. */
void hm_runner_resume(hm_svc *svc, hm_task *t);
/* Asks the task's runner to stop (terminate) or finish. Under mu. */
void hm_runner_cancel(hm_task *t);
void hm_runner_finish(hm_task *t, bool lock_source);
/* Asks the task's running sync to pause at file:pos ("", 0: its next boundary) and call
 * hm_vrun_paused. false when no sync runs. Under mu. */
bool hm_runner_pause_at(hm_task *t, const char *file, uint64_t pos);

/* ---- verify.c ---- */
/* The applier's side of a common point (hm_sync_opts.paused of the task's sync; takes mu): waits
 * for the verification; true when it asks the applier to go on to at_file:*at_pos and pause
 * there again. */
bool hm_vrun_paused(hm_svc *svc, hm_task *t, const char *file, uint64_t pos, char *at_file, size_t n,
                    uint64_t *at_pos);
/* Frees the task's ended verification thread (t->vrun NULL after, unless still in use). Under mu. */
void hm_vrun_reap(hm_task *t);
/* Cancels the task's verification (terminate, close). Under mu. */
void hm_vrun_cancel(hm_task *t);
/* Cancels and joins every verification (hm_svc_close, before the runners stop). */
void hm_vrun_stop_all(hm_svc *svc);

/* ---- catalog.c ---- */
/* Checks a connection-test or catalog body as those calls do, without connecting (a {"task"}
 * body looks the task up). HM_SVC_OK when the call would go on to connect. */
hm_svc_status hm_catalog_body_check(hm_svc *svc, const json_t *body, hm_svc_err *err);

/* ---- clean.c ---- */
/* Drops what the task created on its target and its rows in hotmig_meta (blocking: called
 * without mu; takes it to read and mark the task). */
hm_svc_status hm_clean_target(hm_svc *svc, int64_t id, const char *confirm, const char *who, hm_svc_err *err);

#endif
