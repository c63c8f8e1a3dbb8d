/*
 * util/err.c: the error table (names and texts of HM_ERR_MAP) and hm_err formatting.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *hm_code_name(hm_code code)
{
    switch (code) {
#define HM__NAME(name, val, text) case name: return #name;
        HM_ERR_MAP(HM__NAME)
#undef HM__NAME
    }
    return "HM_EUNKNOWN";
}

const char *hm_code_text(hm_code code)
{
    switch (code) {
#define HM__TEXT(name, val, text) case name: return text;
        HM_ERR_MAP(HM__TEXT)
#undef HM__TEXT
    }
    return "unknown error";
}

hm_code hm_err_set(hm_err *err, hm_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void hm_err_prefix(hm_err *err, const char *fmt, ...)
{
    char pre[256], old[sizeof err->msg];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    {
        size_t n = strlen(pre), m = strlen(old);
        if (n > sizeof err->msg - 3)
            n = sizeof err->msg - 3;
        memcpy(err->msg, pre, n);
        memcpy(err->msg + n, ": ", 2);
        if (m > sizeof err->msg - n - 3)
            m = sizeof err->msg - n - 3;
        memcpy(err->msg + n + 2, old, m);
        err->msg[n + 2 + m] = '\0';
    }
}
