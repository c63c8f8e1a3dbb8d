#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check on a source of 1,000 tables (plus views, routines, triggers, foreign keys): the
# whole check, both servers, --mode full+incremental, takes under 5 s (bulk information_schema
# reads, no per-table round trip), and long lists stay bounded ("and N more").
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target
SRC=$(hm_uri src) TGT=$(hm_uri tgt)
# one multi-statement call, without durability, so that the setup itself stays quick
hm_sql src "SET GLOBAL innodb_flush_log_at_trx_commit=0, sync_binlog=0, innodb_file_per_table=0" || fail "setup"
{
    echo "SET SESSION sql_log_bin=0; CREATE DATABASE big; USE big;"
    for i in $(seq -w 0 999); do
        if [ "$i" -lt 030 ]; then
            echo "CREATE TABLE t$i (a INT, b VARCHAR(20));"                  # no key
        elif [ "$i" -lt 050 ]; then
            echo "CREATE TABLE t$i (id INT PRIMARY KEY, b VARCHAR(20)) ENGINE=MyISAM;"
        elif [ "$i" -lt 150 ] && [ "$i" -ge 100 ]; then
            echo "CREATE TABLE t$i (id INT PRIMARY KEY, p INT, KEY (p), FOREIGN KEY (p) REFERENCES t$(printf %03d $((10#$i - 50))) (id));"
        else
            echo "CREATE TABLE t$i (id INT PRIMARY KEY, b VARCHAR(20), c INT, KEY (c));"
        fi
    done
    for i in $(seq -w 0 49); do echo "CREATE VIEW v$i AS SELECT id, b FROM t$(printf %03d $((10#$i + 500)));"; done
    for i in $(seq -w 0 19); do echo "CREATE PROCEDURE p$i() SELECT COUNT(*) FROM t$(printf %03d $((10#$i + 600)));"; done
    for i in $(seq -w 0 19); do
        echo "CREATE TRIGGER tr$i BEFORE INSERT ON t$(printf %03d $((10#$i + 700))) FOR EACH ROW SET NEW.c = 1;"
    done
} >"$HM_TEST_ROOT/big.sql"
mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" <"$HM_TEST_ROOT/big.sql" \
    || fail "creating 1,000 tables"
hm_sql src "SET GLOBAL innodb_flush_log_at_trx_commit=1, sync_binlog=1, innodb_file_per_table=1; FLUSH TABLES" \
    || fail "setup"

t0=$(date +%s%N)
check --source "$SRC" --target "$TGT" --mode full+incremental
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "hotmig check of 1,000 tables: $ms ms"
expect_rc 0 "1,000 tables"
[ "$ms" -lt 5000 ] || fail "the check of 1,000 tables took $ms ms (limit 5000)"
item selection.patterns PASS "m:selected: databases 1, tables 1000 (" "m:views 50, procedures 20, functions 0, triggers 20, events 0"
item source.tables_without_key WARNING "m:selected tables without a primary key or a NOT NULL unique key" \
    "~m:\(30\): big\.t000, big\.t001, .* and 10 more$" "~f:ADD PRIMARY KEY \(columns that identify a row\); -- and 10 more like these$"
item source.non_innodb WARNING "m:selected tables that are not InnoDB" "m:(20): big.t030 (MyISAM), big.t031 (MyISAM)"
item selection.fk_closure PASS "m:(foreign keys: 50)"
item target.triggers_events WARNING "~m:^triggers that would fire a second time .* \(20\): big\.tr00 \(on t700\)"
item target.conflicts PASS "m:the target holds none of the selected objects (1090)"
# the target holds a view named like each table: the conflict list stays bounded too
{
    echo "SET SESSION sql_log_bin=0; CREATE DATABASE big; USE big;"
    for i in $(seq -w 0 999); do echo "CREATE VIEW t$i AS SELECT 1 AS one;"; done
} >"$HM_TEST_ROOT/views.sql"
mariadb --no-defaults -h127.0.0.1 -P"$(hm_port tgt)" -uroot -p"$HM_TEST_PASSWORD" <"$HM_TEST_ROOT/views.sql" \
    || fail "creating 1,000 views on the target"
t0=$(date +%s%N)
check --source "$SRC" --target "$TGT" --mode full+incremental
ms2=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "hotmig check of 1,000 tables, all conflicting: $ms2 ms"
expect_rc 1 "1,000 conflicts"
[ "$ms2" -lt 5000 ] || fail "the check of 1,000 conflicting tables took $ms2 ms (limit 5000)"
item target.conflicts FAILED "m:already holds 1000 of the objects to migrate: big.t000 (VIEW), big.t001 (VIEW), " \
    "~m: and 980 more$" "f:on the target: DROP VIEW \`big\`.\`t000\`; DROP VIEW \`big\`.\`t001\`; " \
    "f:; -- and 980 more like these; or leave them out: --exclude 'big.t000' --exclude 'big.t001' " "~f: and 980 more$"
verify
echo "all assertions passed"
