/*
 * db/sqlq.h: the one place where identifiers and values become SQL text.
 *
 * Names are kept raw everywhere else; they are quoted only here, with backticks doubled.
 * Values become hex literals (X'..'), which are binary-safe whatever the session's sql_mode or
 * character set, or '...' strings escaped by the connection (mysql_real_escape_string knows
 * NO_BACKSLASH_ESCAPES).
 */
#ifndef HM_DB_SQLQ_H
#define HM_DB_SQLQ_H

#include <mysql.h>

#include "util/buf.h"

hm_code hm_sqlq_ident(hm_buf *b, const char *name);
hm_code hm_sqlq_table(hm_buf *b, const char *db, const char *table); /* `db`.`table` */
hm_code hm_sqlq_hex(hm_buf *b, const void *p, size_t n);              /* X'..' */
hm_code hm_sqlq_str(hm_buf *b, MYSQL *my, const char *p, size_t n);   /* '...' escaped */

#endif
