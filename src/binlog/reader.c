/*
 * binlog/reader.c: the replica side of COM_BINLOG_DUMP over Connector/C. See reader.h.
 *
 * What Connector/C (3.3) does and does not do, and so what this file does around it:
 *   - it announces nothing: the source sends checksums only to a replica that set
 *     @master_binlog_checksum, GTID events only to one that set @mariadb_slave_capability, and
 *     heartbeats only when @master_heartbeat_period is set. The reader sets them (and MySQL
 *     8.0.26+'s @source_* names) before the dump.
 *   - its event parser refuses events that sources really send: MySQL 5.6/5.7's
 *     FORMAT_DESCRIPTION (post-header length 95 is below its table's 98), and every type it does
 *     not know without LOG_EVENT_IGNORABLE_F (TRANSACTION_PAYLOAD, HEARTBEAT_V2, tagged GTID,
 *     newer MariaDB events). When mariadb_rpl_fetch() fails that way the packet has been read
 *     and is still in the connection's buffer; the reader takes the event from there and decodes
 *     it itself (counted in fallbacks). Its other results are not used: the raw bytes are.
 *   - COM_BINLOG_DUMP has a 32-bit start position and Connector/C truncates larger ones
 *     silently. Past 4 GiB the reader starts a MariaDB source from the GTID state instead
 *     (@slave_connect_state): the source sends its fake ROTATE (position 4), the events at the
 *     start of the file (FORMAT_DESCRIPTION, GTID_LIST, ...), skips the transactions the state
 *     holds and goes on from there. The reader "seeks": it keeps the requested 64-bit position
 *     until the first transaction arrives, whose header log_pos (the low 32 bits of its end) then
 *     fixes the high bits; a transaction that does not start at or just after the requested
 *     position fails the read. A MySQL source is started with COM_BINLOG_DUMP_GTID instead
 *     (auto-position from the GTID set in MySQL's binary encoding; Connector/C has no call for
 *     it, so the packet is built here and sent as a command) and seeks the same way.
 *   - position 0 with a GTID state (a checkpoint taken on another server, see sync/failover.c):
 *     the dump starts from the state alone, and the reader takes the file from the source's fake
 *     ROTATE and the positions from the events' log_pos, as they come.
 *   - the event header's log_pos is 32 bits; the reader keeps its own 64-bit position: the
 *     requested one, advanced by each event's size, reset by ROTATE. Artificial events (fake
 *     ROTATE, the FORMAT_DESCRIPTION re-sent at the start, heartbeats: log_pos 0 or not from the
 *     file) do not advance it.
 */
#include "binlog/reader.h"

#include <errmsg.h>
#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/buf.h"
#include "util/err.h"

struct hm_binlog_reader {
    hm_conn *c;
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *ev;  /* the last event fetched (its raw bytes back the decoded event) */
    hm_binlog_fmt fmt;
    char file[256];
    uint64_t pos;           /* where the next event starts */
    bool seeking;           /* started by GTID: pos is the requested one until a transaction comes */
    unsigned long fallbacks;
};

const hm_binlog_fmt *hm_binlog_reader_fmt(const hm_binlog_reader *r) { return &r->fmt; }

void hm_binlog_reader_where(const hm_binlog_reader *r, const char **file, uint64_t *pos)
{
    *file = r->file;
    *pos = r->pos;
}

unsigned long hm_binlog_reader_fallbacks(const hm_binlog_reader *r) { return r->fallbacks; }

void hm_binlog_reader_free(hm_binlog_reader *r)
{
    if (!r)
        return;
    if (r->ev)
        mariadb_free_rpl_event(r->ev);
    if (r->rpl)
        mariadb_rpl_close(r->rpl);
    free(r);
}

static void set_file(hm_binlog_reader *r, const char *name, size_t len)
{
    if (len >= sizeof r->file)
        len = sizeof r->file - 1;
    memcpy(r->file, name, len);
    r->file[len] = 0;
    hm_binlog_fmt_set_file(&r->fmt, name, len);
}

hm_code hm_binlog_reader_open(hm_conn *c, const hm_binlog_reader_opts *o,
                              hm_binlog_reader **out, hm_err *err)
{
    hm_binlog_reader *r = NULL;
    char sql[256], alg[32];
    bool found;
    hm_code rc;
    size_t flen = o->file ? strlen(o->file) : 0;

    /* pos 0: a GTID set alone (a checkpoint made on another server, after a failover) */
    bool gtid_only = o->pos == 0 && o->gtid_start && *o->gtid_start;
    if (!gtid_only && (!flen || flen >= sizeof r->file))
        return hm_err_set(err, HM_EUSAGE, "binlog reader: no binlog file name to start from");
    if (flen >= sizeof r->file)
        flen = 0;
    bool by_gtid = o->pos > UINT32_MAX || gtid_only;

    if (o->pos < 4 && !gtid_only)
        return hm_err_set(err, HM_EUSAGE, "binlog reader: start position %llu in %s is out of range",
                          (unsigned long long)o->pos, o->file);
    bool mysql_gtid = by_gtid && c->flavor != HM_FLAVOR_MARIADB;
    if (mysql_gtid && (!o->gtid_sids || o->gtid_sids_len < 8))
        return hm_err_set(err, HM_EUSAGE,
                          "binlog reader: start position %s:%llu is past 4 GiB, which COM_BINLOG_DUMP "
                          "cannot carry, and there is no GTID set to start from instead (the MySQL "
                          "source must run with gtid_mode=ON)",
                          o->file, (unsigned long long)o->pos);
    if (by_gtid && !mysql_gtid && (!o->gtid_start || !*o->gtid_start))
        return hm_err_set(err, HM_EUSAGE,
                          "binlog reader: start position %s:%llu is past 4 GiB, which COM_BINLOG_DUMP "
                          "cannot carry, and there is no GTID state to start from instead",
                          o->file, (unsigned long long)o->pos);
    if (o->server_id == 0)
        return hm_err_set(err, HM_EUSAGE, "binlog reader: the replica server id must not be 0");
    r = calloc(1, sizeof *r);
    if (!r)
        return hm_err_set(err, HM_ENOMEM, "binlog reader: out of memory");
    r->c = c;
    hm_binlog_fmt_init(&r->fmt);
    set_file(r, o->file, flen);
    r->pos = gtid_only ? 4 : o->pos;
    r->seeking = by_gtid && !gtid_only; /* gtid_only: the source's fake ROTATE says where it starts */

    /* Announce what a replica announces. The checksum setting decides whether events before the
     * first FORMAT_DESCRIPTION (the fake ROTATE) carry a CRC. */
    rc = hm_conn_value(c, "SELECT @@global.binlog_checksum", alg, sizeof alg, &found, err);
    if (rc != HM_OK)
        goto fail;
    r->fmt.checksum_alg = strcmp(alg, "CRC32") == 0 ? HM_BINLOG_CRC_CRC32 : HM_BINLOG_CRC_OFF;
    rc = hm_conn_exec(c,
                      "SET @master_binlog_checksum = @@global.binlog_checksum, "
                      "@source_binlog_checksum = @@global.binlog_checksum, "
                      "@mariadb_slave_capability = 4",
                      err);
    if (rc != HM_OK)
        goto fail;
    if (o->heartbeat_ms) {
        snprintf(sql, sizeof sql,
                 "SET @master_heartbeat_period = %llu, @source_heartbeat_period = %llu",
                 (unsigned long long)o->heartbeat_ms * 1000000ull,
                 (unsigned long long)o->heartbeat_ms * 1000000ull);
        if ((rc = hm_conn_exec(c, sql, err)) != HM_OK)
            goto fail;
    }

    if (by_gtid && !mysql_gtid) {
        hm_buf q;
        hm_buf_init(&q, 4096 + 4 * strlen(o->gtid_start));
        rc = hm_buf_adds(&q, "SET @slave_connect_state = ");
        if (rc == HM_OK)
            rc = hm_sqlq_str(&q, c->my, o->gtid_start, strlen(o->gtid_start));
        if (rc == HM_OK)
            rc = hm_buf_adds(&q, ", @slave_gtid_strict_mode = 0, @slave_gtid_ignore_duplicates = 0");
        if (rc == HM_OK)
            rc = hm_conn_execb(c, &q, err);
        else
            hm_err_set(err, rc, "binlog reader: out of memory");
        hm_buf_release(&q);
        if (rc != HM_OK)
            goto fail;
    }

    r->rpl = mariadb_rpl_init(c->my);
    if (!r->rpl) {
        rc = hm_conn_fail(c, "starting the binlog reader", err);
        goto fail;
    }
    if (mariadb_rpl_optionsv(r->rpl, MARIADB_RPL_FILENAME, flen ? o->file : "", flen) ||
        mariadb_rpl_optionsv(r->rpl, MARIADB_RPL_START, (unsigned long)(by_gtid ? 4 : o->pos)) ||
        mariadb_rpl_optionsv(r->rpl, MARIADB_RPL_SERVER_ID, (unsigned int)o->server_id) ||
        mariadb_rpl_optionsv(r->rpl, MARIADB_RPL_FLAGS,
                             (unsigned int)(MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS |
                                            (o->non_blocking ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK
                                                             : 0))) ||
        mariadb_rpl_optionsv(r->rpl, MARIADB_RPL_VERIFY_CHECKSUM, (uint32_t)1)) {
        rc = hm_err_set(err, HM_EINTERNAL, "binlog reader: Connector/C refused an option: %s",
                        mariadb_rpl_error(r->rpl));
        goto fail;
    }
    if (mysql_gtid) {
        /* Connector/C has no COM_BINLOG_DUMP_GTID: the packet is built here and sent as a
         * command; the dump's packets are then read as after COM_BINLOG_DUMP */
        hm_buf pk;
        hm_buf_init(&pk, (size_t)64 << 20);
        rc = hm_binlog_dump_gtid_packet(&pk, o->server_id, o->non_blocking, "", 4, o->gtid_sids,
                                        o->gtid_sids_len);
        if (rc != HM_OK) {
            hm_buf_release(&pk);
            rc = hm_err_set(err, HM_ENOMEM, "binlog reader: out of memory");
            goto fail;
        }
        /* the command byte goes as the command, the rest as its argument */
        if (c->my->methods->db_command(c->my, (enum enum_server_command)0x1e, pk.data + 1, pk.len - 1,
                                       1, NULL)) {
            hm_buf_release(&pk);
            rc = hm_conn_fail(c, "starting the binlog dump by GTID (COM_BINLOG_DUMP_GTID)", err);
            hm_err_prefix(err, "binlog %s:%llu", o->file, (unsigned long long)o->pos);
            goto fail;
        }
        hm_buf_release(&pk);
    } else if (mariadb_rpl_open(r->rpl)) {
        rc = hm_conn_fail(c, "starting the binlog dump", err);
        if (by_gtid)
            hm_err_prefix(err, "binlog %s:%llu (from GTID %s)", o->file, (unsigned long long)o->pos,
                          o->gtid_start);
        else
            hm_err_prefix(err, "binlog %s:%llu", o->file, (unsigned long long)o->pos);
        goto fail;
    }
    *out = r;
    return HM_OK;

fail:
    hm_binlog_reader_free(r);
    return rc;
}

hm_code hm_binlog_dump_gtid_packet(hm_buf *out, uint32_t server_id, bool non_blocking,
                                   const char *file, uint64_t pos, const uint8_t *sids,
                                   size_t sids_len)
{
    uint8_t h[11], p[12];
    size_t fl = file ? strlen(file) : 0;
    uint16_t flags = (uint16_t)(0x04 | (non_blocking ? 0x01 : 0)); /* THROUGH_GTID, NON_BLOCK */
    hm_code rc;
    if (sids_len > UINT32_MAX || fl > UINT32_MAX)
        return HM_EUSAGE;
    h[0] = 0x1e;
    for (int i = 0; i < 2; i++)
        h[1 + i] = (uint8_t)(flags >> (8 * i));
    for (int i = 0; i < 4; i++) {
        h[3 + i] = (uint8_t)(server_id >> (8 * i));
        h[7 + i] = (uint8_t)((uint64_t)fl >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(pos >> (8 * i));
    for (int i = 0; i < 4; i++)
        p[8 + i] = (uint8_t)((uint64_t)sids_len >> (8 * i));
    rc = hm_buf_add(out, h, sizeof h);
    if (rc == HM_OK && fl)
        rc = hm_buf_add(out, file, fl);
    if (rc == HM_OK)
        rc = hm_buf_add(out, p, sizeof p);
    if (rc == HM_OK && sids_len)
        rc = hm_buf_add(out, sids, sids_len);
    return rc;
}

/* Connector/C refused the packet it read: take the event from the connection's buffer, where
 * the packet still is (OK byte 0x00, then the event). */
static bool packet_from_net(hm_binlog_reader *r, const uint8_t **raw, size_t *len)
{
    const NET *net = &r->c->my->net;
    const uint8_t *p = net->read_pos;
    uint32_t size;
    if (!p || p < net->buff || p + 1 + HM_BINLOG_HEADER_LEN > net->buff_end || p[0] != 0)
        return false;
    if (!hm_binlog_peek_size(p + 1, HM_BINLOG_HEADER_LEN, &size) ||
        size > (size_t)(net->buff_end - (p + 1)))
        return false;
    *raw = p + 1;
    *len = size;
    return true;
}

hm_code hm_binlog_reader_next(hm_binlog_reader *r, hm_binlog_event *ev, bool *more,
                              hm_err *err)
{
    const uint8_t *raw;
    size_t len;
    hm_code rc;
    uint64_t at;

    *more = false;
    if (r->ev) {
        mariadb_free_rpl_event(r->ev);
        r->ev = NULL;
    }
    r->ev = mariadb_rpl_fetch(r->rpl, NULL);
    if (r->ev) {
        raw = r->ev->raw_data + r->ev->raw_data_ofs;
        len = r->ev->raw_data_size - r->ev->raw_data_ofs;
    } else {
        unsigned rerr = mariadb_rpl_errno(r->rpl), merr = mysql_errno(r->c->my);
        if (rerr == 0 && merr == 0)
            return HM_OK; /* the source's EOF: a non-blocking dump reached the end */
        if ((rerr == CR_BINLOG_ERROR || rerr == CR_UNKNOWN_BINLOG_EVENT ||
             rerr == CR_ERR_CHECKSUM_VERIFICATION_ERROR) &&
            packet_from_net(r, &raw, &len)) {
            r->fallbacks++;
        } else if (merr) {
            rc = hm_conn_fail(r->c, "reading the binlog", err);
            hm_err_prefix(err, "binlog %s:%llu", r->file, (unsigned long long)r->pos);
            return rc;
        } else {
            return hm_err_set(err, HM_ESOURCE, "binlog %s:%llu: reading the binlog: %s",
                              r->file, (unsigned long long)r->pos, mariadb_rpl_error(r->rpl));
        }
    }

    rc = hm_binlog_event_decode(&r->fmt, raw, len, r->pos, ev, err);
    if (rc != HM_OK)
        return rc;
    *more = true;

    /* the 64-bit position of the next event */
    at = r->pos + ev->size;
    switch (ev->kind) {
    case HM_BINLOG_EV_ROTATE:
        if (r->seeking && ev->u.rotate.file.len == strlen(r->file) &&
            memcmp(ev->u.rotate.file.p, r->file, ev->u.rotate.file.len) == 0)
            break; /* started by GTID in the requested file: still seeking the requested position */
        set_file(r, ev->u.rotate.file.p, ev->u.rotate.file.len);
        r->pos = ev->u.rotate.position;
        /* a later file: the state's transactions end before it, the source starts there */
        r->seeking = false;
        break;
    case HM_BINLOG_EV_HEARTBEAT:
        break;
    default:
        if (ev->log_pos == 0 || (ev->flags & HM_BINLOG_F_ARTIFICIAL))
            break; /* not an event of the file at this position */
        if (r->seeking) {
            uint64_t start;
            char g[96];
            if (ev->kind != HM_BINLOG_EV_MARIADB_GTID && ev->kind != HM_BINLOG_EV_MYSQL_GTID)
                break; /* the start of the file the source sends first: not where we are */
            /* the first transaction after the state: it must start at the requested position
             * (or just after it, past events outside transactions the source skipped) */
            at = (r->pos & ~(uint64_t)UINT32_MAX) | ev->log_pos;
            if (at < r->pos + ev->size)
                at += (uint64_t)1 << 32;
            start = at - ev->size;
            if (start - r->pos > 65536) {
                if (!hm_binlog_gtid_format(ev, g, sizeof g))
                    snprintf(g, sizeof g, "ANONYMOUS");
                return hm_err_set(err, HM_ESOURCE,
                                  "binlog %s: started from GTID state to reach position %llu, the "
                                  "source sent GTID %s at %llu instead: the state and the "
                                  "position disagree",
                                  r->file, (unsigned long long)r->pos, g, (unsigned long long)start);
            }
            r->seeking = false;
            r->pos = at;
            break;
        }
        if ((uint32_t)at != ev->log_pos) {
            /* trust the source: the same 4 GiB window, or the next one if its offset is lower */
            uint64_t base = at & ~(uint64_t)UINT32_MAX;
            at = base | ev->log_pos;
            if (at < r->pos)
                at += (uint64_t)1 << 32;
        }
        r->pos = at;
        break;
    }
    return HM_OK;
}
