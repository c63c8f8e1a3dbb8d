/*
 * binlog/event.h: decoding one binlog event (MySQL 5.6-8.x and MariaDB 10.x/11.x, format v4) from a
 * byte buffer.
 *
 * The decoder allocates nothing and copies nothing: an hm_binlog_event points into the caller's
 * buffer and is valid as long as that buffer is. It owns no state either, except what one
 * FORMAT_DESCRIPTION event tells about the events after it (header length, post-header lengths,
 * checksum algorithm): that lives in an hm_binlog_fmt, which the caller keeps per stream and which
 * hm_binlog_event_decode() updates when it decodes a FORMAT_DESCRIPTION.
 *
 * Every read is bounds-checked against the event's own length; a malformed or truncated event is
 * an HM_ESOURCE error whose message names the file, the 64-bit position, the event type and what
 * was missing. An event type the decoder does not know is not an error: it comes back as
 * HM_BINLOG_EV_UNKNOWN with its type code, position and LOG_EVENT_IGNORABLE_F flag, and the caller
 * decides (a replica must stop on an unknown event that is not ignorable; Aurora's padding, type
 * 100, is flagged ignorable). MySQL's PARTIAL_UPDATE_ROWS (39) is an UPDATE ROWS event with
 * rows.partial; the tagged GTID of MySQL 8.3+ (42) a MYSQL_GTID with a tag.
 *
 * A FORMAT_DESCRIPTION with LOG_EVENT_BINLOG_IN_USE_F (HM_BINLOG_F_IN_USE) comes from a file the
 * server still had open: its CRC32 is checked with that flag clear, as the servers do.
 *
 * Positions are 64-bit. The header's log_pos field is 32 bits wide and wraps past 4 GiB, so the
 * caller says where the event starts (pos) and ev->next_pos = pos + size is computed, never read.
 *
 * Row images (the rows part of a ROWS event) are decoded by binlog/rows.h with the table map;
 * MariaDB's compressed events and MySQL's TRANSACTION_PAYLOAD are inflated by binlog/inflate.h.
 */
#ifndef HM_BINLOG_EVENT_H
#define HM_BINLOG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"
#include "util/buf.h"

#define HM_BINLOG_MAGIC "\xfe" "bin"
#define HM_BINLOG_MAGIC_LEN 4
#define HM_BINLOG_HEADER_LEN 19 /* the common header of format v4 */
#define HM_BINLOG_TAG_MAX 32    /* longest GTID tag (MySQL 8.3+) */

/* Event type codes, as MySQL and MariaDB number them. */
enum hm_binlog_type {
    HM_BINLOG_T_UNKNOWN = 0,
    HM_BINLOG_T_START_V3 = 1,
    HM_BINLOG_T_QUERY = 2,
    HM_BINLOG_T_STOP = 3,
    HM_BINLOG_T_ROTATE = 4,
    HM_BINLOG_T_INTVAR = 5,
    HM_BINLOG_T_LOAD = 6,
    HM_BINLOG_T_SLAVE = 7,
    HM_BINLOG_T_CREATE_FILE = 8,
    HM_BINLOG_T_APPEND_BLOCK = 9,
    HM_BINLOG_T_EXEC_LOAD = 10,
    HM_BINLOG_T_DELETE_FILE = 11,
    HM_BINLOG_T_NEW_LOAD = 12,
    HM_BINLOG_T_RAND = 13,
    HM_BINLOG_T_USER_VAR = 14,
    HM_BINLOG_T_FORMAT_DESCRIPTION = 15,
    HM_BINLOG_T_XID = 16,
    HM_BINLOG_T_BEGIN_LOAD_QUERY = 17,
    HM_BINLOG_T_EXECUTE_LOAD_QUERY = 18,
    HM_BINLOG_T_TABLE_MAP = 19,
    HM_BINLOG_T_PRE_GA_WRITE_ROWS = 20,
    HM_BINLOG_T_PRE_GA_UPDATE_ROWS = 21,
    HM_BINLOG_T_PRE_GA_DELETE_ROWS = 22,
    HM_BINLOG_T_WRITE_ROWS_V1 = 23,
    HM_BINLOG_T_UPDATE_ROWS_V1 = 24,
    HM_BINLOG_T_DELETE_ROWS_V1 = 25,
    HM_BINLOG_T_INCIDENT = 26,
    HM_BINLOG_T_HEARTBEAT = 27,
    HM_BINLOG_T_IGNORABLE = 28,
    HM_BINLOG_T_ROWS_QUERY = 29,
    HM_BINLOG_T_WRITE_ROWS = 30,
    HM_BINLOG_T_UPDATE_ROWS = 31,
    HM_BINLOG_T_DELETE_ROWS = 32,
    HM_BINLOG_T_GTID = 33,
    HM_BINLOG_T_ANONYMOUS_GTID = 34,
    HM_BINLOG_T_PREVIOUS_GTIDS = 35,
    HM_BINLOG_T_TRANSACTION_CONTEXT = 36,
    HM_BINLOG_T_VIEW_CHANGE = 37,
    HM_BINLOG_T_XA_PREPARE = 38,
    HM_BINLOG_T_PARTIAL_UPDATE_ROWS = 39,
    HM_BINLOG_T_TRANSACTION_PAYLOAD = 40,
    HM_BINLOG_T_HEARTBEAT_V2 = 41,
    HM_BINLOG_T_GTID_TAGGED = 42,
    HM_BINLOG_T_ANNOTATE_ROWS = 160,
    HM_BINLOG_T_BINLOG_CHECKPOINT = 161,
    HM_BINLOG_T_MARIADB_GTID = 162,
    HM_BINLOG_T_GTID_LIST = 163,
    HM_BINLOG_T_START_ENCRYPTION = 164,
    HM_BINLOG_T_QUERY_COMPRESSED = 165,
    HM_BINLOG_T_WRITE_ROWS_COMPRESSED_V1 = 166,
    HM_BINLOG_T_UPDATE_ROWS_COMPRESSED_V1 = 167,
    HM_BINLOG_T_DELETE_ROWS_COMPRESSED_V1 = 168,
    HM_BINLOG_T_WRITE_ROWS_COMPRESSED = 169,
    HM_BINLOG_T_UPDATE_ROWS_COMPRESSED = 170,
    HM_BINLOG_T_DELETE_ROWS_COMPRESSED = 171,
};

/* Header flags. */
#define HM_BINLOG_F_IN_USE 0x0001     /* FDE: the file was open when read (LOG_EVENT_BINLOG_IN_USE_F);
                                         the FDE's CRC32 is computed with this flag clear */
#define HM_BINLOG_F_ARTIFICIAL 0x0020 /* made up by the server for the dump (fake ROTATE) */
#define HM_BINLOG_F_IGNORABLE 0x0080  /* a replica that does not know the type may skip it */

/* Checksum algorithms (FORMAT_DESCRIPTION's last byte). */
#define HM_BINLOG_CRC_OFF 0
#define HM_BINLOG_CRC_CRC32 1
#define HM_BINLOG_CRC_UNDEF 255

/* What a decoded event is; one per decoded union member below. */
typedef enum hm_binlog_kind {
    HM_BINLOG_EV_UNKNOWN = 0,       /* type not known: see type, pos, flags & F_IGNORABLE */
    HM_BINLOG_EV_OTHER,             /* known type with nothing decoded (LOAD DATA blocks, group
                                       replication, IGNORABLE, SLAVE, START_V3) */
    HM_BINLOG_EV_FORMAT_DESCRIPTION,
    HM_BINLOG_EV_ROTATE,
    HM_BINLOG_EV_STOP,
    HM_BINLOG_EV_QUERY,             /* QUERY and MariaDB's QUERY_COMPRESSED */
    HM_BINLOG_EV_XID,
    HM_BINLOG_EV_INTVAR,
    HM_BINLOG_EV_RAND,
    HM_BINLOG_EV_USER_VAR,
    HM_BINLOG_EV_INCIDENT,
    HM_BINLOG_EV_HEARTBEAT,         /* HEARTBEAT and MySQL's HEARTBEAT_V2 */
    HM_BINLOG_EV_TABLE_MAP,
    HM_BINLOG_EV_ROWS,              /* WRITE/UPDATE/DELETE v1, v2, MariaDB compressed, MySQL
                                       PARTIAL_UPDATE_ROWS (an UPDATE with rows.partial) */
    HM_BINLOG_EV_ROWS_QUERY,        /* MySQL ROWS_QUERY and MariaDB ANNOTATE_ROWS */
    HM_BINLOG_EV_MYSQL_GTID,        /* GTID, ANONYMOUS_GTID and GTID_TAGGED */
    HM_BINLOG_EV_PREVIOUS_GTIDS,
    HM_BINLOG_EV_MARIADB_GTID,
    HM_BINLOG_EV_GTID_LIST,
    HM_BINLOG_EV_BINLOG_CHECKPOINT,
    HM_BINLOG_EV_XA_PREPARE,
    HM_BINLOG_EV_TRANSACTION_PAYLOAD,
    HM_BINLOG_EV_START_ENCRYPTION,
} hm_binlog_kind;

/* Bytes inside the event; not NUL-terminated. */
typedef struct hm_binlog_str {
    const char *p;
    size_t len;
} hm_binlog_str;

/* What one FORMAT_DESCRIPTION says about the events after it. Keep one per stream. */
typedef struct hm_binlog_fmt {
    bool have_fde;             /* a FORMAT_DESCRIPTION was decoded */
    bool mariadb;              /* the server version says MariaDB */
    bool verify_checksum;      /* check CRC32 trailers (default true) */
    uint8_t checksum_alg;      /* HM_BINLOG_CRC_*; UNDEF before the first FDE unless set */
    uint8_t header_len;        /* 19 */
    uint16_t binlog_version;   /* 4 */
    unsigned version;          /* server version as major*10000 + minor*100 + patch */
    char server_version[51];
    uint8_t post_header_len[256]; /* by type code; 0 where the FDE gave none */
    unsigned n_post_header_len;
    char file[256];            /* current binlog file name, for messages ("" when unknown) */
} hm_binlog_fmt;

/* Defaults before any FDE: header 19 bytes, checksum UNDEF (trailing bytes not treated as a
 * CRC), built-in post-header lengths, verify on. */
void hm_binlog_fmt_init(hm_binlog_fmt *fmt);
/* Names the file the next events come from (used in messages only). */
void hm_binlog_fmt_set_file(hm_binlog_fmt *fmt, const char *name, size_t len);

typedef enum hm_binlog_rows_action {
    HM_BINLOG_ROWS_WRITE = 0,
    HM_BINLOG_ROWS_UPDATE = 1,
    HM_BINLOG_ROWS_DELETE = 2,
} hm_binlog_rows_action;

typedef struct hm_binlog_event {
    uint64_t pos;        /* where the event starts in its file, as given */
    uint64_t next_pos;   /* pos + size */
    /* common header */
    uint32_t timestamp;
    uint8_t type;        /* enum hm_binlog_type */
    uint32_t server_id;
    uint32_t size;       /* whole event, checksum included */
    uint32_t log_pos;    /* header's end position: 32 bits, wraps; 0 for artificial events */
    uint16_t flags;
    bool has_crc;
    uint32_t crc;        /* the stored CRC32 when has_crc */
    const uint8_t *raw;  /* the whole event */
    const uint8_t *body; /* after the common header, before the checksum */
    size_t body_len;
    hm_binlog_kind kind;
    union {
        struct {
            uint16_t binlog_version;
            const char *server_version; /* fmt->server_version */
            uint32_t create_timestamp;
            uint8_t header_len;
            uint8_t checksum_alg;
            bool in_use;              /* the file was still open (HM_BINLOG_F_IN_USE) */
        } fde;
        struct {
            uint64_t position; /* 64-bit */
            hm_binlog_str file;
        } rotate;
        struct {
            uint32_t thread_id, exec_time;
            uint16_t error_code;
            hm_binlog_str db, query;
            hm_binlog_str status;     /* the raw status variables */
            bool compressed;          /* QUERY_COMPRESSED: query is zlib data, see inflate.h */
            /* status variables found (has_*), in the order of their codes */
            bool has_flags2, has_sql_mode, has_catalog, has_auto_increment, has_charset,
                has_time_zone, has_lc_time_names, has_charset_database, has_microseconds,
                has_xid, has_explicit_defaults_ts, has_default_collation_utf8mb4;
            uint32_t flags2;
            uint64_t sql_mode;
            hm_binlog_str catalog;
            uint16_t auto_increment_increment, auto_increment_offset;
            uint16_t charset_client, collation_connection, collation_server;
            hm_binlog_str time_zone;
            uint16_t lc_time_names, charset_database;
            uint32_t microseconds;    /* MariaDB Q_HRNOW / MySQL Q_MICROSECONDS */
            uint64_t xid;             /* MariaDB Q_XID / MySQL Q_DDL_LOGGED_WITH_XID */
            uint8_t explicit_defaults_ts;
            uint16_t default_collation_utf8mb4;
            uint8_t stopped_at_code;  /* != 0: status var of this unknown code, rest unparsed */
        } query;
        struct {
            uint64_t xid;
        } xid;
        struct {
            uint8_t type; /* 1 LAST_INSERT_ID, 2 INSERT_ID */
            uint64_t value;
        } intvar;
        struct {
            uint64_t seed1, seed2;
        } rand;
        struct {
            hm_binlog_str name, value;
            bool is_null;
            uint8_t value_type; /* 0 STRING, 1 REAL, 2 INT, 4 DECIMAL */
            uint32_t charset;
            uint8_t flags;      /* 1: unsigned */
        } user_var;
        struct {
            uint16_t type;
            hm_binlog_str message;
        } incident;
        struct {
            hm_binlog_str file;
            uint64_t position; /* where the source's binlog is at (v1: 32-bit header log_pos) */
        } heartbeat;
        struct {
            uint64_t table_id;
            uint16_t flags;
            hm_binlog_str db, table;
            uint32_t ncols;
            const uint8_t *types;     /* ncols bytes */
            const uint8_t *meta;      /* per-column metadata, packed */
            size_t meta_len;
            const uint8_t *null_bits; /* (ncols + 7) / 8 bytes, bit i: column i nullable */
            const uint8_t *opt;       /* optional metadata (MySQL 8, MariaDB 10.5+), or NULL */
            size_t opt_len;
        } table_map;
        struct {
            hm_binlog_rows_action action;
            uint8_t version;          /* 1 or 2 */
            bool compressed;          /* MariaDB: rows is zlib data, see inflate.h */
            bool partial;             /* MySQL PARTIAL_UPDATE_ROWS (binlog_row_value_options=
                                         PARTIAL_JSON): after images may hold JSON diffs */
            uint64_t table_id;
            uint16_t flags;           /* bit 0: STMT_END_F */
            const uint8_t *extra;     /* v2 extra-data block (after its 2-byte length), or NULL */
            size_t extra_len;
            uint32_t ncols;
            const uint8_t *cols;      /* columns present in the (before) image */
            const uint8_t *cols_ai;   /* UPDATE: columns present in the after image, else NULL */
            const uint8_t *rows;      /* the row images */
            size_t rows_len;
        } rows;
        struct {
            hm_binlog_str query;
        } rows_query;
        struct {
            bool anonymous;
            uint8_t flags;            /* bit 0: may have statement-based events */
            uint8_t sid[16];
            int64_t gno;
            uint8_t lt_type;
            int64_t last_committed, sequence_number;
            bool has_commit_ts, has_trx_len, has_server_version;
            uint64_t immediate_commit_ts, original_commit_ts; /* microseconds since epoch */
            uint64_t trx_len;
            uint32_t immediate_server_version, original_server_version;
            hm_binlog_str tag;        /* GTID_TAGGED (MySQL 8.3+): the tag, [a-z_][a-z0-9_]*,
                                         at most HM_BINLOG_TAG_MAX; len 0 when untagged */
        } mysql_gtid;
        struct {
            const uint8_t *data;      /* the encoded set: validated; format with gtid_set_format */
            size_t len;
            uint64_t n_sids;
            bool tagged;              /* MySQL 8.3+ format: each uuid may carry a tag */
        } previous_gtids;
        struct {
            uint64_t seq_no;
            uint32_t domain_id;
            uint32_t server_id;       /* from the header */
            uint8_t flags;            /* FL_STANDALONE 1, FL_GROUP_COMMIT_ID 2, FL_TRANSACTIONAL 4,
                                         FL_ALLOW_PARALLEL 8, FL_WAITED 16, FL_DDL 32,
                                         FL_PREPARED_XA 64, FL_COMPLETED_XA 128 */
            bool has_commit_id;
            uint64_t commit_id;
            bool has_xid;
            uint32_t xid_format_id;
            uint8_t xid_gtrid_len, xid_bqual_len;
            const uint8_t *xid_data;
        } mariadb_gtid;
        struct {
            uint32_t count;
            uint8_t flags;            /* top 4 bits of the count field */
            const uint8_t *entries;   /* count x (domain 4, server 4, seq 8) */
        } gtid_list;
        struct {
            hm_binlog_str file;
        } checkpoint;
        struct {
            bool one_phase;
            uint32_t format_id, gtrid_len, bqual_len;
            const uint8_t *data;
        } xa_prepare;
        struct {
            uint64_t compression;      /* 0 zstd, 255 none */
            uint64_t uncompressed_size;
            const uint8_t *payload;    /* the (compressed) inner events */
            size_t payload_len;
        } payload;
        struct {
            uint8_t scheme;
            uint32_t key_version;
        } start_encryption;
    } u;
} hm_binlog_event;

/* Reads the size field of an event whose first bytes are at buf. false when len < 19. */
bool hm_binlog_peek_size(const uint8_t *buf, size_t len, uint32_t *size);

/* Decodes the event in buf[0..len); len must be the event's size. pos: where it starts in its file.
 * On FORMAT_DESCRIPTION, fmt takes the new format (header length, post-header lengths, checksum).
 * Verifies the CRC32 trailer when the format has one and fmt->verify_checksum.
 * Fails with HM_ESOURCE (malformed, truncated, bad checksum, PARTIAL_UPDATE_ROWS, tagged GTID);
 * ev is then unspecified. An unknown type is HM_OK with kind HM_BINLOG_EV_UNKNOWN. */
hm_code hm_binlog_event_decode(hm_binlog_fmt *fmt, const uint8_t *buf, size_t len, uint64_t pos,
                               hm_binlog_event *ev, hm_err *err);

/* "QUERY", "WRITE_ROWS_V1", ... or "type 200" (in a static buffer: not thread-safe for unknown
 * types; use hm_binlog_type_name_r). */
const char *hm_binlog_type_name(unsigned type);
/* Never NULL; returns buf when the type has no name. */
const char *hm_binlog_type_name_r(unsigned type, char *buf, size_t n);

/* The event's place as "file:pos (TYPE)" for messages. */
void hm_binlog_event_where(const hm_binlog_fmt *fmt, const hm_binlog_event *ev, char *buf,
                           size_t n);

/* "3e11fa47-71ca-11e1-9e33-c80aa9429562" into out[37]. */
void hm_binlog_uuid_format(const uint8_t sid[16], char out[37]);
/* The event's GTID as MySQL "uuid:n" ("uuid:tag:n" when tagged) or MariaDB "domain-server-seq".
 * false for other kinds and
 * for MySQL anonymous GTIDs. */
bool hm_binlog_gtid_format(const hm_binlog_event *ev, char *out, size_t n);
/* PREVIOUS_GTIDS: "uuid:1-5:7:tag:1-2,uuid2:1-3" appended to out. GTID_LIST: "0-1-5,1-2-3". */
hm_code hm_binlog_gtid_set_format(const hm_binlog_event *ev, hm_buf *out);
/* GTID_LIST entry i < count. */
void hm_binlog_gtid_list_at(const hm_binlog_event *ev, uint32_t i, uint32_t *domain,
                            uint32_t *server, uint64_t *seq);


#endif
