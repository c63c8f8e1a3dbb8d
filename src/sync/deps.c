/*
 * sync/deps.c: the dependency tracker of parallel apply (see deps.h). Owns a ring of `window`
 * transaction slots (each with room for max_keys keys and as many predecessors) and an
 * open-addressing map from conflict key to the last in-flight transaction that touched it,
 * sized at creation (load factor at most 1/2), with backward-shift deletion (no tombstones), so
 * that memory never grows after hm_sync_deps_new().
 */
#include "sync/deps.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

typedef struct deps_trx {
    uint64_t seq;            /* 0: the slot was never used */
    bool closed, done, barrier;
    uint64_t after_barrier;  /* the barrier opened before it, 0 when none was in flight */
    unsigned nkeys, npred;
    uint64_t *keys;          /* nkeys, into the tracker's key store */
    uint64_t *preds;         /* npred, into the tracker's predecessor store */
} deps_trx;

typedef struct deps_ent {
    uint64_t key, seq;       /* seq 0: empty */
} deps_ent;

struct hm_sync_deps {
    unsigned window, max_keys;
    uint64_t next_seq;       /* the seq the next open() gives */
    uint64_t open_seq;       /* the open transaction, 0 when none */
    uint64_t low;            /* every seq <= low is done */
    uint64_t last_barrier;   /* the latest barrier, 0 when none */
    deps_trx *trx;           /* window slots, seq % window */
    uint64_t *keys, *preds;  /* window * max_keys each */
    deps_ent *map;
    size_t mask;             /* map capacity - 1 */
};

hm_sync_deps *hm_sync_deps_new(unsigned window, unsigned max_keys, hm_err *err)
{
    hm_sync_deps *d;
    size_t cap = 2, need;
    if (window < 1 || window > 4096 || max_keys < 1 || max_keys > 65536) {
        hm_err_set(err, HM_EUSAGE, "parallel apply: window %u and max_keys %u must be in 1..4096 and 1..65536",
                   window, max_keys);
        return NULL;
    }
    need = (size_t)window * max_keys * 2;
    while (cap < need)
        cap <<= 1;
    d = calloc(1, sizeof *d);
    if (d) {
        d->trx = calloc(window, sizeof *d->trx);
        d->keys = calloc((size_t)window * max_keys, sizeof *d->keys);
        d->preds = calloc((size_t)window * max_keys, sizeof *d->preds);
        d->map = calloc(cap, sizeof *d->map);
    }
    if (!d || !d->trx || !d->keys || !d->preds || !d->map) {
        hm_sync_deps_free(d);
        hm_err_set(err, HM_ENOMEM, "out of memory for the parallel apply's dependency tracker");
        return NULL;
    }
    d->window = window;
    d->max_keys = max_keys;
    d->next_seq = 1;
    d->mask = cap - 1;
    for (unsigned i = 0; i < window; i++) {
        d->trx[i].keys = d->keys + (size_t)i * max_keys;
        d->trx[i].preds = d->preds + (size_t)i * max_keys;
    }
    return d;
}

void hm_sync_deps_free(hm_sync_deps *d)
{
    if (!d)
        return;
    free(d->trx);
    free(d->keys);
    free(d->preds);
    free(d->map);
    free(d);
}

/* FNV-1a over the names and the value, each followed by its length so that no two different
 * inputs concatenate alike, then a final avalanche (splitmix64's). */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++) {
        h ^= (unsigned char)(n >> (8 * i));
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

uint64_t hm_sync_deps_hash(const char *db, const char *tbl, unsigned keyno, const void *val, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned char kind = val ? 1 : 0;
    h = fnv(h, db, strlen(db));
    h = fnv(h, tbl, strlen(tbl));
    h = fnv(h, &kind, 1);
    if (val) {
        h = fnv(h, &keyno, sizeof keyno);
        h = fnv(h, val, len);
    }
    return mix(h);
}

/* One value's bytes as the key hash takes them: equal values of one column type give equal
 * bytes (integers by their bits, temporal values by their fields, the rest as stored). */
static uint64_t hash_value(uint64_t h, const hm_binlog_value *v)
{
    unsigned char type = v->type;
    h = fnv(h, &type, 1);
    switch (v->type) {
    case HM_COL_FLOAT:
    case HM_COL_DOUBLE: {
        double x = v->d == 0 ? 0.0 : v->d; /* -0 is 0 */
        return fnv(h, &x, sizeof x);
    }
    case HM_COL_DATE:
    case HM_COL_NEWDATE:
    case HM_COL_TIME:
    case HM_COL_TIME2:
    case HM_COL_DATETIME:
    case HM_COL_DATETIME2: {
        uint32_t f[8] = {v->tm.year, v->tm.month, v->tm.day, v->tm.hour, v->tm.minute, v->tm.second,
                         v->tm.usec, v->tm.neg};
        return fnv(h, f, sizeof f);
    }
    case HM_COL_TIMESTAMP:
    case HM_COL_TIMESTAMP2: {
        uint64_t f[2] = {v->u, v->tm.usec};
        return fnv(h, f, sizeof f);
    }
    default:
        if (v->ptr)
            return fnv(h, v->ptr, v->len);
        return fnv(h, &v->u, sizeof v->u);
    }
}

bool hm_sync_deps_row_keys(const hm_sync_deps_keydef *keys, size_t n, const hm_binlog_value *img,
                           void (*emit)(void *ud, uint64_t key), void *ud)
{
    for (size_t k = 0; k < n; k++) {
        const hm_sync_deps_keydef *kd = &keys[k];
        uint64_t h = 0xcbf29ce484222325ULL;
        unsigned char kind = 2;
        bool null = false;
        for (unsigned c = 0; c < kd->ncols; c++) {
            const hm_binlog_value *v = &img[kd->cols[c]];
            if (!v->present)
                return false; /* other transactions give this row's value, which this image does not hold */
            null = null || v->is_null;
        }
        if (!kd->exact) {  /* every row of the table gives the same: they all conflict */
            emit(ud, hm_sync_deps_hash(kd->db, kd->tbl, 0, NULL, 0));
            continue;
        }
        if (null)
            continue;
        h = fnv(h, kd->db, strlen(kd->db));
        h = fnv(h, kd->tbl, strlen(kd->tbl));
        h = fnv(h, &kind, 1);
        h = fnv(h, &kd->keyno, sizeof kd->keyno);
        for (unsigned c = 0; c < kd->ncols; c++)
            h = hash_value(h, &img[kd->cols[c]]);
        emit(ud, mix(h));
    }
    return true;
}

static void emit_key(void *ud, uint64_t key)
{
    hm_sync_deps_key(ud, key);
}

void hm_sync_deps_row(hm_sync_deps *d, const hm_sync_deps_keydef *keys, size_t n, const hm_binlog_value *img)
{
    if (!hm_sync_deps_row_keys(keys, n, img, emit_key, d))
        hm_sync_deps_barrier(d);
}

static size_t home(const hm_sync_deps *d, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & d->mask;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t map_find(const hm_sync_deps *d, uint64_t key)
{
    size_t i = home(d, key);
    while (d->map[i].seq && d->map[i].key != key)
        i = (i + 1) & d->mask;
    return i;
}

/* Empties slot i and shifts back the entries of its probe run that may move into the hole. */
static void map_del(hm_sync_deps *d, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & d->mask;
        if (!d->map[j].seq)
            break;
        size_t h = home(d, d->map[j].key);
        /* the entry at j may fill the hole at i when its home is not in (i, j] cyclically */
        bool in_range = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!in_range) {
            d->map[i] = d->map[j];
            i = j;
        }
    }
    d->map[i].seq = 0;
    d->map[i].key = 0;
}

static deps_trx *slot(const hm_sync_deps *d, uint64_t seq)
{
    return &d->trx[seq % d->window];
}

static bool is_done(const hm_sync_deps *d, uint64_t seq)
{
    const deps_trx *t;
    if (seq <= d->low)
        return true;
    t = slot(d, seq);
    return t->seq == seq && t->done;
}

bool hm_sync_deps_room(const hm_sync_deps *d)
{
    return d->next_seq - 1 - d->low < d->window;
}

uint64_t hm_sync_deps_open(hm_sync_deps *d)
{
    uint64_t seq = d->next_seq++;
    deps_trx *t = slot(d, seq);
    uint64_t *keys = t->keys, *preds = t->preds;
    memset(t, 0, sizeof *t);
    t->keys = keys;
    t->preds = preds;
    t->seq = seq;
    t->after_barrier = d->last_barrier && !is_done(d, d->last_barrier) ? d->last_barrier : 0;
    d->open_seq = seq;
    return seq;
}

void hm_sync_deps_barrier(hm_sync_deps *d)
{
    deps_trx *t = slot(d, d->open_seq);
    t->barrier = true;
    d->last_barrier = d->open_seq;
}

void hm_sync_deps_key(hm_sync_deps *d, uint64_t key)
{
    deps_trx *t = slot(d, d->open_seq);
    size_t i;
    if (t->barrier)
        return;  /* it waits for everything before it anyway, and everything after waits for it */
    i = map_find(d, key);
    if (d->map[i].seq == t->seq)
        return;  /* this transaction touched it already */
    if (t->nkeys == d->max_keys) {
        hm_sync_deps_barrier(d);
        return;
    }
    if (d->map[i].seq) {
        /* an earlier transaction in flight touched it (done ones are removed from the map) */
        uint64_t u = d->map[i].seq;
        if (!t->npred || t->preds[t->npred - 1] != u)
            t->preds[t->npred++] = u;
    }
    d->map[i].key = key;
    d->map[i].seq = t->seq;
    t->keys[t->nkeys++] = key;
}

void hm_sync_deps_close(hm_sync_deps *d)
{
    slot(d, d->open_seq)->closed = true;
    d->open_seq = 0;
}

bool hm_sync_deps_ready_after(const hm_sync_deps *d, uint64_t seq, bool (*mine)(void *ud, uint64_t seq), void *ud)
{
    const deps_trx *t;
    if (is_done(d, seq))
        return false;
    t = slot(d, seq);
    if (t->seq != seq || !t->closed)
        return false;
    if (t->barrier)
        return d->low + 1 == seq;
    if (t->after_barrier && !is_done(d, t->after_barrier))
        return false;
    for (unsigned i = 0; i < t->npred; i++)
        if (!is_done(d, t->preds[i]) && !(mine && mine(ud, t->preds[i])))
            return false;
    return true;
}

bool hm_sync_deps_ready(const hm_sync_deps *d, uint64_t seq)
{
    return hm_sync_deps_ready_after(d, seq, NULL, NULL);
}

void hm_sync_deps_done(hm_sync_deps *d, uint64_t seq)
{
    deps_trx *t = slot(d, seq);
    if (t->seq != seq || t->done)
        return;
    t->done = true;
    for (unsigned i = 0; i < t->nkeys; i++) {
        size_t j = map_find(d, t->keys[i]);
        if (d->map[j].seq == seq)
            map_del(d, j);
    }
    while (d->low + 1 < d->next_seq && slot(d, d->low + 1)->seq == d->low + 1 && slot(d, d->low + 1)->done)
        d->low++;
    if (d->last_barrier && d->last_barrier <= d->low)
        d->last_barrier = 0;
}

uint64_t hm_sync_deps_low_water(const hm_sync_deps *d)
{
    return d->low;
}

bool hm_sync_deps_is_barrier(const hm_sync_deps *d, uint64_t seq)
{
    const deps_trx *t = slot(d, seq);
    return t->seq == seq && t->barrier;
}

unsigned hm_sync_deps_inflight(const hm_sync_deps *d)
{
    return (unsigned)(d->next_seq - 1 - d->low);
}
