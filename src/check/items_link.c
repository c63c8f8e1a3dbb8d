/*
 * check/items_link.c: items about the links to the servers rather than the servers: are source
 * and target two servers (servers.distinct), and does the traffic that leaves this machine travel
 * encrypted (source.tls, target.tls). See items.h.
 *
 * servers.distinct comes first in the report: when it FAILS, every item about "the target" is
 * SKIPPED by check.c (it would describe the source, and target.conflicts would suggest dropping the
 * source's tables).
 */
#include <stdio.h>
#include <string.h>

#include "check/items.h"

void hm_check_item_distinct(const hm_check_ctx *c, hm_check_out *out)
{
    if (!c->distinct.ok) {
        hm_check_say(out, HM_CHECK_FAILED, "not checked: %s", c->distinct.err.msg);
        hm_check_fix(out, "run the check again; it must tell the two servers apart before anything is copied");
        return;
    }
    if (c->match.same) {
        hm_check_say(out, HM_CHECK_FAILED, "source and target are the same server: %s; a migration onto its "
                     "own source would overwrite the data it reads", c->match.why);
        hm_check_fix(out, "give as --target another server (what that server holds is the source's own data: "
                          "leave it as it is)");
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "%s", c->match.why);
}

static void tls_item(const hm_check_side *s, const hm_endpoint *ep, const char *opt, hm_check_out *out)
{
    const char *cipher = hm_conn_tls_cipher(&s->conn);
    hm_tls_mode m = ep->tls == HM_TLS_DEFAULT ? HM_TLS_PREFERRED : ep->tls;
    bool local = hm_conn_is_local(&s->conn);

    if (cipher && m >= HM_TLS_VERIFY_CA) {
        hm_check_say(out, HM_CHECK_PASS, "encrypted (%s), the server's certificate verified (tls=%s)", cipher,
                     hm_tls_mode_name(m));
        return;
    }
    if (local) {
        hm_check_say(out, HM_CHECK_PASS, "%s%s%s: the connection to %s stays on this machine", cipher ? "encrypted (" : "not encrypted",
                     cipher ? cipher : "", cipher ? ")" : "", s->conn.addr);
        return;
    }
    if (cipher) {
        hm_check_say(out, HM_CHECK_WARNING, "encrypted (%s), but the server's certificate is not verified "
                     "(tls=%s): a machine in the path could pose as the %s", cipher, hm_tls_mode_name(m), s->role);
        hm_check_fix(out, "add tls=verify-identity&ca=FILE to %s (FILE: the CA certificate that signed the "
                          "server's)", opt);
        return;
    }
    hm_check_say(out, HM_CHECK_WARNING, "not encrypted: the connection to %s leaves this machine in clear text "
                 "(rows, statements and the binlog can be read on the way)", s->conn.addr);
    hm_check_fix(out, "enable TLS on the %s (ssl_cert, ssl_key, ssl_ca under [mysqld]) and add "
                      "?tls=verify-identity&ca=FILE to %s", s->role, opt);
}

void hm_check_item_source_tls(const hm_check_ctx *c, hm_check_out *out)
{
    tls_item(&c->src->side, &c->o->source, "--source", out);
}

void hm_check_item_target_tls(const hm_check_ctx *c, hm_check_out *out)
{
    tls_item(&c->tgt->side, &c->o->target, "--target", out);
}
