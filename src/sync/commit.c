/*
 * sync/commit.c: the committer thread (see commit.h). Owns the thread, its mutex and condition
 * and the result of the commit in flight.
 */
#include "sync/commit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct hm_sync_committer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hm_conn *job;  /* the connection to commit; NULL: nothing to do */
    bool busy;     /* started, result not taken by wait() yet */
    bool done;     /* the thread has finished the job */
    bool stop;
    hm_code rc;
    hm_err err;
};

static void *committer_main(void *arg)
{
    hm_sync_committer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->job && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (!c->job)
            break;
        hm_conn *conn = c->job;
        hm_code rc = HM_OK;
        pthread_mutex_unlock(&c->mu);
        if (mysql_commit(conn->my) != 0)
            rc = hm_conn_fail(conn, "committing applied changes", &c->err);
        pthread_mutex_lock(&c->mu);
        c->rc = rc;
        c->job = NULL;
        c->done = true;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

hm_sync_committer *hm_sync_committer_new(hm_err *err)
{
    hm_sync_committer *c = calloc(1, sizeof *c);
    int e;
    if (!c) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if ((e = pthread_create(&c->thread, NULL, committer_main, c)) != 0) {
        hm_err_set(err, HM_EINTERNAL, "cannot start the commit thread: %s", strerror(e));
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void hm_sync_committer_free(hm_sync_committer *c)
{
    hm_err ignored;
    if (!c)
        return;
    (void)hm_sync_committer_wait(c, &ignored);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void hm_sync_committer_start(hm_sync_committer *c, hm_conn *conn)
{
    pthread_mutex_lock(&c->mu);
    c->job = conn;
    c->busy = true;
    c->done = false;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

bool hm_sync_committer_busy(const hm_sync_committer *c)
{
    return c->busy;
}

bool hm_sync_committer_idle(hm_sync_committer *c)
{
    bool idle;
    if (!c->busy)
        return true;
    pthread_mutex_lock(&c->mu);
    idle = c->done;
    pthread_mutex_unlock(&c->mu);
    return idle;
}

hm_code hm_sync_committer_wait(hm_sync_committer *c, hm_err *err)
{
    hm_code rc;
    if (!c->busy)
        return HM_OK;
    pthread_mutex_lock(&c->mu);
    while (!c->done)
        pthread_cond_wait(&c->cv, &c->mu);
    rc = c->rc;
    if (rc != HM_OK)
        *err = c->err;
    c->busy = false;
    pthread_mutex_unlock(&c->mu);
    return rc;
}
