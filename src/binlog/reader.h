/*
 * binlog/reader.h: reading a source's binlog as a replica, through Connector/C's replication API
 * (mariadb_rpl.h), and decoding each event with binlog/event.h.
 *
 * The reader announces itself the way a replica does (checksum awareness, MariaDB GTID
 * capability, a heartbeat period), asks for the binlog from a file and position, and hands back
 * one decoded event at a time, following ROTATE events and keeping the 64-bit position of the
 * next event. Connector/C is used for the protocol only: every event is decoded and its CRC32
 * verified here, from the raw bytes, because Connector/C's own parsing refuses events a source
 * really sends (see reader.c).
 *
 * The connection becomes the dump's: use a dedicated one, connected with a read timeout longer
 * than the heartbeat period, so that a dead source is noticed.
 *
 * States: open -> (next)* -> free. next() after an error: the dump is in an unknown state; free.
 */
#ifndef HM_BINLOG_READER_H
#define HM_BINLOG_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "binlog/event.h"
#include "db/conn.h"
#include "hotmig.h"
#include "util/buf.h"

typedef struct hm_binlog_reader_opts {
    const char *file;      /* binlog file to start in, e.g. "binlog.000003" */
    uint64_t pos;          /* position in it, >= 4; past 4 GiB - 1 see gtid_start */
    uint32_t server_id;    /* replica id announced: != 0, unique among the source's replicas */
    unsigned heartbeat_ms; /* heartbeat period asked of the source; 0: none */
    bool non_blocking;     /* end at the end of the binlog instead of waiting (tests, catch-up) */
    const char *gtid_start; /* MariaDB: the GTID state at file:pos ("0-1-42,1-2-7"). COM_BINLOG_DUMP
                             * carries 32 bits of position: a pos past that starts the dump from
                             * this state instead (the source finds the place), and the reader
                             * checks it lands at file:pos. NULL or "": such a pos is refused. */
    const uint8_t *gtid_sids; /* MySQL: the same state in MySQL's binary encoding (Gtid_set::encode,
                               * see hm_gtid_set_encode_mysql): a pos past 4 GiB starts the dump
                               * with COM_BINLOG_DUMP_GTID (auto-position) from it instead */
    size_t gtid_sids_len;
} hm_binlog_reader_opts;

/* COM_BINLOG_DUMP_GTID's payload, as MySQL's protocol documentation lays it out, appended to out:
 *   1  command 0x1e
 *   2  flags: BINLOG_DUMP_NON_BLOCK 0x01 (when non_blocking), BINLOG_THROUGH_GTID 0x04
 *   4  server id of the replica
 *   4  length of the file name, then the name (empty for auto-position: the source finds the file)
 *   8  position (4 for auto-position)
 *   4  length of the GTID set, then the set (MySQL's binary encoding; tagged format for tags)
 * All integers little-endian. HM_ENOMEM when out cannot hold it. */
hm_code hm_binlog_dump_gtid_packet(hm_buf *out, uint32_t server_id, bool non_blocking,
                                   const char *file, uint64_t pos, const uint8_t *sids,
                                   size_t sids_len);

typedef struct hm_binlog_reader hm_binlog_reader;

/* Starts the dump on c (borrowed; it must outlive the reader and serve nothing else).
 * HM_EUSAGE for bad options, HM_ESOURCE (or the connection's code) when the source refuses. */
hm_code hm_binlog_reader_open(hm_conn *c, const hm_binlog_reader_opts *o,
                              hm_binlog_reader **out, hm_err *err);

/* Reads and decodes the next event into ev, which stays valid until the next call. Heartbeats
 * come back as HEARTBEAT events. *more is false (HM_OK) when a non-blocking dump has reached the
 * end. Fails with the decoder's HM_ESOURCE on a malformed or corrupt event, HM_ESOURCE /
 * HM_ECONNECT when the source ends the dump with an error or the connection is lost. */
hm_code hm_binlog_reader_next(hm_binlog_reader *r, hm_binlog_event *ev, bool *more,
                              hm_err *err);

/* The format of the current file (checksum, server version), for decoding rows. */
const hm_binlog_fmt *hm_binlog_reader_fmt(const hm_binlog_reader *r);
/* Where the next event starts: file name (owned by the reader) and 64-bit position. */
void hm_binlog_reader_where(const hm_binlog_reader *r, const char **file, uint64_t *pos);
/* Events Connector/C refused to parse and that were taken from the packet instead. */
unsigned long hm_binlog_reader_fallbacks(const hm_binlog_reader *r);

void hm_binlog_reader_free(hm_binlog_reader *r);

#endif
