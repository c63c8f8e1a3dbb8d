/*
 * tests/fuzz/fuzz_ddl.c: libFuzzer driver for the DDL classifier (sync/ddl.h): the statement
 * text of a QUERY event, classified with and without a default database (the first byte picks).
 * The classifier must never read past len: the text is handed over in a buffer of exactly its
 * size, not NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/ddl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hm_sync_ddl d;
    hm_err err;
    const char *db = NULL;
    char *sql;
    if (size == 0)
        return 0;
    db = data[0] & 1 ? "app" : (data[0] & 2 ? "" : NULL);
    sql = malloc(size - 1 ? size - 1 : 1);
    if (!sql)
        abort();
    memcpy(sql, data + 1, size - 1);
    if (hm_sync_ddl_parse(sql, size - 1, db, &d, &err) == HM_OK) {
        for (size_t i = 0; i < d.nobjs; i++)
            if (d.objs[i].name && strlen(d.objs[i].name) > size)
                abort(); /* a name longer than the statement: read from elsewhere */
        (void)hm_sync_stmt_name(d.kind);
    }
    hm_sync_ddl_release(&d);
    free(sql);
    return 0;
}
