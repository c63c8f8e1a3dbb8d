/* util/clock.h: monotonic time in seconds, and sleeping. */
#ifndef HM_UTIL_CLOCK_H
#define HM_UTIL_CLOCK_H

double hm_clock_now(void);      /* CLOCK_MONOTONIC, seconds */
void hm_clock_sleep(double s);  /* sleeps s seconds (may return early on a signal) */

#endif
