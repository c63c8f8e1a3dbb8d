/*
 * binlog/inflate.c: MariaDB's zlib-compressed events and MySQL's zstd TRANSACTION_PAYLOAD. See
 * inflate.h. Owns the handle of libzstd once loaded (process-wide, never unloaded) and a small
 * pool of its decompression contexts (process-wide, reachable: freed with the process).
 */
#include "binlog/inflate.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "binlog/wire.h"
#include "util/err.h"

#define ZSTD_COMPRESSION 0
#define NO_COMPRESSION 255

#define DCTX_POOL 8 /* decompression contexts kept for reuse (one per thread at work) */

/* ZSTD_decompress() sets up a new context (tens of KiB, cleared) for every call: with small
 * transactions that set-up was 40% of the decoder's time. Contexts are kept in a small pool
 * instead, taken and given back around each payload (a context serves one thread at a time). */
static struct {
    pthread_once_t once;
    size_t (*decompress)(void *dst, size_t cap, const void *src, size_t n);
    void *(*create_dctx)(void);
    size_t (*free_dctx)(void *dctx);
    size_t (*decompress_dctx)(void *dctx, void *dst, size_t cap, const void *src, size_t n);
    unsigned (*is_error)(size_t code);
    const char *(*error_name)(size_t code);
    char why[256];
    pthread_mutex_t mu;
    void *pool[DCTX_POOL];
    unsigned npool;
} zstd = {PTHREAD_ONCE_INIT, NULL, NULL, NULL, NULL, NULL, NULL, "", PTHREAD_MUTEX_INITIALIZER, {0}, 0};

static void zstd_load(void)
{
    void *h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(zstd.why, sizeof zstd.why, "%s", dlerror());
        return;
    }
    /* POSIX: a function pointer round-trips through the void * of dlsym */
    void *f = dlsym(h, "ZSTD_decompress"), *e = dlsym(h, "ZSTD_isError"),
         *n = dlsym(h, "ZSTD_getErrorName");
    memcpy(&zstd.decompress, &f, sizeof f);
    memcpy(&zstd.is_error, &e, sizeof e);
    memcpy(&zstd.error_name, &n, sizeof n);
    {
        void *c = dlsym(h, "ZSTD_createDCtx"), *fr = dlsym(h, "ZSTD_freeDCtx"),
             *d = dlsym(h, "ZSTD_decompressDCtx");
        if (c && fr && d) { /* else each payload uses ZSTD_decompress */
            memcpy(&zstd.create_dctx, &c, sizeof c);
            memcpy(&zstd.free_dctx, &fr, sizeof fr);
            memcpy(&zstd.decompress_dctx, &d, sizeof d);
        }
    }
    if (!zstd.decompress || !zstd.is_error || !zstd.error_name) {
        snprintf(zstd.why, sizeof zstd.why, "libzstd.so.1 lacks ZSTD_decompress");
        zstd.decompress = NULL;
    }
}

/* zstd decompression of src into dst, with a pooled context when the library has them. */
static size_t zstd_run(void *dst, size_t cap, const void *src, size_t n)
{
    void *ctx = NULL;
    size_t got;
    if (zstd.create_dctx) {
        pthread_mutex_lock(&zstd.mu);
        if (zstd.npool)
            ctx = zstd.pool[--zstd.npool];
        pthread_mutex_unlock(&zstd.mu);
        if (!ctx)
            ctx = zstd.create_dctx();
    }
    if (!ctx)
        return zstd.decompress(dst, cap, src, n);
    got = zstd.decompress_dctx(ctx, dst, cap, src, n);
    pthread_mutex_lock(&zstd.mu);
    if (zstd.npool < DCTX_POOL) {
        zstd.pool[zstd.npool++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&zstd.mu);
    if (ctx)
        zstd.free_dctx(ctx);
    return got;
}

bool hm_binlog_zstd_available(char *why, size_t n)
{
    pthread_once(&zstd.once, zstd_load);
    if (why && n)
        snprintf(why, n, "%s", zstd.why);
    return zstd.decompress != NULL;
}

bool hm_binlog_is_compressed(const hm_binlog_event *ev)
{
    return (ev->kind == HM_BINLOG_EV_QUERY && ev->u.query.compressed) ||
           (ev->kind == HM_BINLOG_EV_ROWS && ev->u.rows.compressed);
}

hm_code hm_binlog_inflate(const hm_binlog_fmt *fmt, hm_binlog_event *ev, hm_buf *out,
                          hm_err *err)
{
    const uint8_t *src;
    size_t src_len, n;
    uint64_t want;
    uLongf got;
    char *dst;
    const char *bad = NULL;
    hm_code rc = HM_ESOURCE;

    if (ev->kind == HM_BINLOG_EV_QUERY && ev->u.query.compressed) {
        src = (const uint8_t *)ev->u.query.query.p;
        src_len = ev->u.query.query.len;
    } else if (ev->kind == HM_BINLOG_EV_ROWS && ev->u.rows.compressed) {
        src = ev->u.rows.rows;
        src_len = ev->u.rows.rows_len;
    } else {
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_inflate: the event is not compressed");
    }
    hm_buf_reset(out);
    if (src_len < 1 || (src[0] & 0xe0) != 0x80) {
        bad = "bad compression header";
        goto fail;
    }
    if ((src[0] >> 4 & 0x07) != 0) {
        bad = "compression algorithm is not zlib";
        goto fail;
    }
    n = src[0] & 0x07;
    if (n < 1 || n > 4 || src_len < 1 + n) {
        bad = "bad uncompressed length";
        goto fail;
    }
    want = hm_beN(src + 1, (unsigned)n);
    dst = hm_buf_reserve(out, want ? (size_t)want : 1);
    if (!dst) {
        rc = HM_ENOMEM;
        bad = "uncompressed size above the buffer limit";
        goto fail;
    }
    got = (uLongf)want;
    if (uncompress((Bytef *)dst, &got, src + 1 + n, (uLong)(src_len - 1 - n)) != Z_OK ||
        got != want) {
        bad = "zlib data do not inflate to the size announced";
        goto fail;
    }
    hm_buf_commit(out, got);
    if (ev->kind == HM_BINLOG_EV_QUERY) {
        ev->u.query.query.p = out->data;
        ev->u.query.query.len = out->len;
        ev->u.query.compressed = false;
    } else {
        ev->u.rows.rows = (const uint8_t *)out->data;
        ev->u.rows.rows_len = out->len;
        ev->u.rows.compressed = false;
    }
    return HM_OK;

fail:
    hm_buf_reset(out);
    return hm_err_set(err, rc, "binlog %s:%llu: %s event: %s", fmt->file[0] ? fmt->file : "?",
                      (unsigned long long)ev->pos, hm_binlog_type_name(ev->type), bad);
}

hm_code hm_binlog_payload_begin(hm_binlog_payload_iter *it, const hm_binlog_fmt *fmt,
                                const hm_binlog_event *ev, hm_buf *out, hm_err *err)
{
    const char *where = fmt->file[0] ? fmt->file : "?";
    uint64_t want = ev->u.payload.uncompressed_size;
    size_t got;
    char *dst;

    if (ev->kind != HM_BINLOG_EV_TRANSACTION_PAYLOAD)
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_payload_begin: not a TRANSACTION_PAYLOAD");
    memset(it, 0, sizeof *it);
    it->fmt = *fmt;
    it->fmt.checksum_alg = HM_BINLOG_CRC_OFF;
    it->pos = ev->pos;
    hm_buf_reset(out);

    if (ev->u.payload.compression == NO_COMPRESSION) {
        it->p = ev->u.payload.payload;
        it->end = it->p + ev->u.payload.payload_len;
        return HM_OK;
    }
    if (ev->u.payload.compression != ZSTD_COMPRESSION)
        return hm_err_set(err, HM_ESOURCE,
                          "binlog %s:%llu: TRANSACTION_PAYLOAD compressed with algorithm %llu, "
                          "which is not known (zstd is 0)",
                          where, (unsigned long long)ev->pos,
                          (unsigned long long)ev->u.payload.compression);
    if (!hm_binlog_zstd_available(NULL, 0))
        return hm_err_set(err, HM_EIO,
                          "binlog %s:%llu: TRANSACTION_PAYLOAD is zstd-compressed and libzstd "
                          "cannot be loaded (%s): install libzstd1, or set "
                          "binlog_transaction_compression=OFF on the source",
                          where, (unsigned long long)ev->pos, zstd.why);
    dst = hm_buf_reserve(out, want ? (size_t)want : 1);
    if (!dst)
        return hm_err_set(err, HM_ENOMEM,
                          "binlog %s:%llu: TRANSACTION_PAYLOAD of %llu bytes uncompressed is "
                          "above the buffer limit",
                          where, (unsigned long long)ev->pos, (unsigned long long)want);
    got = zstd_run(dst, (size_t)want, ev->u.payload.payload, ev->u.payload.payload_len);
    if (zstd.is_error(got) || got != want)
        return hm_err_set(err, HM_ESOURCE,
                          "binlog %s:%llu: TRANSACTION_PAYLOAD does not decompress to the %llu "
                          "bytes announced: %s",
                          where, (unsigned long long)ev->pos, (unsigned long long)want,
                          zstd.is_error(got) ? zstd.error_name(got) : "size differs");
    hm_buf_commit(out, got);
    it->p = (const uint8_t *)out->data;
    it->end = it->p + out->len;
    return HM_OK;
}

hm_code hm_binlog_payload_next(hm_binlog_payload_iter *it, hm_binlog_event *ev, bool *more,
                               hm_err *err)
{
    uint32_t size;
    hm_code rc;
    *more = false;
    if (it->p >= it->end)
        return HM_OK;
    if (!hm_binlog_peek_size(it->p, (size_t)(it->end - it->p), &size) ||
        size > (size_t)(it->end - it->p) || size < HM_BINLOG_HEADER_LEN)
        return hm_err_set(err, HM_ESOURCE,
                          "binlog %s:%llu: TRANSACTION_PAYLOAD: inner event truncated",
                          it->fmt.file[0] ? it->fmt.file : "?", (unsigned long long)it->pos);
    rc = hm_binlog_event_decode(&it->fmt, it->p, size, it->pos, ev, err);
    if (rc != HM_OK)
        return rc;
    it->p += size;
    *more = true;
    return HM_OK;
}
