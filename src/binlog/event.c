/*
 * binlog/event.c: decoding one binlog event. See event.h.
 *
 * Layout of an event (format v4), all integers little-endian:
 *
 *     common header (fmt->header_len, 19)  timestamp 4, type 1, server_id 4, size 4, log_pos 4,
 *                                           flags 2
 *     post-header (fmt->post_header_len[type] bytes: fixed fields of the type)
 *     payload (variable part)
 *     CRC32 of all bytes before it (4), when the checksum algorithm is CRC32
 *
 * Each decode_* function below reads one type with a bounds-checked cursor over the body (post-
 * header + payload, checksum excluded) and returns NULL, or a short text saying what is missing or
 * wrong; hm_binlog_event_decode() turns that text into the one error message, with the file,
 * position and type, in one place (its `fail:` exit).
 */
#include "binlog/event.h"

#include <stdio.h>
#include <string.h>

#include "binlog/crc32.h"
#include "binlog/wire.h"
#include "util/err.h"

#define MAX_COLUMNS 4096 /* MySQL's and MariaDB's limit */

/* Post-header lengths of format v4 before a FORMAT_DESCRIPTION says otherwise. */
static const uint8_t default_post_header[256] = {
    [HM_BINLOG_T_START_V3] = 56,
    [HM_BINLOG_T_QUERY] = 13,
    [HM_BINLOG_T_ROTATE] = 8,
    [HM_BINLOG_T_LOAD] = 18,
    [HM_BINLOG_T_CREATE_FILE] = 4,
    [HM_BINLOG_T_APPEND_BLOCK] = 4,
    [HM_BINLOG_T_EXEC_LOAD] = 4,
    [HM_BINLOG_T_DELETE_FILE] = 4,
    [HM_BINLOG_T_NEW_LOAD] = 18,
    [HM_BINLOG_T_BEGIN_LOAD_QUERY] = 4,
    [HM_BINLOG_T_EXECUTE_LOAD_QUERY] = 26,
    [HM_BINLOG_T_TABLE_MAP] = 8,
    [HM_BINLOG_T_WRITE_ROWS_V1] = 8,
    [HM_BINLOG_T_UPDATE_ROWS_V1] = 8,
    [HM_BINLOG_T_DELETE_ROWS_V1] = 8,
    [HM_BINLOG_T_INCIDENT] = 2,
    [HM_BINLOG_T_WRITE_ROWS] = 10,
    [HM_BINLOG_T_UPDATE_ROWS] = 10,
    [HM_BINLOG_T_DELETE_ROWS] = 10,
    [HM_BINLOG_T_GTID] = 42,
    [HM_BINLOG_T_ANONYMOUS_GTID] = 42,
    [HM_BINLOG_T_TRANSACTION_CONTEXT] = 18,
    [HM_BINLOG_T_VIEW_CHANGE] = 52,
    [HM_BINLOG_T_PARTIAL_UPDATE_ROWS] = 10,
    [HM_BINLOG_T_BINLOG_CHECKPOINT] = 4,
    [HM_BINLOG_T_MARIADB_GTID] = 19,
    [HM_BINLOG_T_GTID_LIST] = 4,
    [HM_BINLOG_T_QUERY_COMPRESSED] = 13,
    [HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1] = 8,
    [HM_BINLOG_T_UPDATE_ROWS_COMPRESSED_V1] = 8,
    [HM_BINLOG_T_DELETE_ROWS_COMPRESSED_V1] = 8,
    [HM_BINLOG_T_WRITE_ROWS_COMPRESSED] = 10,
    [HM_BINLOG_T_UPDATE_ROWS_COMPRESSED] = 10,
    [HM_BINLOG_T_DELETE_ROWS_COMPRESSED] = 10,
};

static const char *const type_names[256] = {
    [HM_BINLOG_T_UNKNOWN] = "UNKNOWN",
    [HM_BINLOG_T_START_V3] = "START_V3",
    [HM_BINLOG_T_QUERY] = "QUERY",
    [HM_BINLOG_T_STOP] = "STOP",
    [HM_BINLOG_T_ROTATE] = "ROTATE",
    [HM_BINLOG_T_INTVAR] = "INTVAR",
    [HM_BINLOG_T_LOAD] = "LOAD",
    [HM_BINLOG_T_SLAVE] = "SLAVE",
    [HM_BINLOG_T_CREATE_FILE] = "CREATE_FILE",
    [HM_BINLOG_T_APPEND_BLOCK] = "APPEND_BLOCK",
    [HM_BINLOG_T_EXEC_LOAD] = "EXEC_LOAD",
    [HM_BINLOG_T_DELETE_FILE] = "DELETE_FILE",
    [HM_BINLOG_T_NEW_LOAD] = "NEW_LOAD",
    [HM_BINLOG_T_RAND] = "RAND",
    [HM_BINLOG_T_USER_VAR] = "USER_VAR",
    [HM_BINLOG_T_FORMAT_DESCRIPTION] = "FORMAT_DESCRIPTION",
    [HM_BINLOG_T_XID] = "XID",
    [HM_BINLOG_T_BEGIN_LOAD_QUERY] = "BEGIN_LOAD_QUERY",
    [HM_BINLOG_T_EXECUTE_LOAD_QUERY] = "EXECUTE_LOAD_QUERY",
    [HM_BINLOG_T_TABLE_MAP] = "TABLE_MAP",
    [HM_BINLOG_T_PRE_GA_WRITE_ROWS] = "PRE_GA_WRITE_ROWS",
    [HM_BINLOG_T_PRE_GA_UPDATE_ROWS] = "PRE_GA_UPDATE_ROWS",
    [HM_BINLOG_T_PRE_GA_DELETE_ROWS] = "PRE_GA_DELETE_ROWS",
    [HM_BINLOG_T_WRITE_ROWS_V1] = "WRITE_ROWS_V1",
    [HM_BINLOG_T_UPDATE_ROWS_V1] = "UPDATE_ROWS_V1",
    [HM_BINLOG_T_DELETE_ROWS_V1] = "DELETE_ROWS_V1",
    [HM_BINLOG_T_INCIDENT] = "INCIDENT",
    [HM_BINLOG_T_HEARTBEAT] = "HEARTBEAT",
    [HM_BINLOG_T_IGNORABLE] = "IGNORABLE",
    [HM_BINLOG_T_ROWS_QUERY] = "ROWS_QUERY",
    [HM_BINLOG_T_WRITE_ROWS] = "WRITE_ROWS",
    [HM_BINLOG_T_UPDATE_ROWS] = "UPDATE_ROWS",
    [HM_BINLOG_T_DELETE_ROWS] = "DELETE_ROWS",
    [HM_BINLOG_T_GTID] = "GTID",
    [HM_BINLOG_T_ANONYMOUS_GTID] = "ANONYMOUS_GTID",
    [HM_BINLOG_T_PREVIOUS_GTIDS] = "PREVIOUS_GTIDS",
    [HM_BINLOG_T_TRANSACTION_CONTEXT] = "TRANSACTION_CONTEXT",
    [HM_BINLOG_T_VIEW_CHANGE] = "VIEW_CHANGE",
    [HM_BINLOG_T_XA_PREPARE] = "XA_PREPARE",
    [HM_BINLOG_T_PARTIAL_UPDATE_ROWS] = "PARTIAL_UPDATE_ROWS",
    [HM_BINLOG_T_TRANSACTION_PAYLOAD] = "TRANSACTION_PAYLOAD",
    [HM_BINLOG_T_HEARTBEAT_V2] = "HEARTBEAT_V2",
    [HM_BINLOG_T_GTID_TAGGED] = "GTID_TAGGED",
    [HM_BINLOG_T_ANNOTATE_ROWS] = "ANNOTATE_ROWS",
    [HM_BINLOG_T_BINLOG_CHECKPOINT] = "BINLOG_CHECKPOINT",
    [HM_BINLOG_T_MARIADB_GTID] = "MARIADB_GTID",
    [HM_BINLOG_T_GTID_LIST] = "GTID_LIST",
    [HM_BINLOG_T_START_ENCRYPTION] = "START_ENCRYPTION",
    [HM_BINLOG_T_QUERY_COMPRESSED] = "QUERY_COMPRESSED",
    [HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1] = "WRITE_ROWS_COMPRESSED_V1",
    [HM_BINLOG_T_UPDATE_ROWS_COMPRESSED_V1] = "UPDATE_ROWS_COMPRESSED_V1",
    [HM_BINLOG_T_DELETE_ROWS_COMPRESSED_V1] = "DELETE_ROWS_COMPRESSED_V1",
    [HM_BINLOG_T_WRITE_ROWS_COMPRESSED] = "WRITE_ROWS_COMPRESSED",
    [HM_BINLOG_T_UPDATE_ROWS_COMPRESSED] = "UPDATE_ROWS_COMPRESSED",
    [HM_BINLOG_T_DELETE_ROWS_COMPRESSED] = "DELETE_ROWS_COMPRESSED",
};

const char *hm_binlog_type_name_r(unsigned type, char *buf, size_t n)
{
    if (type < 256 && type_names[type])
        return type_names[type];
    snprintf(buf, n, "type %u", type);
    return buf;
}

const char *hm_binlog_type_name(unsigned type)
{
    static char buf[16];
    return hm_binlog_type_name_r(type, buf, sizeof buf);
}

void hm_binlog_fmt_init(hm_binlog_fmt *fmt)
{
    memset(fmt, 0, sizeof *fmt);
    fmt->verify_checksum = true;
    fmt->checksum_alg = HM_BINLOG_CRC_UNDEF;
    fmt->header_len = HM_BINLOG_HEADER_LEN;
    fmt->binlog_version = 4;
    memcpy(fmt->post_header_len, default_post_header, sizeof fmt->post_header_len);
}

void hm_binlog_fmt_set_file(hm_binlog_fmt *fmt, const char *name, size_t len)
{
    if (len >= sizeof fmt->file)
        len = sizeof fmt->file - 1;
    memcpy(fmt->file, name, len);
    fmt->file[len] = 0;
}

bool hm_binlog_peek_size(const uint8_t *buf, size_t len, uint32_t *size)
{
    if (len < HM_BINLOG_HEADER_LEN)
        return false;
    *size = hm_le32(buf + 9);
    return true;
}

void hm_binlog_event_where(const hm_binlog_fmt *fmt, const hm_binlog_event *ev, char *buf,
                           size_t n)
{
    char tn[16];
    snprintf(buf, n, "%s:%llu (%s)", fmt->file[0] ? fmt->file : "binlog",
             (unsigned long long)ev->pos, hm_binlog_type_name_r(ev->type, tn, sizeof tn));
}

/* "10.11.6-MariaDB-log" -> 101106 */
static unsigned version_product(const char *v)
{
    unsigned part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        while (*v >= '0' && *v <= '9') {
            if (part[i] < 1000)
                part[i] = part[i] * 10 + (unsigned)(*v - '0');
            v++;
        }
        if (*v != '.')
            break;
        v++;
    }
    return part[0] * 10000 + part[1] * 100 + part[2];
}

/* The body cursor positioned after the post-header of `type`, if the fixed fields just read
 * (`used` bytes) are fewer than the post-header: a newer server may have appended fields. */
static bool skip_post_header(hm_rd *r, const uint8_t *body, const hm_binlog_fmt *fmt,
                             unsigned type)
{
    size_t ph = fmt->post_header_len[type];
    size_t used = (size_t)(r->p - body);
    return ph <= used || rd_skip(r, ph - used);
}

static const char *decode_query(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_rd *r)
{
    uint32_t db_len, err_code, status_len = 0, v;
    const uint8_t *p;
    size_t ph = fmt->post_header_len[ev->type];
    if (ph < 11)
        return "post-header shorter than 11 bytes";
    if (!rd_u32(r, &ev->u.query.thread_id) || !rd_u32(r, &ev->u.query.exec_time) ||
        !rd_u8(r, &db_len) || !rd_u16(r, &err_code) || (ph >= 13 && !rd_u16(r, &status_len)))
        return "truncated post-header";
    ev->u.query.error_code = (uint16_t)err_code;
    if (!skip_post_header(r, ev->body, fmt, ev->type))
        return "truncated post-header";
    if (!rd_bytes(r, status_len, &p))
        return "truncated status variables";
    ev->u.query.status.p = (const char *)p;
    ev->u.query.status.len = status_len;
    if (!rd_bytes(r, db_len, &p) || !rd_u8(r, &v))
        return "truncated database name";
    if (v != 0)
        return "database name not NUL-terminated";
    ev->u.query.db.p = (const char *)p;
    ev->u.query.db.len = db_len;
    ev->u.query.query.p = (const char *)r->p;
    ev->u.query.query.len = rd_left(r);
    ev->u.query.compressed = ev->type == HM_BINLOG_T_QUERY_COMPRESSED;

    /* Status variables: code, then a value whose length the code implies. A code we do not know
     * ends the walk (its length is unknown), as the servers themselves do. */
    hm_rd s = hm_rd_make(ev->u.query.status.p, status_len);
    while (rd_left(&s) > 0) {
        uint32_t code, a, b, c, n;
        uint64_t q;
        rd_u8(&s, &code);
        switch (code) {
        case 0: /* Q_FLAGS2 */
            if (!rd_u32(&s, &ev->u.query.flags2))
                return "truncated status variable FLAGS2";
            ev->u.query.has_flags2 = true;
            break;
        case 1: /* Q_SQL_MODE */
            if (!rd_u64(&s, &ev->u.query.sql_mode))
                return "truncated status variable SQL_MODE";
            ev->u.query.has_sql_mode = true;
            break;
        case 2: /* Q_CATALOG (5.0.0-5.0.3): length, bytes, NUL */
            if (!rd_u8(&s, &n) || !rd_bytes(&s, n, &p) || !rd_skip(&s, 1))
                return "truncated status variable CATALOG";
            ev->u.query.catalog.p = (const char *)p;
            ev->u.query.catalog.len = n;
            ev->u.query.has_catalog = true;
            break;
        case 3: /* Q_AUTO_INCREMENT */
            if (!rd_u16(&s, &a) || !rd_u16(&s, &b))
                return "truncated status variable AUTO_INCREMENT";
            ev->u.query.auto_increment_increment = (uint16_t)a;
            ev->u.query.auto_increment_offset = (uint16_t)b;
            ev->u.query.has_auto_increment = true;
            break;
        case 4: /* Q_CHARSET */
            if (!rd_u16(&s, &a) || !rd_u16(&s, &b) || !rd_u16(&s, &c))
                return "truncated status variable CHARSET";
            ev->u.query.charset_client = (uint16_t)a;
            ev->u.query.collation_connection = (uint16_t)b;
            ev->u.query.collation_server = (uint16_t)c;
            ev->u.query.has_charset = true;
            break;
        case 5: /* Q_TIME_ZONE */
            if (!rd_u8(&s, &n) || !rd_bytes(&s, n, &p))
                return "truncated status variable TIME_ZONE";
            ev->u.query.time_zone.p = (const char *)p;
            ev->u.query.time_zone.len = n;
            ev->u.query.has_time_zone = true;
            break;
        case 6: /* Q_CATALOG_NZ */
            if (!rd_u8(&s, &n) || !rd_bytes(&s, n, &p))
                return "truncated status variable CATALOG_NZ";
            ev->u.query.catalog.p = (const char *)p;
            ev->u.query.catalog.len = n;
            ev->u.query.has_catalog = true;
            break;
        case 7: /* Q_LC_TIME_NAMES */
            if (!rd_u16(&s, &a))
                return "truncated status variable LC_TIME_NAMES";
            ev->u.query.lc_time_names = (uint16_t)a;
            ev->u.query.has_lc_time_names = true;
            break;
        case 8: /* Q_CHARSET_DATABASE */
            if (!rd_u16(&s, &a))
                return "truncated status variable CHARSET_DATABASE";
            ev->u.query.charset_database = (uint16_t)a;
            ev->u.query.has_charset_database = true;
            break;
        case 9: /* Q_TABLE_MAP_FOR_UPDATE */
            if (!rd_u64(&s, &q))
                return "truncated status variable TABLE_MAP_FOR_UPDATE";
            break;
        case 10: /* Q_MASTER_DATA_WRITTEN */
            if (!rd_u32(&s, &a))
                return "truncated status variable MASTER_DATA_WRITTEN";
            break;
        case 11: /* Q_INVOKER: user, host */
            if (!rd_u8(&s, &n) || !rd_skip(&s, n) || !rd_u8(&s, &n) || !rd_skip(&s, n))
                return "truncated status variable INVOKER";
            break;
        case 12: /* Q_UPDATED_DB_NAMES: count (254: too many, none listed), NUL-terminated names */
            if (!rd_u8(&s, &n))
                return "truncated status variable UPDATED_DB_NAMES";
            if (n != 254) {
                for (uint32_t i = 0; i < n; i++) {
                    const uint8_t *z = memchr(s.p, 0, rd_left(&s));
                    if (!z)
                        return "truncated status variable UPDATED_DB_NAMES";
                    s.p = z + 1;
                }
            }
            break;
        case 13: /* Q_MICROSECONDS */
        case 128: /* MariaDB Q_HRNOW */
            if (!rd_has(&s, 3))
                return "truncated status variable MICROSECONDS";
            ev->u.query.microseconds = hm_le24(s.p);
            ev->u.query.has_microseconds = true;
            s.p += 3;
            break;
        case 14: /* Q_COMMIT_TS (never written) */
            if (!rd_u64(&s, &q))
                return "truncated status variable COMMIT_TS";
            break;
        case 15: /* Q_COMMIT_TS2 (never written) */
            if (!rd_u64(&s, &q))
                return "truncated status variable COMMIT_TS2";
            break;
        case 16: /* Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP */
            if (!rd_u8(&s, &a))
                return "truncated status variable EXPLICIT_DEFAULTS_FOR_TIMESTAMP";
            ev->u.query.explicit_defaults_ts = (uint8_t)a;
            ev->u.query.has_explicit_defaults_ts = true;
            break;
        case 17: /* Q_DDL_LOGGED_WITH_XID */
        case 129: /* MariaDB Q_XID */
            if (!rd_u64(&s, &ev->u.query.xid))
                return "truncated status variable XID";
            ev->u.query.has_xid = true;
            break;
        case 18: /* Q_DEFAULT_COLLATION_FOR_UTF8MB4 */
            if (!rd_u16(&s, &a))
                return "truncated status variable DEFAULT_COLLATION_FOR_UTF8MB4";
            ev->u.query.default_collation_utf8mb4 = (uint16_t)a;
            ev->u.query.has_default_collation_utf8mb4 = true;
            break;
        case 19: /* Q_SQL_REQUIRE_PRIMARY_KEY */
        case 20: /* Q_DEFAULT_TABLE_ENCRYPTION */
        case 130: /* MariaDB Q_GTID_FLAGS3 */
            if (!rd_u8(&s, &a))
                return "truncated status variable";
            break;
        default:
            ev->u.query.stopped_at_code = (uint8_t)code;
            return NULL;
        }
    }
    return NULL;
}

/* The CRC32 of a FORMAT_DESCRIPTION as MySQL and MariaDB compute and check it: with
 * LOG_EVENT_BINLOG_IN_USE_F clear. A server sets that flag in the file's FDE while the file is
 * open, after the event (and its checksum) was written, and clears it when it closes the file;
 * a copy of an open file keeps it set. */
static uint32_t fde_crc(const uint8_t *raw, size_t size)
{
    uint8_t flags_lo = raw[17] & (uint8_t)~HM_BINLOG_F_IN_USE;
    uint32_t crc = hm_binlog_crc32(0, raw, 17);
    crc = hm_binlog_crc32(crc, &flags_lo, 1);
    return hm_binlog_crc32(crc, raw + 18, size - 4 - 18);
}

static const char *decode_fde(hm_binlog_fmt *fmt, hm_binlog_event *ev, bool verify,
                              bool *crc_bad)
{
    hm_rd r = hm_rd_make(ev->raw + HM_BINLOG_HEADER_LEN, ev->size - HM_BINLOG_HEADER_LEN);
    uint32_t ver, ts, hlen;
    const uint8_t *sv;
    char version[51];
    bool mariadb, has_alg;
    unsigned vp;
    size_t n;
    uint8_t alg = HM_BINLOG_CRC_OFF;

    if (!rd_u16(&r, &ver) || !rd_bytes(&r, 50, &sv) || !rd_u32(&r, &ts) || !rd_u8(&r, &hlen))
        return "truncated post-header";
    if (ver != 4)
        return "binlog format version is not 4 (servers older than MySQL 5.0 are not supported)";
    if (hlen < HM_BINLOG_HEADER_LEN)
        return "common header length below 19";
    memcpy(version, sv, 50);
    version[50] = 0;
    vp = version_product(version);
    mariadb = strstr(version, "MariaDB") || strstr(version, "-maria");
    /* The checksum algorithm byte (and a CRC after it) exist from MySQL 5.6.1 and MariaDB 5.3. */
    has_alg = vp >= (mariadb ? 50300u : 50601u);
    n = rd_left(&r);
    if (has_alg) {
        if (n < 5)
            return "truncated checksum algorithm";
        n -= 5;
        alg = r.p[n];
        ev->has_crc = true;
        ev->crc = hm_le32(r.p + n + 1);
        if (alg != HM_BINLOG_CRC_OFF && alg != HM_BINLOG_CRC_CRC32)
            return "unknown checksum algorithm";
        /* MySQL writes the FDE's CRC even when checksums are off; only CRC32 says it must hold */
        if (alg == HM_BINLOG_CRC_CRC32 && verify && fde_crc(ev->raw, ev->size) != ev->crc) {
            *crc_bad = true;
            return "checksum mismatch";
        }
    }
    ev->body = ev->raw + HM_BINLOG_HEADER_LEN;
    ev->body_len = (size_t)(r.p + n - ev->body);

    /* Only now, with the event whole, does the stream take the new format. */
    fmt->have_fde = true;
    fmt->mariadb = mariadb;
    fmt->checksum_alg = alg;
    fmt->header_len = (uint8_t)hlen;
    fmt->binlog_version = (uint16_t)ver;
    fmt->version = vp;
    memcpy(fmt->server_version, version, sizeof version);
    memcpy(fmt->post_header_len, default_post_header, sizeof fmt->post_header_len);
    for (size_t i = 0; i < n && i < 255; i++)
        fmt->post_header_len[i + 1] = r.p[i];
    fmt->n_post_header_len = (unsigned)(n < 255 ? n : 255);

    ev->u.fde.binlog_version = (uint16_t)ver;
    ev->u.fde.server_version = fmt->server_version;
    ev->u.fde.create_timestamp = ts;
    ev->u.fde.header_len = (uint8_t)hlen;
    ev->u.fde.checksum_alg = alg;
    ev->u.fde.in_use = (ev->flags & HM_BINLOG_F_IN_USE) != 0;
    return NULL;
}

static const char *decode_table_map(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_rd *r)
{
    uint32_t v, flags, len;
    uint64_t n, mlen;
    const uint8_t *p;
    size_t ph = fmt->post_header_len[ev->type];

    if (ph == 6) { /* MySQL 5.1.0-5.1.15: 4-byte table id */
        if (!rd_u32(r, &v))
            return "truncated table id";
        ev->u.table_map.table_id = v;
    } else if (!rd_u48(r, &ev->u.table_map.table_id)) {
        return "truncated table id";
    }
    if (!rd_u16(r, &flags) || !skip_post_header(r, ev->body, fmt, ev->type))
        return "truncated post-header";
    ev->u.table_map.flags = (uint16_t)flags;
    if (!rd_u8(r, &len) || !rd_bytes(r, len, &p) || !rd_u8(r, &v))
        return "truncated database name";
    if (v != 0)
        return "database name not NUL-terminated";
    ev->u.table_map.db.p = (const char *)p;
    ev->u.table_map.db.len = len;
    if (!rd_u8(r, &len) || !rd_bytes(r, len, &p) || !rd_u8(r, &v))
        return "truncated table name";
    if (v != 0)
        return "table name not NUL-terminated";
    ev->u.table_map.table.p = (const char *)p;
    ev->u.table_map.table.len = len;
    if (!rd_lenenc(r, &n))
        return "truncated column count";
    if (n == 0 || n > MAX_COLUMNS)
        return "column count out of range";
    ev->u.table_map.ncols = (uint32_t)n;
    if (!rd_bytes(r, n, &ev->u.table_map.types))
        return "truncated column types";
    if (!rd_lenenc(r, &mlen) || !rd_bytes(r, mlen, &ev->u.table_map.meta))
        return "truncated column metadata";
    ev->u.table_map.meta_len = mlen;
    if (!rd_bytes(r, (n + 7) / 8, &ev->u.table_map.null_bits))
        return "truncated NULL bitmap";
    if (rd_left(r) > 0) {
        ev->u.table_map.opt = r->p;
        ev->u.table_map.opt_len = rd_left(r);
    }
    return NULL;
}

static const char *decode_rows(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_rd *r)
{
    unsigned t = ev->type;
    uint32_t v, flags;
    uint64_t n;
    size_t ph = fmt->post_header_len[t];

    switch (t) {
    case HM_BINLOG_T_WRITE_ROWS_V1: case HM_BINLOG_T_UPDATE_ROWS_V1: case HM_BINLOG_T_DELETE_ROWS_V1:
        ev->u.rows.version = 1;
        ev->u.rows.action = (hm_binlog_rows_action)(t - HM_BINLOG_T_WRITE_ROWS_V1);
        break;
    case HM_BINLOG_T_WRITE_ROWS: case HM_BINLOG_T_UPDATE_ROWS: case HM_BINLOG_T_DELETE_ROWS:
        ev->u.rows.version = 2;
        ev->u.rows.action = (hm_binlog_rows_action)(t - HM_BINLOG_T_WRITE_ROWS);
        break;
    case HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1: case HM_BINLOG_T_UPDATE_ROWS_COMPRESSED_V1:
    case HM_BINLOG_T_DELETE_ROWS_COMPRESSED_V1:
        ev->u.rows.version = 1;
        ev->u.rows.compressed = true;
        ev->u.rows.action = (hm_binlog_rows_action)(t - HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1);
        break;
    case HM_BINLOG_T_PARTIAL_UPDATE_ROWS:
        /* UPDATE_ROWS v2 whose after images may carry JSON diffs (see rows.h) */
        ev->u.rows.version = 2;
        ev->u.rows.partial = true;
        ev->u.rows.action = HM_BINLOG_ROWS_UPDATE;
        break;
    default:
        ev->u.rows.version = 2;
        ev->u.rows.compressed = true;
        ev->u.rows.action = (hm_binlog_rows_action)(t - HM_BINLOG_T_WRITE_ROWS_COMPRESSED);
        break;
    }
    if (ph == 6) { /* MySQL 5.1.0-5.1.15: 4-byte table id */
        if (!rd_u32(r, &v))
            return "truncated table id";
        ev->u.rows.table_id = v;
    } else if (!rd_u48(r, &ev->u.rows.table_id)) {
        return "truncated table id";
    }
    if (!rd_u16(r, &flags))
        return "truncated flags";
    ev->u.rows.flags = (uint16_t)flags;
    if (ev->u.rows.version == 2) {
        /* the extra-data length counts its own 2 bytes */
        if (!rd_u16(r, &v))
            return "truncated extra-data length";
        if (v < 2)
            return "extra-data length below 2";
        if (!skip_post_header(r, ev->body, fmt, t) || !rd_bytes(r, v - 2, &ev->u.rows.extra))
            return "truncated extra data";
        ev->u.rows.extra_len = v - 2;
        if (v == 2)
            ev->u.rows.extra = NULL;
    } else if (!skip_post_header(r, ev->body, fmt, t)) {
        return "truncated post-header";
    }
    if (!rd_lenenc(r, &n))
        return "truncated column count";
    if (n == 0 || n > MAX_COLUMNS)
        return "column count out of range";
    ev->u.rows.ncols = (uint32_t)n;
    if (!rd_bytes(r, (n + 7) / 8, &ev->u.rows.cols))
        return "truncated columns-present bitmap";
    if (ev->u.rows.action == HM_BINLOG_ROWS_UPDATE &&
        !rd_bytes(r, (n + 7) / 8, &ev->u.rows.cols_ai))
        return "truncated after-image columns bitmap";
    ev->u.rows.rows = r->p;
    ev->u.rows.rows_len = rd_left(r);
    return NULL;
}

static const char *decode_mysql_gtid(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_rd *r)
{
    uint32_t flags, lt;
    uint64_t gno, lc, sn;
    const uint8_t *sid;

    ev->u.mysql_gtid.anonymous = ev->type == HM_BINLOG_T_ANONYMOUS_GTID;
    if (!rd_u8(r, &flags) || !rd_bytes(r, 16, &sid) || !rd_u64(r, &gno))
        return "truncated GTID";
    ev->u.mysql_gtid.flags = (uint8_t)flags;
    memcpy(ev->u.mysql_gtid.sid, sid, 16);
    ev->u.mysql_gtid.gno = (int64_t)gno;
    /* logical clock (5.7+): type code 2, last_committed, sequence_number */
    if (rd_u8(r, &lt)) {
        ev->u.mysql_gtid.lt_type = (uint8_t)lt;
        if (lt == 2) {
            if (!rd_u64(r, &lc) || !rd_u64(r, &sn))
                return "truncated logical timestamps";
            ev->u.mysql_gtid.last_committed = (int64_t)lc;
            ev->u.mysql_gtid.sequence_number = (int64_t)sn;
        }
    }
    if (!skip_post_header(r, ev->body, fmt, ev->type))
        return "truncated post-header";
    /* 8.0.1+: commit timestamps, 7 bytes each; the top bit of the first says both are there */
    if (rd_has(r, 7)) {
        uint64_t ts = hm_leN(r->p, 7);
        r->p += 7;
        ev->u.mysql_gtid.has_commit_ts = true;
        if (ts & ((uint64_t)1 << 55)) {
            ts &= ~((uint64_t)1 << 55);
            if (!rd_has(r, 7))
                return "truncated original commit timestamp";
            ev->u.mysql_gtid.original_commit_ts = hm_leN(r->p, 7);
            r->p += 7;
        } else {
            ev->u.mysql_gtid.original_commit_ts = ts;
        }
        ev->u.mysql_gtid.immediate_commit_ts = ts;
        /* 8.0.2+: transaction length */
        if (rd_left(r) > 0) {
            if (!rd_lenenc(r, &ev->u.mysql_gtid.trx_len))
                return "truncated transaction length";
            ev->u.mysql_gtid.has_trx_len = true;
        }
        /* 8.0.14+: server versions, same top-bit convention */
        if (rd_has(r, 4)) {
            uint32_t sv;
            rd_u32(r, &sv);
            ev->u.mysql_gtid.has_server_version = true;
            if (sv & 0x80000000u) {
                sv &= 0x7fffffffu;
                if (!rd_u32(r, &ev->u.mysql_gtid.original_server_version))
                    return "truncated original server version";
            } else {
                ev->u.mysql_gtid.original_server_version = sv;
            }
            ev->u.mysql_gtid.immediate_server_version = sv;
        }
        /* later fields (commit group ticket, 8.0.33+) are not needed */
    }
    return NULL;
}

/* MySQL's serialization library (8.3+) writes unsigned integers in 1 to 9 bytes: the number of
 * trailing 1 bits of the first byte is the number of bytes after it (8: a plain 64-bit value
 * follows), and the value is the little-endian bytes shifted right by that count plus one. */
static bool rd_varlen(hm_rd *r, uint64_t *v)
{
    unsigned n = 0;
    uint64_t x = 0;
    if (!rd_has(r, 1))
        return false;
    while (n < 8 && (r->p[0] >> n) & 1)
        n++;
    if (n == 8) {
        if (!rd_has(r, 9))
            return false;
        *v = hm_le64(r->p + 1);
        r->p += 9;
        return true;
    }
    if (!rd_has(r, n + 1u))
        return false;
    x = hm_leN(r->p, n + 1);
    r->p += n + 1;
    *v = x >> (n + 1);
    return true;
}

/* Signed: the sign in the lowest bit (1: negative, value -(v >> 1) - 1). */
static bool rd_varlen_signed(hm_rd *r, int64_t *v)
{
    uint64_t u;
    if (!rd_varlen(r, &u))
        return false;
    *v = (u & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
    return true;
}

/* A GTID tag: 1 to 32 of [a-z0-9_], not starting with a digit (MySQL lowercases tags). */
static bool tag_ok(const uint8_t *p, size_t n)
{
    if (n < 1 || n > HM_BINLOG_TAG_MAX || (p[0] >= '0' && p[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(p[i] == '_' || (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z')))
            return false;
    return true;
}

/* One (uuid, tag) entry of an encoded GTID set (PREVIOUS_GTIDS): validated as it is read. */
typedef struct gtid_entry {
    const uint8_t *sid;
    const uint8_t *tag;       /* NULL: untagged */
    size_t tag_len;
    uint64_t nint;
    const uint8_t *iv;        /* nint x (start 8, exclusive end 8) */
} gtid_entry;

/* The set's header: untagged sets start with the SID count (8 bytes); MySQL 8.3+ tagged ones with
 * a format byte 1, the count in 6 bytes, format byte 1 again. */
static const char *gtid_set_head(hm_rd *r, bool *tagged, uint64_t *nsids)
{
    uint64_t h;
    if (!rd_u64(r, &h))
        return "truncated SID count";
    *tagged = (h >> 56) != 0;
    if (!*tagged) {
        *nsids = h;
        return NULL;
    }
    if ((h >> 56) != 1 || (h & 0xff) != 1)
        return "unknown GTID set format";
    *nsids = (h >> 8) & (((uint64_t)1 << 48) - 1);
    return NULL;
}

static const char *gtid_set_entry(hm_rd *r, bool tagged, gtid_entry *e)
{
    uint64_t tl, a = 0, b = 0;
    if (!rd_bytes(r, 16, &e->sid))
        return "truncated SID";
    e->tag = NULL;
    e->tag_len = 0;
    if (tagged) {
        if (!rd_varlen(r, &tl) || tl > HM_BINLOG_TAG_MAX || !rd_bytes(r, tl, &e->tag))
            return "truncated or bad tag";
        e->tag_len = tl;
        if (tl == 0)
            e->tag = NULL;
        else if (!tag_ok(e->tag, tl))
            return "bad tag";
    }
    if (!rd_u64(r, &e->nint))
        return "truncated interval count";
    if (e->nint > rd_left(r) / 16)
        return "truncated intervals";
    e->iv = r->p;
    for (uint64_t k = 0; k < e->nint; k++) {
        rd_u64(r, &a);
        rd_u64(r, &b);
        if (a < 1 || b <= a)
            return "bad interval";
    }
    return NULL;
}

static const char *decode_previous_gtids(hm_binlog_event *ev, hm_rd *r)
{
    uint64_t nsids;
    bool tagged;
    const char *bad;
    gtid_entry e;
    ev->u.previous_gtids.data = r->p;
    ev->u.previous_gtids.len = rd_left(r);
    if ((bad = gtid_set_head(r, &tagged, &nsids)))
        return bad;
    for (uint64_t i = 0; i < nsids; i++)
        if ((bad = gtid_set_entry(r, tagged, &e)))
            return bad;
    ev->u.previous_gtids.n_sids = nsids;
    ev->u.previous_gtids.tagged = tagged;
    return NULL;
}

/* GTID_TAGGED (MySQL 8.3+): a message of MySQL's serialization library: format version (1 byte,
 * 2), the message size (varlen, counting from the version byte), the last non-ignorable field id,
 * then (field id, value) pairs: 0 flags, 1 uuid (16 varlen bytes), 2 gno (signed), 3 tag (varlen
 * length, bytes), 4 last_committed, 5 sequence_number (signed), 6 immediate commit timestamp,
 * 7 original commit timestamp, 8 transaction length, 9 immediate server version, 10 original
 * server version, 11 commit group ticket. Fields left out keep their defaults (original ones =
 * immediate ones). A field id this decoder does not know ends the message if it is ignorable (its
 * size cannot be known) and fails it otherwise. */
static const char *decode_tagged_gtid(hm_binlog_event *ev, hm_rd *r)
{
    uint32_t version;
    uint64_t size, lnif, fid, v;
    int64_t sv;
    const uint8_t *start = r->p, *tag;
    bool have_sid = false, have_gno = false, have_ots = false, have_osv = false;
    hm_rd f;

    ev->u.mysql_gtid.lt_type = 2;
    if (!rd_u8(r, &version))
        return "truncated serialization version";
    if (version != 2)
        return "unknown serialization version of the tagged GTID";
    if (!rd_varlen(r, &size) || !rd_varlen(r, &lnif))
        return "truncated message header";
    if (size < (uint64_t)(r->p - start) || size - (uint64_t)(r->p - start) > rd_left(r))
        return "message size out of range";
    f = hm_rd_make(r->p, (size_t)(size - (uint64_t)(r->p - start)));
    while (rd_left(&f) > 0) {
        if (!rd_varlen(&f, &fid))
            return "truncated field id";
        switch (fid) {
        case 0:
            if (!rd_varlen(&f, &v) || v > 255)
                return "bad flags";
            ev->u.mysql_gtid.flags = (uint8_t)v;
            break;
        case 1:
            for (int i = 0; i < 16; i++) {
                if (!rd_varlen(&f, &v) || v > 255)
                    return "bad uuid";
                ev->u.mysql_gtid.sid[i] = (uint8_t)v;
            }
            have_sid = true;
            break;
        case 2:
            if (!rd_varlen_signed(&f, &sv) || sv < 1)
                return "bad GNO";
            ev->u.mysql_gtid.gno = sv;
            have_gno = true;
            break;
        case 3:
            if (!rd_varlen(&f, &v) || v > HM_BINLOG_TAG_MAX || !rd_bytes(&f, v, &tag) ||
                !tag_ok(tag, v))
                return "bad tag";
            ev->u.mysql_gtid.tag.p = (const char *)tag;
            ev->u.mysql_gtid.tag.len = v;
            break;
        case 4:
        case 5:
            if (!rd_varlen_signed(&f, &sv) || sv < 0)
                return "bad logical timestamp";
            if (fid == 4)
                ev->u.mysql_gtid.last_committed = sv;
            else
                ev->u.mysql_gtid.sequence_number = sv;
            break;
        case 6: case 7: case 8: case 11:
            if (!rd_varlen(&f, &v))
                return "truncated field";
            if (fid == 6) {
                ev->u.mysql_gtid.immediate_commit_ts = v;
                ev->u.mysql_gtid.has_commit_ts = true;
            } else if (fid == 7) {
                ev->u.mysql_gtid.original_commit_ts = v;
                have_ots = true;
            } else if (fid == 8) {
                ev->u.mysql_gtid.trx_len = v;
                ev->u.mysql_gtid.has_trx_len = true;
            }
            break;
        case 9: case 10:
            if (!rd_varlen(&f, &v) || v > UINT32_MAX)
                return "bad server version";
            if (fid == 9) {
                ev->u.mysql_gtid.immediate_server_version = (uint32_t)v;
                ev->u.mysql_gtid.has_server_version = true;
            } else {
                ev->u.mysql_gtid.original_server_version = (uint32_t)v;
                have_osv = true;
            }
            break;
        default:
            if (fid <= lnif)
                return "a field this decoder does not know and may not skip";
            f.p = f.end; /* ignorable, of unknown size: the rest is not needed */
            break;
        }
    }
    if (!have_sid || !have_gno || !ev->u.mysql_gtid.tag.p)
        return "uuid, GNO or tag missing";
    if (!have_ots)
        ev->u.mysql_gtid.original_commit_ts = ev->u.mysql_gtid.immediate_commit_ts;
    if (!have_osv)
        ev->u.mysql_gtid.original_server_version = ev->u.mysql_gtid.immediate_server_version;
    return NULL;
}

static const char *decode_mariadb_gtid(hm_binlog_event *ev, hm_rd *r)
{
    uint32_t flags, v;
    if (!rd_u64(r, &ev->u.mariadb_gtid.seq_no) || !rd_u32(r, &ev->u.mariadb_gtid.domain_id) ||
        !rd_u8(r, &flags))
        return "truncated GTID";
    ev->u.mariadb_gtid.server_id = ev->server_id;
    ev->u.mariadb_gtid.flags = (uint8_t)flags;
    if (flags & 0x02) { /* FL_GROUP_COMMIT_ID */
        if (!rd_u64(r, &ev->u.mariadb_gtid.commit_id))
            return "truncated commit id";
        ev->u.mariadb_gtid.has_commit_id = true;
    } else if (flags & (0x40 | 0x80)) { /* FL_PREPARED_XA, FL_COMPLETED_XA */
        uint32_t g, b;
        if (!rd_u32(r, &v) || !rd_u8(r, &g) || !rd_u8(r, &b))
            return "truncated XID";
        if (g > 64 || b > 64)
            return "XID parts longer than 64 bytes";
        if (!rd_bytes(r, g + b, &ev->u.mariadb_gtid.xid_data))
            return "truncated XID";
        ev->u.mariadb_gtid.has_xid = true;
        ev->u.mariadb_gtid.xid_format_id = v;
        ev->u.mariadb_gtid.xid_gtrid_len = (uint8_t)g;
        ev->u.mariadb_gtid.xid_bqual_len = (uint8_t)b;
    }
    /* the rest (unused bytes, MariaDB 11 extra flags) is not needed */
    return NULL;
}

/* MySQL's type-length-value fields (TRANSACTION_PAYLOAD, HEARTBEAT_V2): lenenc type, lenenc
 * length, value; type 0 ends the list. Calls take(type, value) for each field. */
static const char *decode_tlv(hm_binlog_event *ev, hm_rd *r)
{
    for (;;) {
        uint64_t type, len, v;
        const uint8_t *val;
        if (!rd_lenenc(r, &type))
            return "truncated field type";
        if (type == 0)
            return NULL;
        if (!rd_lenenc(r, &len) || !rd_bytes(r, len, &val))
            return "truncated field";
        hm_rd f = hm_rd_make(val, len);
        if (ev->type == HM_BINLOG_T_HEARTBEAT_V2) {
            if (type == 1) { /* OTW_HB_LOG_FILENAME_FIELD */
                ev->u.heartbeat.file.p = (const char *)val;
                ev->u.heartbeat.file.len = len;
            } else if (type == 2) { /* OTW_HB_LOG_POSITION_FIELD */
                if (!rd_lenenc(&f, &ev->u.heartbeat.position))
                    return "bad position field";
            }
        } else if (type >= 1 && type <= 3) {
            if (!rd_lenenc(&f, &v))
                return "bad size or compression field";
            if (type == 1) /* OTW_PAYLOAD_SIZE_FIELD */
                ev->u.payload.payload_len = v;
            else if (type == 2) /* OTW_PAYLOAD_COMPRESSION_TYPE_FIELD */
                ev->u.payload.compression = v;
            else /* OTW_PAYLOAD_UNCOMPRESSED_SIZE_FIELD */
                ev->u.payload.uncompressed_size = v;
        }
    }
}

static const char *decode_payload(hm_binlog_event *ev, hm_rd *r)
{
    const char *bad;
    ev->u.payload.payload_len = SIZE_MAX;
    if ((bad = decode_tlv(ev, r)))
        return bad;
    if (ev->u.payload.payload_len == SIZE_MAX)
        ev->u.payload.payload_len = rd_left(r);
    if (!rd_bytes(r, ev->u.payload.payload_len, &ev->u.payload.payload))
        return "truncated payload";
    if (ev->u.payload.compression == 255 && ev->u.payload.uncompressed_size == 0)
        ev->u.payload.uncompressed_size = ev->u.payload.payload_len;
    return NULL;
}

/* Everything but FORMAT_DESCRIPTION, whose checksum and body were already handled. */
static const char *decode_body(const hm_binlog_fmt *fmt, hm_binlog_event *ev)
{
    hm_rd r = hm_rd_make(ev->body, ev->body_len);
    const uint8_t *p;
    uint32_t a, b, c;

    switch (ev->type) {
    case HM_BINLOG_T_ROTATE:
        ev->kind = HM_BINLOG_EV_ROTATE;
        if (!rd_u64(&r, &ev->u.rotate.position) ||
            !skip_post_header(&r, ev->body, fmt, ev->type))
            return "truncated position";
        if (rd_left(&r) == 0)
            return "no file name";
        ev->u.rotate.file.p = (const char *)r.p;
        ev->u.rotate.file.len = rd_left(&r);
        return NULL;
    case HM_BINLOG_T_STOP:
        ev->kind = HM_BINLOG_EV_STOP;
        return NULL;
    case HM_BINLOG_T_QUERY:
    case HM_BINLOG_T_QUERY_COMPRESSED:
        ev->kind = HM_BINLOG_EV_QUERY;
        return decode_query(fmt, ev, &r);
    case HM_BINLOG_T_XID:
        ev->kind = HM_BINLOG_EV_XID;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u64(&r, &ev->u.xid.xid))
            return "truncated XID";
        return NULL;
    case HM_BINLOG_T_INTVAR:
        ev->kind = HM_BINLOG_EV_INTVAR;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u8(&r, &a) ||
            !rd_u64(&r, &ev->u.intvar.value))
            return "truncated INTVAR";
        ev->u.intvar.type = (uint8_t)a;
        return NULL;
    case HM_BINLOG_T_RAND:
        ev->kind = HM_BINLOG_EV_RAND;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u64(&r, &ev->u.rand.seed1) ||
            !rd_u64(&r, &ev->u.rand.seed2))
            return "truncated RAND";
        return NULL;
    case HM_BINLOG_T_USER_VAR:
        ev->kind = HM_BINLOG_EV_USER_VAR;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u32(&r, &a) ||
            !rd_bytes(&r, a, &p) || !rd_u8(&r, &b))
            return "truncated variable name";
        ev->u.user_var.name.p = (const char *)p;
        ev->u.user_var.name.len = a;
        ev->u.user_var.is_null = b != 0;
        if (!b) {
            if (!rd_u8(&r, &a) || !rd_u32(&r, &ev->u.user_var.charset) || !rd_u32(&r, &b) ||
                !rd_bytes(&r, b, &p))
                return "truncated value";
            ev->u.user_var.value_type = (uint8_t)a;
            ev->u.user_var.value.p = (const char *)p;
            ev->u.user_var.value.len = b;
            if (rd_u8(&r, &c))
                ev->u.user_var.flags = (uint8_t)c;
        }
        return NULL;
    case HM_BINLOG_T_INCIDENT:
        ev->kind = HM_BINLOG_EV_INCIDENT;
        if (!rd_u16(&r, &a) || !skip_post_header(&r, ev->body, fmt, ev->type))
            return "truncated incident type";
        ev->u.incident.type = (uint16_t)a;
        if (rd_u8(&r, &b)) {
            if (!rd_bytes(&r, b, &p))
                return "truncated message";
            ev->u.incident.message.p = (const char *)p;
            ev->u.incident.message.len = b;
        }
        return NULL;
    case HM_BINLOG_T_HEARTBEAT:
        ev->kind = HM_BINLOG_EV_HEARTBEAT;
        ev->u.heartbeat.position = ev->log_pos;
        if (!skip_post_header(&r, ev->body, fmt, ev->type))
            return "truncated post-header";
        ev->u.heartbeat.file.p = (const char *)r.p;
        ev->u.heartbeat.file.len = rd_left(&r);
        return NULL;
    case HM_BINLOG_T_HEARTBEAT_V2:
        ev->kind = HM_BINLOG_EV_HEARTBEAT;
        return decode_tlv(ev, &r);
    case HM_BINLOG_T_TABLE_MAP:
        ev->kind = HM_BINLOG_EV_TABLE_MAP;
        return decode_table_map(fmt, ev, &r);
    case HM_BINLOG_T_WRITE_ROWS_V1: case HM_BINLOG_T_UPDATE_ROWS_V1:
    case HM_BINLOG_T_DELETE_ROWS_V1: case HM_BINLOG_T_WRITE_ROWS: case HM_BINLOG_T_UPDATE_ROWS:
    case HM_BINLOG_T_DELETE_ROWS: case HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1:
    case HM_BINLOG_T_UPDATE_ROWS_COMPRESSED_V1: case HM_BINLOG_T_DELETE_ROWS_COMPRESSED_V1:
    case HM_BINLOG_T_WRITE_ROWS_COMPRESSED: case HM_BINLOG_T_UPDATE_ROWS_COMPRESSED:
    case HM_BINLOG_T_DELETE_ROWS_COMPRESSED: case HM_BINLOG_T_PARTIAL_UPDATE_ROWS:
        ev->kind = HM_BINLOG_EV_ROWS;
        return decode_rows(fmt, ev, &r);
    case HM_BINLOG_T_ROWS_QUERY:
        /* a length byte (the length mod 256, useless for long statements), then the text */
        ev->kind = HM_BINLOG_EV_ROWS_QUERY;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u8(&r, &a))
            return "truncated length";
        ev->u.rows_query.query.p = (const char *)r.p;
        ev->u.rows_query.query.len = rd_left(&r);
        return NULL;
    case HM_BINLOG_T_ANNOTATE_ROWS:
        ev->kind = HM_BINLOG_EV_ROWS_QUERY;
        ev->u.rows_query.query.p = (const char *)r.p;
        ev->u.rows_query.query.len = rd_left(&r);
        return NULL;
    case HM_BINLOG_T_GTID:
    case HM_BINLOG_T_ANONYMOUS_GTID:
        ev->kind = HM_BINLOG_EV_MYSQL_GTID;
        return decode_mysql_gtid(fmt, ev, &r);
    case HM_BINLOG_T_PREVIOUS_GTIDS:
        ev->kind = HM_BINLOG_EV_PREVIOUS_GTIDS;
        if (!skip_post_header(&r, ev->body, fmt, ev->type))
            return "truncated post-header";
        return decode_previous_gtids(ev, &r);
    case HM_BINLOG_T_MARIADB_GTID:
        ev->kind = HM_BINLOG_EV_MARIADB_GTID;
        return decode_mariadb_gtid(ev, &r);
    case HM_BINLOG_T_GTID_LIST:
        ev->kind = HM_BINLOG_EV_GTID_LIST;
        if (!rd_u32(&r, &a))
            return "truncated count";
        ev->u.gtid_list.count = a & 0x0fffffffu;
        ev->u.gtid_list.flags = (uint8_t)(a >> 28);
        if (!skip_post_header(&r, ev->body, fmt, ev->type) ||
            ev->u.gtid_list.count > rd_left(&r) / 16)
            return "truncated GTID list";
        ev->u.gtid_list.entries = r.p;
        return NULL;
    case HM_BINLOG_T_BINLOG_CHECKPOINT:
        ev->kind = HM_BINLOG_EV_BINLOG_CHECKPOINT;
        if (!rd_u32(&r, &a) || !skip_post_header(&r, ev->body, fmt, ev->type) ||
            !rd_bytes(&r, a, &p))
            return "truncated file name";
        ev->u.checkpoint.file.p = (const char *)p;
        ev->u.checkpoint.file.len = a;
        return NULL;
    case HM_BINLOG_T_XA_PREPARE:
        ev->kind = HM_BINLOG_EV_XA_PREPARE;
        if (!skip_post_header(&r, ev->body, fmt, ev->type) || !rd_u8(&r, &a) ||
            !rd_u32(&r, &ev->u.xa_prepare.format_id) || !rd_u32(&r, &b) || !rd_u32(&r, &c))
            return "truncated XID";
        if (b > 64 || c > 64)
            return "XID parts longer than 64 bytes";
        if (!rd_bytes(&r, (size_t)b + c, &ev->u.xa_prepare.data))
            return "truncated XID";
        ev->u.xa_prepare.one_phase = a != 0;
        ev->u.xa_prepare.gtrid_len = b;
        ev->u.xa_prepare.bqual_len = c;
        return NULL;
    case HM_BINLOG_T_TRANSACTION_PAYLOAD:
        ev->kind = HM_BINLOG_EV_TRANSACTION_PAYLOAD;
        return decode_payload(ev, &r);
    case HM_BINLOG_T_START_ENCRYPTION:
        ev->kind = HM_BINLOG_EV_START_ENCRYPTION;
        if (!rd_u8(&r, &a) || !rd_u32(&r, &ev->u.start_encryption.key_version) ||
            !rd_skip(&r, 12))
            return "truncated encryption header";
        ev->u.start_encryption.scheme = (uint8_t)a;
        return NULL;
    case HM_BINLOG_T_GTID_TAGGED:
        ev->kind = HM_BINLOG_EV_MYSQL_GTID;
        return decode_tagged_gtid(ev, &r);
    case HM_BINLOG_T_START_V3: case HM_BINLOG_T_LOAD: case HM_BINLOG_T_SLAVE:
    case HM_BINLOG_T_CREATE_FILE: case HM_BINLOG_T_APPEND_BLOCK: case HM_BINLOG_T_EXEC_LOAD:
    case HM_BINLOG_T_DELETE_FILE: case HM_BINLOG_T_NEW_LOAD: case HM_BINLOG_T_BEGIN_LOAD_QUERY:
    case HM_BINLOG_T_EXECUTE_LOAD_QUERY: case HM_BINLOG_T_PRE_GA_WRITE_ROWS:
    case HM_BINLOG_T_PRE_GA_UPDATE_ROWS: case HM_BINLOG_T_PRE_GA_DELETE_ROWS:
    case HM_BINLOG_T_IGNORABLE: case HM_BINLOG_T_TRANSACTION_CONTEXT:
    case HM_BINLOG_T_VIEW_CHANGE:
        ev->kind = HM_BINLOG_EV_OTHER;
        return NULL;
    default:
        ev->kind = HM_BINLOG_EV_UNKNOWN;
        return NULL;
    }
}

hm_code hm_binlog_event_decode(hm_binlog_fmt *fmt, const uint8_t *buf, size_t len, uint64_t pos,
                               hm_binlog_event *ev, hm_err *err)
{
    const char *bad = NULL;
    bool crc_bad = false;
    size_t hlen;

    memset(ev, 0, sizeof *ev);
    ev->pos = pos;
    ev->raw = buf;
    if (len < HM_BINLOG_HEADER_LEN) {
        bad = "shorter than the 19-byte common header";
        goto fail;
    }
    ev->timestamp = hm_le32(buf);
    ev->type = buf[4];
    ev->server_id = hm_le32(buf + 5);
    ev->size = hm_le32(buf + 9);
    ev->log_pos = hm_le32(buf + 13);
    ev->flags = (uint16_t)hm_le16(buf + 17);
    ev->next_pos = pos + ev->size;
    if (ev->size != len) {
        bad = ev->size > len ? "truncated (its size field says more bytes than there are)"
                             : "its size field says fewer bytes than there are";
        goto fail;
    }
    if (ev->type == HM_BINLOG_T_FORMAT_DESCRIPTION) {
        ev->kind = HM_BINLOG_EV_FORMAT_DESCRIPTION;
        bad = decode_fde(fmt, ev, fmt->verify_checksum, &crc_bad);
        if (bad)
            goto fail;
        return HM_OK;
    }
    hlen = fmt->header_len;
    if (len < hlen) {
        bad = "shorter than the common header";
        goto fail;
    }
    ev->body = buf + hlen;
    ev->body_len = len - hlen;
    if (fmt->checksum_alg == HM_BINLOG_CRC_CRC32) {
        if (ev->body_len < 4) {
            bad = "too short for its checksum";
            goto fail;
        }
        ev->body_len -= 4;
        ev->has_crc = true;
        ev->crc = hm_le32(buf + len - 4);
        if (fmt->verify_checksum && hm_binlog_crc32(0, buf, len - 4) != ev->crc) {
            crc_bad = true;
            goto fail;
        }
    }
    bad = decode_body(fmt, ev);
    if (bad)
        goto fail;
    return HM_OK;

fail:;
    /* the one exit of every failure: where (file, 64-bit position), what event, what is wrong */
    char where[320], tbuf[16];
    const char *tn;
    if (fmt->file[0])
        snprintf(where, sizeof where, "binlog %s:%llu", fmt->file, (unsigned long long)pos);
    else
        snprintf(where, sizeof where, "binlog position %llu", (unsigned long long)pos);
    if (len < 5)
        return hm_err_set(err, HM_ESOURCE, "%s: event of %zu bytes: malformed: %s", where, len,
                          bad);
    tn = hm_binlog_type_name_r(ev->type, tbuf, sizeof tbuf);
    if (crc_bad)
        return hm_err_set(err, HM_ESOURCE,
                          "%s: %s event of %zu bytes: checksum mismatch (stored 0x%08x, "
                          "computed 0x%08x): the event is corrupt",
                          where, tn, len, ev->crc,
                          ev->type == HM_BINLOG_T_FORMAT_DESCRIPTION ? fde_crc(buf, len)
                                                                     : hm_binlog_crc32(0, buf, len - 4));
    return hm_err_set(err, HM_ESOURCE, "%s: %s event of %zu bytes: malformed: %s", where, tn, len,
                      bad);
}

void hm_binlog_uuid_format(const uint8_t sid[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[sid[i] >> 4];
        *o++ = hex[sid[i] & 15];
    }
    *o = 0;
}

bool hm_binlog_gtid_format(const hm_binlog_event *ev, char *out, size_t n)
{
    if (ev->kind == HM_BINLOG_EV_MARIADB_GTID) {
        snprintf(out, n, "%u-%u-%llu", ev->u.mariadb_gtid.domain_id, ev->u.mariadb_gtid.server_id,
                 (unsigned long long)ev->u.mariadb_gtid.seq_no);
        return true;
    }
    if (ev->kind == HM_BINLOG_EV_MYSQL_GTID && !ev->u.mysql_gtid.anonymous) {
        char uuid[37];
        hm_binlog_uuid_format(ev->u.mysql_gtid.sid, uuid);
        if (ev->u.mysql_gtid.tag.len)
            snprintf(out, n, "%s:%.*s:%lld", uuid, (int)ev->u.mysql_gtid.tag.len,
                     ev->u.mysql_gtid.tag.p, (long long)ev->u.mysql_gtid.gno);
        else
            snprintf(out, n, "%s:%lld", uuid, (long long)ev->u.mysql_gtid.gno);
        return true;
    }
    if (n)
        out[0] = 0;
    return false;
}

void hm_binlog_gtid_list_at(const hm_binlog_event *ev, uint32_t i, uint32_t *domain,
                            uint32_t *server, uint64_t *seq)
{
    const uint8_t *e = ev->u.gtid_list.entries + (size_t)i * 16;
    *domain = hm_le32(e);
    *server = hm_le32(e + 4);
    *seq = hm_le64(e + 8);
}

hm_code hm_binlog_gtid_set_format(const hm_binlog_event *ev, hm_buf *out)
{
    hm_code rc = HM_OK;
    if (ev->kind == HM_BINLOG_EV_GTID_LIST) {
        for (uint32_t i = 0; i < ev->u.gtid_list.count && rc == HM_OK; i++) {
            uint32_t d, s;
            uint64_t q;
            hm_binlog_gtid_list_at(ev, i, &d, &s, &q);
            rc = hm_buf_addf(out, "%s%u-%u-%llu", i ? "," : "", d, s, (unsigned long long)q);
        }
        return rc;
    }
    if (ev->kind != HM_BINLOG_EV_PREVIOUS_GTIDS)
        return HM_EUSAGE;
    /* validated by decode_previous_gtids, so this walk cannot fail. The entries of one uuid
     * (untagged first, then its tags) are written as one element, as gtid_executed prints them:
     * "uuid:1-13:mytag:1-2". */
    hm_rd r = hm_rd_make(ev->u.previous_gtids.data, ev->u.previous_gtids.len);
    bool tagged;
    uint64_t nsids;
    const uint8_t *prev = NULL;
    gtid_entry e;
    if (gtid_set_head(&r, &tagged, &nsids))
        return HM_ESOURCE;
    for (uint64_t i = 0; i < nsids && rc == HM_OK; i++) {
        char uuid[37];
        if (gtid_set_entry(&r, tagged, &e))
            return HM_ESOURCE;
        if (!prev || memcmp(prev, e.sid, 16) != 0) {
            hm_binlog_uuid_format(e.sid, uuid);
            rc = hm_buf_addf(out, "%s%s", i ? "," : "", uuid);
        }
        prev = e.sid;
        if (rc == HM_OK && e.tag)
            rc = hm_buf_addf(out, ":%.*s", (int)e.tag_len, (const char *)e.tag);
        for (uint64_t k = 0; k < e.nint && rc == HM_OK; k++) {
            const uint8_t *p = e.iv + 16 * k;
            uint64_t a = hm_le64(p), b = hm_le64(p + 8) - 1; /* stored end is exclusive */
            if (a == b)
                rc = hm_buf_addf(out, ":%llu", (unsigned long long)a);
            else
                rc = hm_buf_addf(out, ":%llu-%llu", (unsigned long long)a, (unsigned long long)b);
        }
    }
    return rc;
}
