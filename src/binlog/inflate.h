/*
 * binlog/inflate.h: compressed events.
 *
 * MariaDB with log_bin_compress=ON writes QUERY_COMPRESSED and WRITE/UPDATE/DELETE_ROWS_
 * COMPRESSED(_V1): the statement text, or the row images, are zlib data behind a header byte
 * (0x80 | algorithm << 4 | n) and an n-byte big-endian uncompressed length.
 *
 * MySQL 8.0.20+ with binlog_transaction_compression=ON writes a transaction's events (minus its
 * GTID) inside one TRANSACTION_PAYLOAD event, zstd-compressed; the inner events have no checksum.
 * zstd is loaded when first needed (libzstd.so.1, dlopen), so hotmig does not need it to build or
 * run on MariaDB; without it, a payload fails with a message that says so.
 *
 * Output goes to a caller's hm_buf (its max bounds the memory a hostile size field can take) and
 * the event is changed to point into it: keep the buffer as long as the event is used.
 */
#ifndef HM_BINLOG_INFLATE_H
#define HM_BINLOG_INFLATE_H

#include <stdbool.h>

#include "binlog/event.h"
#include "hotmig.h"
#include "util/buf.h"

/* True for QUERY_COMPRESSED and compressed ROWS events not yet inflated. */
bool hm_binlog_is_compressed(const hm_binlog_event *ev);

/* Inflates a MariaDB compressed event into out (reset first): afterwards ev->u.query.query or
 * ev->u.rows.rows point into out and .compressed is false. HM_ESOURCE on bad data, HM_ENOMEM
 * when the size exceeds out's limit. */
hm_code hm_binlog_inflate(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_buf *out,
                          hm_err *err);

/* The inner events of a TRANSACTION_PAYLOAD, one at a time. */
typedef struct hm_binlog_payload_iter {
    hm_binlog_fmt fmt;   /* the outer stream's format, checksums off */
    const uint8_t *p, *end;
    uint64_t pos;        /* the payload event's position: inner events report it */
} hm_binlog_payload_iter;

/* Decompresses ev (a TRANSACTION_PAYLOAD) into out (reset first) and starts iterating its events.
 * HM_ESOURCE on bad data or an unknown compression, HM_EIO when zstd cannot be loaded. */
hm_code hm_binlog_payload_begin(hm_binlog_payload_iter *it, const hm_binlog_fmt *fmt,
                                const hm_binlog_event *ev, hm_buf *out, hm_err *err);
/* Decodes the next inner event into ev (pointing into out); *more false after the last. */
hm_code hm_binlog_payload_next(hm_binlog_payload_iter *it, hm_binlog_event *ev, bool *more,
                               hm_err *err);

/* Whether zstd can be loaded here; why not in why (may be NULL). */
bool hm_binlog_zstd_available(char *why, size_t n);

#endif
