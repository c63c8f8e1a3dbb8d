/*
 * util/buf.h: a growable byte buffer with a hard size limit (curl's dynbuf idea).
 *
 * An hm_buf owns its bytes. Appending past `max` fails with HM_ENOMEM and leaves the buffer as it
 * was, so memory stays bounded by what the caller chose. The content is always NUL-terminated
 * (the NUL is not counted in len), so it can be handed to C string APIs when it holds text.
 */
#ifndef HM_UTIL_BUF_H
#define HM_UTIL_BUF_H

#include <stddef.h>

#include "hotmig.h"

typedef struct hm_buf {
    char *data;
    size_t len, cap, max;
} hm_buf;

void hm_buf_init(hm_buf *b, size_t max);
void hm_buf_release(hm_buf *b); /* frees the bytes; the buffer may be reused after init */
void hm_buf_reset(hm_buf *b);   /* len = 0, keeps the allocation */

hm_code hm_buf_add(hm_buf *b, const void *p, size_t n);
hm_code hm_buf_adds(hm_buf *b, const char *s);
hm_code hm_buf_addc(hm_buf *b, char c);
hm_code hm_buf_addf(hm_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends n bytes as lowercase hex digits. */
hm_code hm_buf_addhex(hm_buf *b, const void *p, size_t n);
/* Makes room for n more bytes; returns a pointer to them or NULL. Commit with hm_buf_commit. */
char *hm_buf_reserve(hm_buf *b, size_t n);
/* A NUL-terminated copy of p[0..n) (bytes copied as they are), owned by the caller; NULL when p
 * is NULL or memory is short. Not a buffer operation, but the one place bytes are copied. */
char *hm_buf_memdupz(const char *p, size_t n);
void hm_buf_commit(hm_buf *b, size_t n);

#endif
