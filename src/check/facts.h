/*
 * check/facts.h: what the precheck reads from each server, and the helpers the items share.
 * Internal to src/check.
 *
 * Reading and judging are apart: facts.c (both sides) and selection.c (the source's objects)
 * only read, in a fixed number of bulk queries per server whatever the number of tables; the
 * items_*.c files only judge what was read, so they never wait on a server (one exception: the
 * time zone item asks the target about the named zones the source uses, after both reads).
 *
 * Each group of facts has its own outcome (hm_check_part): a query the account may not run makes
 * the items that need that group say "not checked: why", and leaves the others alone.
 *
 * Every string here is owned by the struct holding it. Memory is proportional to the number of
 * objects on the servers (names only), never to the data.
 */
#ifndef HM_CHECK_FACTS_H
#define HM_CHECK_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "check/check.h"
#include "copy/select.h"
#include "db/conn.h"
#include "util/buf.h"

/* The global variables read from both servers (absent ones stay NULL). */
typedef enum hm_check_var {
    HM_CV_SERVER_ID,
    HM_CV_LOG_BIN,
    HM_CV_BINLOG_FORMAT,
    HM_CV_BINLOG_ROW_IMAGE,
    HM_CV_STATS_ON_METADATA,
    HM_CV_TRX_COMPRESSION,   /* MySQL 8.0.20+: binlog_transaction_compression */
    HM_CV_LOG_BIN_COMPRESS,  /* MariaDB: log_bin_compress */
    HM_CV_GTID_MODE,         /* MySQL */
    HM_CV_ENFORCE_GTID,      /* MySQL */
    HM_CV_GTID_STRICT,       /* MariaDB */
    HM_CV_GTID_DOMAIN,       /* MariaDB */
    HM_CV_EXPIRE_SECONDS,
    HM_CV_EXPIRE_DAYS,
    HM_CV_LCTN,
    HM_CV_MAX_PACKET,
    HM_CV_SQL_MODE,
    HM_CV_TIME_ZONE,
    HM_CV_MAX_CONNECTIONS,
    HM_CV_EVENT_SCHEDULER,
    HM_CV_TRUST_CREATORS,
    HM_CV_DATADIR,
    HM_CV_ROW_VALUE_OPTIONS, /* MySQL 8.0.3+: binlog_row_value_options */
    HM_CV_ROW_METADATA,      /* MySQL 8.0.1+, MariaDB 10.5+: binlog_row_metadata */
    HM_CV__N
} hm_check_var;

/* Outcome of reading one group of facts. */
typedef struct hm_check_part {
    bool ok;
    hm_err err; /* why not, when !ok */
} hm_check_part;

/* One grant of the account: global ('G', scope ""), schema ('S', scope may hold LIKE
 * wildcards) or table ('T', scope "db.table"). */
typedef struct hm_check_grant {
    char kind;
    char *scope;
    char *priv;
} hm_check_grant;

/* What both sides read the same way. */
typedef struct hm_check_side {
    const char *role;         /* "source" / "target" */
    hm_conn conn;
    hm_check_part connect;
    char tls[128];            /* cipher in use, "" when none */
    char account[300];        /* 'user'@'host', quoted for a GRANT */
    char user_at_host[300];   /* CURRENT_USER() as the server says it: user@host */
    hm_check_part vars;
    char *var[HM_CV__N];
    uint64_t threads_connected;
    hm_check_part grants;
    hm_check_grant *grant;
    size_t ngrant, ngrant_cap;
} hm_check_side;

typedef enum hm_check_kind {
    HM_CK_TABLE = 0,
    HM_CK_VIEW,
    HM_CK_PROCEDURE,
    HM_CK_FUNCTION,
    HM_CK_TRIGGER,
    HM_CK_EVENT
} hm_check_kind;

typedef struct hm_check_schema {
    char *name, *collation;
    bool selected;
} hm_check_schema;

typedef struct hm_check_table {
    char *db, *name, *engine, *collation;
    uint64_t bytes;
    bool keyed;     /* has a PRIMARY or NOT NULL UNIQUE key */
    bool selected;
} hm_check_table;

/* Views, routines, triggers, events of the source. */
typedef struct hm_check_obj {
    hm_check_kind kind;
    char *db, *name;
    char *table;             /* triggers: their table */
    char *definer;           /* "user@host" as information_schema shows it */
    char *time_zone;         /* events */
    char *cs_client, *coll_conn, *db_coll;
    bool hidden;             /* routines: the definition is hidden from this account */
    bool unsafe_for_binlog;  /* functions: not DETERMINISTIC, and may read or write data */
    bool enabled;            /* events */
    bool selected;
} hm_check_obj;

typedef struct hm_check_fk {
    char *db, *table, *name, *pdb, *ptable;
} hm_check_fk;

/* A collation used by a column of db.table. */
typedef struct hm_check_colluse {
    char *db, *table, *collation;
} hm_check_colluse;

typedef struct hm_check_src {
    hm_check_side side;
    hm_select sel;
    hm_check_part catalog;
    hm_check_schema *schemas;
    size_t nschemas, schemas_cap;
    hm_check_table *tables;  /* sorted by (db, name), byte order */
    size_t ntables, tables_cap;
    hm_check_obj *objs;
    size_t nobjs, objs_cap;
    hm_check_fk *fks;
    size_t nfks, fks_cap;
    hm_check_colluse *colls;
    size_t ncolls, colls_cap;
    hm_check_colluse *vectors; /* VECTOR columns (MySQL 9+) of selected tables; `collation`
                                  holds the column's name */
    size_t nvectors, vectors_cap;
    long tz_rows;            /* rows in mysql.time_zone_name, -1 unknown */
    long xa_prepared;        /* XA transactions prepared on the source (XA RECOVER), -1 unknown */
    char *xa_xids;           /* their gtrids, "a, b", owned; NULL when none or unknown */
    hm_err xa_err;           /* why unknown */
} hm_check_src;

/* An object the target holds (any kind, any non-system schema). */
typedef struct hm_check_tobj {
    hm_check_kind kind;
    char *db, *name;
} hm_check_tobj;

typedef struct hm_check_charset {
    char *name, *default_collation;
} hm_check_charset;

typedef struct hm_check_tgt {
    hm_check_side side;
    hm_check_part objects;
    char **schemas;          /* non-system schemas */
    size_t nschemas, schemas_cap;
    hm_check_tobj *objs;
    size_t nobjs, objs_cap;
    hm_check_part collations;
    char **colls;            /* sorted */
    size_t ncolls, colls_cap;
    hm_check_charset *charsets;
    size_t ncharsets, charsets_cap;
    hm_check_part users;     /* mysql.user, may be unreadable */
    char **accounts;         /* "user@host", sorted */
    size_t naccounts, accounts_cap;
    bool run_exists;         /* hotmig_meta.copy_run holds an earlier run */
    char run_state[24];
    bool disk_known;         /* information_schema.DISKS answered */
    uint64_t disk_free;      /* bytes available on the datadir's file system */
    char disk_path[256];
    long tz_rows;            /* rows in mysql.time_zone_name, -1 unknown */
    /* after both reads: which of the source's named zones the target knows */
    hm_check_part zones;
    char zones_missing[512];
    unsigned nzones_missing;
} hm_check_tgt;

/* --- reading (facts.c, selection.c) --- */

/* Connects and reads the side's variables, status, account and grants. Connection failures
 * land in side->connect; a failed query in the group's part. Returns HM_ENOMEM only. */
hm_code hm_check_read_side(hm_check_side *s, const hm_endpoint *ep, const char *role);
/* The source's objects, filtered by s->sel (initialised by the caller). */
hm_code hm_check_read_selection(hm_check_src *s);
/* A source base table by name (after hm_check_read_selection), or NULL. */
hm_check_table *hm_check_find_table(const hm_check_src *s, const char *db, const char *name);
/* The target's objects, collations, accounts, earlier run and free space. */
hm_code hm_check_read_target(hm_check_tgt *t);
/* Whether the target knows each named time zone the selection uses (needs both reads). */
hm_code hm_check_read_zones(hm_check_tgt *t, const hm_check_src *s);

void hm_check_side_release(hm_check_side *s);
void hm_check_src_release(hm_check_src *s);
void hm_check_tgt_release(hm_check_tgt *t);

/* --- helpers shared by the items --- */

const char *hm_check_var_get(const hm_check_side *s, hm_check_var v); /* NULL when absent */
bool hm_check_var_on(const hm_check_side *s, hm_check_var v);         /* ON / 1 / TRUE */
/* The variable as a number; dflt when absent or not a number. */
uint64_t hm_check_var_u64(const hm_check_side *s, hm_check_var v, uint64_t dflt);

/* Whether the account holds priv globally, or on schema db (schema grants may use wildcards),
 * or on table db.table. */
bool hm_check_has_global(const hm_check_side *s, const char *priv);
bool hm_check_has_schema(const hm_check_side *s, const char *db, const char *priv);
bool hm_check_has_table(const hm_check_side *s, const char *db, const char *table, const char *priv);

/* MySQL 8.0+ persists with SET PERSIST; others need the my.cnf line. */
bool hm_check_can_persist(const hm_check_side *s);

const char *hm_check_kind_name(hm_check_kind k); /* "TABLE", "VIEW", ... */

/* Runs a query and hands each row to fn (which may stop the walk by returning an error). */
typedef hm_code (*hm_check_row_fn)(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err);
hm_code hm_check_each_row(hm_conn *c, const char *sql, hm_check_row_fn fn, void *ud, hm_err *err);

/* Makes room for element n of *v (doubling *cap); false on out of memory. */
bool hm_check_grow(void **v, size_t *cap, size_t n, size_t size);
hm_code hm_check_oom(hm_err *err);

#endif
