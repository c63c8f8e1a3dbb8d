#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig verify when a chunk's joined rows are longer than a server lets GROUP_CONCAT make them
# (max_allowed_packet, here 1 MB on both servers): the server cuts the text with a warning, so
# the hash would cover only the chunk's first rows and a difference after them would be missed.
#   fixed   --chunk-rows 100000 over a 20000-row table (about 2.5 MB of canonical text): one chunk
#           asked for, cut; compared again in halves until it fits
#   wide    twenty DATETIME(6) columns: 8 bytes stored each, 26 characters of text, so chunks
#           sized by the stored size are cut; sized again from the text
# A difference is injected in each table's last rows. Asserts: exit 1, exactly those differences
# reported (nothing else), every row compared once; after the target is put right, equal.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

cols="" vals=""
for i in $(seq 1 20); do
    cols+=", t$i DATETIME(6) NOT NULL"
    vals+=", '2024-01-01 00:00:00' + INTERVAL seq * $i SECOND + INTERVAL seq MICROSECOND"
done
setup="CREATE DATABASE vc; USE vc;
CREATE TABLE fixed (id INT PRIMARY KEY, s VARCHAR(100) NOT NULL, n BIGINT NOT NULL);
INSERT INTO fixed SELECT seq, REPEAT(CHAR(65 + seq % 26), 80 + seq % 20), seq * 1000003 FROM seq_1_to_20000;
CREATE TABLE wide (id INT PRIMARY KEY $cols);
INSERT INTO wide SELECT seq $vals FROM seq_1_to_20000;
SET GLOBAL max_allowed_packet = 1048576;"
hm_sql src "$setup" || it_fail "setup on the source"
hm_sql tgt "$setup" || it_fail "setup on the target"
hm_sql tgt "UPDATE vc.fixed SET n = n + 1 WHERE id = 19990;
UPDATE vc.wide SET t7 = t7 + INTERVAL 1 MICROSECOND WHERE id = 19995;" || it_fail "injecting"
it_eq "$(hm_sql src 'SELECT @@global.max_allowed_packet')" "1048576" "the source's max_allowed_packet"

check() { # NAME OPTIONS...: verify reports exactly the injected differences
    local name=$1 rc
    shift
    "$HOTMIG" verify --source "$SRC" --target "$TGT" --include "vc.$name" --json "$@" \
        >"$HM_TEST_ROOT/$name.json" 2>"$HM_TEST_ROOT/$name.err"
    rc=$?
    cat "$HM_TEST_ROOT/$name.err"
    it_eq "$rc" "1" "exit status of verify of vc.$name"
    python3 - "$HM_TEST_ROOT/$name.json" "$name" <<'PY' || it_fail "vc.$2 reported wrongly"
import json, sys
r = json.load(open(sys.argv[1]))
got = sorted((d["table"], d["kind"], d["key"], d["columns"]) for d in r["diffs"])
want = {"fixed": [("fixed", "changed", "id=19990", "n")], "wide": [("wide", "changed", "id=19995", "t7")]}
print(sys.argv[2], "diffs", got, "rows", r["rows_compared"], "chunks", r["chunks_compared"])
sys.exit(0 if got == want[sys.argv[2]] and r["rows_compared"] == 20000 else 1)
PY
}
check fixed --chunk-rows 100000
check wide
echo "PASS: chunks cut by the servers are compared again smaller; the differences after the cut are found"

hm_sql tgt "UPDATE vc.fixed SET n = n - 1 WHERE id = 19990;
UPDATE vc.wide SET t7 = t7 - INTERVAL 1 MICROSECOND WHERE id = 19995;" || it_fail "putting the target right"
"$HOTMIG" verify --source "$SRC" --target "$TGT" --include vc --progress none >"$HM_TEST_ROOT/eq.log" 2>&1
rc=$?
cat "$HM_TEST_ROOT/eq.log"
it_eq "$rc" "0" "exit status of verify once the target is put right"
echo "PASS: equal once put right"
