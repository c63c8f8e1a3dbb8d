/*
 * service/failover.c: POST /tasks/{id}/failover: pointing a failed or terminated task at a new
 * source after its source failed over to a replica (hm_svc_task_failover in svc.h). Owns nothing
 * beyond the call.
 *
 *   body {"source": URI | {"uri", "password"}, "source_password"?}   (as in a create; a password
 *                                    left out keeps the stored one: a promoted replica usually has
 *                                    the same accounts)
 *   1. the body is checked (hm_taskjson_parse, so the URI and its TLS options mean what they mean
 *      everywhere else), then the task: failed or terminated, mode full+incremental, idle;
 *   2. without svc->mu: hm_sync_failover(new source, target) checks the new source has every
 *      transaction the target applied and makes the target's checkpoint its GTID set alone;
 *      refused: 409 failover_refused with the engine's sentence, an event, nothing changed;
 *   3. under mu again, if the task was not edited, retried or deleted meanwhile: the new source
 *      (its password sealed) replaces the old in the spec, an event names who asked and both
 *      sources, and the task is queued as a retry: the runner prechecks the new source, finds the
 *      copy complete by its checkpoint (nothing copied again) and syncs on from the GTID set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

/* Step 1: the body alone; *src (new) is the spec's "source" object, *pw the password or NULL. */
static hm_svc_status parse_body(const json_t *body, json_t **src, char **pw, hm_svc_err *err)
{
    const char *k;
    json_t *v, *spec = NULL;
    char *tpw = NULL, name[72] = "";
    hm_svc_status st;
    *src = NULL, *pw = NULL;
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "failover: the body must be a JSON object {\"source\": "
                           "\"mysql://USER@HOST:PORT\", \"source_password\"?}");
    json_object_foreach((json_t *)body, k, v) if (strcmp(k, "source") != 0 && strcmp(k, "source_password") != 0)
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "unknown_field", "field \"%.64s\": unknown field for failover "
                           "(allowed: source, source_password)", k);
    if (!json_object_get(body, "source"))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "missing_field", "field \"source\": the new source is required "
                           "(mysql://USER@HOST:PORT)");
    if ((st = hm_taskjson_parse(body, true, NULL, &spec, pw, &tpw, name, sizeof name, err)) != HM_SVC_OK)
        return st;
    *src = json_incref(json_object_get(spec, "source"));
    json_decref(spec);
    return HM_SVC_OK;
}

/* The state and mode allow a failover, and nothing runs on the task. Under mu. */
static hm_svc_status idle_and_failed(const hm_task *t, hm_svc_err *err)
{
    if (t->state != HM_TASK_FAILED && t->state != HM_TASK_TERMINATED)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is %s: failover is allowed only on a failed "
                           "or terminated task (terminate it first)", t->name, hm_task_state_name(t->state));
    if (t->run || t->cleaning || t->verifying)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is busy; try again in a moment", t->name);
    if (strcmp(json_string_value(json_object_get(t->spec, "mode")), "full+incremental") != 0)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s copies only (mode full): there is no sync "
                           "to fail over; edit its source and retry instead", t->name);
    return HM_SVC_OK;
}

hm_svc_status hm_svc_task_failover(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                   hm_svc_err *err)
{
    json_t *src = NULL, *spec = NULL;
    char *pw = NULL, *stored_pw = NULL, *tgt_pw = NULL, name[72] = "", old_uri[600] = "";
    int64_t edited_at = 0;
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    hm_endpoint se, te;
    hm_task *t;
    hm_err e;
    hm_svc_status st;
    if ((st = parse_body(body, &src, &pw, err)) != HM_SVC_OK)
        return st;
    pthread_mutex_lock(&svc->mu);
    if (svc->closing) {
        st = hm_svc_fail(err, HM_SVC_EUNAVAIL, "shutting_down", "hotmigd is shutting down");
    } else if (!(t = hm_svc_find(svc, id))) {
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    } else if ((st = idle_and_failed(t, err)) == HM_SVC_OK) {
        snprintf(name, sizeof name, "%s", t->name);
        snprintf(old_uri, sizeof old_uri, "%s",
                 json_string_value(json_object_get(json_object_get(t->spec, "source"), "uri")));
        spec = json_deep_copy(t->spec);
        edited_at = t->edited_at;
        if (!pw && t->src_pw)
            stored_pw = hm_secret_unseal(svc->secret, t->src_pw, t->src_pw_len);
        if (t->tgt_pw)
            tgt_pw = hm_secret_unseal(svc->secret, t->tgt_pw, t->tgt_pw_len);
        if ((t->src_pw && !pw && !stored_pw) || (t->tgt_pw && !tgt_pw))
            st = hm_svc_fail(err, HM_SVC_EINTERNAL, "secret", "task %s: a stored password does not open with this "
                             "data directory's secret.key", t->name);
    }
    pthread_mutex_unlock(&svc->mu);
    if (st != HM_SVC_OK)
        goto out;
    if (pw && hm_secret_seal(svc->secret, pw, &sealed, &sealed_len, &e) != HM_OK) {
        st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "%s", e.msg);
        goto out;
    }

    /* step 2, no lock held: the engine checks the new source and rewrites the checkpoint */
    json_object_set(spec, "source", src);
    hm_taskjson_endpoint(spec, "source", &se);
    hm_taskjson_endpoint(spec, "target", &te);
    se.password = pw ? pw : stored_pw;
    te.password = tgt_pw;
    memset(&e, 0, sizeof e);
    if (hm_sync_failover(&se, &te, &e) != HM_OK) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "failover_refused", "failover of task %s to %s refused: %s", name,
                         json_string_value(json_object_get(src, "uri")), e.msg);
        pthread_mutex_lock(&svc->mu);
        if ((t = hm_svc_find(svc, id)))
            hm_svc_event(svc, t, "warning", who, json_pack("{s:s, s:s}", "source", json_string_value(
                                                               json_object_get(src, "uri")), "code",
                                                           hm_code_name(e.code)),
                         "failover to %s refused: %s", json_string_value(json_object_get(src, "uri")), e.msg);
        pthread_mutex_unlock(&svc->mu);
        goto out;
    }

    /* step 3 */
    pthread_mutex_lock(&svc->mu);
    if (!(t = hm_svc_find(svc, id))) {
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld (deleted during the failover)",
                         (long long)id);
    } else if ((st = idle_and_failed(t, err)) == HM_SVC_OK && t->edited_at != edited_at) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s was edited during the failover check: try the "
                         "failover again", t->name);
    } else if (st == HM_SVC_OK) {
        json_decref(t->spec);
        t->spec = spec, spec = NULL; /* a new value: answers sharing the old one keep it */
        if (sealed) {
            free(t->src_pw);
            t->src_pw = sealed, t->src_pw_len = sealed_len, sealed = NULL;
        }
        t->edited_at = t->updated_at = hm_svc_now_ms();
        hm_svc_event(svc, t, "action", who, json_pack("{s:s, s:s}", "from", old_uri, "to", json_string_value(
                                                          json_object_get(src, "uri"))),
                     "failover: the source is now %s (was %s); the sync goes on from the target's GTID checkpoint, "
                     "without copying again", json_string_value(json_object_get(src, "uri")), old_uri);
        hm_svc_touch(svc, t);
        if ((st = hm_task_retry(svc, t, who, err)) == HM_SVC_OK)
            *out = hm_svc_render(t);
    }
    pthread_mutex_unlock(&svc->mu);
out:
    json_decref(src);
    json_decref(spec);
    free(sealed);
    hm_secret_free_password(pw);
    hm_secret_free_password(stored_pw);
    hm_secret_free_password(tgt_pw);
    return st;
}
