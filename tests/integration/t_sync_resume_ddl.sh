#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Resume after the source changed the selection's set of tables during the sync: the source
# creates a table (and writes into it), renames one and drops one while hotmig syncs; hotmig is
# killed (-9) after each change and resumed. The copy was done before: resume must go on with
# the sync (not refuse because the target now holds tables the copy did not create, nor copy
# again). Asserts: every resume reaches syncing; at finish the source's and the target's table
# lists of the database are the same, SHOW CREATE TABLE equal, every table's rows equal; the
# audit table holds each source change once.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD

hm_sql src "CREATE DATABASE app;
CREATE TABLE app.audit (w INT NOT NULL, n INT NOT NULL, PRIMARY KEY (w, n));
CREATE TABLE app.keep (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE app.old_name (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE app.doomed (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO app.keep VALUES (1, 'a'), (2, 'b');
INSERT INTO app.old_name VALUES (1, 'x');
INSERT INTO app.doomed VALUES (1, 'y');" || it_fail "source setup"

it_sync_start "$D" "$HM_TEST_ROOT/run0.log" --include app
it_audit_start 2

# kill -9 the running hotmig, resume, and wait until it syncs again
bounce() {
    local what=$1
    sleep 0.5
    kill -9 "$IT_MPID" 2>/dev/null || { cat "$HM_TEST_ROOT/$what.log"; it_fail "hotmig ended by itself before the kill after $what"; }
    wait "$IT_MPID" 2>/dev/null
    it_resume "$D" "$HM_TEST_ROOT/$what.log"
    it_wait_state "$D" syncing 60
    echo "resumed after $what"
}

hm_sql src "CREATE TABLE app.fresh (id INT PRIMARY KEY, v VARCHAR(20), KEY (v));
INSERT INTO app.fresh VALUES (1, 'new'), (2, 'newer');" || it_fail "create"
bounce create
hm_sql src "INSERT INTO app.fresh VALUES (3, 'after resume'); RENAME TABLE app.old_name TO app.new_name;
INSERT INTO app.new_name VALUES (2, 'renamed')" || it_fail "rename"
bounce rename
hm_sql src "DROP TABLE app.doomed; UPDATE app.keep SET v = 'changed' WHERE id = 1" || it_fail "drop"
bounce drop

n=$(it_audit_stop)
"$HOTMIG" finish --state-dir "$D" --timeout 120 || it_fail "finish failed"
wait "$IT_MPID" || { tail -20 "$HM_TEST_ROOT/drop.log"; it_fail "the last run did not exit 0"; }

it_same "tables of app" "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' ORDER BY 1"
it_eq "$(hm_sql tgt "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY 1) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app'")" \
    "audit,fresh,keep,new_name" "the target's tables"
for t in audit fresh keep new_name; do
    it_same "SHOW CREATE TABLE app.$t" "SHOW CREATE TABLE app.$t"
    it_same "rows of app.$t" "SELECT * FROM app.$t ORDER BY 1, 2"
done
it_audit_equal "$n"
echo "audit rows: $n, each once"
echo "all assertions passed"
