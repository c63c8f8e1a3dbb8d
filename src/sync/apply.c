/*
 * sync/apply.c: the rows of binlog ROWS events applied to the target (see apply.h).
 *
 * Owns: the cached definition of each target table met (hm__tdef: columns, key, prepared
 * statements), and the per-applier scratch reused by every statement: the MYSQL_BIND array, the
 * numbers the binds point at, the decoded row images, and an arena for the text forms of values
 * (DECIMAL, temporal, padded BINARY(n), JSON text). None of it grows with the number of rows:
 * binds and numbers are bounded by APPLY_MAX_PARAMS, the arena by the largest values of one
 * statement (reset before each statement or batch).
 *
 * Per table, lazily (k: a batch size, batch_rows[k] rows, 1 to 128, while the statement has at
 * most APPLY_MAX_PARAMS parameters):
 *   ins[k]  INSERT INTO t (c, ...) VALUES (?, ...), ...
 *   upd     UPDATE t SET c = ?, ... WHERE key = ?     keyless: WHERE c <=> ? AND ... LIMIT 1
 *   del[0]  DELETE FROM t WHERE key = ?               keyless: WHERE c <=> ? AND ... LIMIT 1
 *   del[k]  DELETE FROM t WHERE key IN (?, ...)       composite: (a = ? AND b = ?) OR ...
 * Only non-generated columns are written or matched. Keyless matching is exact: character
 * columns are compared as bytes (CAST(c AS BINARY)), MySQL JSON as JSON.
 *
 * WRITE events, and DELETE events of tables with a key: rows are decoded into consecutive bind
 * slots (a batch) until APPLY_BATCH_ROWS rows or half the inline byte budget; the batch then goes
 * out as popcount(n) statements of the prepared sizes (89 rows: 64 + 16 + 8 + 1). When a
 * multi-row statement fails, or changes fewer rows than it was sent, its rows go again one by one
 * to name the row at fault: a failed INSERT was undone by the server as one statement; a DELETE
 * batch is undone to SAVEPOINT hm_apply, set before it (one more round trip per batch of 2 rows
 * or more). UPDATE events, and DELETE events of keyless tables: one execution per row.
 *
 * A value longer than the inline limit (1 MiB, less when the target's max_allowed_packet is
 * small) is not put in the execute packet but sent before it with mysql_stmt_send_long_data() in
 * pieces; so is one that would take a row's inline bytes over half the budget.
 *
 * Table lifecycle: (absent) -> loaded (hm__tdef, statements NULL) -> statements prepared as used
 * -> dropped by forget / forget_all / eviction (least recently used, past APPLY_MAX_TABLES).
 * Session setup (sql_mode, max_allowed_packet) is done on first use and again after forget_all.
 */
#include "sync/apply.h"

#include <errmsg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "binlog/json.h"
#include "db/sqlq.h"
#include "sync/jsonpath.h"
#include "util/err.h"

#define APPLY_MAX_PARAMS 8192u      /* parameters of one statement (the server allows 65535) */
#define APPLY_BATCH_ROWS 128u       /* rows of a WRITE event gathered before they are sent */
#define APPLY_INLINE_MAX (4u << 20) /* inline bytes of one statement, at most */
#define APPLY_MAX_TABLES 256u       /* tables whose statements are kept (17 each at most) */
#define APPLY_BUCKETS 1024u
#define APPLY_ARENA_MAX ((size_t)1 << 30)
#define APPLY_KEY_TEXT 48           /* bytes of one key value shown in a message */
/* sql_mode for applying rows: a 0 in an AUTO_INCREMENT column stays 0; zero and invalid dates are
 * stored as the source stored them. Not strict: strict mode refuses ENUM value 0 (the '' a
 * non-strict source stores for a bad label); instead every statement's warning count must be the
 * number of such values it writes (each warns once), so that a value the target cannot hold
 * still fails the row. */
#define APPLY_SQL_MODE "NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES,NO_ENGINE_SUBSTITUTION"

/* Rows per multi-row statement: n rows go as popcount(n) statements. Measured on 100,000 rows of
 * 8 KiB events (~89 rows each): these sizes ~150k rows/s, 1/8/32/128 ~110-140k, 1/4/16/64 ~140k. */
static const unsigned batch_rows[] = {1, 2, 4, 8, 16, 32, 64, 128};
#define N_SIZES (sizeof batch_rows / sizeof *batch_rows)

/* Column families: what a binlog type and a target DATA_TYPE must agree on. */
typedef enum hm__fam {
    FAM_INT, FAM_YEAR, FAM_REAL, FAM_DEC, FAM_DATE, FAM_TIME, FAM_DATETIME, FAM_TIMESTAMP,
    FAM_BIT, FAM_ENUM, FAM_SET, FAM_STR, FAM_BLOB, FAM_JSON, FAM_GEOM, FAM_OTHER
} hm__fam;

typedef struct hm__tcol {
    char *name;
    hm__fam fam;
    bool is_unsigned, generated, nullable;
    bool is_text;      /* a character (not binary) string: keyless matching compares bytes */
    bool mysql_json;   /* MySQL's JSON type: compared as JSON */
    uint32_t pad_to;   /* BINARY(n), INET4/6, UUID: the binlog drops trailing 0x00, pad back */
} hm__tcol;

typedef struct hm__tdef {
    char *db, *name;
    uint64_t hash;
    struct hm__tdef *next; /* bucket chain */
    uint64_t last_use;
    hm__tcol *cols;
    uint32_t ncols;
    uint32_t *wcols;       /* non-generated columns, in order: what is written */
    uint32_t nw;
    uint32_t *key;         /* key columns in key order; NULL when keyless */
    uint32_t nkey;
    char *key_name;
    unsigned n_ins, n_del; /* batch sizes usable by INSERT and by DELETE (parameter limit) */
    uint32_t n_hidden;     /* MariaDB long UNIQUEs: each adds a hidden BIGINT column after the
                              others, in the binlog but not in information_schema */
    MYSQL_STMT *ins[N_SIZES], *del[N_SIZES], *upd;
} hm__tdef;

/* What a bind slot holds besides its MYSQL_BIND. */
typedef struct hm__slot {
    union {
        long long i;
        double d;
    } num;
    const char *ptr;   /* the value's bytes (when not in the arena) */
    size_t off;        /* in the arena, when in_arena */
    size_t len;
    bool in_arena, is_long;
    bool enum_zero;    /* ENUM value 0 written: the server warns, rightly */
} hm__slot;

struct hm_sync_applier {
    hm_conn *tgt;
    bool session_ready;
    size_t inline_cap;   /* hm_sync_applier_limit; 0: APPLY_INLINE_MAX */
    size_t inline_max;   /* bytes of values in one execute packet */
    size_t long_min;     /* values longer than this go by send_long_data */
    size_t piece;        /* bytes per send_long_data */
    hm__tdef *bucket[APPLY_BUCKETS];
    unsigned ntables;
    uint64_t clock;
    MYSQL_BIND *b;
    hm__slot *s;
    uint32_t cap;        /* of b and s */
    hm_binlog_value *before, *after;
    uint32_t vcap;       /* of before and after */
    hm_buf arena;
    size_t row_inline;   /* inline bytes of the row being filled */
    bool warned;         /* the last statement warned more than expected */
    hm_sync_apply_stats st;
    hm_sync_keyless_fn on_keyless;
    void *keyless_ud;
};

/* ---- the table cache ---- */

static uint64_t name_hash(const char *db, const char *name)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = db; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static void tdef_free(hm__tdef *t)
{
    if (!t)
        return;
    for (unsigned k = 0; k < N_SIZES; k++) {
        if (t->ins[k])
            mysql_stmt_close(t->ins[k]);
        if (t->del[k])
            mysql_stmt_close(t->del[k]);
    }
    if (t->upd)
        mysql_stmt_close(t->upd);
    for (uint32_t i = 0; i < t->ncols; i++)
        free(t->cols[i].name);
    free(t->cols);
    free(t->wcols);
    free(t->key);
    free(t->key_name);
    free(t->db);
    free(t->name);
    free(t);
}

static hm__tdef **find_slot(hm_sync_applier *a, const char *db, const char *name, uint64_t h)
{
    hm__tdef **pp = &a->bucket[h % APPLY_BUCKETS];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == h && strcmp((*pp)->name, name) == 0 && strcmp((*pp)->db, db) == 0)
            break;
    return pp;
}

static void drop(hm_sync_applier *a, hm__tdef **pp)
{
    hm__tdef *t = *pp;
    *pp = t->next;
    tdef_free(t);
    a->ntables--;
}

static void evict_lru(hm_sync_applier *a)
{
    hm__tdef **victim = NULL;
    for (unsigned i = 0; i < APPLY_BUCKETS; i++)
        for (hm__tdef **pp = &a->bucket[i]; *pp; pp = &(*pp)->next)
            if (!victim || (*pp)->last_use < (*victim)->last_use)
                victim = pp;
    if (victim)
        drop(a, victim);
}

void hm_sync_applier_forget(hm_sync_applier *a, const char *db, const char *table)
{
    hm__tdef **pp = find_slot(a, db, table, name_hash(db, table));
    if (*pp)
        drop(a, pp);
}

void hm_sync_applier_forget_all(hm_sync_applier *a)
{
    for (unsigned i = 0; i < APPLY_BUCKETS; i++)
        while (a->bucket[i])
            drop(a, &a->bucket[i]);
    a->session_ready = false;
}

hm_sync_applier *hm_sync_applier_new(hm_conn *tgt, hm_err *err)
{
    hm_sync_applier *a = calloc(1, sizeof *a);
    if (!a) {
        hm_err_set(err, HM_ENOMEM, "out of memory creating the row applier");
        return NULL;
    }
    a->tgt = tgt;
    hm_buf_init(&a->arena, APPLY_ARENA_MAX);
    return a;
}

void hm_sync_applier_limit(hm_sync_applier *a, size_t inline_max)
{
    a->inline_cap = inline_max < ((size_t)64 << 10) ? ((size_t)64 << 10) : inline_max;
    a->session_ready = false; /* the limits are worked out again */
}

void hm_sync_applier_free(hm_sync_applier *a)
{
    if (!a)
        return;
    hm_sync_applier_forget_all(a);
    free(a->b);
    free(a->s);
    free(a->before);
    free(a->after);
    hm_buf_release(&a->arena);
    free(a);
}

void hm_sync_applier_on_keyless(hm_sync_applier *a, hm_sync_keyless_fn fn, void *ud)
{
    a->on_keyless = fn;
    a->keyless_ud = ud;
}

void hm_sync_applier_stats(const hm_sync_applier *a, hm_sync_apply_stats *out)
{
    *out = a->st;
}

/* ---- reading the target's definition ---- */

static hm__fam target_fam(const char *dt, uint32_t *pad_to)
{
    static const struct {
        const char *name;
        hm__fam fam;
        uint32_t pad;
    } map[] = {
        {"tinyint", FAM_INT, 0}, {"smallint", FAM_INT, 0}, {"mediumint", FAM_INT, 0},
        {"int", FAM_INT, 0}, {"integer", FAM_INT, 0}, {"bigint", FAM_INT, 0},
        {"year", FAM_YEAR, 0}, {"float", FAM_REAL, 0}, {"double", FAM_REAL, 0},
        {"real", FAM_REAL, 0}, {"decimal", FAM_DEC, 0}, {"numeric", FAM_DEC, 0},
        {"date", FAM_DATE, 0}, {"time", FAM_TIME, 0}, {"datetime", FAM_DATETIME, 0},
        {"timestamp", FAM_TIMESTAMP, 0}, {"bit", FAM_BIT, 0}, {"enum", FAM_ENUM, 0},
        {"set", FAM_SET, 0}, {"char", FAM_STR, 0}, {"varchar", FAM_STR, 0},
        {"binary", FAM_STR, 0}, {"varbinary", FAM_STR, 0}, {"uuid", FAM_STR, 16},
        {"inet6", FAM_STR, 16}, {"inet4", FAM_STR, 4}, {"tinytext", FAM_BLOB, 0},
        {"text", FAM_BLOB, 0}, {"mediumtext", FAM_BLOB, 0}, {"longtext", FAM_BLOB, 0},
        {"tinyblob", FAM_BLOB, 0}, {"blob", FAM_BLOB, 0}, {"mediumblob", FAM_BLOB, 0},
        {"longblob", FAM_BLOB, 0}, {"json", FAM_JSON, 0}, {"geometry", FAM_GEOM, 0},
        {"point", FAM_GEOM, 0}, {"linestring", FAM_GEOM, 0}, {"polygon", FAM_GEOM, 0},
        {"multipoint", FAM_GEOM, 0}, {"multilinestring", FAM_GEOM, 0},
        {"multipolygon", FAM_GEOM, 0}, {"geometrycollection", FAM_GEOM, 0},
        {"geomcollection", FAM_GEOM, 0}, {"vector", FAM_BLOB, 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcasecmp(dt, map[i].name) == 0) {
            *pad_to = map[i].pad;
            return map[i].fam;
        }
    *pad_to = 0;
    return FAM_OTHER;
}

static hm__fam binlog_fam(uint8_t type)
{
    switch (type) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG: return FAM_INT;
    case HM_COL_YEAR: return FAM_YEAR;
    case HM_COL_FLOAT: case HM_COL_DOUBLE: return FAM_REAL;
    case HM_COL_NEWDECIMAL: return FAM_DEC;
    case HM_COL_DATE: case HM_COL_NEWDATE: return FAM_DATE;
    case HM_COL_TIME: case HM_COL_TIME2: return FAM_TIME;
    case HM_COL_DATETIME: case HM_COL_DATETIME2: return FAM_DATETIME;
    case HM_COL_TIMESTAMP: case HM_COL_TIMESTAMP2: return FAM_TIMESTAMP;
    case HM_COL_BIT: return FAM_BIT;
    case HM_COL_ENUM: return FAM_ENUM;
    case HM_COL_SET: return FAM_SET;
    case HM_COL_VARCHAR: case HM_COL_VAR_STRING: case HM_COL_STRING: return FAM_STR;
    case HM_COL_TINY_BLOB: case HM_COL_MEDIUM_BLOB: case HM_COL_LONG_BLOB:
    case HM_COL_BLOB: return FAM_BLOB;
    case HM_COL_VECTOR: return FAM_BLOB; /* MySQL 9: float32 bytes, to a VECTOR or a BLOB */
    case HM_COL_JSON: return FAM_JSON;
    case HM_COL_GEOMETRY: return FAM_GEOM;
    default: return FAM_OTHER;
    }
}

/* JSON travels as text whichever way it was logged (MariaDB: a LONGTEXT, so a BLOB). */
static bool fam_compatible(hm__fam src, hm__fam tgt)
{
    if (src == tgt)
        return true;
    if ((src == FAM_JSON && tgt == FAM_BLOB) || (src == FAM_BLOB && tgt == FAM_JSON))
        return true;
    return false;
}

/* Runs a prepared query whose parameters are db, table name, db, table name (DEF_WHERE), binding
 * each result row into res and calling row() for it. */
typedef hm_code (*row_fn)(void *ud, hm_err *err);

static hm_code def_query(hm_conn *c, const char *sql, const char *db, const char *name,
                         MYSQL_BIND *res, row_fn row, void *ud, hm_err *err)
{
    MYSQL_STMT *st = mysql_stmt_init(c->my);
    MYSQL_BIND p[4];
    const char *vals[4] = {db, name, db, name};
    hm_code rc = HM_OK;
    int f;

    if (!st)
        return hm_err_set(err, HM_ENOMEM, "out of memory reading a target table's definition");
    memset(p, 0, sizeof p);
    for (int i = 0; i < 4; i++) {
        p[i].buffer_type = MYSQL_TYPE_STRING;
        p[i].buffer = (void *)vals[i];
        p[i].buffer_length = strlen(vals[i]);
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0 || mysql_stmt_bind_param(st, p) != 0 ||
        mysql_stmt_execute(st) != 0 || mysql_stmt_bind_result(st, res) != 0 ||
        mysql_stmt_store_result(st) != 0) {
        rc = mysql_errno(c->my) ? hm_conn_fail(c, "reading a table's definition", err)
                                : hm_err_set(err, HM_ETARGET, "target %s: reading a table's "
                                             "definition: %s", c->addr, mysql_stmt_error(st));
        goto out;
    }
    while (rc == HM_OK && (f = mysql_stmt_fetch(st)) != MYSQL_NO_DATA) {
        if (f == 1) {
            rc = hm_err_set(err, HM_ETARGET, "target %s: reading a table's definition: %s",
                            c->addr, mysql_stmt_error(st));
            break;
        }
        if (f == MYSQL_DATA_TRUNCATED) {
            rc = hm_err_set(err, HM_ETARGET, "target %s: `%s`.`%s`: a name in its definition is "
                            "longer than expected", c->addr, db, name);
            break;
        }
        rc = row(ud, err);
    }
out:
    mysql_stmt_close(st);
    return rc;
}

/* The exact-name conditions: the first two let the server open only this table; the binary ones
 * keep `T` and `t` apart on a case-sensitive server. */
#define DEF_WHERE                                                                              \
    " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CAST(TABLE_SCHEMA AS BINARY) = ? "         \
    "AND CAST(TABLE_NAME AS BINARY) = ?"

typedef struct col_row {
    hm__tdef *t;
    uint32_t cap;
    char name[256], dt[64];
    unsigned long name_len, dt_len;
    long long is_unsigned, generated, nullable, octets, has_charset;
} col_row;

static hm_code on_col(void *ud, hm_err *err)
{
    col_row *r = ud;
    hm__tdef *t = r->t;
    hm__tcol *c;
    if (t->ncols == r->cap) {
        uint32_t cap = r->cap ? 2 * r->cap : 16;
        hm__tcol *p = realloc(t->cols, cap * sizeof *p);
        if (!p)
            return hm_err_set(err, HM_ENOMEM, "out of memory reading a table's definition");
        t->cols = p;
        r->cap = cap;
    }
    c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->name = strndup(r->name, r->name_len);
    if (!c->name)
        return hm_err_set(err, HM_ENOMEM, "out of memory reading a table's definition");
    t->ncols++;
    r->dt[r->dt_len < sizeof r->dt ? r->dt_len : sizeof r->dt - 1] = '\0';
    c->fam = target_fam(r->dt, &c->pad_to);
    if (strcasecmp(r->dt, "binary") == 0)
        c->pad_to = (uint32_t)r->octets;
    c->is_unsigned = r->is_unsigned != 0;
    c->generated = r->generated != 0;
    c->nullable = r->nullable != 0;
    c->is_text = r->has_charset && (c->fam == FAM_STR || c->fam == FAM_BLOB);
    c->mysql_json = c->fam == FAM_JSON;
    return HM_OK;
}

typedef struct key_row {
    hm__tdef *t;
    char idx[256], col[256], cur[256];
    unsigned long idx_len, col_len;
    long long nullable, is_hash;
    uint32_t cand[64], ncand;
    bool ok, done;
} key_row;

static uint32_t col_index(const hm__tdef *t, const char *name, size_t n)
{
    for (uint32_t i = 0; i < t->ncols; i++)
        if (strlen(t->cols[i].name) == n && memcmp(t->cols[i].name, name, n) == 0)
            return i;
    return UINT32_MAX;
}

/* Closes the index being read: the first usable one becomes the key (no-op once one has). */
static hm_code key_close(key_row *r, hm_err *err)
{
    hm__tdef *t = r->t;
    if (r->done || !r->ok || r->ncand == 0 || !r->cur[0])
        return HM_OK;
    t->key = malloc(r->ncand * sizeof *t->key);
    t->key_name = strdup(r->cur);
    if (!t->key || !t->key_name)
        return hm_err_set(err, HM_ENOMEM, "out of memory reading a table's keys");
    memcpy(t->key, r->cand, r->ncand * sizeof *t->key);
    t->nkey = r->ncand;
    r->done = true;
    return HM_OK;
}

static hm_code on_key(void *ud, hm_err *err)
{
    key_row *r = ud;
    size_t il = r->idx_len < sizeof r->idx ? r->idx_len : sizeof r->idx - 1;
    uint32_t ci;
    r->idx[il] = '\0';
    if (strcmp(r->idx, r->cur) != 0) {
        hm_code rc = key_close(r, err);
        if (rc != HM_OK)
            return rc;
        memcpy(r->cur, r->idx, il + 1);
        if (r->is_hash) /* every index is read: the hidden columns are counted */
            r->t->n_hidden++;
        r->ncand = 0;
        r->ok = true;
    }
    if (r->done)
        return HM_OK;
    ci = col_index(r->t, r->col, r->col_len < sizeof r->col ? r->col_len : 0);
    /* a NULL-able column does not identify a row; a generated one may not be logged */
    if (ci == UINT32_MAX || r->nullable || r->ncand == 64 || r->t->cols[ci].generated)
        r->ok = false;
    else
        r->cand[r->ncand++] = ci;
    return HM_OK;
}

static void bind_out(MYSQL_BIND *b, enum enum_field_types type, void *buf, size_t n,
                     unsigned long *len)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = type;
    b->buffer = buf;
    b->buffer_length = n;
    b->length = len;
}

static hm_code load_def(hm_sync_applier *a, const char *db, const char *name, hm__tdef *t,
                        hm_err *err)
{
    static const char cols_sql[] =
        "SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE LIKE '%unsigned%', "
        "UPPER(EXTRA) LIKE '%VIRTUAL%' OR UPPER(EXTRA) LIKE '%STORED%' OR "
        "UPPER(EXTRA) LIKE '%PERSISTENT%', IS_NULLABLE = 'YES', "
        "IFNULL(CHARACTER_OCTET_LENGTH, 0), CHARACTER_SET_NAME IS NOT NULL "
        "FROM information_schema.COLUMNS" DEF_WHERE " ORDER BY ORDINAL_POSITION";
    static const char keys_sql[] =
        "SELECT INDEX_NAME, COLUMN_NAME, NULLABLE = 'YES', INDEX_TYPE = 'HASH' "
        "FROM information_schema.STATISTICS"
        DEF_WHERE " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX";
    col_row cr;
    key_row kr;
    MYSQL_BIND res[7];
    hm_code rc;

    memset(&cr, 0, sizeof cr);
    cr.t = t;
    bind_out(&res[0], MYSQL_TYPE_STRING, cr.name, sizeof cr.name, &cr.name_len);
    bind_out(&res[1], MYSQL_TYPE_STRING, cr.dt, sizeof cr.dt, &cr.dt_len);
    bind_out(&res[2], MYSQL_TYPE_LONGLONG, &cr.is_unsigned, 8, NULL);
    bind_out(&res[3], MYSQL_TYPE_LONGLONG, &cr.generated, 8, NULL);
    bind_out(&res[4], MYSQL_TYPE_LONGLONG, &cr.nullable, 8, NULL);
    bind_out(&res[5], MYSQL_TYPE_LONGLONG, &cr.octets, 8, NULL);
    bind_out(&res[6], MYSQL_TYPE_LONGLONG, &cr.has_charset, 8, NULL);
    rc = def_query(a->tgt, cols_sql, db, name, res, on_col, &cr, err);
    if (rc != HM_OK)
        return rc;
    if (t->ncols == 0)
        return hm_err_set(err, HM_ESTATE, "target %s: table `%s`.`%s` does not exist (or this "
                          "user cannot see it) while the source writes rows to it",
                          a->tgt->addr, db, name);
    t->wcols = malloc(t->ncols * sizeof *t->wcols);
    if (!t->wcols)
        return hm_err_set(err, HM_ENOMEM, "out of memory reading a table's definition");
    for (uint32_t i = 0; i < t->ncols; i++)
        if (!t->cols[i].generated)
            t->wcols[t->nw++] = i;

    memset(&kr, 0, sizeof kr);
    kr.t = t;
    bind_out(&res[0], MYSQL_TYPE_STRING, kr.idx, sizeof kr.idx, &kr.idx_len);
    bind_out(&res[1], MYSQL_TYPE_STRING, kr.col, sizeof kr.col, &kr.col_len);
    bind_out(&res[2], MYSQL_TYPE_LONGLONG, &kr.nullable, 8, NULL);
    bind_out(&res[3], MYSQL_TYPE_LONGLONG, &kr.is_hash, 8, NULL);
    rc = def_query(a->tgt, keys_sql, db, name, res, on_key, &kr, err);
    if (rc == HM_OK)
        rc = key_close(&kr, err);
    if (rc != HM_OK)
        return rc;
    for (unsigned k = 0; k < N_SIZES; k++) {
        if ((size_t)batch_rows[k] * t->nw <= APPLY_MAX_PARAMS)
            t->n_ins = k + 1;
        if ((size_t)batch_rows[k] * t->nkey <= APPLY_MAX_PARAMS)
            t->n_del = t->key ? k + 1 : 1;
    }
    if (t->nw == 0 || 2 * (size_t)t->nw > APPLY_MAX_PARAMS)
        return hm_err_set(err, HM_ESTATE, "target %s: `%s`.`%s` has %u written columns; the "
                          "applier takes 1 to %u", a->tgt->addr, db, name, t->nw,
                          APPLY_MAX_PARAMS / 2);
    return HM_OK;
}

static hm_code session_setup(hm_sync_applier *a, hm_err *err)
{
    char v[32];
    bool found;
    size_t map;
    hm_code rc = hm_conn_exec(a->tgt, "SET SESSION sql_mode = '" APPLY_SQL_MODE "'", err);
    if (rc == HM_OK)
        rc = hm_conn_value(a->tgt, "SELECT @@max_allowed_packet", v, sizeof v, &found, err);
    if (rc != HM_OK) {
        hm_err_prefix(err, "setting up the session that applies rows");
        return rc;
    }
    map = found ? (size_t)strtoull(v, NULL, 10) : 0;
    if (map < (1u << 20))
        map = 1u << 20;
    /* a quarter of the packet for values, the rest for the statement's own overhead */
    a->inline_max = map / 4 < APPLY_INLINE_MAX ? map / 4 : APPLY_INLINE_MAX;
    if (a->inline_cap && a->inline_max > a->inline_cap)
        a->inline_max = a->inline_cap;
    a->long_min = a->inline_max / 4;
    a->piece = map / 2 < (1u << 20) ? map / 2 : (1u << 20);
    a->session_ready = true;
    return HM_OK;
}

static hm_code get_def(hm_sync_applier *a, const char *db, const char *name, hm__tdef **out,
                       hm_err *err)
{
    uint64_t h = name_hash(db, name);
    hm__tdef **pp = find_slot(a, db, name, h), *t;
    hm_code rc;

    if (!a->session_ready && (rc = session_setup(a, err)) != HM_OK)
        return rc;
    if (*pp) {
        (*pp)->last_use = ++a->clock;
        *out = *pp;
        return HM_OK;
    }
    if (a->ntables >= APPLY_MAX_TABLES)
        evict_lru(a);
    t = calloc(1, sizeof *t);
    if (!t || !(t->db = strdup(db)) || !(t->name = strdup(name))) {
        tdef_free(t);
        return hm_err_set(err, HM_ENOMEM, "out of memory caching a table's definition");
    }
    if ((rc = load_def(a, db, name, t, err)) != HM_OK) {
        tdef_free(t);
        return rc;
    }
    if (!t->key && a->on_keyless)
        a->on_keyless(a->keyless_ud, db, name);
    t->hash = h;
    t->last_use = ++a->clock;
    pp = &a->bucket[h % APPLY_BUCKETS];
    t->next = *pp;
    *pp = t;
    a->ntables++;
    *out = t;
    return HM_OK;
}

hm_code hm_sync_applier_preload(hm_sync_applier *a, const char *db, const char *table, hm_err *err)
{
    hm__tdef *t;
    return get_def(a, db, table, &t, err);
}

/* ---- statements ---- */

typedef enum hm__op { OP_INSERT, OP_UPDATE, OP_DELETE } hm__op;

static const char *op_name(hm__op op)
{
    return op == OP_INSERT ? "INSERT" : op == OP_UPDATE ? "UPDATE" : "DELETE";
}

/* Appends the n columns cols[] of t, each quoted and followed by `after`, separated by sep. */
static hm_code add_cols(hm_buf *q, const hm__tdef *t, const uint32_t *cols, uint32_t n,
                        const char *sep, const char *after)
{
    hm_code rc = HM_OK;
    for (uint32_t k = 0; k < n && rc == HM_OK; k++) {
        if (k)
            rc = hm_buf_adds(q, sep);
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, t->cols[cols[k]].name);
        if (rc == HM_OK)
            rc = hm_buf_adds(q, after);
    }
    return rc;
}

/* Appends n groups "(?,?,...)" of m placeholders, separated by commas. */
static hm_code add_marks(hm_buf *q, unsigned n, uint32_t m)
{
    hm_code rc = HM_OK;
    for (unsigned r = 0; r < n && rc == HM_OK; r++) {
        rc = hm_buf_adds(q, r ? ",(?" : "(?");
        for (uint32_t k = 1; k < m && rc == HM_OK; k++)
            rc = hm_buf_adds(q, ",?");
        if (rc == HM_OK)
            rc = hm_buf_addc(q, ')');
    }
    return rc;
}

/* WHERE for one row: key = ?, or for a keyless table the whole image compared exactly. */
static hm_code add_where(hm_buf *q, const hm__tdef *t)
{
    hm_code rc = hm_buf_adds(q, " WHERE ");
    if (t->key)
        return rc == HM_OK ? add_cols(q, t, t->key, t->nkey, " AND ", " = ?") : rc;
    for (uint32_t k = 0; k < t->nw && rc == HM_OK; k++) {
        const hm__tcol *c = &t->cols[t->wcols[k]];
        if (k)
            rc = hm_buf_adds(q, " AND ");
        if (rc == HM_OK && c->is_text)
            rc = hm_buf_adds(q, "CAST(");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK)
            rc = hm_buf_adds(q, c->is_text ? " AS BINARY) <=> ?"
                                : c->mysql_json ? " <=> CAST(? AS JSON)" : " <=> ?");
    }
    return rc == HM_OK ? hm_buf_adds(q, " LIMIT 1") : rc;
}

/* WHERE for nrows keys: `k` IN (?, ...), or (`a` = ? AND `b` = ?) OR ... for a composite key. */
static hm_code add_where_keys(hm_buf *q, const hm__tdef *t, unsigned nrows)
{
    hm_code rc = hm_buf_adds(q, " WHERE ");
    if (rc == HM_OK && t->nkey == 1) {
        rc = add_cols(q, t, t->key, 1, "", " IN (?");
        for (unsigned r = 1; r < nrows && rc == HM_OK; r++)
            rc = hm_buf_adds(q, ",?");
        return rc == HM_OK ? hm_buf_addc(q, ')') : rc;
    }
    for (unsigned r = 0; r < nrows && rc == HM_OK; r++) {
        rc = hm_buf_adds(q, r ? " OR (" : "(");
        if (rc == HM_OK)
            rc = add_cols(q, t, t->key, t->nkey, " AND ", " = ?");
        if (rc == HM_OK)
            rc = hm_buf_addc(q, ')');
    }
    return rc;
}

static hm_code build_sql(hm_buf *q, const hm__tdef *t, hm__op op, unsigned nrows)
{
    static const char *const head[] = {"INSERT INTO ", "UPDATE ", "DELETE FROM "};
    hm_code rc = hm_buf_adds(q, head[op]);
    if (rc == HM_OK)
        rc = hm_sqlq_table(q, t->db, t->name);
    if (rc != HM_OK)
        return rc;
    switch (op) {
    case OP_INSERT:
        rc = hm_buf_adds(q, " (");
        if (rc == HM_OK)
            rc = add_cols(q, t, t->wcols, t->nw, ",", "");
        if (rc == HM_OK)
            rc = hm_buf_adds(q, ") VALUES ");
        return rc == HM_OK ? add_marks(q, nrows, t->nw) : rc;
    case OP_UPDATE:
        rc = hm_buf_adds(q, " SET ");
        if (rc == HM_OK)
            rc = add_cols(q, t, t->wcols, t->nw, ",", " = ?");
        return rc == HM_OK ? add_where(q, t) : rc;
    case OP_DELETE:
        return nrows > 1 ? add_where_keys(q, t, nrows) : add_where(q, t);
    }
    return HM_EINTERNAL;
}

/* The statement for op (and, for INSERT, size index k), prepared on first use. */
static hm_code get_stmt(hm_sync_applier *a, hm__tdef *t, hm__op op, unsigned k,
                        MYSQL_STMT **out, hm_err *err)
{
    MYSQL_STMT **sp = op == OP_INSERT ? &t->ins[k] : op == OP_UPDATE ? &t->upd : &t->del[k];
    hm_buf q;
    hm_code rc = HM_OK;

    if (*sp) {
        *out = *sp;
        return HM_OK;
    }
    hm_buf_init(&q, (size_t)64 << 20);
    if (build_sql(&q, t, op, op == OP_UPDATE ? 1 : batch_rows[k]) != HM_OK) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory building an %s for `%s`.`%s`",
                        op_name(op), t->db, t->name);
        goto out;
    }
    if ((*sp = mysql_stmt_init(a->tgt->my)) == NULL) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory preparing an %s", op_name(op));
        goto out;
    }
    if (mysql_stmt_prepare(*sp, q.data, q.len) != 0) {
        rc = mysql_errno(a->tgt->my) ? hm_conn_fail(a->tgt, "preparing a statement", err)
                                     : hm_err_set(err, HM_ETARGET, "target %s: %s",
                                                  a->tgt->addr, mysql_stmt_error(*sp));
        hm_err_prefix(err, "%s of `%s`.`%s`", op_name(op), t->db, t->name);
        mysql_stmt_close(*sp);
        *sp = NULL;
        goto out;
    }
    *out = *sp;
out:
    hm_buf_release(&q);
    return rc;
}

/* ---- values into bind slots ---- */

/* Grows two parallel arrays *p1 (elements of z1 bytes) and *p2 (z2) to n elements each; *cap
 * follows. They only grow: bounded by the largest statement or table met. */
static bool grow_pair(void **p1, size_t z1, void **p2, size_t z2, uint32_t *cap, uint32_t n)
{
    void *q;
    if (n <= *cap)
        return true;
    if ((q = realloc(*p1, n * z1)) == NULL)
        return false;
    *p1 = q;
    if ((q = realloc(*p2, n * z2)) == NULL)
        return false;
    *p2 = q;
    *cap = n;
    return true;
}

static hm_code grow_binds(hm_sync_applier *a, uint32_t n, hm_err *err)
{
    if (!grow_pair((void **)&a->b, sizeof *a->b, (void **)&a->s, sizeof *a->s, &a->cap, n))
        return hm_err_set(err, HM_ENOMEM, "out of memory for %u statement parameters", n);
    return HM_OK;
}

/* Room for n text bytes in the arena; the slot records where (pointers are set later: the arena
 * may move while a batch is filled). */
static char *arena_take(hm_sync_applier *a, hm__slot *s, size_t n)
{
    char *p = hm_buf_reserve(&a->arena, n + 1);
    if (!p)
        return NULL;
    s->in_arena = true;
    s->off = a->arena.len;
    return p;
}

static void arena_done(hm_sync_applier *a, hm__slot *s, size_t n)
{
    s->len = n;
    hm_buf_commit(&a->arena, n);
}

/* TIMESTAMP: seconds since the epoch as UTC text (the session's time_zone is +00:00). */
static size_t timestamp_text(const hm_binlog_value *v, char *out, size_t n)
{
    unsigned fsp = v->col ? v->col->fsp : 0;
    time_t secs = (time_t)v->u;
    struct tm tm;
    int w;
    if (v->u == 0) {
        w = snprintf(out, n, "0000-00-00 00:00:00");
    } else {
        if (!gmtime_r(&secs, &tm))
            return 0;
        w = snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    if (fsp > 0 && fsp <= 6 && w > 0) {
        char frac[8];
        snprintf(frac, sizeof frac, "%06u", v->tm.usec % 1000000);
        w += snprintf(out + w, n - (size_t)w, ".%.*s", (int)fsp, frac);
    }
    return w > 0 ? (size_t)w : 0;
}

static void set_num(MYSQL_BIND *b, hm__slot *s, enum enum_field_types type, bool is_unsigned)
{
    b->buffer_type = type;
    b->buffer = &s->num;
    b->is_unsigned = is_unsigned;
}

/* Puts bytes p[0..n) into slot s: inline, or to be sent as long data. Padded to pad_to with 0x00
 * when shorter (BINARY(n) and the like). */
static hm_code put_bytes(hm_sync_applier *a, MYSQL_BIND *b, hm__slot *s,
                         enum enum_field_types type, const void *p, size_t n, uint32_t pad_to,
                         hm_err *err)
{
    b->buffer_type = type;
    if (n < pad_to) {
        char *d = arena_take(a, s, pad_to);
        if (!d)
            return hm_err_set(err, HM_ENOMEM, "out of memory padding a value");
        memcpy(d, p, n);
        memset(d + n, 0, pad_to - n);
        arena_done(a, s, pad_to);
        n = pad_to;
    } else {
        s->ptr = p;
        s->len = n;
    }
    if (n > a->long_min || a->row_inline + n > a->inline_max / 2) {
        s->is_long = true;
        b->buffer_type = MYSQL_TYPE_LONG_BLOB;
    } else {
        a->row_inline += n;
    }
    return HM_OK;
}

/* One decoded value of target column c into bind slot i; written: a value stored (not compared). */
static hm_code put_value(hm_sync_applier *a, unsigned i, const hm__tcol *c,
                         const hm_binlog_value *v, bool written, hm_err *err)
{
    MYSQL_BIND *b = &a->b[i];
    hm__slot *s = &a->s[i];
    char *d;
    hm_code rc;

    memset(b, 0, sizeof *b);
    memset(s, 0, sizeof *s);
    if (v->is_null) {
        b->buffer_type = MYSQL_TYPE_NULL;
        return HM_OK;
    }
    switch (v->type) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG:
        s->num.i = c->is_unsigned ? (long long)v->u : (long long)v->i;
        set_num(b, s, MYSQL_TYPE_LONGLONG, c->is_unsigned);
        return HM_OK;
    case HM_COL_YEAR:
        s->num.i = v->i;
        set_num(b, s, MYSQL_TYPE_LONGLONG, false);
        return HM_OK;
    case HM_COL_ENUM: case HM_COL_SET: case HM_COL_BIT:
        /* by number: a string would be matched against the labels */
        s->num.i = (long long)v->u;
        s->enum_zero = written && v->u == 0 && c->fam == FAM_ENUM;
        set_num(b, s, MYSQL_TYPE_LONGLONG, true);
        return HM_OK;
    case HM_COL_FLOAT: case HM_COL_DOUBLE:
        /* a FLOAT widened to double is exact, and rounds back to the same float */
        s->num.d = v->d;
        set_num(b, s, MYSQL_TYPE_DOUBLE, false);
        return HM_OK;
    case HM_COL_NEWDECIMAL:
        if (!(d = arena_take(a, s, 80)))
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        rc = hm_binlog_decimal_str(v->ptr, v->len, v->col->precision, v->col->scale, d, 80, err);
        if (rc != HM_OK)
            return rc;
        arena_done(a, s, strlen(d));
        b->buffer_type = MYSQL_TYPE_NEWDECIMAL; /* compared as a decimal, not as a double */
        return HM_OK;
    case HM_COL_DATE: case HM_COL_NEWDATE: case HM_COL_TIME: case HM_COL_TIME2:
    case HM_COL_DATETIME: case HM_COL_DATETIME2:
        if (!(d = arena_take(a, s, 48)))
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        hm_binlog_time_str(v, d, 48);
        arena_done(a, s, strlen(d));
        b->buffer_type = MYSQL_TYPE_STRING;
        return HM_OK;
    case HM_COL_TIMESTAMP: case HM_COL_TIMESTAMP2:
        if (!(d = arena_take(a, s, 48)))
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        arena_done(a, s, timestamp_text(v, d, 48));
        b->buffer_type = MYSQL_TYPE_STRING;
        return HM_OK;
    case HM_COL_VARCHAR: case HM_COL_VAR_STRING: case HM_COL_STRING:
        return put_bytes(a, b, s, MYSQL_TYPE_STRING, v->ptr, v->len, c->pad_to, err);
    case HM_COL_TINY_BLOB: case HM_COL_MEDIUM_BLOB: case HM_COL_LONG_BLOB: case HM_COL_BLOB:
    case HM_COL_GEOMETRY: case HM_COL_VECTOR:
        return put_bytes(a, b, s, MYSQL_TYPE_BLOB, v->ptr, v->len, 0, err);
    case HM_COL_JSON: {
        /* MySQL's binary JSON: its text; the arena holds it until the statement is sent */
        size_t start = a->arena.len;
        rc = hm_binlog_json_text(v->ptr, v->len, &a->arena, err);
        if (rc != HM_OK)
            return rc;
        rc = put_bytes(a, b, s, MYSQL_TYPE_BLOB, NULL, a->arena.len - start, 0, err);
        s->in_arena = true;
        s->off = start;
        return rc;
    }
    default:
        return hm_err_set(err, HM_ESOURCE, "column `%s` has binlog type %u, which the applier "
                          "cannot write", c->name, v->type);
    }
}

/* Slots [from, to): arena offsets become pointers (the arena no longer moves). */
static void fix_pointers(hm_sync_applier *a, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        hm__slot *s = &a->s[i];
        if (s->in_arena)
            s->ptr = a->arena.data + s->off;
        if (a->b[i].buffer_type == MYSQL_TYPE_NULL || a->b[i].buffer == &s->num)
            continue;
        if (s->is_long) {
            a->b[i].buffer = NULL;
            a->b[i].buffer_length = 0;
        } else {
            a->b[i].buffer = (void *)s->ptr;
            a->b[i].buffer_length = s->len;
        }
    }
}

/* Fills slots from `at` with the values of columns cols[0..n) of an image; written: values to
 * store (VALUES, SET), else to compare (WHERE). */
static hm_code put_image(hm_sync_applier *a, const hm__tdef *t, unsigned at,
                         const hm_binlog_value *img, const uint32_t *cols, uint32_t n,
                         bool written, hm_err *err)
{
    hm_code rc = HM_OK;
    for (uint32_t k = 0; k < n && rc == HM_OK; k++) {
        uint32_t ci = cols[k];
        rc = put_value(a, at + k, &t->cols[ci], &img[ci], written, err);
        if (rc != HM_OK)
            hm_err_prefix(err, "`%s`.`%s`", t->db, t->name);
    }
    return rc;
}

/* ---- messages ---- */

/* "(`id`=5, `name`='abc...')": the key's values taken from the slots that hold them. keyat[k]:
 * the slot of key column k. */
static void key_text(const hm_sync_applier *a, const hm__tdef *t, const unsigned *keyat,
                     char *out, size_t n)
{
    hm_buf o;
    hm_buf_init(&o, n > 1 ? n - 1 : 1);
    hm_buf_addc(&o, '(');
    for (uint32_t k = 0; k < t->nkey; k++) {
        const MYSQL_BIND *b = &a->b[keyat[k]];
        const hm__slot *s = &a->s[keyat[k]];
        hm_buf_addf(&o, "%s`%s`=", k ? ", " : "", t->cols[t->key[k]].name);
        if (b->buffer_type == MYSQL_TYPE_NULL) {
            hm_buf_adds(&o, "NULL");
        } else if (b->buffer_type == MYSQL_TYPE_LONGLONG) {
            if (b->is_unsigned)
                hm_buf_addf(&o, "%llu", (unsigned long long)s->num.i);
            else
                hm_buf_addf(&o, "%lld", s->num.i);
        } else if (b->buffer_type == MYSQL_TYPE_DOUBLE) {
            hm_buf_addf(&o, "%.17g", s->num.d);
        } else {
            const unsigned char *p = (const unsigned char *)s->ptr;
            size_t len = s->len < APPLY_KEY_TEXT ? s->len : APPLY_KEY_TEXT;
            bool printable = true;
            for (size_t i = 0; i < len; i++)
                if (p[i] < 0x20 || p[i] == 0x7f)
                    printable = false;
            if (printable) {
                hm_buf_addc(&o, '\'');
                hm_buf_add(&o, p, len);
                hm_buf_addc(&o, '\'');
            } else {
                hm_buf_adds(&o, "0x");
                hm_buf_addhex(&o, p, len);
            }
            if (len < s->len)
                hm_buf_addf(&o, "... (%zu bytes)", s->len);
        }
    }
    hm_buf_addc(&o, ')');
    snprintf(out, n, "%s", o.data ? o.data : "");
    hm_buf_release(&o);
}

/* The last statement's first warning as "Warning 1265: Data truncated ... at row 2" into w;
 * returns the row number it names (1 = the statement's first row), 0 when none. */
static unsigned first_warning(hm_sync_applier *a, char *w, size_t n)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_err ignore;
    const char *at;
    unsigned r = 0;
    snprintf(w, n, "(the warnings could not be read)");
    if (hm_conn_query(a->tgt, "SHOW WARNINGS", &res, &ignore) == HM_OK && res &&
        (row = mysql_fetch_row(res)) != NULL) {
        snprintf(w, n, "%s %s: %s", row[0] ? row[0] : "", row[1] ? row[1] : "",
                 row[2] ? row[2] : "");
        if (row[2] && (at = strstr(row[2], " at row ")) != NULL)
            r = (unsigned)strtoul(at + 8, NULL, 10);
    }
    if (res)
        mysql_free_result(res);
    return r;
}

/* Fills err for a statement that failed (server or connection error) or changed `got` rows
 * instead of `want`. keyat: where the key values are (NULL: not known). */
static hm_code row_fail(hm_sync_applier *a, const hm__tdef *t, hm__op op, MYSQL_STMT *st,
                        const unsigned *keyat, unsigned long long got, unsigned long long want,
                        hm_err *err)
{
    char key[400] = "";
    hm_code rc;
    if (keyat && t->key)
        key_text(a, t, keyat, key, sizeof key);
    if (a->warned) {
        /* the statement did its work, but a value went in changed: say which */
        char w[400];
        first_warning(a, w, sizeof w);
        return hm_err_set(err, HM_ETARGET, "target %s: %s of `%s`.`%s`%s%s would not store the "
                          "source's values exactly: %s", a->tgt->addr, op_name(op), t->db,
                          t->name, key[0] ? " with key " : "", key, w);
    }
    if (st) {
        if (mysql_errno(a->tgt->my) == mysql_stmt_errno(st) && mysql_errno(a->tgt->my))
            rc = hm_conn_fail(a->tgt, "applying a row", err);
        else
            rc = hm_err_set(err, HM_ETARGET, "target %s: error while applying a row: %s (%u)",
                            a->tgt->addr, mysql_stmt_error(st), mysql_stmt_errno(st));
        hm_err_prefix(err, "%s of `%s`.`%s`%s%s", op_name(op), t->db, t->name,
                      key[0] ? " with key " : "", key);
        return rc;
    }
    if (op == OP_INSERT)
        return hm_err_set(err, HM_ETARGET, "target %s: INSERT of `%s`.`%s`%s%s stored %llu rows "
                          "of %llu", a->tgt->addr, t->db, t->name, key[0] ? " with key " : "", key,
                          got, want);
    if (!t->key)
        return hm_err_set(err, HM_ETARGET, "target %s: %s of `%s`.`%s` (no key: rows matched by "
                          "their whole image) %s: the target has diverged from the source",
                          a->tgt->addr, op_name(op), t->db, t->name,
                          got ? "matched several rows" : "found no row equal to the source's");
    return hm_err_set(err, HM_ETARGET, "target %s: %s of `%s`.`%s` %s the key %s: the target has "
                      "diverged from the source", a->tgt->addr, op_name(op), t->db, t->name,
                      got ? "found several rows with" : "found no row with", key);
}

/* Binds slots [at, at + n) to st, sends the long values, executes. true with *affected; false
 * when the statement failed (its error is st's) or warned more than its ENUM 0 values explain
 * (a->warned): err is not filled, the caller words the message (row_fail). */
static bool exec_stmt(hm_sync_applier *a, MYSQL_STMT *st, unsigned at, unsigned n,
                      unsigned long long *affected)
{
    unsigned expect = 0;
    a->warned = false;
    if (mysql_stmt_bind_param(st, &a->b[at]) != 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        const hm__slot *s = &a->s[at + i];
        expect += s->enum_zero;
        if (!s->is_long)
            continue;
        for (size_t off = 0; off < s->len; off += a->piece) {
            size_t m = s->len - off < a->piece ? s->len - off : a->piece;
            if (mysql_stmt_send_long_data(st, i, s->ptr + off, (unsigned long)m) != 0)
                return false;
        }
    }
    a->st.statements++;
    if (mysql_stmt_execute(st) != 0)
        return false;
    *affected = mysql_stmt_affected_rows(st);
    if ((unsigned)mysql_stmt_warning_count(st) != expect) {
        a->warned = true;
        return false;
    }
    return true;
}

static bool conn_lost(MYSQL_STMT *st)
{
    unsigned e = mysql_stmt_errno(st);
    return e == CR_SERVER_LOST || e == CR_SERVER_GONE_ERROR || e == CR_CONNECTION_ERROR;
}

/* ---- the three operations ---- */

/* The slots of the key's values in row r of a batch (INSERT: rows of written columns; DELETE:
 * rows of key columns). */
static void key_slots(const hm__tdef *t, hm__op op, unsigned r, unsigned *keyat)
{
    for (uint32_t j = 0; j < t->nkey; j++) {
        if (op == OP_DELETE) {
            keyat[j] = r * t->nkey + j;
            continue;
        }
        for (uint32_t w = 0; w < t->nw; w++)
            if (t->wcols[w] == t->key[j])
                keyat[j] = r * t->nw + w;
    }
}

/* Rows [from, to) of a batch, one statement each: the first that fails is named. */
static hm_code one_by_one(hm_sync_applier *a, hm__tdef *t, hm__op op, unsigned from,
                          unsigned to, hm_err *err)
{
    unsigned per = op == OP_INSERT ? t->nw : t->nkey, keyat[64];
    unsigned long long got = 0;
    MYSQL_STMT *one;
    hm_code rc = get_stmt(a, t, op, 0, &one, err);
    for (unsigned r = from; r < to && rc == HM_OK; r++) {
        if (exec_stmt(a, one, r * per, per, &got) && got == 1)
            continue;
        key_slots(t, op, r, keyat);
        rc = row_fail(a, t, op, mysql_stmt_errno(one) ? one : NULL, keyat, got, 1, err);
    }
    return rc;
}

/*
 * Sends the n rows gathered in the slots (per row: the written columns for INSERT, the key for
 * DELETE) as statements of the prepared sizes. When a multi-row statement fails or changes fewer
 * rows than it was sent, its rows are sent again one by one to name the row at fault: an INSERT
 * that failed was undone by the server as one statement; a DELETE may have removed some rows, so
 * the batch is undone to the savepoint set before it.
 */
static hm_code flush_batch(hm_sync_applier *a, hm__tdef *t, hm__op op, unsigned n, hm_err *err)
{
    unsigned per = op == OP_INSERT ? t->nw : t->nkey, done = 0;
    bool savepoint = op == OP_DELETE && n > 1;
    hm_code rc;

    fix_pointers(a, 0, n * per);
    if (savepoint) {
        a->st.statements++;
        if ((rc = hm_conn_exec(a->tgt, "SAVEPOINT hm_apply", err)) != HM_OK)
            return rc;
    }
    while (done < n) {
        unsigned k = (op == OP_INSERT ? t->n_ins : t->n_del) - 1, m;
        unsigned long long got = 0;
        MYSQL_STMT *st;
        while (batch_rows[k] > n - done)
            k--;
        m = batch_rows[k];
        if ((rc = get_stmt(a, t, op, k, &st, err)) != HM_OK)
            return rc;
        if (exec_stmt(a, st, done * per, m * per, &got) && got == m) {
            done += m;
            continue;
        }
        if (m == 1 || conn_lost(st) || (op == OP_INSERT && !mysql_stmt_errno(st))) {
            unsigned keyat[64], r = 1;
            if (a->warned && m > 1) { /* the warning names the row of the statement */
                char w[8];
                r = first_warning(a, w, sizeof w);
            }
            key_slots(t, op, done + (r ? r - 1 : 0), keyat);
            return row_fail(a, t, op, mysql_stmt_errno(st) ? st : NULL,
                            m == 1 || (r >= 1 && r <= m) ? keyat : NULL, got, m, err);
        }
        if (op == OP_DELETE) {
            a->st.statements++;
            if ((rc = hm_conn_exec(a->tgt, "ROLLBACK TO SAVEPOINT hm_apply", err)) != HM_OK)
                return rc;
            if ((rc = one_by_one(a, t, op, 0, done + m, err)) != HM_OK)
                return rc;
        } else if ((rc = one_by_one(a, t, op, done, done + m, err)) != HM_OK) {
            return rc;
        }
        /* every row went alone: what failed was the statement, not a row */
        done += m;
    }
    if (op == OP_INSERT)
        a->st.rows_inserted += n;
    else
        a->st.rows_deleted += n;
    return HM_OK;
}

/* WRITE events, and DELETE events of tables with a key: rows gathered into batches. */
static hm_code apply_batched(hm_sync_applier *a, hm__tdef *t, hm__op op,
                             hm_binlog_rows_iter *it, hm_err *err)
{
    unsigned per = op == OP_INSERT ? t->nw : t->nkey;
    unsigned n = 0, max_rows = batch_rows[(op == OP_INSERT ? t->n_ins : t->n_del) - 1];
    const uint32_t *cols = op == OP_INSERT ? t->wcols : t->key;
    hm_binlog_value *img = op == OP_INSERT ? a->after : a->before;
    size_t batch_inline = 0;
    bool more = true;
    hm_code rc;

    if (max_rows > APPLY_BATCH_ROWS)
        max_rows = APPLY_BATCH_ROWS;
    if ((rc = grow_binds(a, max_rows * per, err)) != HM_OK)
        return rc;
    hm_buf_reset(&a->arena);
    for (;;) {
        rc = hm_binlog_rows_next(it, op == OP_DELETE ? img : NULL, op == OP_INSERT ? img : NULL,
                                 &more, err);
        if (rc != HM_OK)
            return rc;
        if (more) {
            a->row_inline = 0;
            if ((rc = put_image(a, t, n * per, img, cols, per, op == OP_INSERT, err)) != HM_OK)
                return rc;
            batch_inline += a->row_inline;
            n++;
            if (t->key == NULL)
                a->st.keyless_rows++;
        }
        if (n && (!more || n == max_rows || batch_inline >= a->inline_max / 2)) {
            if ((rc = flush_batch(a, t, op, n, err)) != HM_OK)
                return rc;
            n = 0;
            batch_inline = 0;
            hm_buf_reset(&a->arena);
        }
        if (!more)
            return HM_OK;
    }
}

/* UPDATE, and DELETE of a keyless table (LIMIT 1 each): one statement per row. */
static hm_code apply_changes(hm_sync_applier *a, hm__tdef *t, hm__op op,
                             hm_binlog_rows_iter *it, hm_err *err)
{
    const uint32_t *wc = t->key ? t->key : t->wcols;
    uint32_t nwhere = t->key ? t->nkey : t->nw;
    unsigned set_n = op == OP_UPDATE ? t->nw : 0, keyat[64];
    bool more = true;
    MYSQL_STMT *st;
    hm_code rc;

    if ((rc = grow_binds(a, set_n + nwhere, err)) != HM_OK ||
        (rc = get_stmt(a, t, op, 0, &st, err)) != HM_OK)
        return rc;
    for (uint32_t k = 0; k < t->nkey; k++)
        keyat[k] = set_n + k;
    for (;;) {
        unsigned long long got = 0;
        rc = hm_binlog_rows_next(it, a->before, op == OP_UPDATE ? a->after : NULL, &more, err);
        if (rc != HM_OK || !more)
            return rc;
        hm_buf_reset(&a->arena);
        a->row_inline = 0;
        if (op == OP_UPDATE &&
            (rc = put_image(a, t, 0, a->after, t->wcols, t->nw, true, err)) != HM_OK)
            return rc;
        if ((rc = put_image(a, t, set_n, a->before, wc, nwhere, false, err)) != HM_OK)
            return rc;
        fix_pointers(a, 0, set_n + nwhere);
        if (!exec_stmt(a, st, 0, set_n + nwhere, &got) || got != 1)
            return row_fail(a, t, op, mysql_stmt_errno(st) ? st : NULL, keyat, got, 1, err);
        if (op == OP_UPDATE)
            a->st.rows_updated++;
        else
            a->st.rows_deleted++;
        if (t->key == NULL)
            a->st.keyless_rows++;
    }
}

/* ---- MySQL partial JSON updates (PARTIAL_UPDATE_ROWS) ---- */

/* Appends to q the SQL of column c's new value from its diffs d1..dn, applied in that order:
 *   Fn(...F2(F1(`c`, ?, JSON_EXTRACT(?, '$')), ?, JSON_EXTRACT(?, '$'))..., ?)
 * Fk is JSON_REPLACE, JSON_INSERT (JSON_ARRAY_INSERT when the path ends in an array cell, as
 * MySQL applies an insert there) or JSON_REMOVE (no value). Each diff's path (rewritten,
 * sync/jsonpath.h) and value (its JSON text) go in the slots from *at on, in text order (d1's
 * first); JSON_EXTRACT(?, '$') makes the text a JSON value (object, number, ...), not a string. */
static hm_code partial_expr(hm_sync_applier *a, hm_buf *q, const hm__tcol *c,
                            const hm_binlog_value *v, unsigned *at, hm_err *err)
{
    static const char *const fn[] = {"JSON_REPLACE(", "JSON_INSERT(", "JSON_REMOVE("};
    const uint8_t *p = v->ptr, *end = v->ptr + v->len;
    const char **open = NULL;
    hm_binlog_json_diff d;
    unsigned nd = 0, k;
    hm_code rc = HM_OK;
    hm_buf tail;

    while (p < end) { /* count and validate */
        if ((rc = hm_binlog_json_diff_next(&p, end, &d, err)) != HM_OK)
            return rc;
        nd++;
    }
    if (nd == 0)
        return hm_err_set(err, HM_ESOURCE, "a partial JSON value of `%s` with no diff", c->name);
    if ((rc = grow_binds(a, *at + 2 * nd, err)) != HM_OK)
        return rc;
    if ((open = calloc(nd, sizeof *open)) == NULL)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_buf_init(&tail, (size_t)64 << 20);
    p = v->ptr;
    for (k = 0; k < nd && rc == HM_OK; k++) {
        bool array_last;
        size_t start;
        hm_binlog_json_diff_next(&p, end, &d, err); /* validated above */
        memset(&a->b[*at], 0, sizeof a->b[*at]);
        memset(&a->s[*at], 0, sizeof a->s[*at]);
        start = a->arena.len;
        if ((rc = hm_sync_jsonpath(d.path, d.path_len, &a->arena, &array_last, err)) != HM_OK)
            break;
        rc = put_bytes(a, &a->b[*at], &a->s[*at], MYSQL_TYPE_STRING, NULL, a->arena.len - start,
                       0, err);
        a->s[*at].in_arena = true;
        a->s[*at].off = start;
        (*at)++;
        open[k] = d.op == HM_JSON_INSERT && array_last ? "JSON_ARRAY_INSERT(" : fn[d.op];
        if (rc == HM_OK && d.op != HM_JSON_REMOVE) {
            memset(&a->b[*at], 0, sizeof a->b[*at]);
            memset(&a->s[*at], 0, sizeof a->s[*at]);
            start = a->arena.len;
            if ((rc = hm_binlog_json_text(d.value, d.value_len, &a->arena, err)) != HM_OK)
                break;
            rc = put_bytes(a, &a->b[*at], &a->s[*at], MYSQL_TYPE_BLOB, NULL,
                           a->arena.len - start, 0, err);
            a->s[*at].in_arena = true;
            a->s[*at].off = start;
            (*at)++;
            if (rc == HM_OK && hm_buf_adds(&tail, ", ?, JSON_EXTRACT(?, '$'))") != HM_OK)
                rc = HM_ENOMEM;
        } else if (rc == HM_OK && hm_buf_adds(&tail, ", ?)") != HM_OK) {
            rc = HM_ENOMEM;
        }
    }
    for (k = nd; k > 0 && rc == HM_OK; k--) /* the last applied is the outermost */
        if (hm_buf_adds(q, open[k - 1]) != HM_OK)
            rc = HM_ENOMEM;
    if (rc == HM_OK && (hm_sqlq_ident(q, c->name) != HM_OK ||
                        hm_buf_add(q, tail.data, tail.len) != HM_OK))
        rc = HM_ENOMEM;
    if (rc == HM_ENOMEM)
        rc = hm_err_set(err, HM_ENOMEM, "out of memory building a partial JSON update");
    else if (rc != HM_OK)
        hm_err_prefix(err, "column `%s`", c->name);
    hm_buf_release(&tail);
    free(open);
    return rc;
}

/* PARTIAL_UPDATE_ROWS (MySQL binlog_row_value_options=PARTIAL_JSON, which MySQL applies only with
 * binlog_row_image MINIMAL or NOBLOB): the before image holds at least the key, the after image
 * the columns that changed, a JSON column as a sequence of diffs or as a whole document. Each row
 * is one UPDATE, built for that row (its columns and diffs vary) and prepared, executed and
 * closed:
 *   UPDATE t SET `a` = ?, `doc` = JSON_REPLACE(`doc`, ?, JSON_EXTRACT(?, '$')) WHERE key = ?
 * Generated columns of the target are not written (they follow). A table without a key needs
 * the whole before image, as for plain updates. Every row must change exactly one target row. */
static hm_code apply_partial(hm_sync_applier *a, hm__tdef *t, const hm_binlog_fmt *fmt,
                             const hm_binlog_event *ev, hm_binlog_rows_iter *it, hm_err *err)
{
    const uint32_t *wc = t->key ? t->key : t->wcols;
    uint32_t nwhere = t->key ? t->nkey : t->nw;
    unsigned keyat[64];
    bool more = true;
    hm_code rc = HM_OK;
    hm_buf q;
    char where[300];

    hm_buf_init(&q, (size_t)64 << 20);
    for (;;) {
        unsigned at = 0, nset = 0;
        unsigned long long got = 0;
        MYSQL_STMT *st = NULL;
        rc = hm_binlog_rows_next(it, a->before, a->after, &more, err);
        if (rc != HM_OK || !more)
            break;
        hm_buf_reset(&a->arena);
        hm_buf_reset(&q);
        a->row_inline = 0;
        for (uint32_t k = 0; k < nwhere; k++)
            if (!a->before[wc[k]].present) {
                hm_binlog_event_where(fmt, ev, where, sizeof where);
                rc = hm_err_set(err, HM_ESOURCE, "binlog %s: a partial JSON update of `%s`.`%s` "
                                "lacks column `%s` in its before image: the key%s must be logged",
                                where, t->db, t->name, t->cols[wc[k]].name,
                                t->key ? "" : " (no key: the whole row)");
                goto out;
            }
        if (hm_buf_adds(&q, "UPDATE ") != HM_OK || hm_sqlq_table(&q, t->db, t->name) != HM_OK ||
            hm_buf_adds(&q, " SET ") != HM_OK)
            goto nomem;
        for (uint32_t k = 0; k < t->nw; k++) {
            uint32_t i = t->wcols[k];
            const hm_binlog_value *v = &a->after[i];
            if (!v->present)
                continue;
            if ((nset++ && hm_buf_adds(&q, ", ") != HM_OK) ||
                hm_sqlq_ident(&q, t->cols[i].name) != HM_OK || hm_buf_adds(&q, " = ") != HM_OK)
                goto nomem;
            if (v->json_diff && !v->is_null) {
                rc = partial_expr(a, &q, &t->cols[i], v, &at, err);
            } else {
                rc = grow_binds(a, at + 1, err);
                if (rc == HM_OK)
                    rc = put_value(a, at++, &t->cols[i], v, true, err);
                if (rc == HM_OK && hm_buf_addc(&q, '?') != HM_OK)
                    goto nomem;
            }
            if (rc != HM_OK) {
                hm_err_prefix(err, "`%s`.`%s`", t->db, t->name);
                goto out;
            }
        }
        if (nset == 0) /* nothing the target stores changed (generated columns only) */
            continue;
        if ((rc = grow_binds(a, at + nwhere, err)) != HM_OK)
            goto out;
        for (uint32_t k = 0; k < t->nkey; k++)
            keyat[k] = at + k;
        if ((rc = put_image(a, t, at, a->before, wc, nwhere, false, err)) != HM_OK)
            goto out;
        if (add_where(&q, t) != HM_OK)
            goto nomem;
        fix_pointers(a, 0, at + nwhere);
        if ((st = mysql_stmt_init(a->tgt->my)) == NULL)
            goto nomem;
        if (mysql_stmt_prepare(st, q.data, q.len) != 0 ||
            !exec_stmt(a, st, 0, at + nwhere, &got) || got != 1) {
            rc = row_fail(a, t, OP_UPDATE, mysql_stmt_errno(st) ? st : NULL, keyat, got, 1, err);
            mysql_stmt_close(st);
            goto out;
        }
        mysql_stmt_close(st);
        a->st.rows_updated++;
        if (t->key == NULL)
            a->st.keyless_rows++;
    }
    goto out;
nomem:
    rc = hm_err_set(err, HM_ENOMEM, "out of memory building a partial JSON update");
out:
    hm_buf_release(&q);
    return rc;
}

/* ---- checks of the event against the target table ---- */

static bool bit_at(const uint8_t *bits, uint32_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

static hm_code check_event(const hm_sync_applier *a, const hm__tdef *t,
                           const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                           const hm_binlog_table *tm, hm_err *err)
{
    bool need_full = !ev->u.rows.partial; /* partial updates: see apply_partial */
    char where[300], ty[48];
    bool hidden_ok = tm->ncols == t->ncols + t->n_hidden;
    for (uint32_t i = t->ncols; hidden_ok && i < tm->ncols; i++)
        hidden_ok = tm->cols[i].type == HM_COL_LONGLONG;
    if (tm->ncols != t->ncols && !hidden_ok) {
        hm_binlog_event_where(fmt, ev, where, sizeof where);
        return hm_err_set(err, HM_ESTATE, "binlog %s: `%s`.`%s` has %u columns on the source and "
                          "%u on the target %s: the target's definition has not followed the "
                          "source's", where, t->db, t->name, tm->ncols, t->ncols, a->tgt->addr);
    }
    for (uint32_t i = 0; i < t->ncols; i++) {
        const hm_binlog_column *bc = &tm->cols[i];
        const hm__tcol *c = &t->cols[i];
        bool name_differs = tm->has_names && bc->name.len &&
                            (bc->name.len != strlen(c->name) ||
                             strncasecmp(bc->name.p, c->name, bc->name.len) != 0);
        if (!fam_compatible(binlog_fam(bc->type), c->fam) || name_differs) {
            hm_binlog_event_where(fmt, ev, where, sizeof where);
            hm_binlog_column_type_str(bc, ty, sizeof ty);
            return hm_err_set(err, HM_ESTATE, "binlog %s: column %u of `%s`.`%s` is %s%s%.*s%s on "
                              "the source and `%s` of another type or name on the target: the "
                              "target's definition has not followed the source's", where, i + 1,
                              t->db, t->name, ty, bc->name.len ? " `" : "", (int)bc->name.len,
                              bc->name.p ? bc->name.p : "", bc->name.len ? "`" : "", c->name);
        }
    }
    for (uint32_t k = 0; k < t->nw && need_full; k++) {
        uint32_t i = t->wcols[k];
        if (bit_at(ev->u.rows.cols, i) && (!ev->u.rows.cols_ai || bit_at(ev->u.rows.cols_ai, i)))
            continue;
        hm_binlog_event_where(fmt, ev, where, sizeof where);
        return hm_err_set(err, HM_ESOURCE, "binlog %s: the row images of `%s`.`%s` lack column "
                          "`%s`: the source must log whole rows (binlog_row_image=FULL, the "
                          "session's too)", where, t->db, t->name, t->cols[i].name);
    }
    return HM_OK;
}

hm_code hm_sync_apply_rows(hm_sync_applier *a, const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                           const hm_binlog_table *tm, hm_err *err)
{
    hm_binlog_rows_iter it;
    hm__tdef *t = NULL;
    hm_code rc;

    if (ev->kind != HM_BINLOG_EV_ROWS)
        return hm_err_set(err, HM_EUSAGE, "hm_sync_apply_rows: not a ROWS event");
    if ((rc = get_def(a, tm->db, tm->name, &t, err)) != HM_OK ||
        (rc = check_event(a, t, fmt, ev, tm, err)) != HM_OK ||
        (rc = grow_pair((void **)&a->before, sizeof *a->before, (void **)&a->after,
                        sizeof *a->after, &a->vcap, tm->ncols)
                  ? HM_OK
                  : hm_err_set(err, HM_ENOMEM, "out of memory for rows of %u columns",
                               tm->ncols)) != HM_OK ||
        (rc = hm_binlog_rows_begin(&it, fmt, ev, tm, err)) != HM_OK)
        return rc;
    if (ev->u.rows.partial)
        return apply_partial(a, t, fmt, ev, &it, err);
    switch (ev->u.rows.action) {
    case HM_BINLOG_ROWS_WRITE: return apply_batched(a, t, OP_INSERT, &it, err);
    case HM_BINLOG_ROWS_UPDATE: return apply_changes(a, t, OP_UPDATE, &it, err);
    case HM_BINLOG_ROWS_DELETE:
        return t->key ? apply_batched(a, t, OP_DELETE, &it, err)
                      : apply_changes(a, t, OP_DELETE, &it, err);
    }
    return hm_err_set(err, HM_EUSAGE, "hm_sync_apply_rows: unknown rows action");
}
