/*
 * tests/fuzz/stream.h: what the binlog fuzz drivers share: the input read as a stream of binlog
 * events (a file's events after its 4-byte magic, or events as a replica receives them), decoded
 * in order as the sync decodes them. The FORMAT_DESCRIPTION of the input sets the format; CRC32
 * trailers are not verified (a mutated byte would otherwise stop almost every input at the
 * checksum, and the code behind it would go unfuzzed).
 *
 * What each driver does with a decoded event is a flag:
 *   FZ_HELPERS  the formatting helpers (position, GTID, GTID set and list, type names)
 *   FZ_ROWS     table maps kept, row images decoded with them and every value rendered
 *               (JSON binary, DECIMAL, temporal types: tests/unit/binlog/vv.c's renderer)
 *   FZ_INFLATE  MariaDB compressed events inflated, MySQL TRANSACTION_PAYLOADs opened and their
 *               inner events decoded the same way
 * Memory is bounded by the input: at most 64 MiB of inflated data per event.
 */
#ifndef HM_FUZZ_STREAM_H
#define HM_FUZZ_STREAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "util/buf.h"
#include "../unit/binlog/vv.h"

enum { FZ_HELPERS = 1, FZ_ROWS = 2, FZ_INFLATE = 4 };

typedef struct fz_stream {
    unsigned flags;
    hm_binlog_fmt fmt;
    hm_binlog_tables maps;
    hm_buf inflated, text;
    hm_binlog_value *before, *after;
} fz_stream;

static void fz_event(fz_stream *z, hm_binlog_fmt *fmt, hm_binlog_event *ev, int depth);

static void fz_helpers(const hm_binlog_fmt *fmt, const hm_binlog_event *ev)
{
    char buf[512], name[32];
    hm_buf set;
    hm_binlog_event_where(fmt, ev, buf, sizeof buf);
    (void)hm_binlog_type_name_r(ev->type, name, sizeof name);
    (void)hm_binlog_gtid_format(ev, buf, sizeof buf);
    if (ev->kind == HM_BINLOG_EV_PREVIOUS_GTIDS) {
        hm_buf_init(&set, 1 << 20);
        (void)hm_binlog_gtid_set_format(ev, &set);
        hm_buf_release(&set);
    }
    if (ev->kind == HM_BINLOG_EV_GTID_LIST) {
        for (uint32_t i = 0; i < ev->u.gtid_list.count && i < 4096; i++) {
            uint32_t d, s;
            uint64_t q;
            hm_binlog_gtid_list_at(ev, i, &d, &s, &q);
        }
    }
}

static void fz_rows(fz_stream *z, const hm_binlog_fmt *fmt, hm_binlog_event *ev)
{
    const hm_binlog_table *t = hm_binlog_tables_get(&z->maps, ev->u.rows.table_id);
    hm_err err;
    long nrows = 0;
    if (!t || t->ncols > 4096)
        return;
    z->text.len = 0;
    (void)vv_rows(&z->text, fmt, ev, t, z->before, z->after, &nrows, &err);
}

static void fz_event(fz_stream *z, hm_binlog_fmt *fmt, hm_binlog_event *ev, int depth)
{
    hm_err err;
    if (z->flags & FZ_HELPERS)
        fz_helpers(fmt, ev);
    if ((z->flags & FZ_ROWS) && ev->kind == HM_BINLOG_EV_TABLE_MAP) {
        const hm_binlog_table *t;
        (void)hm_binlog_tables_put(&z->maps, fmt, ev, &t, &err);
    }
    if (hm_binlog_is_compressed(ev)) {
        if (!(z->flags & FZ_INFLATE) || hm_binlog_inflate(fmt, ev, &z->inflated, &err) != HM_OK)
            return;
    }
    if ((z->flags & FZ_ROWS) && ev->kind == HM_BINLOG_EV_ROWS)
        fz_rows(z, fmt, ev);
    if ((z->flags & FZ_INFLATE) && ev->kind == HM_BINLOG_EV_TRANSACTION_PAYLOAD && depth == 0) {
        hm_binlog_payload_iter it;
        hm_binlog_event inner;
        bool more = true;
        hm_buf payload;
        hm_buf_init(&payload, (size_t)64 << 20);
        if (hm_binlog_payload_begin(&it, fmt, ev, &payload, &err) == HM_OK)
            for (int n = 0; more && n < 100000; n++) {
                if (hm_binlog_payload_next(&it, &inner, &more, &err) != HM_OK || !more)
                    break;
                fz_event(z, &it.fmt, &inner, depth + 1);
            }
        hm_buf_release(&payload);
    }
}

/* Decodes data[0..size) as events, from offset 0 or after a binlog magic. */
static void fz_stream_run(const uint8_t *data, size_t size, unsigned flags)
{
    static fz_stream z;
    size_t pos = 0;
    if (!z.before) {
        z.before = calloc(4096, sizeof *z.before);
        z.after = calloc(4096, sizeof *z.after);
        if (!z.before || !z.after)
            abort();
    }
    z.flags = flags;
    hm_binlog_fmt_init(&z.fmt);
    z.fmt.verify_checksum = false;
    hm_binlog_tables_init(&z.maps);
    hm_buf_init(&z.inflated, (size_t)64 << 20);
    hm_buf_init(&z.text, (size_t)16 << 20);
    if (size >= HM_BINLOG_MAGIC_LEN && memcmp(data, HM_BINLOG_MAGIC, HM_BINLOG_MAGIC_LEN) == 0)
        pos = HM_BINLOG_MAGIC_LEN;
    while (pos < size) {
        hm_binlog_event ev;
        hm_err err;
        uint32_t evsize;
        if (!hm_binlog_peek_size(data + pos, size - pos, &evsize) || evsize > size - pos || evsize == 0)
            break;
        /* the decoder is given exactly the event's bytes, in a buffer of that size, so that ASan
         * sees a read past its end */
        uint8_t *copy = malloc(evsize);
        if (!copy)
            abort();
        memcpy(copy, data + pos, evsize);
        if (hm_binlog_event_decode(&z.fmt, copy, evsize, pos, &ev, &err) == HM_OK) {
            z.fmt.verify_checksum = false;
            fz_event(&z, &z.fmt, &ev, 0);
        }
        free(copy);
        pos += evsize;
    }
    hm_binlog_tables_release(&z.maps);
    hm_buf_release(&z.inflated);
    hm_buf_release(&z.text);
}

#endif
