/*
 * copy/catalog.h: what the source holds that a task moves, read once before anything is written.
 *
 * An hm_catalog owns every string in it. It is built by hm_catalog_load() from information_schema
 * and SHOW CREATE statements, filtered by an hm_select, and holds:
 *   - the selected schemas (with SHOW CREATE DATABASE),
 *   - the selected base tables, each with its columns, its chunking key and SHOW CREATE TABLE,
 *   - the selected views, routines, triggers and events with their definitions and the session
 *     context (sql_mode, character_set_client, collation_connection) they must be created under.
 * Memory is proportional to the number of objects, never to the amount of data.
 */
#ifndef HM_COPY_CATALOG_H
#define HM_COPY_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "copy/select.h"
#include "db/conn.h"

typedef enum hm_coltype {
    HM_COL_NUM,      /* integers, DECIMAL, FLOAT, DOUBLE, YEAR: plain numeric text */
    HM_COL_STR,      /* character data (CHAR..TEXT, ENUM, SET, JSON) in column charset */
    HM_COL_BIN,      /* BINARY, VARBINARY, BLOB */
    HM_COL_BIT,      /* BIT(n): raw big-endian bytes */
    HM_COL_TEMPORAL, /* DATE, TIME, DATETIME, TIMESTAMP */
    HM_COL_GEOM,     /* spatial types: internal SRID+WKB bytes */
    HM_COL_OTHER     /* anything else (INET6, UUID, ...): its text form */
} hm_coltype;

typedef struct hm_column {
    char *name;
    char *data_type; /* lower-case, e.g. "varchar" */
    char *charset;   /* NULL for non-character columns */
    hm_coltype type;
    bool generated;  /* VIRTUAL or STORED: never written */
    bool is_enum_set;
    bool is_float;
} hm_column;

typedef struct hm_table {
    char *db, *name, *engine;
    char *create_sql;
    hm_column *cols;
    size_t ncols;
    size_t *key; /* indexes into cols of the chunking key, NULL when none is usable */
    size_t nkey;
    char *key_name;
    uint64_t rows_est, bytes_est;
    unsigned flags; /* HM_FLAG_* */
} hm_table;

typedef enum hm_objkind { HM_OBJ_VIEW, HM_OBJ_PROCEDURE, HM_OBJ_FUNCTION, HM_OBJ_TRIGGER, HM_OBJ_EVENT } hm_objkind;

typedef struct hm_object {
    hm_objkind kind;
    char *db, *name;
    char *create_sql;
    char *sql_mode;             /* NULL for views */
    char *time_zone;            /* events only */
    char *charset_client, *collation_connection;
} hm_object;

typedef struct hm_schema {
    char *name;
    char *create_sql;
} hm_schema;

typedef struct hm_catalog {
    hm_schema *schemas;
    size_t nschemas;
    hm_table *tables;
    size_t ntables;
    hm_object *objects; /* views first, then routines, triggers, events */
    size_t nobjects;
} hm_catalog;

/* Loading is in two phases, so that the account's privileges on the selected schemas can be
 * checked before definitions are read: hm_catalog_load_schemas() fills cat->schemas only;
 * hm_catalog_load() fills the rest (and the schemas first when not loaded yet). On failure the
 * catalog is released. */
hm_code hm_catalog_load_schemas(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err);
hm_code hm_catalog_load(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err);
void hm_catalog_release(hm_catalog *cat);

const char *hm_objkind_name(hm_objkind k); /* "VIEW", "PROCEDURE", ... */

#endif
