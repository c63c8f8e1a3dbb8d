#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check, what is selected and what the target holds: selection.patterns,
# target.conflicts, target.other_objects, target.capacity, source.tables_without_key,
# source.non_innodb, selection.fk_closure. Each item PASSes on a clean selection and WARNs or
# FAILs after a change to the real servers' schemas (or to --include/--exclude, or to
# --target-capacity); fix statements are run where they are statements, and the item passes again.
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target
SRC=$(hm_uri src) TGT=$(hm_uri tgt) T=$(hm_port tgt)
hm_sql src "CREATE DATABASE app;
    CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20));
    CREATE TABLE app.uk (a INT NOT NULL, b INT NOT NULL, UNIQUE KEY (a, b));
    CREATE TABLE app.nokey (a INT, b TEXT);
    CREATE TABLE app.nullkey (a INT NULL, UNIQUE KEY (a));
    CREATE TABLE app.my (id INT PRIMARY KEY) ENGINE=MyISAM;
    CREATE TABLE app.ar (id INT PRIMARY KEY) ENGINE=Aria;
    CREATE TABLE app.parent (id INT PRIMARY KEY);
    CREATE TABLE app.child (id INT PRIMARY KEY, p INT, CONSTRAINT fk_child_parent FOREIGN KEY (p) REFERENCES app.parent (id));
    CREATE VIEW app.v AS SELECT id FROM app.t;
    CREATE DATABASE shop;
    CREATE TABLE shop.customers (id INT PRIMARY KEY);
    CREATE TABLE shop.orders (id INT PRIMARY KEY, c INT, CONSTRAINT fk_orders_app FOREIGN KEY (c) REFERENCES app.t (id));
    INSERT INTO app.t VALUES (1, 'a'), (2, 'b')" || fail setup

# --- selection.patterns ---
check --source "$SRC" --target "$TGT"
item selection.patterns PASS "m:selected: databases 2, tables 10 (" "m:views 1, procedures 0"
check --source "$SRC" --target "$TGT" --include app --include nosuch
expect_rc 1 "include matching nothing"
item selection.patterns FAILED "m:--include 'nosuch' matches nothing on source 127.0.0.1:" "f:correct or remove --include 'nosuch'"
check --source "$SRC" --target "$TGT" --exclude app --exclude shop
expect_rc 1 "nothing selected"
item selection.patterns FAILED "m:has no user database to copy with these --include/--exclude patterns" \
    "f:name the databases to migrate with --include DB"

# --- keys and engines ---
check --source "$SRC" --target "$TGT" --include app.t --include app.uk
expect_rc 0 "keyed InnoDB tables"
item source.tables_without_key PASS "m:every selected table has a primary key or a NOT NULL unique key"
item source.non_innodb PASS "m:every selected table is InnoDB"
check --source "$SRC" --target "$TGT" --include app
item source.tables_without_key WARNING "m:selected tables without a primary key or a NOT NULL unique key are copied as one stream" \
    "~m:\(2\): app\.nokey, app\.nullkey$" "f:ALTER TABLE \`app\`.\`nokey\` ADD PRIMARY KEY (" \
    "f:ALTER TABLE \`app\`.\`nullkey\` ADD PRIMARY KEY ("
item source.non_innodb WARNING "m:selected tables that are not InnoDB are not covered by the consistent snapshot" \
    "m:(2): app.ar (Aria), app.my (MyISAM)" "f:on the source: ALTER TABLE \`app\`.\`ar\` ENGINE=InnoDB; ALTER TABLE \`app\`.\`my\` ENGINE=InnoDB"
hm_sql src "ALTER TABLE app.nokey ADD COLUMN id INT NOT NULL AUTO_INCREMENT PRIMARY KEY;
    ALTER TABLE app.nullkey MODIFY a INT NOT NULL" || fail "adding keys"
hm_sql src "$(fix_of source.non_innodb | sed 's/^on the source: //; s/; or keep them unwritten during the copy$//')" \
    || fail "the non_innodb fix does not run"
check --source "$SRC" --target "$TGT" --include app
item source.tables_without_key PASS "m:every selected table has a primary key"
item source.non_innodb PASS "m:every selected table is InnoDB"

# --- foreign-key closure ---
check --source "$SRC" --target "$TGT"
item selection.fk_closure PASS "m:the parent of every foreign key of the selected tables is selected (foreign keys: 2)"
check --source "$SRC" --target "$TGT" --include app.child
expect_rc 1 "child without its parent"
item selection.fk_closure FAILED "m:foreign keys of selected tables reference tables that are not selected" \
    "m:(1): app.child -> app.parent (fk_child_parent)" "f:add the parents: --include 'app.parent'; or --exclude the child tables"
check --source "$SRC" --target "$TGT" --exclude app
expect_rc 1 "cross-database parent excluded"
item selection.fk_closure FAILED "m:shop.orders -> app.t (fk_orders_app)" "f:--include 'app.t'"
check --source "$SRC" --target "$TGT" --include app.child --include app.parent
expect_rc 0 "child with its parent"
item selection.fk_closure PASS "m:(foreign keys: 1)"
"$HOTMIG" check --source "$SRC" --target "$TGT" --include app.child --skip selection.fk_closure >/dev/null 2>&1
RC=$?
expect_rc 2 "--skip selection.fk_closure"

# --- target conflicts and other objects ---
check --source "$SRC" --target "$TGT" --include app
item target.conflicts PASS "m:the target holds none of the selected objects (9)"
item target.other_objects PASS "m:the target holds no other database or object"
hm_sql tgt "CREATE DATABASE app; CREATE TABLE app.t (x INT); CREATE VIEW app.child AS SELECT 1 AS one;
    CREATE TABLE app.extra (x INT); CREATE DATABASE junk; CREATE TABLE junk.j (x INT)" || fail "target setup"
check --source "$SRC" --target "$TGT" --include app
expect_rc 1 "target conflicts"
item target.conflicts FAILED "m:target 127.0.0.1:$T already holds 2 of the objects to migrate: " "m:app.t" \
    "m:app.child (VIEW)" "f:on the target: " "f:DROP TABLE \`app\`.\`t\`" "f:DROP VIEW \`app\`.\`child\`" \
    "f:or leave them out: " "f:--exclude 'app.t'" "f:--exclude 'app.child'"
item target.other_objects WARNING "m:databases to migrate already exist on the target: app" \
    "m:the target also holds what hotmig leaves alone (2): " "m:database junk" "m:app.extra (TABLE)" \
    "f:leftovers can go with: DROP DATABASE \`junk\`"
"$HOTMIG" check --source "$SRC" --target "$TGT" --skip target.conflicts >/dev/null 2>&1
RC=$?
expect_rc 2 "--skip target.conflicts"
# an interrupted hotmig run owns what it created: a warning, migrate resumes it
hm_sql tgt "CREATE DATABASE hotmig_meta; CREATE TABLE hotmig_meta.copy_run (id INT PRIMARY KEY, state VARCHAR(20));
    INSERT INTO hotmig_meta.copy_run VALUES (1, 'copying')" || fail "meta setup"
check --source "$SRC" --target "$TGT" --include app
item target.conflicts WARNING "m:they belong to an earlier hotmig run (hotmig_meta.copy_run is 'copying')" \
    "f:DROP DATABASE \`hotmig_meta\`"
hm_sql tgt "DROP DATABASE hotmig_meta"
check --source "$SRC" --target "$TGT" --include app
hm_sql tgt "$(fix_of target.conflicts | sed 's/^on the target: //; s/; or leave them out: .*$//')" \
    || fail "the conflicts fix does not run"
hm_sql tgt "$(fix_of target.other_objects | sed 's/^.*leftovers can go with: //')" || fail "the other_objects fix does not run"
check --source "$SRC" --target "$TGT" --include app
expect_rc 0 "conflicts fixed"
item target.conflicts PASS "m:the target holds none of the selected objects (9)"
item target.other_objects WARNING "m:databases to migrate already exist on the target: app" \
    "m:the target also holds what hotmig leaves alone (1): app.extra (TABLE)"
hm_sql tgt "DROP DATABASE app"

# --- capacity: --target-capacity, or what the target reports ---
check --source "$SRC" --target "$TGT"
expect_rc 0 "capacity unknown"
item target.capacity WARNING "m:and the target's free space is unknown: --target-capacity was not given" \
    "f:pass --target-capacity BYTES (the free space of the target's data directory), or on the target: INSTALL SONAME 'disks'"
need=$(python3 -c 'import json,re,sys; print(re.search(r"\((?:data and indexes, )?(\d+) bytes", {i["id"]: i for i in json.load(open(sys.argv[1]))}["target.capacity"]["message"]).group(1))' "$OUT")
[ "$need" -gt 0 ] || fail "no byte count in the capacity message"
check --source "$SRC" --target "$TGT" --target-capacity $((need - 1))
expect_rc 1 "capacity too small"
item target.capacity FAILED "m:($need bytes) but the target has" "m:($((need - 1)) bytes, --target-capacity)" \
    "f:free at least 1 bytes more on the target's data directory"
check --source "$SRC" --target "$TGT" --target-capacity $((need + need / 10))
expect_rc 0 "capacity tight"
item target.capacity WARNING "m:less than 25% to spare" "f:give the target's data directory more room"
check --source "$SRC" --target "$TGT" --target-capacity $((need * 10))
item target.capacity PASS "m:($((need * 10)) bytes, --target-capacity)"
hm_sql tgt "INSTALL SONAME 'disks'" || fail "INSTALL SONAME 'disks'"
check --source "$SRC" --target "$TGT"
item target.capacity PASS "m:the target's data directory file system (information_schema.DISKS)"
verify
echo "all assertions passed"
