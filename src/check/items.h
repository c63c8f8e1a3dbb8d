/*
 * check/items.h: the judges. Internal to src/check.
 *
 * Each item function reads the facts (never a server) and writes its verdict into an
 * hm_check_out: hm_check_say() raises the result to the worse of the two and appends a clause to
 * the message; hm_check_fix() appends a statement or setting to the fix. check.c calls them in
 * report order, after it has dealt with --skip, failed connections and --mode full.
 */
#ifndef HM_CHECK_ITEMS_H
#define HM_CHECK_ITEMS_H

#include "check/facts.h"
#include "db/server.h"
#include "util/err.h"

/* Throughput the copy is assumed to reach when estimating its duration (conservative: the
 * copy's own benchmark loads about 50 MB/s into MariaDB 10.11). */
#define HM_CHECK_COPY_BYTES_PER_SEC (16ull << 20)
#define HM_CHECK_LIST_MAX 20 /* names listed in a message before "and N more" */

typedef struct hm_check_ctx {
    const hm_check_opts *o;
    hm_check_src *src;
    hm_check_tgt *tgt;
    unsigned threads;        /* copy workers (opts.threads, or 4) */
    /* whether the target is the source (items_link.c); read when both connected */
    hm_check_part distinct;  /* !ok: could not tell (err says why) */
    hm_server_match match;
} hm_check_ctx;

typedef struct hm_check_out {
    hm_check_result result;
    bool safety;             /* data-safety item: what cannot be checked is FAILED, not WARNING */
    hm_buf msg, fix;
} hm_check_out;

void hm_check_say(hm_check_out *out, hm_check_result r, const char *fmt, ...) HM_PRINTF(3, 4);
void hm_check_fix(hm_check_out *out, const char *fmt, ...) HM_PRINTF(2, 3);

/* False (and the item says "not checked: why") when a group of facts could not be read. */
bool hm_check_need(hm_check_out *out, const hm_check_part *p);

/* How to set a global variable for good on this server: "SET PERSIST v=x" on MySQL 8, else
 * "SET GLOBAL v=x" plus the my.cnf line. */
void hm_check_fix_var(hm_check_out *out, const hm_check_side *s, const char *var, const char *value);

/* "1.5 GiB" */
void hm_check_bytes(uint64_t n, char *out, size_t outsz);

/* A list for a message or a fix: the first HM_CHECK_LIST_MAX entries, then "and N more".
 * Names are joined with ", ", statements with "; " (the tail then is an SQL comment, so that
 * the fix still runs), options with " ". */
typedef struct hm_check_list {
    hm_buf b;
    size_t n;        /* entries added, shown or not */
    const char *sep;
    bool ended;      /* the "and N more" tail is in b */
} hm_check_list;
void hm_check_list_init(hm_check_list *l);       /* names */
void hm_check_stmts_init(hm_check_list *l);      /* SQL statements */
void hm_check_opts_init(hm_check_list *l);       /* command-line options */
void hm_check_list_add(hm_check_list *l, const char *fmt, ...) HM_PRINTF(2, 3);
const char *hm_check_list_str(hm_check_list *l); /* valid until release */
void hm_check_list_release(hm_check_list *l);

/* `db`.`name` into a list or buffer (quoted with hm_sqlq). */
void hm_check_add_qname(hm_buf *b, const char *db, const char *name);

typedef void hm_check_item_fn(const hm_check_ctx *c, hm_check_out *out);

/* items_server.c */
hm_check_item_fn hm_check_item_source_connect, hm_check_item_target_connect, hm_check_item_version,
    hm_check_item_server_id, hm_check_item_log_bin, hm_check_item_binlog_format,
    hm_check_item_binlog_row_image, hm_check_item_binlog_compression, hm_check_item_gtid_mode,
    hm_check_item_binlog_retention, hm_check_item_stats_on_metadata, hm_check_item_lctn,
    hm_check_item_max_packet, hm_check_item_sql_mode, hm_check_item_source_max_connections,
    hm_check_item_target_max_connections;

/* items_mysql.c */
hm_check_item_fn hm_check_item_row_value_options, hm_check_item_row_metadata, hm_check_item_vector,
    hm_check_item_xa_prepared;

/* items_objects.c */
hm_check_item_fn hm_check_item_patterns, hm_check_item_conflicts, hm_check_item_other_objects,
    hm_check_item_capacity, hm_check_item_no_key, hm_check_item_non_innodb, hm_check_item_fk_closure,
    hm_check_item_charsets, hm_check_item_time_zones, hm_check_item_definers,
    hm_check_item_triggers_events;

/* items_link.c: the links themselves: are they two servers, is the traffic encrypted */
hm_check_item_fn hm_check_item_distinct, hm_check_item_source_tls, hm_check_item_target_tls;

/* items_access.c */
hm_check_item_fn hm_check_item_source_privileges, hm_check_item_target_privileges;

/* Bytes of the selected tables (data + indexes, as information_schema estimates them). */
uint64_t hm_check_selected_bytes(const hm_check_src *s);

#endif
