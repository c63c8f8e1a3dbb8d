/*
 * service/task.c: the state machine of a hotmigd task. Owns the table of allowed transitions and
 * of the actions each state offers; every transition is one function below that checks it is
 * allowed, records who asked (an event), saves the task and publishes the change.
 *
 *                      check                 start                 (dequeued: slot free,
 *   created ──────────► checking ──► checked ──────► queued ──────── start_at due, precheck
 *      │  ▲               ▲  │         │  ▲            │            passes again)
 *      │  └─ edit ────────┼──┘(result) │  │            ▼
 *      │                  └── check ───┘  │         copying ───────────────────┐ (mode full)
 *      │                                  │            │ copy done              │
 *      │                                  │            ▼                        ▼
 *      │                                  │         syncing ──finish──► finishing ──► finished
 *      │                                  │   (catching up / following / reconnecting)
 *      │                                  │
 *      │     queued/copying/syncing/finishing ──terminate──► terminating ──► terminated
 *      │     checking/queued/copying/syncing/finishing ──error──► failed (stage, code, message,
 *      │                                                          retryable, what to do)
 *      │     failed | terminated ──retry──► queued   (the run resumes from the engine's
 *      │                                              checkpoints in hotmig_meta)
 *      │     failed | terminated ──check──► checking;  ──clean-target──► (same state)
 *      │     failed | terminated ──failover──► queued (a new source, checked by the engine;
 *      │                                              then as retry: see failover.c)
 *
 * Invariants:
 *   1. A task in `copying` holds one of max_copying copy slots; so does a queued task whose runner
 *      is re-running the precheck before its copy. `syncing` and `finishing` hold none.
 *   2. Start needs a last precheck with no FAILED item, taken after the last edit.
 *   3. Every state change is an event with its time and who asked; copy intervals are read from
 *      them (enter copying .. leave copying).
 *   4. A running state found at open (a crash) resumes: checking re-runs the check; copying,
 *      syncing and finishing re-run copy (a finished copy is skipped by its checkpoint) then sync
 *      from its checkpoint; terminating ends terminated; queued stays queued.
 *
 * Who performs each change:
 *   check_begin, start, finish, terminate, retry   the API (svc.c), with `who`
 *   check_done, copy_begin, copy_done, finished,
 *   terminated, fail                               the task's runner (runner.c), who = "hotmigd"
 */
#include <stdio.h>
#include <string.h>

#include "service/svc_int.h"

static const char *const state_names[HM_TASK_N_STATES] = {
    "created", "checking", "checked", "queued", "copying", "syncing",
    "finishing", "finished", "terminating", "terminated", "failed",
};

#define S(x) (1u << HM_TASK_##x)

/* The actions each state allows (the API's names). */
static const struct {
    const char *name;
    unsigned states;
} actions[] = {
    {"check", S(CREATED) | S(CHECKED) | S(FAILED) | S(TERMINATED)},
    {"start", S(CHECKED)},
    {"finish", S(SYNCING)},
    {"terminate", S(QUEUED) | S(COPYING) | S(SYNCING) | S(FINISHING)},
    {"retry", S(FAILED) | S(TERMINATED)},
    {"clean-target", S(FAILED) | S(TERMINATED)},
    {"failover", S(FAILED) | S(TERMINATED)}, /* failover.c: a new source, then as retry */
    {"verify", S(SYNCING) | S(FINISHED) | S(FAILED) | S(TERMINATED)}, /* verify.c */
    {"edit", S(CREATED) | S(CHECKED) | S(FAILED) | S(TERMINATED)},
    {"delete", S(CREATED) | S(CHECKED) | S(FAILED) | S(TERMINATED) | S(FINISHED)},
    {"clone", ~0u},
};

const char *hm_task_state_name(hm_task_state s)
{
    return (unsigned)s < HM_TASK_N_STATES ? state_names[s] : "unknown";
}

bool hm_task_state_parse(const char *name, hm_task_state *s)
{
    for (unsigned i = 0; i < HM_TASK_N_STATES; i++)
        if (strcmp(name, state_names[i]) == 0) {
            *s = (hm_task_state)i;
            return true;
        }
    return false;
}

bool hm_task_running(hm_task_state s)
{
    return ((S(CHECKING) | S(QUEUED) | S(COPYING) | S(SYNCING) | S(FINISHING) | S(TERMINATING)) >> s) & 1u;
}

json_t *hm_task_actions(const hm_task *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if ((actions[i].states >> t->state) & 1u &&
            (!t->verifying || strcmp(actions[i].name, "terminate") == 0 || strcmp(actions[i].name, "clone") == 0))
            json_array_append_new(a, json_string(actions[i].name));
    return a;
}

/* Whether the action is allowed now; else err says which state forbids it. */
static hm_svc_status allowed(const hm_task *t, const char *action, hm_svc_err *err)
{
    if (t->verifying && strcmp(action, "terminate") != 0)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "verify_running", "task %s is being verified: %s waits until the "
                           "verification ends (or terminate the task)", t->name, action);
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].name, action) == 0) {
            if ((actions[i].states >> t->state) & 1u)
                return HM_SVC_OK;
            break;
        }
    return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is %s: %s is not allowed in that state",
                       t->name, hm_task_state_name(t->state), action);
}

/* The one place a state changes. */
static void move(hm_svc *svc, hm_task *t, hm_task_state to, const char *who, const char *why)
{
    hm_task_state from = t->state;
    t->state = to;
    t->updated_at = hm_svc_now_ms();
    hm_svc_event(svc, t, "state", who, json_pack("{s:s, s:s}", "from", hm_task_state_name(from), "to",
                                                 hm_task_state_name(to)),
                 "%s -> %s%s%s", hm_task_state_name(from), hm_task_state_name(to), why ? ": " : "", why ? why : "");
    hm_svc_touch(svc, t);
}

hm_svc_status hm_task_check_begin(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err)
{
    hm_svc_status st = allowed(t, "check", err);
    if (st != HM_SVC_OK)
        return st;
    if ((st = hm_runner_check(svc, t, err)) != HM_SVC_OK)
        return st;
    move(svc, t, HM_TASK_CHECKING, who, "precheck requested");
    return HM_SVC_OK;
}

void hm_task_check_done(hm_svc *svc, hm_task *t, json_t *check)
{
    const char *result = json_string_value(json_object_get(check, "result"));
    hm_svc_set_check(svc, t, check);
    if (t->state != HM_TASK_CHECKING) {
        hm_svc_touch(svc, t);
        return;
    }
    move(svc, t, HM_TASK_CHECKED, "hotmigd", result ? result : "done");
}

hm_svc_status hm_task_check_allows_start(const hm_task *t, hm_svc_err *err)
{
    const json_t *it;
    size_t i;
    char names[512] = "";
    size_t used = 0;
    if (!t->check)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "check_required", "task %s has no precheck yet: run check first",
                           t->name);
    if (json_integer_value(json_object_get(t->check, "checked_at_ms")) < t->edited_at)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "check_stale", "task %s was edited after its last precheck: run "
                           "check again, then start", t->name);
    json_array_foreach(json_object_get(t->check, "failed"), i, it) {
        int n = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", json_string_value(it));
        if (n > 0 && (size_t)n < sizeof names - used)
            used += (size_t)n;
    }
    if (used)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "check_failed", "task %s: the precheck FAILED on %s: fix them "
                           "(GET /tasks/%lld/check says how), run check again, then start", t->name, names,
                           (long long)t->id);
    if (json_object_get(t->check, "error"))
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "check_failed", "task %s: the precheck could not run: %s", t->name,
                           json_string_value(json_object_get(t->check, "error")));
    return HM_SVC_OK;
}

hm_svc_status hm_task_start(hm_svc *svc, hm_task *t, int64_t at, const char *who, hm_svc_err *err)
{
    hm_svc_status st = allowed(t, "start", err);
    char why[96] = "start requested";
    if (st != HM_SVC_OK || (st = hm_task_check_allows_start(t, err)) != HM_SVC_OK)
        return st;
    t->start_req_at = hm_svc_now_ms();
    if (at >= 0)
        t->start_at = at;
    if (t->start_at > t->start_req_at) {
        char when[40];
        hm_taskjson_time(t->start_at, when, sizeof when);
        snprintf(why, sizeof why, "start requested at %s", when);
    }
    json_decref(t->last_error);
    t->last_error = NULL;
    move(svc, t, HM_TASK_QUEUED, who, why);
    return HM_SVC_OK;
}

void hm_task_copy_begin(hm_svc *svc, hm_task *t)
{
    if (t->state == HM_TASK_QUEUED)
        move(svc, t, HM_TASK_COPYING, "hotmigd", "copy slot taken, precheck passed");
}

void hm_task_copy_done(hm_svc *svc, hm_task *t, bool incremental, json_t *final)
{
    if (t->state != HM_TASK_COPYING) {
        json_decref(final);
        return;
    }
    if (incremental) {
        json_decref(final);
        move(svc, t, HM_TASK_SYNCING, "hotmigd", "copy done; following the source's binlog");
        return;
    }
    json_decref(t->final);
    t->final = final;
    move(svc, t, HM_TASK_FINISHED, "hotmigd", "copy done (mode full)");
}

hm_svc_status hm_task_finish(hm_svc *svc, hm_task *t, bool lock_source, const char *who, hm_svc_err *err)
{
    hm_svc_status st = allowed(t, "finish", err);
    if (st != HM_SVC_OK)
        return st;
    json_object_set_new(t->extra, "lock_source", json_boolean(lock_source));
    hm_runner_finish(t, lock_source);
    move(svc, t, HM_TASK_FINISHING, who, lock_source ? "cut-over requested (source set read-only first)"
                                                      : "cut-over requested");
    return HM_SVC_OK;
}

void hm_task_finished(hm_svc *svc, hm_task *t, json_t *final)
{
    json_decref(t->final);
    t->final = final;
    move(svc, t, HM_TASK_FINISHED, "hotmigd", "cut-over done");
}

hm_svc_status hm_task_terminate(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err)
{
    hm_svc_status st = allowed(t, "terminate", err);
    if (st != HM_SVC_OK)
        return st;
    if (t->state == HM_TASK_QUEUED && !t->run) {
        move(svc, t, HM_TASK_TERMINATED, who, "terminated before it left the queue");
        return HM_SVC_OK;
    }
    hm_runner_cancel(t);
    hm_vrun_cancel(t);
    move(svc, t, HM_TASK_TERMINATING, who, "terminate requested; the checkpoint is kept");
    return HM_SVC_OK;
}

void hm_task_terminated(hm_svc *svc, hm_task *t)
{
    move(svc, t, HM_TASK_TERMINATED, "hotmigd", "stopped; the checkpoint is kept: retry goes on from it");
}

/* What an operator should do about a failure of this code. */
static const char *what_to_do(hm_code c, bool *retryable)
{
    *retryable = true;
    switch (c) {
    case HM_ECONNECT:
    case HM_ESOURCE:
    case HM_ETARGET:
    case HM_ESNAPSHOT:
    case HM_EIO:
        return "fix what the message names (or wait for the server), then retry: the task goes on from its "
               "checkpoint";
    case HM_EAUTH:
    case HM_EPRIV:
        *retryable = false;
        return "grant what the message names (or edit the task's account), then retry";
    case HM_ECONFLICT:
        *retryable = false;
        return "drop the objects named on the target (or clean-target if this task created them), or exclude "
               "them, then retry";
    case HM_EPATTERN:
    case HM_EUSAGE:
        *retryable = false;
        return "edit the task's selection, run check, then start";
    case HM_ESTATE:
        *retryable = false;
        return "the target's hotmig_meta belongs to another selection: clean-target that task, or edit this one "
               "to match, then retry";
    default:
        return "see the message; retry after fixing its cause";
    }
}

void hm_task_fail(hm_svc *svc, hm_task *t, const char *stage, const hm_err *e)
{
    bool retryable;
    const char *todo = what_to_do(e->code, &retryable);
    json_decref(t->last_error);
    t->last_error = json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}", "stage", stage, "code", hm_code_name(e->code),
                              "message", e->msg, "retryable", retryable, "what_to_do", todo, "at",
                              hm_taskjson_time_value(hm_svc_now_ms()));
    hm_svc_event(svc, t, "error", "hotmigd", json_pack("{s:s, s:s, s:s}", "stage", stage, "code",
                                                       hm_code_name(e->code), "what_to_do", todo),
                 "%s failed: %s", stage, e->msg);
    move(svc, t, HM_TASK_FAILED, "hotmigd", hm_code_name(e->code));
}

hm_svc_status hm_task_retry(hm_svc *svc, hm_task *t, const char *who, hm_svc_err *err)
{
    hm_svc_status st = allowed(t, "retry", err);
    if (st != HM_SVC_OK)
        return st;
    t->start_req_at = hm_svc_now_ms();
    t->start_at = 0;
    move(svc, t, HM_TASK_QUEUED, who, "retry requested; the run resumes from its checkpoint");
    return HM_SVC_OK;
}
