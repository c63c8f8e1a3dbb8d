/*
 * util/buf.c: bounded growable byte buffer. See buf.h for the contract.
 */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hm_buf_init(hm_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void hm_buf_release(hm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void hm_buf_reset(hm_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *hm_buf_reserve(hm_buf *b, size_t n)
{
    size_t need;
    if (n > b->max || b->len > b->max - n)
        return NULL;
    need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < need)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        p = realloc(b->data, cap);
        if (!p)
            return NULL;
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void hm_buf_commit(hm_buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

hm_code hm_buf_add(hm_buf *b, const void *p, size_t n)
{
    char *dst = hm_buf_reserve(b, n);
    if (!dst)
        return HM_ENOMEM;
    if (n)
        memcpy(dst, p, n);
    hm_buf_commit(b, n);
    return HM_OK;
}

hm_code hm_buf_adds(hm_buf *b, const char *s)
{
    return hm_buf_add(b, s, strlen(s));
}

hm_code hm_buf_addc(hm_buf *b, char c)
{
    return hm_buf_add(b, &c, 1);
}

hm_code hm_buf_addf(hm_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *dst;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return HM_EINTERNAL;
    dst = hm_buf_reserve(b, (size_t)n);
    if (!dst)
        return HM_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    hm_buf_commit(b, (size_t)n);
    return HM_OK;
}

hm_code hm_buf_addhex(hm_buf *b, const void *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = p;
    char *dst = n <= ((size_t)-1) / 2 ? hm_buf_reserve(b, n * 2) : NULL;
    size_t i;
    if (!dst)
        return HM_ENOMEM;
    for (i = 0; i < n; i++) {
        dst[2 * i] = hex[s[i] >> 4];
        dst[2 * i + 1] = hex[s[i] & 15];
    }
    hm_buf_commit(b, n * 2);
    return HM_OK;
}

char *hm_buf_memdupz(const char *p, size_t n)
{
    char *s;
    if (!p)
        return NULL;
    s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}
