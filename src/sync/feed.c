/*
 * sync/feed.c: the binlog read ahead on a thread (see feed.h). Owns the dump connection, the
 * reader, the thread and the queue.
 */
#include "sync/feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "binlog/reader.h"
#include "db/conn.h"
#include "sync/gtid.h"
#include "util/err.h"

struct hm_sync_feed {
    hm_conn conn;
    hm_binlog_reader *reader;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    hm_sync_entry *head, *tail;
    size_t bytes, max_bytes;
    bool ended; /* the thread has queued its last entry */
    hm_binlog_fmt fmt0;
    hm_buf sids;  /* MySQL past 4 GiB: the start's GTID set, binary (COM_BINLOG_DUMP_GTID) */
};

const hm_binlog_fmt *hm_sync_feed_fmt0(const hm_sync_feed *f)
{
    return &f->fmt0;
}

static hm_sync_entry *entry_new(hm_code rc, const char *file, uint64_t next_pos, const void *data,
                                size_t size)
{
    size_t flen = strlen(file) + 1;
    hm_sync_entry *e = malloc(sizeof *e + flen + size);
    char *p;
    if (!e)
        return NULL;
    p = (char *)(e + 1);
    memcpy(p, file, flen);
    memcpy(p + flen, data, size);
    e->next = NULL;
    e->rc = rc;
    e->next_pos = next_pos;
    e->file = p;
    e->size = (uint32_t)size;
    e->raw = (const uint8_t *)p + flen;
    return e;
}

/* Appends e, waiting while the queue is full; false when told to stop meanwhile. */
static bool push(hm_sync_feed *f, hm_sync_entry *e)
{
    pthread_mutex_lock(&f->mu);
    while (f->head && f->bytes + e->size > f->max_bytes && !atomic_load(&f->stop))
        pthread_cond_wait(&f->not_full, &f->mu);
    if (atomic_load(&f->stop)) {
        pthread_mutex_unlock(&f->mu);
        free(e);
        return false;
    }
    if (f->tail)
        f->tail->next = e;
    else
        f->head = e;
    f->tail = e;
    f->bytes += e->size;
    pthread_cond_signal(&f->not_empty);
    pthread_mutex_unlock(&f->mu);
    return true;
}

static void *feed_main(void *arg)
{
    hm_sync_feed *f = arg;
    hm_binlog_event ev;
    hm_err err;
    memset(&err, 0, sizeof err);
    for (;;) {
        const char *file;
        uint64_t pos;
        bool more = true;
        hm_sync_entry *e;
        hm_code rc = hm_binlog_reader_next(f->reader, &ev, &more, &err);
        if (atomic_load(&f->stop))
            break;
        if (rc == HM_OK && !more)
            rc = hm_err_set(&err, HM_ESOURCE, "source %s ended the binlog dump", f->conn.addr);
        hm_binlog_reader_where(f->reader, &file, &pos);
        e = rc == HM_OK ? entry_new(HM_OK, file, pos, ev.raw, ev.size)
                        : entry_new(rc, file, pos, err.msg, strlen(err.msg) + 1);
        if (!e && rc == HM_OK)
            e = entry_new(HM_ENOMEM, file, pos, "out of memory reading the binlog",
                          sizeof "out of memory reading the binlog");
        if (!e)
            break;
        rc = e->rc; /* e belongs to the applier once pushed */
        if (!push(f, e) || rc != HM_OK)
            break;
    }
    pthread_mutex_lock(&f->mu);
    f->ended = true;
    pthread_cond_broadcast(&f->not_empty);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* A MySQL GTID set's text in MySQL's binary encoding, into f->sids. */
static hm_code mysql_gtid_sids(hm_sync_feed *f, const char *gtid, hm_err *err)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_code rc;
    if (!s)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    rc = hm_gtid_set_parse(s, gtid, err);
    if (rc == HM_OK)
        rc = hm_gtid_set_encode_mysql(s, &f->sids, err);
    hm_gtid_set_free(s);
    return rc;
}

hm_code hm_sync_feed_start(hm_sync_feed **out, const hm_endpoint *src, const char *file, uint64_t pos,
                           const char *gtid, uint32_t server_id, size_t max_bytes, hm_err *err)
{
    hm_binlog_reader_opts ro;
    hm_sync_feed *f = calloc(1, sizeof *f);
    hm_code rc;
    *out = NULL;
    if (!f)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    atomic_init(&f->stop, false);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->not_empty, NULL);
    pthread_cond_init(&f->not_full, NULL);
    f->max_bytes = max_bytes;
    hm_buf_init(&f->sids, (size_t)64 << 20);
    if ((rc = hm_conn_open(&f->conn, src, "source", HM_CONN_DUMP, err)) != HM_OK)
        goto fail;
    memset(&ro, 0, sizeof ro);
    ro.file = file;
    ro.pos = pos;
    ro.gtid_start = gtid;
    if (f->conn.flavor == HM_FLAVOR_MYSQL && pos > UINT32_MAX && gtid && *gtid &&
        (rc = mysql_gtid_sids(f, gtid, err)) != HM_OK) /* COM_BINLOG_DUMP_GTID's set */
        goto fail;
    ro.gtid_sids = (const uint8_t *)f->sids.data;
    ro.gtid_sids_len = f->sids.len;
    ro.server_id = server_id;
    ro.heartbeat_ms = 500;
    if ((rc = hm_binlog_reader_open(&f->conn, &ro, &f->reader, err)) != HM_OK)
        goto fail;
    f->fmt0 = *hm_binlog_reader_fmt(f->reader);
    if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
        rc = hm_err_set(err, HM_EINTERNAL, "cannot start the binlog thread: %s", strerror(errno));
        goto fail;
    }
    f->thread_started = true;
    *out = f;
    return HM_OK;
fail:
    hm_sync_feed_stop(f);
    return rc;
}

hm_sync_entry *hm_sync_feed_take(hm_sync_feed *f, unsigned timeout_ms)
{
    hm_sync_entry *e;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    while (!f->head && !f->ended)
        if (pthread_cond_timedwait(&f->not_empty, &f->mu, &until) == ETIMEDOUT)
            break;
    e = f->head;
    if (e) {
        f->head = e->next;
        if (!f->head)
            f->tail = NULL;
        f->bytes -= e->size;
        e->next = NULL;
        pthread_cond_signal(&f->not_full);
    }
    pthread_mutex_unlock(&f->mu);
    return e;
}

bool hm_sync_feed_empty(hm_sync_feed *f)
{
    bool empty;
    pthread_mutex_lock(&f->mu);
    empty = f->head == NULL;
    pthread_mutex_unlock(&f->mu);
    return empty;
}

void hm_sync_feed_stop(hm_sync_feed *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, true);
    if (f->thread_started) {
        pthread_mutex_lock(&f->mu);
        pthread_cond_broadcast(&f->not_full);
        pthread_mutex_unlock(&f->mu);
        /* cut the blocking read short; the thread sees the error, then the stop flag */
        if (f->conn.my)
            shutdown(mysql_get_socket(f->conn.my), SHUT_RDWR);
        pthread_join(f->thread, NULL);
    }
    if (f->reader)
        hm_binlog_reader_free(f->reader);
    hm_conn_close(&f->conn);
    while (f->head) {
        hm_sync_entry *e = f->head;
        f->head = e->next;
        free(e);
    }
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->not_empty);
    pthread_cond_destroy(&f->not_full);
    hm_buf_release(&f->sids);
    free(f);
}
