/*
 * tests/unit/db/test_conn_local.c: which peers stay on this machine (hm_conn_addr_is_local), the
 * fact behind the precheck's source.tls / target.tls warning. The tests' servers are all on
 * loopback, so the other addresses are checked here: 127.0.0.0/8, ::1, ::ffff:127.x and Unix
 * sockets are local; 10.x, 192.168.x, a public address, ::ffff:10.x and a global IPv6 are not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "db/conn.h"

static bool v4(const char *a)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, a, &sa.sin_addr), 1);
    return hm_conn_addr_is_local((const struct sockaddr *)&sa);
}

static bool v6(const char *a)
{
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, a, &sa.sin6_addr), 1);
    return hm_conn_addr_is_local((const struct sockaddr *)&sa);
}

static void test_local(void **state)
{
    struct sockaddr_un un;
    (void)state;
    assert_true(v4("127.0.0.1"));
    assert_true(v4("127.255.3.4"));
    assert_false(v4("10.0.0.1"));
    assert_false(v4("192.168.1.10"));
    assert_false(v4("203.0.113.7"));
    assert_false(v4("128.0.0.1"));
    assert_true(v6("::1"));
    assert_true(v6("::ffff:127.0.0.1"));
    assert_false(v6("::ffff:10.1.2.3"));
    assert_false(v6("2001:db8::1"));
    assert_false(v6("::2"));
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    assert_true(hm_conn_addr_is_local((const struct sockaddr *)&un));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_local)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
