/*
 * sync/feed.h: the source's binlog, read ahead on a thread of its own.
 *
 * The feed connects to the source, starts a binlog dump from a file and position (binlog/reader.h,
 * heartbeats every 500 ms) and, on its thread, copies each event into a bounded queue, so that
 * reading and decoding overlap with applying, and so that the applier can tell when it has
 * caught up (the queue is empty): the moment to commit a group of transactions.
 *
 * An entry is one event's bytes with where the next event starts (file and 64-bit position,
 * as the reader tracks them across ROTATEs). When the dump fails, the last entry carries the
 * error. The queue holds at most max_bytes of events (a single larger event is let in alone).
 *
 * Ownership: entries handed out by hm_sync_feed_take() belong to the caller (free()). The feed
 * owns its connection and thread; hm_sync_feed_stop() ends both.
 */
#ifndef HM_SYNC_FEED_H
#define HM_SYNC_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "hotmig.h"

typedef struct hm_sync_entry {
    struct hm_sync_entry *next;
    hm_code rc;            /* HM_OK: an event; else the dump ended with this error (msg in raw) */
    uint64_t next_pos;     /* where the next event starts */
    const char *file;      /* the file it starts in (inside this allocation) */
    uint32_t size;         /* bytes of the event at raw (of the message when rc != HM_OK) */
    const uint8_t *raw;    /* inside this allocation */
} hm_sync_entry;

typedef struct hm_sync_feed hm_sync_feed;

/* Connects to src, starts the dump at file:pos announcing itself as replica server_id, and the
 * thread. gtid: the GTID state at file:pos (borrowed; used to start past 4 GiB, see
 * binlog/reader.h). Fails with the connection's or the source's code (a binlog the source no longer has
 * fails here or as the first entry). */
hm_code hm_sync_feed_start(hm_sync_feed **out, const hm_endpoint *src, const char *file, uint64_t pos,
                           const char *gtid, uint32_t server_id, size_t max_bytes, hm_err *err);

/* The stream's format as the dump began (checksum setting announced, no FORMAT_DESCRIPTION
 * yet): decode the entries, in order, starting from a copy of it. */
const hm_binlog_fmt *hm_sync_feed_fmt0(const hm_sync_feed *f);

/* The next entry, waiting up to timeout_ms; NULL when none came in that time. */
hm_sync_entry *hm_sync_feed_take(hm_sync_feed *f, unsigned timeout_ms);

/* Whether the queue is empty now (the applier has everything the feed has read). */
bool hm_sync_feed_empty(hm_sync_feed *f);

/* Stops the thread (its read is cut short), closes the connection, frees the queue and f. */
void hm_sync_feed_stop(hm_sync_feed *f);

#endif
