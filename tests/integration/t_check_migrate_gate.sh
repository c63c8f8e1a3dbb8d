#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig migrate runs the precheck first: it refuses to start when an item FAILED, names the item
# and its message, and writes nothing to the target; WARNING items do not stop it. (The copy's
# own checks would not catch the FAILED items used here: a foreign-key parent left out of the
# selection, and a unique collation.)
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target
SRC=$(hm_uri src) TGT=$(hm_uri tgt)
hm_sql src "CREATE DATABASE app;
    CREATE TABLE app.parent (id INT PRIMARY KEY);
    CREATE TABLE app.child (id INT PRIMARY KEY, p INT, CONSTRAINT fk_child_parent FOREIGN KEY (p) REFERENCES app.parent (id));
    CREATE TABLE app.log (msg VARCHAR(100)) ENGINE=MyISAM;
    INSERT INTO app.parent VALUES (1), (2); INSERT INTO app.child VALUES (10, 1), (20, 2); INSERT INTO app.log VALUES ('x')" \
    || fail setup
MOUT=$HM_TEST_ROOT/migrate.txt
target_dbs() {
    hm_sql tgt "SELECT IFNULL(GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME), '') FROM information_schema.SCHEMATA
        WHERE SCHEMA_NAME NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema')"
}
migrate() { "$HOTMIG" migrate --mode full --source "$SRC" --target "$TGT" --progress none "$@" >"$MOUT" 2>&1; RC=$?; }

# --- a FAILED item: the child's parent is not selected ---
migrate --include app.child
cat "$MOUT"
[ "$RC" = 1 ] || fail "migrate with an open foreign key: exit status $RC, expected 1"
grep -q "selection.fk_closure" "$MOUT" || fail "the refusal does not name selection.fk_closure"
grep -q "app.child -> app.parent (fk_child_parent)" "$MOUT" || fail "the refusal does not give the item's message"
grep -q -- "--include 'app.parent'" "$MOUT" || fail "the refusal does not give the fix"
[ "$(target_dbs)" = "" ] || fail "the target was written to: databases $(target_dbs)"

# --- a FAILED item of the target: a selected table exists there ---
hm_sql tgt "CREATE DATABASE app; CREATE TABLE app.parent (x INT)" || fail "target setup"
migrate --include app
cat "$MOUT"
[ "$RC" = 1 ] || fail "migrate onto a conflict: exit status $RC, expected 1"
grep -q "target.conflicts" "$MOUT" || fail "the refusal does not name target.conflicts"
[ "$(target_dbs)" = "app" ] || fail "the target was written to: databases $(target_dbs)"
[ "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app'")" = 1 ] \
    || fail "tables were created on the target"
hm_sql tgt "DROP DATABASE app"

# --- WARNING items only (a MyISAM table without a key): the migration runs ---
migrate --include app
cat "$MOUT"
[ "$RC" = 0 ] || fail "migrate with warnings only: exit status $RC, expected 0"
for t in parent child log; do
    a=$(hm_sql src "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
    b=$(hm_sql tgt "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
    if [ -z "$a" ] || [ "$a" != "$b" ]; then fail "app.$t differs after the migration ($a / $b)"; fi
done
verify
echo "all assertions passed"
