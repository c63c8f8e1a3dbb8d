/*
 * service/http_sse.c: GET /api/v1/events/stream, server-sent events of task changes (the core's
 * change feed, hm_svc_changes_wait), so a console updates live without polling.
 *
 * Each change is one event:  id: <seq>  event: <type>  data: <the change as JSON, one line>.
 * A client that reconnects with Last-Event-ID (browsers do) or ?since=SEQ gets what it missed.
 * A comment line goes out every KEEPALIVE_S of quiet, so proxies and the idle timeout keep the
 * stream open. The stream ends when hotmigd stops (the reader checks h->stopping at least every
 * WAIT_MS, so the daemon's stop never waits on a client).
 *
 * The reader runs on the connection's own thread (one thread per connection, http.c), so its
 * waiting blocks nobody else. What it has to send waits in a bounded buffer (PENDING_MAX); a
 * burst that would not fit is replaced by one "resync" event telling the client to reload.
 * Owns one stream state per open stream, freed by libmicrohttpd through stream_free.
 */
#include <stdlib.h>
#include <string.h>

#include "service/http_int.h"
#include "util/buf.h"
#include "util/clock.h"

#define WAIT_MS 1000
#define KEEPALIVE_S 15.0
#define PENDING_MAX (4u * 1024 * 1024)

typedef struct stream {
    hm_http *h;
    uint64_t seq;
    hm_buf out;
    size_t off;          /* bytes of out already sent */
    double last_sent;
} stream;

static void queue_changes(stream *s, json_t *arr)
{
    size_t i;
    json_t *ch;
    json_array_foreach(arr, i, ch) {
        json_t *seq = json_object_get(ch, "seq"), *type = json_object_get(ch, "type");
        char *text = json_dumps(ch, JSON_COMPACT);
        hm_code rc = HM_OK;
        if (!text)
            continue;
        if (json_is_integer(seq))
            rc = hm_buf_addf(&s->out, "id: %lld\n", (long long)json_integer_value(seq));
        if (rc == HM_OK)
            rc = hm_buf_addf(&s->out, "event: %s\ndata: %s\n\n",
                             json_is_string(type) ? json_string_value(type) : "change", text);
        free(text);
        if (rc != HM_OK) {
            hm_buf_reset(&s->out);
            s->off = 0;
            hm_buf_addf(&s->out, "id: %llu\nevent: resync\ndata: {\"seq\":%llu}\n\n", (unsigned long long)s->seq,
                        (unsigned long long)s->seq);
            return;
        }
    }
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *s = cls;
    (void)pos;
    for (;;) {
        json_t *arr = NULL;
        hm_svc_err e;
        hm_svc_status st;
        if (s->off < s->out.len) {
            size_t n = s->out.len - s->off;
            if (n > max)
                n = max;
            memcpy(buf, s->out.data + s->off, n);
            s->off += n;
            s->last_sent = hm_clock_now();
            return (ssize_t)n;
        }
        hm_buf_reset(&s->out);
        s->off = 0;
        if (atomic_load(&s->h->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        memset(&e, 0, sizeof e);
        st = hm_svc_changes_wait(s->h->svc, &s->seq, WAIT_MS, &arr, &e);
        if (st == HM_SVC_EUNAVAIL)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (st != HM_SVC_OK) {
            json_decref(arr);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (json_array_size(arr) > 0)
            queue_changes(s, arr);
        json_decref(arr);
        if (s->out.len == 0 && hm_clock_now() - s->last_sent >= KEEPALIVE_S)
            hm_buf_adds(&s->out, ": keepalive\n\n");
    }
}

static void stream_free(void *cls)
{
    stream *s = cls;
    hm_buf_release(&s->out);
    free(s);
}

/* Last-Event-ID or ?since=: a sequence number, 0 (from now) when absent or not a number. */
static uint64_t resume_from(hm_http_req *r)
{
    const char *v = hm_http_header(r, "Last-Event-ID");
    char *end;
    unsigned long long x;
    if (!v || !*v)
        v = hm_http_query(r, "since");
    if (!v || *v < '0' || *v > '9')
        return 0;
    x = strtoull(v, &end, 10);
    return *end ? 0 : (uint64_t)x;
}

void hm_http_sse(hm_http_req *r, hm_http_ans *ans)
{
    stream *s = calloc(1, sizeof *s);
    struct MHD_Response *resp;
    if (!s) {
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    s->h = r->h;
    s->seq = resume_from(r);
    hm_buf_init(&s->out, PENDING_MAX);
    /* the client's reconnect delay, and a first line so it knows the stream is open */
    hm_buf_adds(&s->out, "retry: 3000\n: hotmigd event stream\n\n");
    if (s->seq == 0) {
        /* from now: take the current position so nothing between this call and the first wait is missed */
        json_t *arr = NULL;
        hm_svc_err e;
        memset(&e, 0, sizeof e);
        if (hm_svc_changes_wait(r->h->svc, &s->seq, 0, &arr, &e) == HM_SVC_OK)
            queue_changes(s, arr);
        json_decref(arr);
    }
    s->last_sent = hm_clock_now();
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, s, stream_free);
    if (!resp) {
        stream_free(s);
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    ans->status = 200;
    ans->raw = resp;
}
