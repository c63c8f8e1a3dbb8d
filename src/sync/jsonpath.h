/*
 * sync/jsonpath.h: the JSON paths of MySQL's partial JSON updates (PARTIAL_UPDATE_ROWS), rewritten
 * for the target's JSON functions.
 *
 * A diff's path is MySQL's text of a concrete path: "$", then legs ".name", ."quoted name" (JSON
 * string escapes) and "[n]". No wildcards, ranges or "last" occur in diffs; they are refused, as
 * is anything else that does not parse. The output is the same path in the form both MariaDB and
 * MySQL read: every member name quoted ($."a b"."x\"y"[2]), with only '"' and '\' escaped, so that
 * no name can end its quotes early. The path is bound as a statement parameter, never pasted into
 * SQL text.
 */
#ifndef HM_SYNC_JSONPATH_H
#define HM_SYNC_JSONPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"
#include "util/buf.h"

/* Appends the rewritten path p[0..n) to out; *array_last: the last leg is an array cell (an
 * INSERT there is JSON_ARRAY_INSERT, elsewhere JSON_INSERT). HM_ESOURCE (message quoting the
 * path, cut and made printable) when p is not a concrete MySQL path; HM_ENOMEM. */
hm_code hm_sync_jsonpath(const uint8_t *p, size_t n, hm_buf *out, bool *array_last, hm_err *err);

#endif
