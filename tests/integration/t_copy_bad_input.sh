#!/usr/bin/env bash
# Bad input gets one clear line, a non-zero exit, and nothing written to the target:
# unreachable host, wrong password (never echoed), missing privilege (named, with the GRANT),
# a target already holding a selected table (listed), an --include matching nothing, bad URIs.
# Passwords from the environment and from a file work.
source "$(dirname "$0")/lib.sh"
it_start
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1,1),(2,2);
CREATE TABLE app.u (id INT PRIMARY KEY); CREATE VIEW app.v AS SELECT id FROM app.t;
CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'weakpw'; GRANT SELECT ON app.* TO 'weak'@'127.0.0.1';" || it_fail setup
P=$(hm_port src)
out=$HM_TEST_ROOT/out
target_untouched() {
    local dbs
    dbs=$(hm_sql tgt "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('mysql','sys','information_schema','performance_schema')")
    it_eq "$dbs" "${1:-NULL}" "databases on the target after: $2"
}
expect_fail() { # expected_exit message_regex description -- args...
    local want=$1 re=$2 what=$3 rc lines
    shift 4
    "$HOTMIG" "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    it_eq "$rc" "$want" "exit status for $what"
    grep -Eq -e "$re" "$out" || it_fail "$what: output does not match /$re/"
    lines=$(grep -c '^hotmig: ' "$out")
    it_eq "$lines" "1" "number of hotmig: lines for $what"
}

free_port=$(hm__free_port)
expect_fail 1 "cannot connect to source 127.0.0.1:$free_port.*check host and port" "unreachable source" -- \
    migrate --source "mysql://root:x@127.0.0.1:$free_port" --target "$TGT"
target_untouched "" "unreachable source"

expect_fail 1 "source 127.0.0.1:$P rejected the login.*check the user and password" "wrong password" -- \
    migrate --source "mysql://root:S3cretWr0ng@127.0.0.1:$P" --target "$TGT"
grep -q "S3cretWr0ng" "$out" && it_fail "the password appears in the output"
target_untouched "" "wrong password"

expect_fail 1 "lacks SHOW VIEW on database app.*GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`app\`\.\* TO 'weak'@'127.0.0.1'" \
    "missing privilege" -- migrate --source "mysql://weak:weakpw@127.0.0.1:$P" --target "$TGT" --include app
grep -q "weakpw" "$out" && it_fail "the password appears in the output"
target_untouched "" "missing privilege"

expect_fail 1 "--include 'nosuchdb' matches nothing" "include matching nothing" -- \
    migrate --source "$SRC" --target "$TGT" --include app --include nosuchdb
target_untouched "" "include matching nothing"

hm_sql tgt "CREATE DATABASE app; CREATE TABLE app.t (x INT); CREATE VIEW app.v AS SELECT 1 AS one" || it_fail "target setup"
expect_fail 1 "already holds 2 of the objects to migrate: (app.t, app.v \(VIEW\)|app.v \(VIEW\), app.t);" "target conflict" -- \
    migrate --source "$SRC" --target "$TGT"
target_untouched "app" "target conflict"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='app'")" "2" "target tables untouched"
hm_sql tgt "DROP DATABASE app"

expect_fail 2 "connection must look like mysql://" "bad scheme" -- migrate --source "postgres://a@b" --target "$TGT"
expect_fail 2 "port must be a number" "bad port" -- migrate --source "mysql://root:pw@127.0.0.1:99999" --target "$TGT"
expect_fail 2 "bad %XX escape" "bad escape" -- migrate --source "mysql://root:p%zz@127.0.0.1:$P" --target "$TGT"
expect_fail 2 "--source and --target are both required" "missing target" -- migrate --source "$SRC"
expect_fail 2 "--threads must be a whole number" "bad threads" -- migrate --source "$SRC" --target "$TGT" --threads 0
expect_fail 2 "bad --include pattern 'a.b.c'" "bad pattern" -- migrate --source "$SRC" --target "$TGT" --include a.b.c
target_untouched "" "usage errors"

# passwords from the environment and from a file
HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD "$HOTMIG" migrate --source "mysql://root@127.0.0.1:$P" --target "$TGT" \
    --include app.t --progress none >"$out" 2>&1 || { cat "$out"; it_fail "password from the environment"; }
grep -q "$HM_TEST_PASSWORD" "$out" && it_fail "the password appears in the output"
it_checksums_equal app t
hm_sql tgt "DROP DATABASE app; DROP DATABASE hotmig_meta"
printf '%s\n' "$HM_TEST_PASSWORD" >"$HM_TEST_ROOT/pw"
"$HOTMIG" migrate --source "mysql://root@127.0.0.1:$P" --source-password-file "$HM_TEST_ROOT/pw" --target "$TGT" \
    --include app --progress json >"$out" 2>&1 || { cat "$out"; it_fail "password from a file"; }
grep -q "$HM_TEST_PASSWORD" "$out" && it_fail "the password appears in the output"
tail -1 "$out" | grep -q '"event":"done"' || it_fail "json output does not end with a done event"
it_checksums_equal app
echo "all assertions passed"
