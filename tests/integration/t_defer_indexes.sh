#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Secondary indexes built after the data (--defer-indexes), interrupted and resumed.
# Tables: secondary, composite, prefix, FULLTEXT (two), SPATIAL keys, keys on a virtual column,
# an IGNORED key, keys added by later ALTERs in an order unlike their kinds' (a UNIQUE after a
# KEY), a foreign key to a parent (the parent keeps its keys), a self-referencing one, and a
# table whose keys are all unique (nothing to defer).
# Runs: (1) kill -9 while a table's ALTER ... ADD KEY runs on the target, and kill that ALTER too
# (the target lacks the keys: hotmig_meta says 'loaded'), rerun; (2) kill -9 during the ALTER
# of the rerun and rerun at once (the killed run's ALTER may still be running: the rerun waits
# for it and finds the keys); then the copy ends.
# Asserts: a kill landed during an index build each time and progress said "indexing"; at the
# end SHOW CREATE TABLE is equal on both sides for every table (so keys, their order, foreign
# keys), and so is the data (CHECKSUM TABLE; the table with a virtual column compared by its
# stored columns, since CHECKSUM TABLE on 10.11 is not a function of the data there).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

rows=200000
seq="SELECT seq AS s FROM seq_1_to_$rows"
hm_sql src "
CREATE DATABASE d;
USE d;
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20), KEY k_name (name)) ENGINE=InnoDB;
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_100;
CREATE TABLE big (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  a INT NOT NULL, b VARCHAR(40), c TEXT, d DATETIME, p INT,
  v INT AS (a % 97) VIRTUAL,
  UNIQUE KEY u_b (b),
  KEY k_a (a),
  KEY k_ab (a, b(10)) COMMENT 'prefix',
  KEY k_v (v),
  KEY k_d (d) IGNORED,
  FULLTEXT KEY ft_c (c),
  FULLTEXT KEY ft_bc (b, c),
  CONSTRAINT fk_parent FOREIGN KEY (p) REFERENCES parent (id) ON DELETE SET NULL
) ENGINE=InnoDB;
INSERT INTO big (a, b, c, d, p) SELECT s * 7 % 1000, SHA1(s), CONCAT('word', s % 500, ' other', s % 37),
  '2020-01-01' + INTERVAL s MINUTE, 1 + s % 100 FROM ($seq) q;
CREATE TABLE later (id BIGINT NOT NULL PRIMARY KEY, x INT NOT NULL, y CHAR(8), z INT) ENGINE=InnoDB;
ALTER TABLE later ADD KEY k_y (y);
ALTER TABLE later ADD UNIQUE KEY u_x (x);
ALTER TABLE later ADD KEY k_z (z), ADD KEY k_zy (z, y);
INSERT INTO later SELECT s, s, LEFT(MD5(s), 8), s % 13 FROM ($seq) q;
CREATE TABLE geo (id INT PRIMARY KEY, pt POINT NOT NULL, up INT, SPATIAL KEY sp (pt), KEY k_up (up),
  CONSTRAINT fk_self FOREIGN KEY (up) REFERENCES geo (id)) ENGINE=InnoDB;
INSERT INTO geo SELECT s, POINT(s % 1000, s DIV 1000), IF(s > 1, s - 1, NULL) FROM ($seq) q;
CREATE TABLE uniq (id INT PRIMARY KEY, e VARCHAR(30) NOT NULL, UNIQUE KEY u_e (e)) ENGINE=InnoDB;
INSERT INTO uniq SELECT s, CONCAT('e', s) FROM ($seq) q WHERE s <= 20000;
" || it_fail "setup"

args=(migrate --mode full --source "$SRC" --target "$TGT" --include d --threads 2
      --defer-indexes always --progress json)
meta() { hm_sql tgt "SELECT GROUP_CONCAT(tbl, '=', state ORDER BY tbl) FROM hotmig_meta.copy_table" 2>/dev/null; }
# waits until the target runs our ALTER TABLE of d.big (two FULLTEXT keys: the longest build);
# prints its processlist id
wait_alter() {
    local pid=$1 id
    for _ in $(seq 1 1200); do
        id=$(hm_sql tgt "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE \`d\`.\`big\`%'
            LIMIT 1")
        [ -n "$id" ] && { echo "$id"; return 0; }
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# run 1: kill -9 during an index build, and the ALTER with it
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run1.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
alter=$(wait_alter "$pid") || { cat "$HM_TEST_ROOT/run1.log"; it_fail "run 1: no ALTER TABLE seen on the target"; }
for _ in $(seq 1 30); do  # until the progress says so (at once when a build starts)
    grep -q '"tables_indexing":[1-9]' "$HM_TEST_ROOT/run1.log" && break
    sleep 0.1
done
[ -n "$(hm_sql tgt "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = $alter")" ] ||
    it_fail "run 1: the ALTER TABLE ended before the kill (a slower index build is needed)"
kill -9 "$pid" 2>/dev/null || it_fail "run 1 ended before its kill"
wait "$pid" 2>/dev/null
hm_sql tgt "KILL QUERY $alter" 2>/dev/null
for _ in $(seq 1 100); do
    [ -z "$(hm_sql tgt "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE%'")" ] && break
    sleep 0.1
done
state=$(meta)
echo "run 1 killed during an index build: $state"
[[ $state == *=loaded* ]] || it_fail "run 1: no table recorded 'loaded' ($state)"
[ "$(hm_sql src "SHOW CREATE TABLE d.big" | cut -f2)" != "$(hm_sql tgt "SHOW CREATE TABLE d.big" | cut -f2)" ] ||
    [ "$(hm_sql src "SHOW CREATE TABLE d.later" | cut -f2)" != "$(hm_sql tgt "SHOW CREATE TABLE d.later" | cut -f2)" ] ||
    it_fail "run 1: the target had every key already, nothing was deferred"

# run 2: killed during an index build again, rerun at once (its ALTER may still be running)
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run2.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
wait_alter "$pid" >/dev/null || { cat "$HM_TEST_ROOT/run2.log"; it_fail "run 2: no ALTER TABLE seen on the target"; }
sleep 0.2
if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    echo "run 2 killed during an index build: $(meta)"
else
    wait "$pid" || { cat "$HM_TEST_ROOT/run2.log"; it_fail "run 2 failed"; }
    echo "run 2 ended before its kill: $(meta)"
fi
IT_BG_PIDS=()

"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run3.log" 2>&1 || { cat "$HM_TEST_ROOT/run3.log"; it_fail "run 3 failed"; }
grep -q '"resumed":true' "$HM_TEST_ROOT/run3.log" || { cat "$HM_TEST_ROOT/run3.log"; it_fail "run 3 did not say it resumed"; }
grep -qh '"tables_indexing":[1-9]' "$HM_TEST_ROOT"/run[123].log || it_fail "no progress line said a table was indexing"
echo "run 3 done: $(meta)"

for t in parent big later geo uniq; do
    it_same "SHOW CREATE TABLE d.$t" "SHOW CREATE TABLE d.$t"
done
it_checksums_equal d parent later geo uniq
it_same "rows of d.big" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, a, b, c, d, p))), SUM(v) FROM d.big"
it_same "keys in use" "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, IGNORED FROM
    information_schema.STATISTICS WHERE TABLE_SCHEMA = 'd' ORDER BY 1, 2, 3"
it_same "foreign keys" "SELECT CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, DELETE_RULE FROM
    information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'd' ORDER BY 1"
# the rerun of a finished copy changes nothing
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run4.log" 2>&1 || { cat "$HM_TEST_ROOT/run4.log"; it_fail "run 4 failed"; }
it_same "SHOW CREATE TABLE d.big after a rerun" "SHOW CREATE TABLE d.big"
echo "PASS"
