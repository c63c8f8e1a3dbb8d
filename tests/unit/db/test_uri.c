/*
 * tests/unit/db/test_uri.c: the mysql://USER:PASS@HOST:PORT parser (db/uri.h).
 *
 *   - valid forms: full, default port 3306, no password, percent-encoded user and password
 *     (%40 '@', %3A ':', %2F '/', %25 '%'), an unencoded '@' in the password (the last '@'
 *     separates), an unencoded ':' in the password, [IPv6] with and without port, trailing '/'
 *   - invalid forms each return HM_EUSAGE, leave the hm_uri empty, and give a message that does
 *     not contain the password: wrong scheme, no user, no host, port 0 / 65536 / non-numeric /
 *     empty / too long / signed / blank-prefixed, bad %XX, %00, a path, an unknown ?option or
 *     #fragment after the host; text after a '?' inside a password never echoed
 *   - ?tls=MODE&ca=&cert=&key=: each mode, percent-encoded paths, ca alone meaning verify-ca;
 *     unknown, repeated, empty or contradictory options refused with a message naming them
 *   - hm_uri_redacted never contains the password and parses back to the same user, host, port;
 *     hm_uri_set_password replaces it
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db/uri.h"

/* Parses text, expects success and the given parts (password NULL: none). */
static void ok(const char *text, const char *user, const char *password, const char *host,
               unsigned port)
{
    hm_uri u;
    hm_err err;
    memset(&err, 0, sizeof err);
    if (hm_uri_parse(text, &u, &err) != HM_OK)
        fail_msg("'%s' rejected: %s", text, err.msg);
    assert_int_equal(err.code, HM_OK); /* untouched on success */
    assert_string_equal(u.user, user);
    if (password)
        assert_string_equal(u.password, password);
    else
        assert_null(u.password);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    hm_uri_release(&u);
    assert_null(u.user);
    assert_null(u.password);
    assert_null(u.host);
}

/* Parses text, expects HM_EUSAGE, an empty hm_uri, a message, and no trace of secret in it. */
static void bad(const char *text, const char *secret)
{
    hm_uri u;
    hm_err err;
    hm_code rc;
    memset(&err, 0, sizeof err);
    memset(&u, 0x5a, sizeof u);
    rc = hm_uri_parse(text, &u, &err);
    if (rc != HM_EUSAGE) {
        char got[512];
        snprintf(got, sizeof got, "user=%s host=%s port=%u", rc == HM_OK ? u.user : "-",
                 rc == HM_OK ? u.host : "-", rc == HM_OK ? u.port : 0);
        if (rc == HM_OK)
            hm_uri_release(&u);
        fail_msg("'%s': expected HM_EUSAGE, got %d (%s)", text, (int)rc, got);
    }
    assert_int_equal(err.code, HM_EUSAGE);
    assert_true(err.msg[0] != '\0');
    assert_null(u.user);
    assert_null(u.password);
    assert_null(u.host);
    assert_int_equal(u.port, 0);
    if (secret && strstr(err.msg, secret))
        fail_msg("'%s': error message echoes the password: %s", text, err.msg);
}

static void test_full(void **state)
{
    (void)state;
    ok("mysql://root:secret@db.example.com:3307", "root", "secret", "db.example.com", 3307);
    ok("mysql://u:p@127.0.0.1:1", "u", "p", "127.0.0.1", 1);
    ok("mysql://u:p@h:65535", "u", "p", "h", 65535);
}

static void test_default_port(void **state)
{
    (void)state;
    ok("mysql://root:secret@localhost", "root", "secret", "localhost", 3306);
}

static void test_no_password(void **state)
{
    (void)state;
    ok("mysql://app@host:3310", "app", NULL, "host", 3310);
    ok("mysql://app@host", "app", NULL, "host", 3306);
}

static void test_percent_encoded(void **state)
{
    (void)state;
    ok("mysql://us%40er:p%40ss@h", "us@er", "p@ss", "h", 3306);
    ok("mysql://us%3Aer:p%3Ass@h:1234", "us:er", "p:ss", "h", 1234);
    ok("mysql://u%3a:p%3a@h", "u:", "p:", "h", 3306); /* lower-case hex */
    ok("mysql://u:a%2Fb%3Fc%23d%25e@h", "u", "a/b?c#d%e", "h", 3306);
    ok("mysql://%75%73%65%72:%70@h", "user", "p", "h", 3306);
    ok("mysql://u:%C3%A9t%C3%A9@h", "u", "\xc3\xa9t\xc3\xa9", "h", 3306);
    ok("mysql://u:%40@h", "u", "@", "h", 3306); /* escape at the very end of the password */
}

static void test_unencoded_at_in_password(void **state)
{
    (void)state;
    ok("mysql://u:p@ss@host", "u", "p@ss", "host", 3306);
    ok("mysql://u:@@@host:99", "u", "@@", "host", 99);
    ok("mysql://u:a@b@c@host", "u", "a@b@c", "host", 3306);
}

static void test_unencoded_colon_in_password(void **state)
{
    (void)state;
    ok("mysql://u:a:b:c@host", "u", "a:b:c", "host", 3306);
}

static void test_ipv6(void **state)
{
    (void)state;
    ok("mysql://u:p@[::1]:3307", "u", "p", "::1", 3307);
    ok("mysql://u:p@[::1]", "u", "p", "::1", 3306);
    ok("mysql://u@[2001:db8::17]:4000/", "u", NULL, "2001:db8::17", 4000);
}

static void test_trailing_slash(void **state)
{
    (void)state;
    ok("mysql://u:p@h/", "u", "p", "h", 3306);
    ok("mysql://u:p@h:3308/", "u", "p", "h", 3308);
}

static void test_bad_scheme(void **state)
{
    (void)state;
    bad("postgres://u:hunter2@h", "hunter2");
    bad("mysql:/u:hunter2@h", "hunter2");
    bad("u:hunter2@h", "hunter2");
    bad("", NULL);
    bad("mysql:", NULL);
}

static void test_null_text(void **state)
{
    (void)state;
    bad(NULL, NULL);
}

static void test_no_user(void **state)
{
    (void)state;
    bad("mysql://host", NULL);
    bad("mysql://host:3306", NULL);
    bad("mysql://@host", NULL);
    bad("mysql://", NULL);
}

/* ":PASS@HOST" has a password but an empty user name. */
static void test_empty_user_with_password(void **state)
{
    (void)state;
    bad("mysql://:hunter2@host", "hunter2");
}

static void test_no_host(void **state)
{
    (void)state;
    bad("mysql://u:hunter2@", "hunter2");
    bad("mysql://u:hunter2@/", "hunter2");
    bad("mysql://u:hunter2@:3306", "hunter2");
    bad("mysql://u:hunter2@[]:3306", "hunter2");
    bad("mysql://u:hunter2@[::1", "hunter2");
    bad("mysql://u:hunter2@[::1]x", "hunter2");
    bad("mysql://u:hunter2@[::1]3306", "hunter2");
}

static void test_bad_port(void **state)
{
    (void)state;
    bad("mysql://u:hunter2@h:0", "hunter2");
    bad("mysql://u:hunter2@h:65536", "hunter2");
    bad("mysql://u:hunter2@h:99999", "hunter2");
    bad("mysql://u:hunter2@h:abc", "hunter2");
    bad("mysql://u:hunter2@h:33x", "hunter2");
    bad("mysql://u:hunter2@h:", "hunter2");
    bad("mysql://u:hunter2@h:-1", "hunter2");
    bad("mysql://u:hunter2@h:0000000003306", "hunter2");
    bad("mysql://u:hunter2@h:1:2", "hunter2");
    bad("mysql://u:hunter2@[::1]:", "hunter2");
    bad("mysql://u:hunter2@[::1]:0", "hunter2");
}

/* A port is digits only: a sign or blank before it is not a number from 1 to 65535. */
static void test_port_plus_sign(void **state)
{
    (void)state;
    bad("mysql://u:hunter2@h:+3306", "hunter2");
}

static void test_port_leading_blank(void **state)
{
    (void)state;
    bad("mysql://u:hunter2@h: 3306", "hunter2");
}

static void test_bad_escape(void **state)
{
    (void)state;
    bad("mysql://u:hun%ZZter2@h", "hun");
    bad("mysql://u:hunter2%4@h", "hunter2");
    bad("mysql://u:hunter2%@h", "hunter2");
    bad("mysql://u:hunter2%G0@h", "hunter2");
    bad("mysql://u%2:hunter2@h", "hunter2");
    bad("mysql://u%:hunter2@h", "hunter2");
}

static void test_nul_escape(void **state)
{
    (void)state;
    bad("mysql://u:hunter2%00x@h", "hunter2");
    bad("mysql://u%00:hunter2@h", "hunter2");
}

static void test_path_query_fragment(void **state)
{
    (void)state;
    bad("mysql://u:hunter2@h/db", "hunter2");
    bad("mysql://u:hunter2@h:3306/db", "hunter2");
    bad("mysql://u:hunter2@h//", "hunter2");
    bad("mysql://u:hunter2@h?ssl=1", "hunter2");
    bad("mysql://u:hunter2@h:3306?ssl=1", "hunter2");
    bad("mysql://u:hunter2@h/?ssl=1", "hunter2");
    bad("mysql://u:hunter2@h#frag", "hunter2");
    /* an unencoded '/' in the password is a path, and must not be echoed */
    bad("mysql://u:hun/ter2@h", "hun/ter2");
    bad("mysql://u:hunter2?@h", "hunter2");
    bad("mysql://u:hun?ter2@h", "ter2");
    bad("mysql://u:hun@ter?2@h", "ter?2");
}

/* ?tls=...&ca=...&cert=...&key=... */
static void tls_ok(const char *text, hm_tls_mode m, const char *ca, const char *cert, const char *key)
{
    hm_uri u;
    hm_err err;
    memset(&err, 0, sizeof err);
    if (hm_uri_parse(text, &u, &err) != HM_OK)
        fail_msg("'%s' rejected: %s", text, err.msg);
    assert_int_equal(u.tls, m);
    if (ca) assert_string_equal(u.tls_ca, ca); else assert_null(u.tls_ca);
    if (cert) assert_string_equal(u.tls_cert, cert); else assert_null(u.tls_cert);
    if (key) assert_string_equal(u.tls_key, key); else assert_null(u.tls_key);
    assert_string_equal(u.host, "h");
    assert_int_equal(u.port, 3307);
    {
        /* redacted parses back to the same options */
        char out[1024];
        hm_uri v;
        hm_uri_redacted(&u, out, sizeof out);
        if (hm_uri_parse(out, &v, &err) != HM_OK)
            fail_msg("redacted '%s' rejected: %s", out, err.msg);
        assert_int_equal(v.tls, u.tls);
        if (ca) assert_string_equal(v.tls_ca, ca);
        if (cert) assert_string_equal(v.tls_cert, cert);
        if (key) assert_string_equal(v.tls_key, key);
        hm_uri_release(&v);
    }
    hm_uri_release(&u);
    assert_null(u.tls_ca);
}

static void bad_says(const char *text, const char *says)
{
    hm_uri u;
    hm_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(hm_uri_parse(text, &u, &err), HM_EUSAGE);
    if (!strstr(err.msg, says))
        fail_msg("'%s': message '%s' does not say '%s'", text, err.msg, says);
    assert_null(strstr(err.msg, "s3cret"));
}

static void test_tls_options(void **state)
{
    (void)state;
    tls_ok("mysql://u:p@h:3307", HM_TLS_DEFAULT, NULL, NULL, NULL);
    tls_ok("mysql://u:p@h:3307/", HM_TLS_DEFAULT, NULL, NULL, NULL);
    tls_ok("mysql://u:p@h:3307?tls=disabled", HM_TLS_DISABLED, NULL, NULL, NULL);
    tls_ok("mysql://u:p@h:3307?tls=preferred", HM_TLS_PREFERRED, NULL, NULL, NULL);
    tls_ok("mysql://u:p@h:3307/?tls=required", HM_TLS_REQUIRED, NULL, NULL, NULL);
    tls_ok("mysql://u:p@h:3307?tls=verify-ca&ca=/etc/ca.pem", HM_TLS_VERIFY_CA, "/etc/ca.pem", NULL, NULL);
    tls_ok("mysql://u:p@h:3307?ca=/etc/ca.pem", HM_TLS_VERIFY_CA, "/etc/ca.pem", NULL, NULL);
    tls_ok("mysql://u:p@h:3307?tls=verify-identity&ca=/a%26b%3Dc%20d.pem&cert=/c.pem&key=/k.pem",
           HM_TLS_VERIFY_IDENTITY, "/a&b=c d.pem", "/c.pem", "/k.pem");
    tls_ok("mysql://u:p@h:3307?tls=required&cert=/c.pem&key=/k.pem&", HM_TLS_REQUIRED, NULL, "/c.pem", "/k.pem");
    bad_says("mysql://u:s3cret@h:3307?ssl=1", "connection option 'ssl' is unknown");
    bad_says("mysql://u:s3cret@h:3307?tls=yes", "tls=yes: expected disabled, preferred");
    bad_says("mysql://u:s3cret@h:3307?tls=", "tls has no value");
    bad_says("mysql://u:s3cret@h:3307?tls", "tls has no value");
    bad_says("mysql://u:s3cret@h:3307?tls=required&tls=disabled", "tls is given twice");
    bad_says("mysql://u:s3cret@h:3307?ca=/a&ca=/b", "ca is given twice");
    bad_says("mysql://u:s3cret@h:3307?tls=verify-identity", "needs ca=FILE");
    bad_says("mysql://u:s3cret@h:3307?tls=verify-ca", "needs ca=FILE");
    bad_says("mysql://u:s3cret@h:3307?tls=disabled&ca=/a", "contradicts");
    bad_says("mysql://u:s3cret@h:3307?cert=/c.pem", "go together");
    bad_says("mysql://u:s3cret@h:3307?key=/k.pem", "go together");
    bad_says("mysql://u:s3cret@h:3307?ca=%zz", "bad %XX escape");
    bad_says("mysql://u:s3cret@h:3307#x", "no path or fragment");
    bad_says("mysql://u:s3cret@[[6]", "a character no host name");  /* found by fuzz_uri */
    bad_says("mysql://u:s3cret@a b:1", "a character no host name");
    bad_says("mysql://u:s3cret@h:3307/db?tls=required", "no path or fragment");
}

static void test_redacted(void **state)
{
    hm_uri u;
    hm_err err;
    char out[256];
    (void)state;
    assert_int_equal(hm_uri_parse("mysql://admin:s3cr3t@db1:3307", &u, &err), HM_OK);
    hm_uri_redacted(&u, out, sizeof out);
    assert_string_equal(out, "mysql://admin@db1:3307");
    assert_null(strstr(out, "s3cr3t"));
    hm_uri_release(&u);

    assert_int_equal(hm_uri_parse("mysql://admin@db1", &u, &err), HM_OK);
    hm_uri_redacted(&u, out, sizeof out);
    assert_string_equal(out, "mysql://admin@db1:3306");
    hm_uri_release(&u);

    assert_int_equal(hm_uri_parse("mysql://a%40b:p%3Aw@[::1]:1", &u, &err), HM_OK);
    hm_uri_redacted(&u, out, sizeof out);
    /* percent-encoded and bracketed, so that it parses back (a resume replays it) */
    assert_string_equal(out, "mysql://a%40b@[::1]:1");
    assert_null(strstr(out, "p:w"));
    hm_uri_release(&u);
    assert_int_equal(hm_uri_parse(out, &u, &err), HM_OK);
    assert_string_equal(u.user, "a@b");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 1);
    assert_null(u.password);
    hm_uri_release(&u);
}

static void test_redacted_truncates(void **state)
{
    hm_uri u;
    hm_err err;
    char out[12];
    (void)state;
    assert_int_equal(hm_uri_parse("mysql://admin:pw@longhostname", &u, &err), HM_OK);
    memset(out, 'X', sizeof out);
    hm_uri_redacted(&u, out, sizeof out);
    assert_string_equal(out, "mysql://adm");
    hm_uri_release(&u);
}

static void test_set_password(void **state)
{
    hm_uri u;
    hm_err err;
    char out[128];
    (void)state;
    assert_int_equal(hm_uri_parse("mysql://u:old@h:1", &u, &err), HM_OK);
    assert_string_equal(u.password, "old");
    assert_int_equal(hm_uri_set_password(&u, "n3w:p@ss", &err), HM_OK);
    assert_string_equal(u.password, "n3w:p@ss");
    assert_string_equal(u.user, "u");
    assert_string_equal(u.host, "h");
    assert_int_equal(u.port, 1);
    hm_uri_redacted(&u, out, sizeof out);
    assert_string_equal(out, "mysql://u@h:1");
    hm_uri_release(&u);

    /* on a URI without password */
    assert_int_equal(hm_uri_parse("mysql://u@h", &u, &err), HM_OK);
    assert_null(u.password);
    assert_int_equal(hm_uri_set_password(&u, "given", &err), HM_OK);
    assert_string_equal(u.password, "given");
    assert_int_equal(hm_uri_set_password(&u, "", &err), HM_OK);
    assert_string_equal(u.password, "");
    hm_uri_release(&u);
}

static void test_set_password_copies(void **state)
{
    hm_uri u;
    hm_err err;
    char pw[16] = "mine";
    (void)state;
    assert_int_equal(hm_uri_parse("mysql://u@h", &u, &err), HM_OK);
    assert_int_equal(hm_uri_set_password(&u, pw, &err), HM_OK);
    assert_ptr_not_equal(u.password, pw);
    memcpy(pw, "XXXX", 4);
    assert_string_equal(u.password, "mine");
    hm_uri_release(&u);
}

/* A redacted URI that does not fit says so (a resume must never connect with a text cut short:
 * another CA file, or another account); one that fits says it is whole, to the last byte. */
static void test_redacted_cut(void **state)
{
    hm_uri u;
    hm_err err;
    char out[64], big[1024];
    const char *text = "mysql://admin@db1:3307?tls=verify-ca&ca=/etc/ssl/certs/a-rather-long-ca-file-name.pem";
    (void)state;
    assert_int_equal(hm_uri_parse(text, &u, &err), HM_OK);
    assert_true(hm_uri_redacted(&u, big, sizeof big));
    assert_string_equal(big, text);
    assert_false(hm_uri_redacted(&u, out, sizeof out));
    assert_true(strlen(out) < sizeof out);
    assert_false(hm_uri_redacted(&u, out, 16)); /* cut inside the host part */
    /* exactly as long as the buffer can hold, and one byte less */
    assert_true(hm_uri_redacted(&u, big, strlen(text) + 1));
    assert_false(hm_uri_redacted(&u, big, strlen(text)));
    hm_uri_release(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_default_port),
        cmocka_unit_test(test_no_password),
        cmocka_unit_test(test_percent_encoded),
        cmocka_unit_test(test_unencoded_at_in_password),
        cmocka_unit_test(test_unencoded_colon_in_password),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_bad_scheme),
        cmocka_unit_test(test_null_text),
        cmocka_unit_test(test_no_user),
        cmocka_unit_test(test_empty_user_with_password),
        cmocka_unit_test(test_no_host),
        cmocka_unit_test(test_bad_port),
        cmocka_unit_test(test_port_plus_sign),
        cmocka_unit_test(test_port_leading_blank),
        cmocka_unit_test(test_bad_escape),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_path_query_fragment),
        cmocka_unit_test(test_tls_options),
        cmocka_unit_test(test_redacted),
        cmocka_unit_test(test_redacted_truncates),
        cmocka_unit_test(test_set_password),
        cmocka_unit_test(test_set_password_copies),
        cmocka_unit_test(test_redacted_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
