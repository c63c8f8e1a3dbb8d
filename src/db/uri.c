/*
 * db/uri.c: mysql:// URI parser. Owns nothing beyond the hm_uri it fills.
 */
#include "db/uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) with %XX escapes into a new string; NULL on a bad escape or a NUL byte. */
static char *pct_decode(const char *s, size_t n, bool *bad)
{
    char *out = malloc(n + 1);
    size_t i, j = 0;
    *bad = false;
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
                *bad = true;
                free(out);
                return NULL;
            }
            out[j] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            if (out[j] == '\0') {
                *bad = true;
                free(out);
                return NULL;
            }
            j++;
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

void hm_uri_release(hm_uri *u)
{
    if (u->password) {
        volatile char *p = u->password;
        while (*p)
            *p++ = 0;
    }
    free(u->user);
    free(u->password);
    free(u->host);
    memset(u, 0, sizeof *u);
}

hm_code hm_uri_parse(const char *text, hm_uri *u, hm_err *err)
{
    static const char scheme[] = "mysql://";
    const char *p, *at, *hostp, *colon, *end;
    char *hostend;
    bool bad = false;
    hm_uri tmp;

    memset(&tmp, 0, sizeof tmp);
    memset(u, 0, sizeof *u);
    if (!text || strncmp(text, scheme, sizeof scheme - 1) != 0)
        return hm_err_set(err, HM_EUSAGE,
                          "connection must look like mysql://USER:PASS@HOST:PORT");
    p = text + sizeof scheme - 1;
    end = p + strcspn(p, "/?#");
    if (*end != '\0' && !(end[0] == '/' && end[1] == '\0'))
        return hm_err_set(err, HM_EUSAGE,
                          "connection must look like mysql://USER:PASS@HOST:PORT (no path or options)");
    /* the last '@' before the host separates credentials, so an unencoded '@' in a password works */
    at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (!at || at == p)
        return hm_err_set(err, HM_EUSAGE, "connection has no user: expected mysql://USER:PASS@HOST:PORT");
    colon = memchr(p, ':', (size_t)(at - p));
    tmp.user = pct_decode(p, (size_t)((colon ? colon : at) - p), &bad);
    if (!tmp.user)
        goto bad_escape;
    if (tmp.user[0] == '\0') {
        hm_uri_release(&tmp);
        return hm_err_set(err, HM_EUSAGE,
                          "connection has an empty user: expected mysql://USER:PASS@HOST:PORT");
    }
    if (colon) {
        tmp.password = pct_decode(colon + 1, (size_t)(at - colon - 1), &bad);
        if (!tmp.password)
            goto bad_escape;
    }
    hostp = at + 1;
    if (hostp == end)
        goto no_host;
    if (*hostp == '[') { /* [IPv6]:port */
        const char *rb = memchr(hostp, ']', (size_t)(end - hostp));
        if (!rb)
            goto no_host;
        tmp.host = strndup(hostp + 1, (size_t)(rb - hostp - 1));
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        if (rb + 1 < end && !colon)
            goto no_host;
    } else {
        colon = memchr(hostp, ':', (size_t)(end - hostp));
        tmp.host = strndup(hostp, (size_t)((colon ? colon : end) - hostp));
    }
    if (!tmp.host) {
        hm_uri_release(&tmp);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    if (tmp.host[0] == '\0')
        goto no_host;
    tmp.port = 3306;
    if (colon) {
        unsigned long port;
        char portbuf[8];
        size_t n = (size_t)(end - colon - 1);
        if (n == 0 || n >= sizeof portbuf)
            goto bad_port;
        memcpy(portbuf, colon + 1, n);
        portbuf[n] = '\0';
        if (strspn(portbuf, "0123456789") != n) /* strtoul would take "+3306" and " 3306" */
            goto bad_port;
        port = strtoul(portbuf, &hostend, 10);
        if (*hostend != '\0' || port == 0 || port > 65535)
            goto bad_port;
        tmp.port = (unsigned)port;
    }
    *u = tmp;
    return HM_OK;

bad_escape:
    hm_uri_release(&tmp);
    return hm_err_set(err, bad ? HM_EUSAGE : HM_ENOMEM,
                      bad ? "connection user or password has a bad %%XX escape" : "out of memory");
no_host:
    hm_uri_release(&tmp);
    return hm_err_set(err, HM_EUSAGE, "connection has no host: expected mysql://USER:PASS@HOST:PORT");
bad_port:
    hm_uri_release(&tmp);
    return hm_err_set(err, HM_EUSAGE, "connection port must be a number from 1 to 65535");
}

hm_code hm_uri_set_password(hm_uri *u, const char *password, hm_err *err)
{
    char *p = strdup(password);
    if (!p)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    if (u->password) {
        volatile char *q = u->password;
        while (*q)
            *q++ = 0;
        free(u->password);
    }
    u->password = p;
    return HM_OK;
}

void hm_uri_redacted(const hm_uri *u, char *out, size_t outsz)
{
    /* the user percent-encoded, so that the text parses back to the same user */
    char user[3 * 256 + 1];
    size_t j = 0;
    const char *h = u->host ? u->host : "";
    for (const unsigned char *p = (const unsigned char *)(u->user ? u->user : ""); *p && j + 4 < sizeof user; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '_' || *p == '-' || *p == '~')
            user[j++] = (char)*p;
        else
            j += (size_t)snprintf(user + j, sizeof user - j, "%%%02X", *p);
    }
    user[j] = '\0';
    snprintf(out, outsz, strchr(h, ':') ? "mysql://%s@[%s]:%u" : "mysql://%s@%s:%u", user, h, u->port);
}
