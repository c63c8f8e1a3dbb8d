/*
 * service/svc.h: the service core of hotmigd: tasks, their state machine, the queue, the
 * runners that drive the engine (check, copy, sync), and the store behind them.
 *
 * This is the one contract between the core (src/service/svc.c, task.c, runner.c, store*.c ...)
 * and its fronts (src/service/http*.c: the REST API, SSE, metrics, the console's sessions).
 * The fronts never touch the store, the engine or a task's threads directly; the core never
 * speaks HTTP. Everything crosses as jansson values:
 *   - bodies come in as the client sent them (already parsed as JSON; the core checks types,
 *     unknown fields, URIs, patterns and times, and names the field in its error);
 *   - answers go out as new references the caller owns (json_decref), in the shapes the
 *     OpenAPI file (docs/openapi.yaml) documents. No answer ever holds a password: a task says
 *     "password_set": true/false for each endpoint.
 *
 * Errors: every call returns an hm_svc_status and fills the caller's hm_svc_err (untouched on
 * success). The front maps status to HTTP (400, 404, 409, 500, 503) and answers
 * {"error": {"code": err.code, "message": err.message}}. err.code is a stable lower-case token
 * ("bad_field", "unknown_field", "not_found", "bad_state", "check_failed", "name_taken", ...);
 * err.message is one sentence: what failed, why, what to do; for a field, it names the field.
 *
 * `who` on every action is the caller as the front authenticated it ("token", "user:alice"):
 * it is recorded in the task's events.
 *
 * Threads: every call is safe from any thread (the front's connection threads); none blocks
 * on a database server except hm_svc_connection_test and hm_svc_catalog (bounded by their
 * connect timeouts) and hm_svc_changes_wait (bounded by its timeout).
 */
#ifndef HM_SERVICE_SVC_H
#define HM_SERVICE_SVC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hotmig.h"

typedef enum hm_svc_status {
    HM_SVC_OK = 0,
    HM_SVC_EBADINPUT,  /* 400: a field is missing, of the wrong type, unknown or invalid */
    HM_SVC_ENOTFOUND,  /* 404: no such task */
    HM_SVC_ECONFLICT,  /* 409: the task's state does not allow it (message names the state), a
                          FAILED precheck item (message names the items), a name already taken */
    HM_SVC_EINTERNAL,  /* 500: the store failed, out of memory */
    HM_SVC_EUNAVAIL    /* 503: shutting down */
} hm_svc_status;

typedef struct hm_svc_err {
    hm_svc_status status;
    char code[48];
    char message[768];
} hm_svc_err;

typedef struct hm_svc hm_svc;

typedef struct hm_svc_opts {
    const char *data_dir;  /* created 0700 on first start: store, secret key, token */
    unsigned max_copying;  /* tasks in `copying` at once; 0: 1 */
    unsigned sample_interval_ms; /* progress samples; 0: 5000 */
} hm_svc_opts;

/* Opens (or creates) the data directory and the store, and resumes every task that was
 * checking, copying, syncing or finishing when the last process ended (however it ended).
 * Queued tasks stay queued and start when due. NULL and err filled on failure. */
hm_svc *hm_svc_open(const hm_svc_opts *o, hm_err *err);

/* Stops every runner, keeping its checkpoint (tasks stay in their state and resume at the next
 * hm_svc_open), and frees everything. Returns within about 5 s. */
void hm_svc_close(hm_svc *svc);

/* ---- authentication (the front keeps sessions; the core keeps secrets) ---- */

/* Path of the API token file (DIR/token, 0600). Borrowed. */
const char *hm_svc_token_path(const hm_svc *svc);
/* Whether token is the API token (constant time). */
bool hm_svc_token_ok(const hm_svc *svc, const char *token);
/* Adds or replaces a console user; the password is stored as an argon2id hash (libsodium). */
hm_svc_status hm_svc_user_set(hm_svc *svc, const char *user, const char *password, hm_svc_err *err);
/* Whether user exists and password is theirs. */
bool hm_svc_user_ok(hm_svc *svc, const char *user, const char *password);

/* ---- tasks: answers are task objects (see docs/openapi.yaml, schema Task) ---- */

/* POST /tasks. body: {"name", "source", "target", "source_password", "target_password",
 * "mode", "include", "exclude", "threads", "max_rows_per_sec", "chunk_rows", "start_at"}.
 * source/target: "mysql://USER[:PASS]@HOST[:PORT]" or {"uri", "password"}; the password once
 * (in the URI, beside it, or in *_password). start_at: RFC 3339 (any offset; stored and answered
 * in UTC) or null. */
hm_svc_status hm_svc_task_create(hm_svc *svc, const json_t *body, const char *who, json_t **out, hm_svc_err *err);
/* GET /tasks[?state=]: {"tasks": [task...]}, each with its progress summary and "actions". */
hm_svc_status hm_svc_task_list(hm_svc *svc, const char *state, json_t **out, hm_svc_err *err);
/* The same answer as JSON text ({"tasks": [...]}, compact; *out malloc'd, the caller frees),
 * concatenated from each task's text, cached until the task changes: a list of 1,000 tasks costs
 * a copy, not 1,000 renderings and a dump. What a front should send for GET /tasks. */
hm_svc_status hm_svc_task_list_text(hm_svc *svc, const char *state, char **out, size_t *len, hm_svc_err *err);
hm_svc_status hm_svc_task_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err);
/* PATCH: only when not running; a password left out keeps the stored one. */
hm_svc_status hm_svc_task_patch(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                hm_svc_err *err);
hm_svc_status hm_svc_task_delete(hm_svc *svc, int64_t id, const char *who, hm_svc_err *err);
/* POST /tasks/{id}/clone, body {"name"}: same settings and passwords, state created. */
hm_svc_status hm_svc_task_clone(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                hm_svc_err *err);
/* GET /tasks/{id}/tables: {"tables": [{"db", "table", "state", "rows_copied", "bytes_copied",
 * "chunks", "chunks_done", "rows_estimated", "rows_applied"}], "rows_applied"}: from the target's
 * hotmig_meta, refreshed every sample interval while the task copies; state waiting | copying |
 * copied | syncing; rows_estimated: the source's estimate (information_schema). Per-table
 * rows_applied is null (the engine reports the sync's rows in total: the top-level
 * "rows_applied"). */
hm_svc_status hm_svc_task_tables(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err);

/* POST /tasks/{id}/check: starts the precheck in the background (answer: the task, state
 * checking). GET /tasks/{id}/check: {"result", "checked_at", "items": [{"id", "result",
 * "message", "fix"}]} of the last precheck. */
hm_svc_status hm_svc_task_check(hm_svc *svc, int64_t id, const char *who, json_t **out, hm_svc_err *err);
hm_svc_status hm_svc_task_check_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err);

/* POST /tasks/{id}/{action}: "start" ({"at"} optional), "finish" ({"lock_source"}),
 * "terminate", "retry", "clean-target" ({"confirm": "<task name>"}). body may be NULL.
 * Answers the task. */
hm_svc_status hm_svc_task_action(hm_svc *svc, int64_t id, const char *action, const json_t *body, const char *who,
                                 json_t **out, hm_svc_err *err);

/* POST /tasks/{id}/failover, body {"source": "mysql://USER[:PASS]@HOST[:PORT][?tls=...]" or
 * {"uri", "password"}, "source_password"?}: the task's source failed over to a replica. Allowed
 * on a failed or terminated full+incremental task. hm_sync_failover checks the new source holds
 * every transaction the target applied (else HM_SVC_ECONFLICT "failover_refused" with the
 * engine's sentence; the checkpoint and the task unchanged) and makes the target's checkpoint
 * its GTID set; then the new source (password sealed; left out: the stored one) replaces the
 * old, an event records who asked, and the task is queued as a retry: it syncs on from the GTID
 * checkpoint without copying again. Blocks on both servers (connect timeouts). Answers the task. */
hm_svc_status hm_svc_task_failover(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                   hm_svc_err *err);

/* POST /tasks/{id}/verify, body null or {"threads", "chunk_rows", "max_rows_per_sec"}: starts
 * hm_verify on a thread of the task (syncing: at common points with the running sync; finished,
 * failed, terminated: the live tables, differing chunks re-checked). 409 verify_running / bad_state.
 * Answers the verification {"state": "running", "started_at", "mode"}. Terminate and close cancel
 * it. GET: the last result, the shape of `hotmig verify --json` plus "state" (running | done |
 * failed), "started_at", "finished_at", "mode", at most 1,000 "diffs" ("diffs_more": the rest).
 * fix: the SQL that makes the target equal (*text malloc'd, the caller frees). See verify.c. */
hm_svc_status hm_svc_task_verify(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                 hm_svc_err *err);
hm_svc_status hm_svc_task_verify_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err);
hm_svc_status hm_svc_task_verify_fix(hm_svc *svc, int64_t id, char **text, size_t *len, hm_svc_err *err);

/* GET /tasks/{id}/events?since=SEQ: {"events": [{"seq", "at", "at_ms", "kind", "state",
 * "message", "who", "data"?}]}, kind: state (data {"from", "to"}), action, info, warning,
 * reconnect, error (data {"stage", "code", "what_to_do"}); at most 5000 per answer.
 * GET /tasks/{id}/samples?since=UNIX_MS: {"samples": [{"at", "at_ms", "stage": "copy"|"sync",
 * ...}]}: copy: rows, bytes, bytes_per_sec, tables [{db, table, rows_copied}]; sync: phase,
 * lag_s, lag_bytes, trx_applied, rows_applied, trx_per_sec. since 0: all. */
hm_svc_status hm_svc_task_events(hm_svc *svc, int64_t id, int64_t since, json_t **out, hm_svc_err *err);
hm_svc_status hm_svc_task_samples(hm_svc *svc, int64_t id, int64_t since, json_t **out, hm_svc_err *err);

/* ---- servers, before a task exists ---- */

/* POST /connections/test, body {"uri", "password"?} or {"task": id, "side": "source"|"target"}:
 * {"ok": true, "version": "...", "flavor"} or {"ok": false, "code", "message": "..."} (HM_SVC_OK
 * either way; 400 only for a malformed body). */
hm_svc_status hm_svc_connection_test(hm_svc *svc, const json_t *body, json_t **out, hm_svc_err *err);
/* POST /catalog, body {"uri", "password"?} (or {"task": id} to use a task's stored source):
 * {"databases": [{"name", "tables": [{"name", "engine", "rows", "data_bytes", "has_key",
 * "fk_parents": ["db.t", ...]}]}]}. */
hm_svc_status hm_svc_catalog(hm_svc *svc, const json_t *body, json_t **out, hm_svc_err *err);

/* ---- live changes (server-sent events) ---- */

/* Waits up to timeout_ms for changes after *seq (0: from now). Fills *out with a new array of
 * {"seq", "type": "task", "task": {...}} and {"seq", "type": "task_deleted", "id"} (possibly
 * empty) and advances *seq. A task changed several times appears once, as it is now. */
hm_svc_status hm_svc_changes_wait(hm_svc *svc, uint64_t *seq, int timeout_ms, json_t **out, hm_svc_err *err);

/* ---- for the front's fill of a status into an HTTP answer ---- */
unsigned hm_svc_http_status(hm_svc_status s);

#endif
