/*
 * copy/privs.h: does the source account see everything it is asked to copy?
 *
 * information_schema silently hides what an account has no privilege on: a trigger without
 * TRIGGER, an event without EVENT, a table without a grant on it. A copy run by such an account
 * would "succeed" with objects missing. So every selected schema must be covered, at the global
 * or the schema level (wildcard schema grants included), by SELECT, SHOW VIEW, TRIGGER and EVENT.
 * The check reads the account's own grants (and its current role's) from information_schema.
 */
#ifndef HM_COPY_PRIVS_H
#define HM_COPY_PRIVS_H

#include "copy/catalog.h"
#include "db/conn.h"

/* HM_EPRIV naming the privilege, the schema and the GRANT that fixes it. */
hm_code hm_privs_check_source(hm_conn *src, const hm_catalog *cat, hm_err *err);

#endif
