#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# DDL in the middle of a parallel apply (--apply-threads $IT_APPLY_THREADS, default 4): three
# writers keep inserting into and updating d.a and d.b (independent and conflicting rows) while
# the source runs, between their transactions, ALTER TABLE ADD COLUMN (rows then written with the
# new column), ADD INDEX, a CREATE TABLE that the writers then fill, and an ALTER of the new table.
# The DDL is a barrier: a row written after it must find the new column on the target. Then the
# writers stop and hotmig finish cuts over. Asserts: each writer's rows committed on the source
# without a gap; the same tables, SHOW CREATE TABLE equal for each, and every table equal row by
# row (SELECT * ORDER BY the key) between source and target.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"

it_apply_threads

hm_sql src "CREATE DATABASE d;
CREATE TABLE d.a (id INT PRIMARY KEY, w INT NOT NULL, v INT NOT NULL, s VARCHAR(30));
CREATE TABLE d.b (id INT PRIMARY KEY, c BIGINT NOT NULL);
INSERT INTO d.a SELECT seq, 0, seq, CONCAT('s', seq) FROM test.seq_1_to_200;
INSERT INTO d.b SELECT seq, 0 FROM test.seq_1_to_20" || it_fail "setup on the source"

it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include d "${IT_APPLY[@]}"
mpid=$IT_MPID

# writer W: its rows of d.a (ids W*100000 + n), updates of d.a's first rows and of d.b's 20 rows
# (conflicting), and, once the DDL made them, the column d.a.extra and the table d.c.
WRITER_PIDS=()
writer() {
    local w=$1 n
    for n in $(seq 1 1000000); do
        echo "BEGIN;
INSERT INTO d.a (id, w, v, s) VALUES ($((w * 100000 + n)), $w, $n, 'w$w');
UPDATE d.a SET v = v + 1 WHERE id = $((1 + (n * 7 + w) % 200));
UPDATE d.b SET c = c + $w WHERE id = $((1 + n % 20));
COMMIT;"
        if [ -e "$HM_TEST_ROOT/phase2" ]; then
            echo "UPDATE d.a SET extra = $n WHERE id = $((w * 100000 + n));"
        fi
        if [ -e "$HM_TEST_ROOT/phase3" ]; then
            echo "INSERT INTO d.c (w, n, t) VALUES ($w, $n, REPEAT('c', $((n % 50))));"
        fi
        sleep 0.005
    done | mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" \
        2>"$HM_TEST_ROOT/writer$w.err"
}
rm -f "$HM_TEST_ROOT"/phase*
for w in 1 2 3; do
    writer "$w" &
    WRITER_PIDS+=($!)
    IT_BG_PIDS+=($!)
done
sleep 2
hm_sql src "ALTER TABLE d.a ADD COLUMN extra INT NULL" || it_fail "ADD COLUMN"
touch "$HM_TEST_ROOT/phase2"
sleep 2
hm_sql src "ALTER TABLE d.a ADD INDEX a_wv (w, v); ALTER TABLE d.b ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'x'" ||
    it_fail "ADD INDEX"
sleep 1
hm_sql src "CREATE TABLE d.c (id INT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, t TEXT,
    UNIQUE KEY (w, n))" || it_fail "CREATE TABLE"
touch "$HM_TEST_ROOT/phase3"
sleep 2
hm_sql src "ALTER TABLE d.c ADD COLUMN z INT NOT NULL DEFAULT 5, ADD INDEX c_t (t(10))" || it_fail "ALTER of the new table"
sleep 2

for w in 1 2 3; do
    kill -0 "${WRITER_PIDS[$((w - 1))]}" 2>/dev/null || it_fail "writer $w ended early: $(cat "$HM_TEST_ROOT/writer$w.err")"
done
for p in "${WRITER_PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
wait "${WRITER_PIDS[@]}" 2>/dev/null
it_eq "$(hm_sql src "SELECT COUNT(*) FROM (SELECT w FROM d.a WHERE w > 0 GROUP BY w HAVING MAX(v) <> COUNT(*)) x")" 0 \
    "writers with a gap on the source"
echo "source: $(hm_sql src "SELECT COUNT(*) FROM d.a") rows in d.a, $(hm_sql src "SELECT COUNT(*) FROM d.c") in d.c," \
    "$(hm_sql src "SELECT COUNT(*) FROM d.a WHERE extra IS NOT NULL") with extra"
[ "$(hm_sql src "SELECT COUNT(*) FROM d.c")" -gt 50 ] || it_fail "too few rows in d.c on the source: the writers were slow"

"$HOTMIG" finish --state-dir "$D" --timeout 120 || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "finish failed"; }
wait "$mpid" || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "migrate did not exit 0"; }

it_same "tables" "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'd' ORDER BY 1"
for t in a b c; do
    it_same "SHOW CREATE TABLE d.$t" "SHOW CREATE TABLE d.$t"
done
it_same "rows of d.a" "SELECT * FROM d.a ORDER BY id"
it_same "rows of d.b" "SELECT * FROM d.b ORDER BY id"
it_same "rows of d.c" "SELECT * FROM d.c ORDER BY id"
echo "all assertions passed"
