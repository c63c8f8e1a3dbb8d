#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check, the command: JSON and table output, exit status 0/1/2, one stderr line for usage
# and connection problems; items source.connect, target.connect (wrong password, closed port) and
# version.path (same, upgrade, older patch, downgrade, MySQL -> MariaDB, MariaDB -> MySQL; the
# other versions are real MariaDB 10.11 servers started with --version=...); --skip.
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target "old:target:--version=10.6.5-MariaDB-log --server-id=33" \
    patch:target:--version=10.11.2-MariaDB-log my:source:--version=8.0.36
SRC=$(hm_uri src) TGT=$(hm_uri tgt) OLD=$(hm_uri old) PATCH=$(hm_uri patch) MY=$(hm_uri my)
P=$(hm_port src) T=$(hm_port tgt)
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))" || fail setup
hm_sql old "CREATE DATABASE oldapp; CREATE TABLE oldapp.t (id INT PRIMARY KEY)" || fail setup

# --- everything fine: JSON array of {id, result, message, fix}, every item, exit 0 ---
check --source "$SRC" --target "$TGT"
expect_rc 0 "clean check"
python3 - "$OUT" <<'PY' || fail "JSON shape"
import json, sys
items = json.load(open(sys.argv[1]))
ids = [i["id"] for i in items]
want = """servers.distinct source.connect target.connect source.tls target.tls version.path selection.patterns source.privileges
target.privileges target.conflicts target.other_objects target.capacity source.server_id source.log_bin
source.binlog_format source.binlog_row_image source.binlog_compression source.gtid_mode
source.binlog_retention source.binlog_row_value_options source.binlog_row_metadata source.xa_prepared
target.vector_type
source.innodb_stats_on_metadata source.tables_without_key source.non_innodb
selection.fk_closure target.charsets target.lower_case_table_names target.max_allowed_packet
target.sql_mode target.time_zone_tables target.definers target.triggers_events source.max_connections
target.max_connections""".split()
assert ids == want, f"ids {ids}"
for i in items:
    assert sorted(i) == ["fix", "id", "message", "result"], i
    assert i["result"] in ("PASS", "WARNING", "FAILED", "SKIPPED"), i
    assert i["message"], i
    assert i["result"] != "FAILED", i
PY
item source.connect PASS "m:connected to 127.0.0.1:$P as 'root'@'127.0.0.1': MariaDB 10.11." "m:TLS: not in use"
item target.connect PASS "m:connected to 127.0.0.1:$T as 'root'@'127.0.0.1': MariaDB 10.11."
item version.path PASS "m:same version: MariaDB 10.11"
[ -s "$ERR" ] && { cat "$ERR"; fail "stderr is not empty on a clean check"; }

# --- the table on a terminal-less stdout: a header, one row per item, a summary ---
"$HOTMIG" check --source "$SRC" --target "$TGT" >"$HM_TEST_ROOT/table.txt" 2>"$ERR"
RC=$?
expect_rc 0 "table output"
head -1 "$HM_TEST_ROOT/table.txt" | grep -Eq '^ITEM +RESULT +MESSAGE / FIX$' || fail "table header"
grep -Eq '^source\.connect +PASS +connected to ' "$HM_TEST_ROOT/table.txt" || fail "table row"
grep -Eq '^target\.capacity +WARNING +.*\n?' "$HM_TEST_ROOT/table.txt" || fail "table warning row"
grep -Eq '^ +fix: pass --target-capacity BYTES' "$HM_TEST_ROOT/table.txt" || fail "table fix line"
tail -1 "$HM_TEST_ROOT/table.txt" | grep -Eq '^36 items: [0-9]+ PASS, [0-9]+ WARNING, 0 FAILED, 0 SKIPPED \([0-9.]+ s\)$' \
    || fail "table summary: $(tail -1 "$HM_TEST_ROOT/table.txt")"

# --- wrong password: FAILED with the server's message and the statement; never the password ---
check --source "mysql://root:S3cretWr0ng@127.0.0.1:$P" --target "$TGT"
expect_rc 1 "wrong source password"
item source.connect FAILED "m:source 127.0.0.1:$P rejected the login: Access denied for user 'root'@'127.0.0.1'" \
    "f:check the user and password of --source" "f:ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'new-password'"
item target.connect PASS
item source.log_bin SKIPPED "m:not checked: no connection to the source" "f:fix source.connect first"
item target.conflicts SKIPPED "m:not checked: no connection to the source"
item target.max_connections PASS
grep -q S3cretWr0ng "$OUT" "$ERR" && fail "the password appears in the output"
[ "$(grep -c '^hotmig: ' "$ERR")" = 1 ] || { cat "$ERR"; fail "one hotmig: line on stderr for a failed login"; }
grep -q "^hotmig: source 127.0.0.1:$P rejected the login" "$ERR" || fail "stderr line for a failed login"

# --- an account that must use TLS: refused, and the fix says how to let hotmig in ---
hm_sql src "CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY 'tlspw' REQUIRE SSL; GRANT ALL ON *.* TO 'tls'@'127.0.0.1'" \
    || fail "tls account"
check --source "mysql://tls:tlspw@127.0.0.1:$P" --target "$TGT"
expect_rc 1 "account requiring TLS"
item source.connect FAILED "m:Access denied for user 'tls'@'127.0.0.1'" "f:add ?tls=required (and cert=FILE&key=FILE for X509) to --source" "f:let it in without TLS: ALTER USER 'tls'@'127.0.0.1' REQUIRE NONE"
hm_sql src "$(fix_of source.connect | grep -Eo "ALTER USER 'tls'@'127.0.0.1' REQUIRE NONE")" || fail "the TLS fix does not run"
check --source "mysql://tls:tlspw@127.0.0.1:$P" --target "$TGT"
expect_rc 0 "account after REQUIRE NONE"
item source.connect PASS "m:as 'tls'@'127.0.0.1'" "m:TLS: not in use"

# --- nothing listens on the target's port ---
free_port=$(hm__free_port)
check --source "$SRC" --target "mysql://root:x@127.0.0.1:$free_port"
expect_rc 1 "closed target port"
item target.connect FAILED "m:cannot connect to target 127.0.0.1:$free_port" \
    "f:check the host and port of --target (mysql://USER@127.0.0.1:$free_port)"
item source.connect PASS
item target.charsets SKIPPED "m:not checked: no connection to the target"
[ "$(grep -c '^hotmig: ' "$ERR")" = 1 ] || { cat "$ERR"; fail "one hotmig: line on stderr for a closed port"; }

# --- versions ---
check --source "$SRC" --target "$OLD"
expect_rc 1 "downgrade"
item version.path FAILED "m:MariaDB 10.11 to 10.6 is a downgrade" "f:migrate to a MariaDB 10.11 or newer target"
check --source "$SRC" --target "$OLD" --skip version.path
expect_rc 0 "downgrade, skipped"
item version.path SKIPPED "m:skipped with --skip version.path"
check --source "$OLD" --target "$TGT"
expect_rc 0 "upgrade"
item version.path PASS "m:upgrade path: MariaDB 10.6 to 10.11"
check --source "$SRC" --target "$PATCH"
expect_rc 0 "older patch release"
item version.path WARNING "m:the target runs an older MariaDB 10.11 release (10.11.2)" "f:upgrade the target to 10.11."
check --source "$MY" --target "$TGT" --include app2
item version.path WARNING "m:MySQL 8.0 to MariaDB 10.11: most schemas move" "f:test the application against MariaDB 10.11"
check --source "$SRC" --target "$MY"
item version.path FAILED "m:MariaDB 10.11 to MySQL 8.0 is not a supported path" "f:migrate to a MariaDB 10.11 or newer target"

# --- usage errors: exit 2, one stderr line, nothing on stdout ---
usage() { # REGEX ARGS...
    local re=$1; shift
    "$HOTMIG" check "$@" >"$HM_TEST_ROOT/usage.out" 2>"$ERR"
    RC=$?
    expect_rc 2 "usage error $*"
    [ -s "$HM_TEST_ROOT/usage.out" ] && fail "stdout is not empty for a usage error: $*"
    [ "$(grep -c '^hotmig: ' "$ERR")" = 1 ] || { cat "$ERR"; fail "one hotmig: line for: $*"; }
    grep -Eq -e "$re" "$ERR" || { cat "$ERR"; fail "stderr for $* does not match /$re/"; }
}
usage "--skip no\.such: no such check item" --source "$SRC" --target "$TGT" --skip no.such
for id in target.conflicts selection.fk_closure source.log_bin source.binlog_format source.binlog_row_image \
    source.server_id selection.patterns source.connect; do
    usage "--skip $id: this item protects the data and cannot be skipped" --source "$SRC" --target "$TGT" --skip "$id"
done
usage "bad --include pattern 'a\.b\.c'" --source "$SRC" --target "$TGT" --include a.b.c
usage "--source and --target are both required" --source "$SRC"
usage "--mode must be full or full\+incremental" --source "$SRC" --target "$TGT" --mode fast
verify
echo "all assertions passed"
