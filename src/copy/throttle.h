/*
 * copy/throttle.h: a token bucket shared by all workers, for --max-rows-per-sec.
 * Thread-safe. A rate of 0 means unlimited (hm_throttle_take returns at once).
 */
#ifndef HM_COPY_THROTTLE_H
#define HM_COPY_THROTTLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct hm_throttle {
    pthread_mutex_t mu;
    double rate;   /* rows per second */
    double tokens; /* may go negative: the debt is paid by sleeping */
    double last;
} hm_throttle;

void hm_throttle_init(hm_throttle *t, uint64_t rows_per_sec);
void hm_throttle_release(hm_throttle *t);
/* Takes n rows' worth of tokens, sleeping as needed; returns early when *cancel becomes true. */
void hm_throttle_take(hm_throttle *t, uint64_t n, const atomic_bool *cancel);

#endif
