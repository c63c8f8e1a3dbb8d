/*
 * check/check.h: the precheck: can this migration work, and what must change before it can?
 *
 * hm_check_run() connects to the source and to the target (two threads, one connection each,
 * reading concurrently), reads what it needs in a few bulk queries per server (never one query
 * per table), and answers a fixed list of items, each PASS, WARNING or FAILED with a one-line
 * message and, when something should change, the exact statement or setting that fixes it.
 * It never writes to either server and never prints: a front renders the report.
 *
 * Items (stable ids, in report order; * = data-safety item, which --skip refuses):
 *   source.connect*, target.connect*     reachable, login, TLS in use
 *   version.path                         same version or a supported upgrade path
 *   selection.patterns*                  every --include matches something
 *   source.privileges, target.privileges the accounts can read / create everything
 *   target.conflicts*                    the target holds none of the selected objects
 *   target.other_objects                 what else the target holds (left alone)
 *   target.capacity                      selected data + index size against the free space
 *   source.server_id*, source.log_bin*, source.binlog_format*, source.binlog_row_image*,
 *   source.binlog_compression*, source.gtid_mode*, source.binlog_retention*
 *                                        binlog settings for --mode full+incremental
 *                                        (PASS "not needed for --mode full" otherwise)
 *   source.innodb_stats_on_metadata      statistics re-sampled by information_schema reads
 *   source.tables_without_key            copied as one stream, and slow to sync
 *   source.non_innodb                    not covered by the consistent snapshot
 *   selection.fk_closure*                every parent of a selected table is selected
 *   target.charsets, target.lower_case_table_names, target.max_allowed_packet,
 *   target.sql_mode, target.time_zone_tables, target.definers, target.triggers_events
 *   source.max_connections, target.max_connections   room for the copy's connections
 *
 * An item that cannot be answered because a connection failed is SKIPPED ("not checked"); so
 * is an item named with --skip. A connection failure is an item (FAILED with the server's own
 * message), not an error of hm_check_run.
 *
 * Ownership: strings in hm_check_opts are borrowed for the call. The report owns its items'
 * strings; release it with hm_check_report_release().
 */
#ifndef HM_CHECK_CHECK_H
#define HM_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"

/* The precheck's types and hm_check_run / hm_check_report_release / hm_check_failed /
 * hm_check_result_name are public: see include/hotmig.h. */

/* Whether id names an item, and whether --skip may name it. */
bool hm_check_item_known(const char *id, bool *skippable);

/* For a front that must refuse to start on a FAILED item (hotmig migrate): fills err with one
 * line naming every FAILED item, then the first one's message and fix, and returns the code that
 * fits the first (HM_ECONNECT/HM_EAUTH for a connection, HM_EPRIV for privileges, HM_ECONFLICT
 * for target conflicts, HM_EPATTERN for the selection, HM_ESOURCE/HM_ETARGET otherwise).
 * Returns HM_OK (err untouched) when nothing FAILED. */
hm_code hm_check_report_error(const hm_check_report *rep, hm_err *err);

/* hm_check_run() with the options of a copy (mode full; threads as the copy will use), then
 * hm_check_report_error(). The one call hm_copy_run() needs before writing anything. rep may be
 * NULL; otherwise it receives the report (release it) so that the front can print the items. */
hm_code hm_check_before_copy(const hm_copy_opts *copy, hm_check_report *rep, hm_err *err);

#endif
