/*
 * copy/schema.h: creating the source's schema objects on the target, and finding conflicts.
 *
 * Tables are created before the data; views, routines, triggers and events after it, so that a
 * trigger never fires on copied rows. Each object is created under the session context it was
 * defined with (sql_mode, character_set_client, collation_connection, and time_zone for events);
 * the connection is put back to the copy session context afterwards.
 */
#ifndef HM_COPY_SCHEMA_H
#define HM_COPY_SCHEMA_H

#include "copy/catalog.h"
#include "db/conn.h"

/* The sql_mode the copy sessions use on the target: no strictness surprises for values that
 * came from a server which accepted them, and 0 stays 0 in AUTO_INCREMENT columns. */
#define HM_SCHEMA_COPY_SQL_MODE "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"

/* Puts a target connection in the copy session context. */
hm_code hm_schema_session(hm_conn *tgt, hm_err *err);

/* Lists in `out` ("db.t, db.v (VIEW), ...") the selected objects that already exist on the target.
 * *n is how many. */
hm_code hm_schema_conflicts(hm_conn *tgt, const hm_catalog *cat, hm_buf *out, size_t *n, hm_err *err);

hm_code hm_schema_create_database(hm_conn *tgt, const hm_schema *s, hm_err *err);
/* drop_first: DROP TABLE IF EXISTS before (a table this task created but did not record).
 * sql: the CREATE TABLE to run (keydefer.h: without the keys built later), NULL for t's own. */
hm_code hm_schema_create_table(hm_conn *tgt, const hm_table *t, const char *sql, bool drop_first,
                               hm_err *err);
/* Creates one object. *retry is set when it failed only because something it uses is missing
 * (views that use views not yet created). */
hm_code hm_schema_create_object(hm_conn *tgt, const hm_object *o, bool drop_first, bool *retry,
                                hm_err *err);

#endif
