/*
 * util/err.h: filling an hm_err. The codes and their texts live in include/hotmig.h (HM_ERR_MAP).
 * hm_err_set() formats one line; it returns the code so that a failure can be `return hm_err_set(...)`.
 */
#ifndef HM_UTIL_ERR_H
#define HM_UTIL_ERR_H

#include "hotmig.h"

#if defined(__GNUC__)
#define HM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HM_PRINTF(a, b)
#endif

/* err may be NULL. Returns code. */
hm_code hm_err_set(hm_err *err, hm_code code, const char *fmt, ...) HM_PRINTF(3, 4);

/* Prefixes an already filled err with "what: " (used to add context while unwinding). */
void hm_err_prefix(hm_err *err, const char *fmt, ...) HM_PRINTF(2, 3);

#endif
