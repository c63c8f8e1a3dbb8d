/*
 * copy/deferred.h: the objects a copy followed by incremental sync leaves for the end.
 *
 * Triggers and events are not created by such a copy (hm_copy_opts.incremental): on the target
 * they would act a second time on the changes the binlog already carries. At cut-over, incremental
 * sync calls hm_deferred_create() to create them as the source has them then (definitions read
 * anew, so trigger and event DDL run during the sync is reflected), each with its DEFINER,
 * sql_mode, character set and time zone; a trigger or event already there is replaced.
 */
#ifndef HM_COPY_DEFERRED_H
#define HM_COPY_DEFERRED_H

#include <stddef.h>

#include "copy/select.h"
#include "db/conn.h"
#include "hotmig.h"

/* Creates on tgt the triggers and events of the objects sel selects on src; *created counts
 * them. The connections are borrowed; tgt's session is left as hm_schema_session() sets it. */
hm_code hm_deferred_create(hm_conn *src, hm_conn *tgt, hm_select *sel, size_t *created, hm_err *err);

#endif
