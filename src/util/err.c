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

bool hm_err_retryable(const hm_err *err)
{
    static const char *const marks[] = {"(2002)", "(2003)", "(2006)", "(2013)", "(1053)", "(1927)",
                                        "Lost connection", "gone away", "shutdown in progress"};
    if (err->code == HM_ECONNECT)
        return true;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(err->msg, marks[i]))
            return true;
    return false;
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
