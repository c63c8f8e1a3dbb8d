#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Source and target are one server: hotmig migrate and hotmig check refuse it before anything
# else, whether the target is given by the same URI, by another address of that server ([::1]
# beside 127.0.0.1) or by another of its ports (extra_port). The refusal names the server; the
# precheck's servers.distinct item FAILS first, every target item is skipped, and no DROP is ever
# suggested. Nothing is written: no hotmig_meta on the server, no state directory. Two real
# servers still pass servers.distinct and migrate.
source "$(dirname "$0")/lib.sh"

mkdir -p "$HM_TEST_ROOT"
EXTRA=$(hm__free_port) || it_fail "no free port for extra_port"
IT_SRC_OPTS=(--bind-address=127.0.0.1,::1 --extra-port="$EXTRA")
it_start
hm_sql src "CREATE OR REPLACE USER 'root'@'::1' IDENTIFIED BY '$HM_TEST_PASSWORD'; GRANT ALL ON *.* TO 'root'@'::1' WITH GRANT OPTION;
    CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1,'a'),(2,'b')" \
    || it_fail setup
SRC6="mysql://root:$HM_TEST_PASSWORD@[::1]:$(hm_port src)"
SRCX="mysql://root:$HM_TEST_PASSWORD@127.0.0.1:$EXTRA"
hm_sql src "SELECT 1" >/dev/null || it_fail "source not reachable"
mariadb --no-defaults -h::1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" -e "SELECT 1" >/dev/null \
    || it_fail "the source does not answer on [::1] (the test needs IPv6 loopback)"
mariadb --no-defaults -h127.0.0.1 -P"$EXTRA" -uroot -p"$HM_TEST_PASSWORD" -e "SELECT 1" >/dev/null \
    || it_fail "the source does not answer on its extra_port $EXTRA"
before=$(hm_sql src "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY 1) FROM information_schema.SCHEMATA")

refused_migrate() { # NAME TARGET-URI [migrate options]
    local name=$1 tgt=$2 out rc dir="$HM_TEST_ROOT/state-$1"
    shift 2
    rm -rf "$dir"
    out=$("$HOTMIG" migrate --source "$SRC" --target "$tgt" --state-dir "$dir" --progress none "$@" 2>&1)
    rc=$?
    echo "$out"
    it_eq "$rc" 1 "$name: exit status"
    grep -q "hotmig: source and target are the same server: 127.0.0.1:$(hm_port src) and " <<<"$out" \
        || it_fail "$name: the refusal does not say the servers are one"
    grep -q "give as --target another server" <<<"$out" || it_fail "$name: the refusal does not say what to do"
    grep -qi "drop" <<<"$out" && it_fail "$name: a DROP is suggested on the source"
    [ "$(wc -l <<<"$out")" -eq 1 ] || it_fail "$name: more than one line"
    [ -e "$dir" ] && it_fail "$name: the state directory was created"
    it_eq "$(hm_sql src "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY 1) FROM information_schema.SCHEMATA")" "$before" \
        "$name: schemas of the server after the refusal"
    it_eq "$(hm_sql src "SELECT COUNT(*) FROM app.t")" 2 "$name: rows of app.t"
}

refused_check() { # NAME TARGET-URI
    local name=$1 tgt=$2 out rc
    out=$("$HOTMIG" check --source "$SRC" --target "$tgt" --json 2>&1)
    rc=$?
    it_eq "$rc" 1 "$name: check exit status"
    python3 - "$out" <<'PY' || it_fail "$name: check report"
import json, sys
r = json.loads(sys.argv[1])
items = r if isinstance(r, list) else r["items"]
first = items[0]
assert first["id"] == "servers.distinct", first
assert first["result"] == "FAILED", first
assert "source and target are the same server" in first["message"], first
assert "give as --target another server" in first["fix"], first
by = {i["id"]: i for i in items}
assert by["target.conflicts"]["result"] == "SKIPPED", by["target.conflicts"]
assert by["target.conflicts"]["message"] == "not checked: the target is the source server", by["target.conflicts"]
for i in items:
    assert "DROP" not in i["fix"].upper(), i
    if i["result"] == "FAILED":
        assert i["id"] == "servers.distinct", i
print("check report ok:", first["message"])
PY
}

it_case "same URI: migrate" refused_migrate same "$SRC"
it_case "same URI: migrate --mode full" refused_migrate samefull "$SRC" --mode full
it_case "[::1] and 127.0.0.1: migrate" refused_migrate ipv6 "$SRC6"
it_case "extra_port: migrate" refused_migrate extraport "$SRCX"
it_case "same URI: check" refused_check same "$SRC"
it_case "[::1]: check" refused_check ipv6 "$SRC6"
it_case "extra_port: check" refused_check extraport "$SRCX"

two_servers() {
    local out
    out=$("$HOTMIG" check --source "$SRC" --target "$TGT" --json 2>&1) || { echo "$out"; it_fail "check of two servers"; }
    python3 - "$out" <<'PY' || it_fail "servers.distinct on two servers"
import json, sys
r = json.loads(sys.argv[1]); items = r if isinstance(r, list) else r["items"]
assert items[0]["id"] == "servers.distinct" and items[0]["result"] == "PASS", items[0]
assert "are two servers" in items[0]["message"], items[0]
PY
    "$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full --progress none >"$HM_TEST_ROOT/two.log" 2>&1 \
        || { cat "$HM_TEST_ROOT/two.log"; it_fail "migrate between two servers"; }
    it_checksums_equal app
}
it_case "two servers" two_servers
it_cases_done
echo "PASS: same-server refusals"
