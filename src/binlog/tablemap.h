/*
 * binlog/tablemap.h: table maps, decoded once and kept per table id.
 *
 * A TABLE_MAP event describes the table that the ROWS events after it change: column types, the
 * per-type metadata (lengths, precision, fractional digits), nullability, and, when the source
 * logs it (MySQL 8 binlog_row_metadata=FULL, MariaDB 10.5+ likewise), optional metadata: column
 * names, signedness, character sets, primary key, ENUM/SET labels, geometry types.
 *
 * hm_binlog_table owns a copy of the event's body, so it outlives the event buffer; names and
 * labels point into that copy. hm_binlog_tables maps table ids to tables for a stream: a ROWS
 * event names its table by id only. A column whose type this decoder does not know does not fail
 * the table map (the table may be one the caller ignores); it fails decoding that table's rows.
 *
 * Lifecycle: hm_binlog_tables_init -> _put (per TABLE_MAP) / _get (per ROWS) -> _clear (new file)
 * -> _release.
 */
#ifndef HM_BINLOG_TABLEMAP_H
#define HM_BINLOG_TABLEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "hotmig.h"

/* Column type codes (MySQL's enum_field_types). */
enum hm_binlog_col_type {
    HM_COL_DECIMAL = 0, /* pre-5.0 DECIMAL: not supported */
    HM_COL_TINY = 1,
    HM_COL_SHORT = 2,
    HM_COL_LONG = 3,
    HM_COL_FLOAT = 4,
    HM_COL_DOUBLE = 5,
    HM_COL_NULL = 6,
    HM_COL_TIMESTAMP = 7,
    HM_COL_LONGLONG = 8,
    HM_COL_INT24 = 9,
    HM_COL_DATE = 10,
    HM_COL_TIME = 11,
    HM_COL_DATETIME = 12,
    HM_COL_YEAR = 13,
    HM_COL_NEWDATE = 14,
    HM_COL_VARCHAR = 15,
    HM_COL_BIT = 16,
    HM_COL_TIMESTAMP2 = 17,
    HM_COL_DATETIME2 = 18,
    HM_COL_TIME2 = 19,
    HM_COL_VECTOR = 242, /* MySQL 9.0+: dimensions x float32, little-endian, stored as a BLOB */
    HM_COL_JSON = 245,
    HM_COL_NEWDECIMAL = 246,
    HM_COL_ENUM = 247,
    HM_COL_SET = 248,
    HM_COL_TINY_BLOB = 249,
    HM_COL_MEDIUM_BLOB = 250,
    HM_COL_LONG_BLOB = 251,
    HM_COL_BLOB = 252,
    HM_COL_VAR_STRING = 253,
    HM_COL_STRING = 254,
    HM_COL_GEOMETRY = 255,
};

typedef struct hm_binlog_column {
    uint8_t type;         /* hm_binlog_col_type; STRING resolved to ENUM or SET when it is one */
    uint8_t binlog_type;  /* as written in the table map */
    bool known;           /* the decoder knows this type (else rows of the table fail) */
    bool nullable;
    uint16_t meta;        /* metadata as one number, as mariadb-binlog prints it */
    /* the metadata, taken apart */
    uint32_t max_len;     /* CHAR/VARCHAR: max bytes; BLOB/JSON/GEOMETRY: length bytes (1-4);
                             ENUM/SET: bytes of the value; BIT: bits; FLOAT/DOUBLE: 4/8 */
    uint8_t precision, scale; /* NEWDECIMAL */
    uint8_t fsp;          /* TIME2, DATETIME2, TIMESTAMP2: fractional digits 0-6 */
    /* optional metadata (has_* in the table says which were logged) */
    bool is_unsigned;
    uint32_t charset;     /* collation id, 0 when not logged or not a character column */
    hm_binlog_str name;
    uint32_t geometry_type;
    uint32_t n_labels;    /* ENUM/SET: number of labels; hm_binlog_table_label() reads them */
    const uint8_t *labels;
    size_t labels_len;
    bool visible;         /* MySQL 8.0.23+ invisible columns: false */
    uint32_t dimensions;  /* VECTOR: number of floats, when logged (MySQL 9 optional metadata) */
} hm_binlog_column;

typedef struct hm_binlog_table {
    uint64_t table_id;
    uint16_t flags;
    char *db, *name;      /* NUL-terminated copies */
    uint32_t ncols;
    hm_binlog_column *cols;
    bool has_signedness, has_charsets, has_names, has_pk, has_labels, has_geometry_types,
        has_visibility, has_dimensions;
    uint32_t n_json;      /* JSON columns (PARTIAL_UPDATE_ROWS has one bit per JSON column) */
    uint32_t n_pk;        /* primary key columns, in key order */
    uint32_t *pk;         /* column indexes */
    uint32_t *pk_prefix;  /* prefix length in characters, 0 = whole column */
    int first_unknown;    /* index of the first column of a type not known, -1 when none */
    uint8_t *copy;        /* the event body the pointers above point into */
    size_t copy_len;
} hm_binlog_table;

/* Decodes a TABLE_MAP event into a new table (free with hm_binlog_table_free). Fails with
 * HM_ESOURCE on metadata that does not fit the column types, HM_ENOMEM. */
hm_code hm_binlog_table_new(const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                            hm_binlog_table **out, hm_err *err);
void hm_binlog_table_free(hm_binlog_table *t);

/* Label i (0-based) of an ENUM/SET column whose labels were logged; false when out of range. */
bool hm_binlog_table_label(const hm_binlog_column *c, uint32_t i, hm_binlog_str *out);

/* Type name as mariadb-binlog -vv prints it: "INT", "VARSTRING(765)", "DECIMAL(15,2)". */
void hm_binlog_column_type_str(const hm_binlog_column *c, char *buf, size_t n);

/* Table ids to tables, for one stream. */
typedef struct hm_binlog_tables {
    hm_binlog_table **slot; /* open addressing by table id */
    size_t cap, count;
} hm_binlog_tables;

void hm_binlog_tables_init(hm_binlog_tables *ts);
/* Decodes the TABLE_MAP event and maps its id to it, replacing a previous table of that id.
 * When the event's bytes equal the mapped table's, keeps it (no work). *out: the table, owned by
 * ts. */
hm_code hm_binlog_tables_put(hm_binlog_tables *ts, const hm_binlog_fmt *fmt,
                             const hm_binlog_event *ev, const hm_binlog_table **out, hm_err *err);
/* The table of that id, or NULL. */
const hm_binlog_table *hm_binlog_tables_get(const hm_binlog_tables *ts, uint64_t table_id);
/* Forgets every table (a new binlog file starts). */
void hm_binlog_tables_clear(hm_binlog_tables *ts);
void hm_binlog_tables_release(hm_binlog_tables *ts);

#endif
