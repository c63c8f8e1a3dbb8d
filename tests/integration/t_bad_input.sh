#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Bad input gets a non-zero exit, exactly one line on stderr ("hotmig: " and the cause), and
# nothing written to the target (no new database, no hotmig_meta): unreachable source or target,
# wrong password on either side (never echoed), source accounts missing a privilege (the
# privilege is named; a routine the account cannot see must not be skipped silently), a target
# account that cannot create databases, a target already holding selected objects (listed), an
# --include matching nothing (named), bad URIs and options (exit 2), an unreadable password file.
# Then the ways to give a password work: environment (source and target), files (source and
# target), and a percent-encoded URI password full of reserved characters.
# Each case runs on its own (a failing case is reported and the others still run).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1,1),(2,2);
CREATE TABLE app.u (id INT PRIMARY KEY); INSERT INTO app.u VALUES (7); CREATE VIEW app.v AS SELECT id FROM app.t;
CREATE PROCEDURE app.p() SELECT COUNT(*) FROM app.t;
CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'weakpw'; GRANT SELECT ON app.* TO 'weak'@'127.0.0.1';
CREATE USER 'noproc'@'127.0.0.1' IDENTIFIED BY 'noprocpw';
GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON app.* TO 'noproc'@'127.0.0.1';
CREATE USER 'odd'@'127.0.0.1' IDENTIFIED BY 'p@ss:w/rd%#?&='; GRANT ALL ON *.* TO 'odd'@'127.0.0.1';" || it_fail setup
hm_sql tgt "CREATE USER 'tlow'@'127.0.0.1' IDENTIFIED BY 'tlowpw'; GRANT SELECT, INSERT ON *.* TO 'tlow'@'127.0.0.1'" || it_fail "target setup"
P=$(hm_port src)
PT=$(hm_port tgt)
out=$HM_TEST_ROOT/out
err=$HM_TEST_ROOT/err
USERDBS="SELECT IFNULL(GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME), '') FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('mysql','sys','information_schema','performance_schema')"

reset_target() {
    local db
    for db in $(hm_sql tgt "$USERDBS" | tr ',' ' '); do
        hm_sql tgt "DROP DATABASE $(it_q "$db")" || it_fail "cannot drop $db on the target"
    done
}
target_untouched() { # expected_user_databases(comma list, empty for none) after_what
    it_eq "$(hm_sql tgt "$USERDBS")" "$1" "databases on the target after: $2"
}
no_secret() { # secret what
    if grep -qF -- "$1" "$out" "$err"; then
        it_fail "$2: the password appears in the output"
    fi
}
# expect_fail EXIT REGEX WHAT -- ARGS...: the exit status, and stderr is exactly one line that
# starts with "hotmig: " and matches REGEX (extended)
expect_fail() {
    local want=$1 re=$2 what=$3 rc lines
    shift 4
    "$HOTMIG" "$@" >"$out" 2>"$err"
    rc=$?
    echo "-- $what: exit $rc; stdout:"; cat "$out"
    echo "-- stderr:"; cat "$err"
    it_eq "$rc" "$want" "exit status for $what"
    lines=$(wc -l <"$err")
    it_eq "$lines" "1" "number of stderr lines for $what"
    grep -q '^hotmig: ' "$err" || it_fail "$what: the stderr line does not start with 'hotmig: '"
    grep -Eq -e "$re" "$err" || it_fail "$what: stderr does not match /$re/"
}

case_unreachable() {
    local free_port
    free_port=$(hm__free_port)
    expect_fail 1 "cannot connect to source 127.0.0.1:$free_port" "unreachable source" -- \
        migrate --mode full --source "mysql://root:x@127.0.0.1:$free_port" --target "$TGT"
    target_untouched "" "unreachable source"
    expect_fail 1 "cannot connect to target 127.0.0.1:$free_port" "unreachable target" -- \
        migrate --mode full --source "$SRC" --target "mysql://root:x@127.0.0.1:$free_port"
    target_untouched "" "unreachable target"
}

case_wrong_password() {
    expect_fail 1 "source 127.0.0.1:$P rejected the login.*check the user and password" "wrong source password" -- \
        migrate --mode full --source "mysql://root:S3cretWr0ng@127.0.0.1:$P" --target "$TGT"
    no_secret "S3cretWr0ng" "wrong source password"
    target_untouched "" "wrong source password"
    expect_fail 1 "target 127.0.0.1:$PT rejected the login" "wrong target password" -- \
        migrate --mode full --source "$SRC" --target "mysql://root:Tgt5ecretWr0ng@127.0.0.1:$PT"
    no_secret "Tgt5ecretWr0ng" "wrong target password"
    no_secret "$HM_TEST_PASSWORD" "wrong target password (the right source password)"
    target_untouched "" "wrong target password"
}

case_source_without_show_view() {
    expect_fail 1 "lacks SHOW VIEW on database app.*GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`app\`\.\* TO 'weak'@'127.0.0.1'" \
        "source account without SHOW VIEW" -- \
        migrate --mode full --source "mysql://weak:weakpw@127.0.0.1:$P" --target "$TGT" --include app --progress none
    no_secret "weakpw" "source account without SHOW VIEW"
    target_untouched "" "source account without SHOW VIEW"
}

# app.p is invisible to this account (no SELECT on mysql.proc, no global SELECT): copying
# without it would lose the procedure silently
case_source_cannot_see_routines() {
    expect_fail 1 "mysql\.proc|SHOW CREATE ROUTINE|routine" "source account that cannot see routines" -- \
        migrate --mode full --source "mysql://noproc:noprocpw@127.0.0.1:$P" --target "$TGT" --include app --progress none
    target_untouched "" "source account that cannot see routines"
}

case_target_without_create() {
    expect_fail 1 "(privilege|denied).*(GRANT|CREATE)|(GRANT|CREATE).*(privilege|denied)" "target account without CREATE" -- \
        migrate --mode full --source "$SRC" --target "mysql://tlow:tlowpw@127.0.0.1:$PT" --include app --progress none
    target_untouched "" "target account without CREATE"
}

case_include_matches_nothing() {
    expect_fail 1 "--include 'nosuchdb' matches nothing" "include matching nothing" -- \
        migrate --mode full --source "$SRC" --target "$TGT" --include app --include nosuchdb --progress none
    target_untouched "" "include matching nothing"
    expect_fail 1 "--include 'app\.nosuch\*' matches nothing" "table include matching nothing" -- \
        migrate --mode full --source "$SRC" --target "$TGT" --include 'app.nosuch*' --progress none
    target_untouched "" "table include matching nothing"
}

case_target_conflict() {
    hm_sql tgt "CREATE DATABASE app; CREATE TABLE app.t (x INT); INSERT INTO app.t VALUES (42); CREATE VIEW app.v AS SELECT 1 AS one" || it_fail "target setup"
    expect_fail 1 "already holds 2 of the objects to migrate: (app\.t, app\.v \(VIEW\)|app\.v \(VIEW\), app\.t)" "target conflict" -- \
        migrate --mode full --source "$SRC" --target "$TGT" --progress none
    target_untouched "app" "target conflict"
    it_eq "$(hm_sql tgt "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY 1) FROM information_schema.TABLES WHERE TABLE_SCHEMA='app'")" "t,v" "target tables after the conflict"
    it_eq "$(hm_sql tgt "SELECT x FROM app.t")" "42" "target rows after the conflict"
}

case_usage_errors() {
    expect_fail 2 "connection must look like mysql://" "bad scheme" -- migrate --mode full --source "postgres://a@b" --target "$TGT"
    expect_fail 2 "port must be a number" "bad port" -- migrate --mode full --source "mysql://root:pw@127.0.0.1:99999" --target "$TGT"
    expect_fail 2 "bad %XX escape" "bad escape" -- migrate --mode full --source "mysql://root:p%zz@127.0.0.1:$P" --target "$TGT"
    expect_fail 2 "--source and --target are both required" "missing target" -- migrate --mode full --source "$SRC"
    expect_fail 2 "--threads must be a whole number" "bad threads" -- migrate --mode full --source "$SRC" --target "$TGT" --threads 0
    expect_fail 2 "bad --include pattern 'a\.b\.c'" "bad pattern" -- migrate --mode full --source "$SRC" --target "$TGT" --include a.b.c
    expect_fail 2 "write-method" "bad write method" -- migrate --mode full --source "$SRC" --target "$TGT" --write-method fast
    expect_fail 2 "/nonexistent/pw" "unreadable password file" -- \
        migrate --mode full --source "$SRC" --target "mysql://root@127.0.0.1:$PT" --target-password-file /nonexistent/pw
    target_untouched "" "usage errors"
}

case_password_from_env() {
    HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD "$HOTMIG" migrate --mode full \
        --source "mysql://root@127.0.0.1:$P" --target "mysql://root@127.0.0.1:$PT" \
        --include app.t --progress none >"$out" 2>"$err" || { cat "$out" "$err"; it_fail "passwords from the environment"; }
    no_secret "$HM_TEST_PASSWORD" "passwords from the environment"
    it_checksums_equal app t
    it_eq "$(hm_sql tgt "SELECT GROUP_CONCAT(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA='app'")" "t" "tables after --include app.t"
}

case_password_from_file() {
    local line
    printf '%s\n' "$HM_TEST_PASSWORD" >"$HM_TEST_ROOT/pw"
    "$HOTMIG" migrate --mode full --source "mysql://root@127.0.0.1:$P" --source-password-file "$HM_TEST_ROOT/pw" \
        --target "mysql://root@127.0.0.1:$PT" --target-password-file "$HM_TEST_ROOT/pw" \
        --include app --progress json >"$out" 2>"$err" || { cat "$out" "$err"; it_fail "passwords from files"; }
    no_secret "$HM_TEST_PASSWORD" "passwords from files"
    [ -s "$out" ] || it_fail "--progress json printed nothing"
    while IFS= read -r line; do
        jq -e 'type == "object" and has("event")' <<<"$line" >/dev/null || it_fail "--progress json: a stdout line is not a JSON event: $line"
    done <"$out"
    tail -1 "$out" | jq -e '.event == "done"' >/dev/null || it_fail "json output does not end with a done event"
    it_checksums_equal app
    it_same "procedure copied" "SHOW CREATE PROCEDURE app.p" 1-3
}

case_percent_encoded_password() {
    "$HOTMIG" migrate --mode full --source "mysql://odd:p%40ss%3Aw%2Frd%25%23%3F%26%3D@127.0.0.1:$P" --target "$TGT" \
        --include app.u --progress none >"$out" 2>"$err" || { cat "$out" "$err"; it_fail "percent-encoded password"; }
    no_secret "p@ss:w/rd" "percent-encoded password"
    it_checksums_equal app u
}

for c in unreachable wrong_password source_without_show_view source_cannot_see_routines target_without_create \
    include_matches_nothing target_conflict usage_errors password_from_env password_from_file percent_encoded_password; do
    reset_target
    it_case "$c" "case_$c"
done
it_cases_done
echo "all assertions passed"
