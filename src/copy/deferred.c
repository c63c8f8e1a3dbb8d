/*
 * copy/deferred.c: creating the triggers and events a copy followed by sync left out (see
 * deferred.h). Owns, for the duration of the call, a catalog of the source.
 */
#include "copy/deferred.h"

#include <string.h>

#include "copy/catalog.h"
#include "copy/schema.h"
#include "util/err.h"

hm_code hm_deferred_create(hm_conn *src, hm_conn *tgt, hm_select *sel, size_t *created, hm_err *err)
{
    hm_catalog cat;
    hm_code rc;
    memset(&cat, 0, sizeof cat);
    *created = 0;
    if ((rc = hm_conn_exec(src, "SET SESSION sql_mode = '', sql_quote_show_create = 1", err)) != HM_OK)
        return rc;
    if ((rc = hm_schema_session(tgt, err)) != HM_OK)
        return rc;
    if ((rc = hm_catalog_load(&cat, src, sel, err)) != HM_OK)
        return rc; /* released on failure */
    for (size_t i = 0; i < cat.nobjects && rc == HM_OK; i++) {
        const hm_object *o = &cat.objects[i];
        bool retry;
        if (o->kind != HM_OBJ_TRIGGER && o->kind != HM_OBJ_EVENT)
            continue;
        rc = hm_schema_create_object(tgt, o, true, &retry, err);
        if (rc == HM_OK)
            (*created)++;
    }
    hm_catalog_release(&cat);
    return rc;
}
