#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Rows close to the servers' max_allowed_packet (16 MiB on both): a 12 MB LONGBLOB of bytes
# 00 FF 5C 27 and a 10 MB utf8mb4 LONGTEXT, among small rows. Each row is legal on both servers,
# so each write method must copy them: LOAD DATA, INSERT (--write-method insert), and auto on a
# target with local_infile=OFF (must fall back to INSERT and say so). Asserts CHECKSUM TABLE and
# row counts equal after each copy; --write-method load on a target with local_infile=OFF fails
# with one line naming local_infile and writes nothing.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

hm_sql src "
CREATE DATABASE big;
USE big;
CREATE TABLE b (id INT PRIMARY KEY, x LONGBLOB, t LONGTEXT) ENGINE=InnoDB;
INSERT INTO b VALUES (1, REPEAT(X'00FF5C27', 3000000), NULL);
INSERT INTO b VALUES (2, NULL, REPEAT('é\\\\''😀xx', 1000000));
INSERT INTO b SELECT seq + 2, RANDOM_BYTES(1 + seq), SHA2(seq, 256) FROM seq_1_to_200;
" || it_fail "setup"
it_eq "$(hm_sql src "SELECT LENGTH(x), LENGTH(t) FROM big.b WHERE id IN (1, 2) ORDER BY id")" "$(printf '12000000\tNULL\nNULL\t10000000')" "sizes of the big rows"

copy() { # what, args...
    local what=$1 rc
    shift
    hm_sql tgt "DROP DATABASE IF EXISTS big; DROP DATABASE IF EXISTS hotmig_meta" || it_fail "clean the target"
    "$HOTMIG" migrate --mode full --source "$SRC" --target "$TGT" --include big --progress none "$@" \
        >"$HM_TEST_ROOT/out" 2>&1
    rc=$?
    echo "== $what: exit $rc"
    cat "$HM_TEST_ROOT/out"
    [ $rc -eq 0 ] || it_fail "$what: migrate exited $rc"
    it_checksums_equal big
}

failures=()
for m in load insert; do
    (copy "--write-method $m" --write-method "$m" --threads 2) || failures+=("write-method $m")
done
hm_sql tgt "SET GLOBAL local_infile = 0" || it_fail "local_infile off"
(
    copy "auto, target without local_infile" --threads 2
    grep -q "(insert)" "$HM_TEST_ROOT/out" || it_fail "auto on a target without local_infile did not say it used INSERT"
) || failures+=("auto without local_infile")
(
    hm_sql tgt "DROP DATABASE IF EXISTS big; DROP DATABASE IF EXISTS hotmig_meta" || it_fail "clean the target"
    "$HOTMIG" migrate --mode full --source "$SRC" --target "$TGT" --include big --write-method load --progress none \
        >"$HM_TEST_ROOT/out" 2>"$HM_TEST_ROOT/err"
    rc=$?
    cat "$HM_TEST_ROOT/out" "$HM_TEST_ROOT/err"
    [ $rc -ne 0 ] || it_fail "--write-method load on a target without local_infile exited 0"
    it_eq "$(wc -l <"$HM_TEST_ROOT/err")" "1" "stderr lines"
    grep -q "local_infile" "$HM_TEST_ROOT/err" || it_fail "the message does not name local_infile"
    it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('big', 'hotmig_meta')")" "0" "databases written"
) || failures+=("load without local_infile")
[ ${#failures[@]} -eq 0 ] || it_fail "failed: $(printf '[%s] ' "${failures[@]}")"
echo "all assertions passed"
