/*
 * copy/throttle.c: token bucket (see throttle.h). Burst is capped at a tenth of a second of
 * rows so the rate holds over short windows too.
 */
#include "copy/throttle.h"

#include "util/clock.h"

void hm_throttle_init(hm_throttle *t, uint64_t rows_per_sec)
{
    pthread_mutex_init(&t->mu, NULL);
    t->rate = (double)rows_per_sec;
    t->tokens = 0;
    t->last = hm_clock_now();
}

void hm_throttle_release(hm_throttle *t)
{
    pthread_mutex_destroy(&t->mu);
}

void hm_throttle_take(hm_throttle *t, uint64_t n, const atomic_bool *cancel)
{
    double wait, now;
    if (t->rate <= 0)
        return;
    pthread_mutex_lock(&t->mu);
    now = hm_clock_now();
    t->tokens += (now - t->last) * t->rate;
    if (t->tokens > t->rate / 10)
        t->tokens = t->rate / 10;
    t->last = now;
    t->tokens -= (double)n;
    wait = t->tokens < 0 ? -t->tokens / t->rate : 0;
    pthread_mutex_unlock(&t->mu);
    while (wait > 0 && !atomic_load(cancel)) {
        double step = wait > 0.05 ? 0.05 : wait;
        hm_clock_sleep(step);
        wait -= step;
    }
}
