#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# TLS to both servers. The test makes its own PKI with openssl (harness hm_tls_certs); source and
# target require TLS of every client (require_secure_transport=ON), so any plain connection of
# hotmig, its binlog stream included, would be refused. The source's certificate names 127.0.0.1,
# the target's only db.example.com.
#   - hotmig check: source.tls and target.tls PASS with "certificate verified"; an account
#     REQUIRE X509 gets in with cert=&key= and is refused without them
#   - migrate --mode full+incremental (source tls=verify-identity, target tls=verify-ca) under a
#     write load, then finish: checksums equal, every write once (an insert-only audit table)
#   - refusals, each with its own message, exit 1 and nothing written on the target:
#     tls=required against a server without TLS, a certificate from another CA (untrusted), a
#     certificate that does not name the host (verify-identity), tls=disabled against
#     require_secure_transport
source "$(dirname "$0")/lib.sh"

mkdir -p "$HM_TEST_ROOT"
C=$HM_TEST_ROOT/certs
rm -rf "$C"
hm_tls_certs "$C" || it_fail "openssl could not make the test certificates"
read -ra IT_SRC_OPTS <<<"$(hm_tls_opts "$C" server)"
read -ra IT_TGT_OPTS <<<"$(hm_tls_opts "$C" wrong)"
it_start
hm_srv_start plain target --server-id=33 || it_fail "plain server did not start"
PLAIN=$(hm_uri plain)
CA=$C/ca.pem
S_TLS="$SRC?tls=verify-identity&ca=$CA"
T_TLS="$TGT?tls=verify-ca&ca=$CA"

hm_sql src "
CREATE DATABASE app; USE app;
CREATE TABLE app.acct (id INT PRIMARY KEY, bal BIGINT NOT NULL, note BLOB);
INSERT INTO app.acct SELECT seq, 1000, REPEAT(CHAR(seq % 256), seq % 3000) FROM seq_1_to_5000;
CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, UNIQUE KEY (w, n));
" || it_fail setup
it_eq "$(hm_sql src "SHOW SESSION STATUS LIKE 'Ssl_cipher'" | cut -f2 | grep -c .)" 1 "the harness client uses TLS"

nothing_written() { # WHAT
    it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('app','hotmig_meta')")" 0 \
        "$1: databases on the target"
    it_eq "$(hm_sql plain "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('app','hotmig_meta')")" 0 \
        "$1: databases on the plain server"
}

refused() { # NAME EXPECTED-TEXT SOURCE TARGET
    local name=$1 want=$2 out rc
    rm -rf "$HM_TEST_ROOT/st-$name"
    out=$("$HOTMIG" migrate --source "$3" --target "$4" --mode full+incremental --state-dir "$HM_TEST_ROOT/st-$name" \
        --progress none 2>&1)
    rc=$?
    echo "$out"
    it_eq "$rc" 1 "$name: exit status"
    [ "$(wc -l <<<"$out")" -eq 1 ] || it_fail "$name: more than one line"
    grep -qF -- "$want" <<<"$out" || it_fail "$name: the message does not say: $want"
    grep -qF "$HM_TEST_PASSWORD" <<<"$out" && it_fail "$name: the password is in the message"
    nothing_written "$name"
}

it_case "tls=required, server without TLS" refused required \
    "target 127.0.0.1:$(hm_port plain) does not offer TLS, and the connection asks for it (tls=required): nothing was done; enable TLS on the server" \
    "$S_TLS" "$PLAIN?tls=required"
it_case "verify-identity, server without TLS" refused verify-plain \
    "target 127.0.0.1:$(hm_port plain) does not offer TLS, and the connection asks for it (tls=verify-identity)" \
    "$S_TLS" "$PLAIN?tls=verify-identity&ca=$CA"
it_case "certificate from another CA" refused untrusted \
    "source 127.0.0.1:$(hm_port src): its TLS certificate is not trusted: it is not signed by the CA in ca=$C/other-ca.pem" \
    "$SRC?tls=verify-ca&ca=$C/other-ca.pem" "$T_TLS"
it_case "certificate not naming the host" refused wrong-host \
    "target 127.0.0.1:$(hm_port tgt): its TLS certificate does not name the host connected to (127.0.0.1), and tls=verify-identity requires it" \
    "$S_TLS" "$TGT?tls=verify-identity&ca=$CA"
it_case "tls=disabled against require_secure_transport" refused disabled \
    "source 127.0.0.1:$(hm_port src) rejected the login" "$SRC?tls=disabled" "$T_TLS"
it_case "a CA file that does not exist" refused noca \
    "source 127.0.0.1:$(hm_port src): cannot read ca=$C/nope.pem: No such file or directory" \
    "$SRC?tls=verify-ca&ca=$C/nope.pem" "$T_TLS"

check_items() {
    local out
    out=$("$HOTMIG" check --source "$S_TLS" --target "$T_TLS" --json 2>&1) || { echo "$out"; it_fail "check over TLS"; }
    python3 - "$out" <<'PY' || it_fail "tls items"
import json, sys
r = json.loads(sys.argv[1]); items = r if isinstance(r, list) else r["items"]
by = {i["id"]: i for i in items}
for side, mode in (("source", "verify-identity"), ("target", "verify-ca")):
    it = by[side + ".tls"]
    assert it["result"] == "PASS", it
    assert it["message"].startswith("encrypted (TLS_") and it["message"].endswith("the server's certificate verified (tls=%s)" % mode), it
    assert "TLS: TLS_" in by[side + ".connect"]["message"], by[side + ".connect"]
PY
}
it_case "check: tls items" check_items

x509() {
    local out u="mysql://x509:x509pw@127.0.0.1:$(hm_port src)"
    hm_sql src "CREATE USER 'x509'@'127.0.0.1' IDENTIFIED BY 'x509pw' REQUIRE X509; GRANT ALL ON *.* TO 'x509'@'127.0.0.1'" \
        || it_fail "x509 account"
    out=$("$HOTMIG" check --source "$u?tls=verify-identity&ca=$CA&cert=$C/client.pem&key=$C/client-key.pem" --target "$T_TLS" --json) \
        || { echo "$out"; it_fail "check with a client certificate"; }
    grep -q "as 'x509'@'127.0.0.1'" <<<"$out" || it_fail "not connected as x509"
    out=$("$HOTMIG" check --source "$u?tls=verify-identity&ca=$CA" --target "$T_TLS" 2>&1)
    [ $? -eq 1 ] || it_fail "an X509 account got in without a client certificate"
    grep -q "Access denied for user 'x509'" <<<"$out" || it_fail "x509 without certificate: $out"
}
it_case "client certificate" x509

migrate() {
    local D=$HM_TEST_ROOT/state rc n
    rm -rf "$D"
    it_audit_start 2
    SRC=$S_TLS TGT=$T_TLS it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include app --threads 2
    sleep 3
    # the binlog stream is a replica connection of the source: encrypted, or refused
    it_eq "$(hm_sql src "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")" 1 \
        "binlog dump connections on the source"
    n=$(it_audit_stop)
    [ "$n" -gt 100 ] || it_fail "only $n writes during the sync"
    "$HOTMIG" finish --state-dir "$D" --timeout 120 || it_fail "finish"
    wait "$IT_MPID"
    rc=$?
    it_eq "$rc" 0 "migrate exit status"
    it_checksums_equal app
    it_audit_equal "$n"
    grep -qF "$HM_TEST_PASSWORD" "$D"/*.json && it_fail "a password in the state directory"
    grep -q "tls=verify-identity&ca=" "$D/task.json" || it_fail "the task does not keep its TLS settings for resume"
    echo "migrated over TLS: $n audit rows"
}
it_case "migration over TLS" migrate
it_cases_done
echo "PASS: TLS"
