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
    free(u->tls_ca);
    free(u->tls_cert);
    free(u->tls_key);
    memset(u, 0, sizeof *u);
}

static const char *const tls_names[] = {
    [HM_TLS_DEFAULT] = "preferred",     [HM_TLS_DISABLED] = "disabled",
    [HM_TLS_PREFERRED] = "preferred",   [HM_TLS_REQUIRED] = "required",
    [HM_TLS_VERIFY_CA] = "verify-ca",   [HM_TLS_VERIFY_IDENTITY] = "verify-identity",
};

const char *hm_tls_mode_name(hm_tls_mode m)
{
    return (unsigned)m < sizeof tls_names / sizeof tls_names[0] ? tls_names[m] : "preferred";
}

/* One name=value of the query into tmp. */
static hm_code parse_option(hm_uri *u, const char *s, size_t n, hm_err *err)
{
    static const char *const names[] = {"tls", "ca", "cert", "key"};
    const char *eq = memchr(s, '=', n);
    size_t nl = eq ? (size_t)(eq - s) : n;
    char **slot = NULL;
    char *v;
    bool bad;
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == nl && strncmp(names[i], s, nl) == 0)
            break;
    if (i == sizeof names / sizeof names[0]) {
        /* named only when it looks like a name: text after an unencoded '?' in a password must not
         * be echoed */
        bool plain = nl > 0 && nl <= 32;
        for (size_t k = 0; k < nl && plain; k++)
            plain = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || s[k] == '_' || s[k] == '-';
        return hm_err_set(err, HM_EUSAGE, "connection option %s%.*s%s is unknown (a '?' in a user or password "
                          "must be written %%3F): the options are tls=disabled|preferred|required|verify-ca|"
                          "verify-identity, ca=FILE, cert=FILE, key=FILE", plain ? "'" : "",
                          plain ? (int)nl : 0, s, plain ? "'" : "after '?'");
    }
    if (!eq || eq + 1 == s + n)
        return hm_err_set(err, HM_EUSAGE, "connection option %s has no value (%s=...)", names[i], names[i]);
    v = pct_decode(eq + 1, (size_t)(s + n - eq - 1), &bad);
    if (!v)
        return bad ? hm_err_set(err, HM_EUSAGE, "connection option %s has a bad %%XX escape", names[i])
                   : hm_err_set(err, HM_ENOMEM, "out of memory");
    if (i == 0) {
        hm_tls_mode m = HM_TLS_DEFAULT;
        for (size_t k = 1; k < sizeof tls_names / sizeof tls_names[0]; k++)
            if (strcmp(v, tls_names[k]) == 0)
                m = (hm_tls_mode)k;
        if (m == HM_TLS_DEFAULT || u->tls != HM_TLS_DEFAULT) {
            hm_code rc = u->tls != HM_TLS_DEFAULT
                             ? hm_err_set(err, HM_EUSAGE, "connection option tls is given twice")
                             : hm_err_set(err, HM_EUSAGE, "connection option tls=%.40s: expected disabled, "
                                          "preferred, required, verify-ca or verify-identity", v);
            free(v);
            return rc;
        }
        u->tls = m;
        free(v);
        return HM_OK;
    }
    slot = i == 1 ? &u->tls_ca : i == 2 ? &u->tls_cert : &u->tls_key;
    if (*slot) {
        free(v);
        return hm_err_set(err, HM_EUSAGE, "connection option %s is given twice", names[i]);
    }
    *slot = v;
    return HM_OK;
}

/* The query after '?': options, then their agreement. */
static hm_code parse_query(hm_uri *u, const char *q, hm_err *err)
{
    hm_code rc;
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n && (rc = parse_option(u, q, n, err)) != HM_OK)
            return rc;
        q += n;
        if (*q == '&')
            q++;
    }
    if (u->tls == HM_TLS_DEFAULT && u->tls_ca)
        u->tls = HM_TLS_VERIFY_CA; /* a CA given is a CA to verify with (as MySQL's client does) */
    if ((u->tls == HM_TLS_VERIFY_CA || u->tls == HM_TLS_VERIFY_IDENTITY) && !u->tls_ca)
        return hm_err_set(err, HM_EUSAGE, "connection option tls=%s needs ca=FILE (the CA certificate that "
                          "signed the server's)", hm_tls_mode_name(u->tls));
    if (u->tls == HM_TLS_DISABLED && (u->tls_ca || u->tls_cert || u->tls_key))
        return hm_err_set(err, HM_EUSAGE, "connection option tls=disabled contradicts ca, cert and key");
    if (!u->tls_cert != !u->tls_key)
        return hm_err_set(err, HM_EUSAGE, "connection options cert=FILE and key=FILE go together (the client "
                          "certificate and its private key)");
    return HM_OK;
}

hm_code hm_uri_parse(const char *text, hm_uri *u, hm_err *err)
{
    static const char scheme[] = "mysql://";
    const char *p, *at, *hostp, *colon, *end, *query;
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
    query = end[0] == '/' ? end + 1 : end;
    if (*query != '\0' && *query != '?')
        return hm_err_set(err, HM_EUSAGE, "connection must look like mysql://USER:PASS@HOST:PORT"
                          "[?tls=MODE&ca=FILE] (no path or fragment)");
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
    for (const unsigned char *h = (const unsigned char *)tmp.host; *h; h++)
        if (*h <= ' ' || *h == 0x7f || *h == '[' || *h == ']' || *h == '\\') {
            /* not in a host name or address; '[' would not print back as the same URI */
            hm_uri_release(&tmp);
            return hm_err_set(err, HM_EUSAGE, "connection host has a character no host name or address "
                              "holds (a space, a control character, '[', ']' or '\\')");
        }
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
    /* the options last: every earlier exit has only user, password and host to release */
    if (*query == '?') {
        hm_err qerr;
        if (parse_query(&tmp, query + 1, &qerr) != HM_OK) {
            hm_uri_release(&tmp);
            if (err)
                *err = qerr;
            return qerr.code;
        }
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

bool hm_uri_redacted(const hm_uri *u, char *out, size_t outsz)
{
    /* the user percent-encoded, so that the text parses back to the same user: whole, never cut
     * short (a cut user would name another account when the task resumes) */
    const char *uname = u->user ? u->user : "";
    size_t usz = 3 * strlen(uname) + 1, j = 0;
    char *user = malloc(usz);
    const char *h = u->host ? u->host : "";
    if (!user) {
        snprintf(out, outsz, "mysql://");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)uname; *p && j + 4 <= usz; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '_' || *p == '-' || *p == '~')
            user[j++] = (char)*p;
        else
            j += (size_t)snprintf(user + j, usz - j, "%%%02X", *p);
    }
    user[j] = '\0';
    int n = snprintf(out, outsz, strchr(h, ':') ? "mysql://%s@[%s]:%u" : "mysql://%s@%s:%u", user, h, u->port);
    free(user);
    const char *files[3] = {u->tls_ca, u->tls_cert, u->tls_key};
    static const char *const fname[3] = {"ca", "cert", "key"};
    bool first = true, whole = true;
    if (u->tls != HM_TLS_DEFAULT && n >= 0 && (size_t)n < outsz) {
        n += snprintf(out + n, outsz - (size_t)n, "?tls=%s", hm_tls_mode_name(u->tls));
        first = false;
    }
    for (int i = 0; i < 3; i++) {
        if (!files[i])
            continue;
        if (n < 0 || (size_t)n >= outsz) {
            whole = false;
            break;
        }
        n += snprintf(out + n, outsz - (size_t)n, "%c%s=", first ? '?' : '&', fname[i]);
        first = false;
        for (const unsigned char *p = (const unsigned char *)files[i]; *p; p++) {
            bool plain = *p > ' ' && *p < 0x7f && !strchr("%&=#?+", *p);
            if (n < 0 || (size_t)n + (plain ? 1 : 3) >= outsz) {
                whole = false; /* no room for the next character: the text is cut short */
                break;
            }
            n += plain ? snprintf(out + n, outsz - (size_t)n, "%c", *p)
                       : snprintf(out + n, outsz - (size_t)n, "%%%02X", *p);
        }
    }
    return whole && n >= 0 && (size_t)n < outsz;
}
