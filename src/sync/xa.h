/*
 * sync/xa.h: XA transactions of the source (XA START ... XA END, XA PREPARE, and XA COMMIT or XA
 * ROLLBACK possibly much later, in another binlog file, after a hotmig restart), applied to the
 * target so that a prepared transaction's changes reach it exactly once, when and only if the
 * source commits it.
 *
 * How the source logs them. MariaDB (10.5+): a GTID event flagged FL_PREPARED_XA carrying the
 * xid opens the transaction (no XA START statement), its rows, a QUERY "XA END X'..',X'..',n",
 * an XA_PREPARE event; later a GTID flagged FL_COMPLETED_XA and a QUERY "XA COMMIT X'..',X'..',n"
 * or "XA ROLLBACK ...". MySQL (5.7.7+): a GTID, a QUERY "XA START X'..',X'..',n", the rows, a QUERY
 * "XA END ...", an XA_PREPARE event (one_phase set for XA COMMIT ... ONE PHASE); later a GTID and
 * a QUERY "XA COMMIT ..." or "XA ROLLBACK ...". XA COMMIT ONE PHASE on MariaDB is logged as a
 * plain transaction.
 *
 * How the target holds them. The prepared transaction is prepared on the target too: its rows
 * are applied on a connection of its own inside XA START <the source's xid> ... XA END, XA
 * PREPARE, and that connection is closed: the target keeps the prepared transaction (MariaDB
 * 10.5+, MySQL 5.7.7+ keep it across disconnects and restarts) and the checkpoint moves past its
 * events. Inside the XA transaction a marker row goes to hotmig_meta.sync_xa, so the target
 * itself records, atomically with the changes, that they were made:
 *
 *   target's view of an xid        means                                   XA COMMIT from source
 *   ------------------------------ --------------------------------------- -----------------------
 *   listed by XA RECOVER           prepared, waiting for the source        XA COMMIT on the target
 *   marker row committed           committed on the target, checkpoint    nothing (done before a
 *                                  not yet past the source's XA COMMIT      restart)
 *   neither                        never prepared here, or rolled back     FAILED: prepared before
 *                                                                          the migration started
 *
 * The marker is deleted in the target transaction that moves the checkpoint past the source's
 * XA COMMIT. On a restart that re-reads a prepare the target already holds (XA RECOVER lists it,
 * or the marker is there), the transaction's events are skipped.
 *
 * The xid comes from the binlog (hostile bytes): a statement's text is parsed strictly and the
 * SQL sent to the target is rebuilt here from the parsed bytes (hex literals), never copied.
 */
#ifndef HM_SYNC_XA_H
#define HM_SYNC_XA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "db/conn.h"
#include "hotmig.h"
#include "util/buf.h"

typedef struct hm_sync_xid {
    uint32_t format_id;
    uint8_t gtrid_len, bqual_len; /* 1..64, 0..64 */
    uint8_t data[128];            /* gtrid then bqual */
} hm_sync_xid;

typedef enum hm_sync_xa_verb {
    HM_XA_NONE = 0, /* not an XA statement */
    HM_XA_START,    /* XA START / XA BEGIN */
    HM_XA_END,
    HM_XA_PREPARE,
    HM_XA_COMMIT,
    HM_XA_COMMIT_ONE_PHASE,
    HM_XA_ROLLBACK,
} hm_sync_xa_verb;

/* Whether q[0..n) is an XA statement as the servers log it ("XA COMMIT X'6731',X'',1"); *verb
 * HM_XA_NONE when it is not one at all. HM_ESOURCE when it starts with XA but does not parse
 * (its xid is then unknown: the caller must stop). */
hm_code hm_sync_xa_parse(const char *q, size_t n, hm_sync_xa_verb *verb, hm_sync_xid *xid,
                         hm_err *err);

/* The xid of a MariaDB GTID event with FL_PREPARED_XA or FL_COMPLETED_XA, or of an XA_PREPARE
 * event. false when the event carries none. */
bool hm_sync_xa_from_event(const hm_binlog_event *ev, hm_sync_xid *xid);

/* Appends "XA <verb> X'..',X'..',n" to out (verb "COMMIT ONE PHASE": "XA COMMIT <xid> ONE
 * PHASE"). */
hm_code hm_sync_xa_sql(hm_buf *out, const char *verb, const hm_sync_xid *xid);

/* "X'6731',X'',1", for messages. */
void hm_sync_xa_text(const hm_sync_xid *xid, char *out, size_t n);

/* Creates hotmig_meta.sync_xa when it is not there (DDL: call it with no transaction open). */
hm_code hm_sync_xa_meta(hm_conn *tgt, hm_err *err);

/* What the target holds of xid (the table above). */
hm_code hm_sync_xa_lookup(hm_conn *tgt, const hm_sync_xid *xid, bool *prepared, bool *marked,
                          hm_err *err);

/* In the open XA transaction on c: the marker row of xid. */
hm_code hm_sync_xa_mark(hm_conn *c, const hm_sync_xid *xid, hm_err *err);
/* In the open (ordinary) transaction on c: the marker row of xid deleted. */
hm_code hm_sync_xa_unmark(hm_conn *c, const hm_sync_xid *xid, hm_err *err);

/* Runs "XA <verb> xid" on c. */
hm_code hm_sync_xa_exec(hm_conn *c, const char *verb, const hm_sync_xid *xid, hm_err *err);

#endif
