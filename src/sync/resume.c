/*
 * sync/resume.c: the resume plan of a parallel apply (see resume.h). Owns the skip set it
 * builds; reads the rows' strings strictly (they come from the target, which an operator could
 * have edited), never past their terminator.
 */
#include "sync/resume.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int pos_cmp_q(const void *a, const void *b)
{
    return hm_sync_pos_cmp(a, b);
}

/* Parses one "file:pos" of len bytes at p. */
static bool parse_one(const char *p, size_t len, hm_sync_pos *out)
{
    const char *colon = NULL;
    char num[24], *end;
    unsigned long long v;
    for (size_t i = 0; i < len; i++)
        if (p[i] == ':')
            colon = p + i;
    if (!colon || colon == p || (size_t)(colon - p) >= sizeof out->file)
        return false;
    size_t nlen = len - (size_t)(colon - p) - 1;
    if (nlen == 0 || nlen >= sizeof num)
        return false;
    memcpy(num, colon + 1, nlen);
    num[nlen] = '\0';
    for (size_t i = 0; i < nlen; i++)
        if (num[i] < '0' || num[i] > '9')
            return false;
    errno = 0;
    v = strtoull(num, &end, 10);
    if (errno || *end)
        return false;
    memcpy(out->file, p, (size_t)(colon - p));
    out->file[colon - p] = '\0';
    out->pos = v;
    return true;
}

hm_code hm_sync_resume_plan(const hm_sync_wrow *rows, size_t n, size_t max_entries, hm_sync_resume *out,
                            hm_err *err)
{
    size_t cap = n * max_entries, k = 0;
    memset(out, 0, sizeof *out);
    if (n == 0)
        return hm_err_set(err, HM_ESTATE, "no worker checkpoint row to resume from");
    for (size_t i = 1; i < n; i++)
        if (hm_sync_pos_cmp(&rows[i].lwm, &rows[out->from_row].lwm) > 0)
            out->from_row = i;
    out->from = rows[out->from_row].lwm;
    if (cap && !(out->skip = calloc(cap, sizeof *out->skip)))
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *p = rows[i].above ? rows[i].above : "";
        size_t entries = 0;
        while (*p) {
            size_t len = strcspn(p, ",");
            hm_sync_pos e;
            if (++entries > max_entries || !parse_one(p, len, &e)) {
                hm_sync_resume_release(out);
                return hm_err_set(err, HM_ESTATE, "worker checkpoint row %zu: its list of transactions "
                                  "committed above the low-water mark does not parse (entry %zu); the "
                                  "checkpoint was changed by hand: start the migration over", i, entries);
            }
            if (hm_sync_pos_cmp(&e, &out->from) > 0)
                out->skip[k++] = e;
            p += len;
            if (*p == ',' && *++p == '\0') {  /* a trailing comma */
                hm_sync_resume_release(out);
                return hm_err_set(err, HM_ESTATE, "worker checkpoint row %zu: its list of transactions "
                                  "ends with a comma; the checkpoint was changed by hand: start the "
                                  "migration over", i);
            }
        }
    }
    qsort(out->skip, k, sizeof *out->skip, pos_cmp_q);
    out->nskip = k;
    return HM_OK;
}

bool hm_sync_resume_skip(const hm_sync_resume *r, const hm_sync_pos *end)
{
    return r->nskip && bsearch(end, r->skip, r->nskip, sizeof *r->skip, pos_cmp_q) != NULL;
}

void hm_sync_resume_release(hm_sync_resume *r)
{
    free(r->skip);
    r->skip = NULL;
    r->nskip = 0;
}

hm_code hm_sync_resume_above(hm_buf *b, const hm_sync_pos *lwm, const hm_sync_pos *ends, size_t n, hm_err *err)
{
    bool first = true;
    hm_buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if (hm_sync_pos_cmp(&ends[i], lwm) <= 0)
            continue;
        if (strpbrk(ends[i].file, ":,"))
            return hm_err_set(err, HM_EUSAGE, "binlog file name '%s' holds ':' or ','", ends[i].file);
        if (hm_buf_addf(b, "%s%s:%llu", first ? "" : ",", ends[i].file, (unsigned long long)ends[i].pos) != HM_OK)
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        first = false;
    }
    return HM_OK;
}
