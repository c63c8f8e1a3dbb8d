#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check, what the target must agree with: target.charsets (a collation only the source
# knows, defined in its own character-sets-dir), target.lower_case_table_names (a second target
# started with --lower-case-table-names=1), target.max_allowed_packet, target.sql_mode,
# target.time_zone_tables (a named zone loaded on the source and used by an event),
# target.definers (an account only the source has), target.triggers_events, and
# source/target.max_connections (held connections against a lowered max_connections). Each PASSes,
# is made to WARN or FAIL on the real servers, and passes again once its fix is applied.
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

# a UCA collation of utf8mb3 that only the source knows
mkdir -p "$HM_TEST_ROOT"
rm -rf "$HM_TEST_ROOT/cs"
cp -r /usr/share/mysql/charsets "$HM_TEST_ROOT/cs" || fail "no charsets directory to copy"
sed -i '/<charset name="utf8mb3">/a <collation name="utf8mb3_hmtest_ci" id="1029"><rules><reset>a</reset><s>b</s></rules></collation>' \
    "$HM_TEST_ROOT/cs/Index.xml"
start_servers "src:source:--character-sets-dir=$HM_TEST_ROOT/cs" tgt:target tgtlc:target:--lower-case-table-names=1
SRC=$(hm_uri src) TGT=$(hm_uri tgt) TGTLC=$(hm_uri tgtlc)
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)) DEFAULT CHARSET utf8mb4;
    INSERT INTO app.t VALUES (1, 'a')" || fail setup
mysql_to() { local s=$1; shift; mariadb --no-defaults -h127.0.0.1 -P"$(hm_port "$s")" -uroot -p"$HM_TEST_PASSWORD" "$@"; }

# --- everything agrees ---
check --source "$SRC" --target "$TGT"
expect_rc 0 "clean"
item target.charsets PASS "m:the target knows every collation the selection uses (1)"
item target.lower_case_table_names PASS "m:lower_case_table_names=0 on both"
item target.max_allowed_packet PASS "m:max_allowed_packet: target 16777216 (16.0 MiB) >= source 16777216 (16.0 MiB)"
item target.sql_mode PASS "m:same global sql_mode on both: 'STRICT_TRANS_TABLES,"
item target.time_zone_tables PASS "m:no named time zone in use"
item target.definers PASS "m:every DEFINER of the selected views, routines, triggers and events exists on the target"
item target.triggers_events PASS "m:no selected trigger or event would run twice"
item source.max_connections PASS "m:max_connections=300, 0 in use: room for the copy's 6 connections"
item target.max_connections PASS "m:max_connections=300, 0 in use: room for the copy's 6 connections"

# --- a collation the target does not know ---
hm_sql src "CREATE TABLE app.cs (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_hmtest_ci)" \
    || fail "the custom collation is not available on the source"
check --source "$SRC" --target "$TGT"
expect_rc 1 "unknown collation"
item target.charsets FAILED "m:the target does not know these collations the selection uses (1): utf8mb3_hmtest_ci (columns of app.cs)" \
    "f:on the source, move them to a collation the target knows: ALTER TABLE \`app\`.\`cs\` CONVERT TO CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci"
hm_sql src "$(fix_of target.charsets | sed 's/^on the source, move them to a collation the target knows: //; s/; or migrate to a target version.*$//')" \
    || fail "the charsets fix does not run"
check --source "$SRC" --target "$TGT"
item target.charsets PASS "m:the target knows every collation the selection uses (2)"

# --- lower_case_table_names (not dynamic: a target started with 1) ---
check --source "$SRC" --target "$TGTLC"
expect_rc 1 "lower_case_table_names differ"
item target.lower_case_table_names FAILED "m:lower_case_table_names is 0 on the source and 1 on the target" \
    "f:lower_case_table_names cannot change at runtime: on the target set lower_case_table_names=0 under [mysqld] in my.cnf and restart it"

# --- max_allowed_packet ---
hm_sql tgt "SET GLOBAL max_allowed_packet=1048576"
check --source "$SRC" --target "$TGT"
expect_rc 1 "smaller packet on the target"
item target.max_allowed_packet FAILED "m:max_allowed_packet is 1048576 (1.0 MiB) on the target, less than the source's 16777216 (16.0 MiB)" \
    "f:on the target: SET GLOBAL max_allowed_packet=16777216; and add max_allowed_packet=16777216 under [mysqld] in its my.cnf"
hm_sql tgt "$(fix_of target.max_allowed_packet | grep -Eo 'SET GLOBAL max_allowed_packet=[0-9]+')"
check --source "$SRC" --target "$TGT"
item target.max_allowed_packet PASS "m:target 16777216 (16.0 MiB) >= source"

# --- sql_mode ---
hm_sql tgt "SET GLOBAL sql_mode='ANSI_QUOTES,STRICT_TRANS_TABLES'"
check --source "$SRC" --target "$TGT"
expect_rc 0 "sql_mode differs (a warning)"
item target.sql_mode WARNING "m:the global sql_mode differs: only the source has [ERROR_FOR_DIVISION_BY_ZERO, NO_AUTO_CREATE_USER, NO_ENGINE_SUBSTITUTION], only the target has [ANSI_QUOTES]" \
    "f:on the target: SET GLOBAL sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'"
hm_sql tgt "$(fix_of target.sql_mode | grep -Eo "SET GLOBAL sql_mode='[^']*'")"
check --source "$SRC" --target "$TGT"
item target.sql_mode PASS "m:same global sql_mode on both"

# --- named time zones ---
mariadb-tzinfo-to-sql /usr/share/zoneinfo/Europe/Paris Europe/Paris 2>/dev/null >"$HM_TEST_ROOT/paris.sql" \
    || fail "mariadb-tzinfo-to-sql"
mysql_to src mysql <"$HM_TEST_ROOT/paris.sql" || fail "loading a zone on the source"
check --source "$SRC" --target "$TGT"
expect_rc 0 "zones loaded on the source only"
item target.time_zone_tables WARNING "m:the source has time zone tables (1 zone names) and the target none" \
    "f:load them on the target (as a shell command on its host): mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql"
hm_sql src "SET time_zone = 'Europe/Paris';
    CREATE EVENT app.paris ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM app.t WHERE id < 0" || fail "event setup"
check --source "$SRC" --target "$TGT"
expect_rc 1 "named zone unknown to the target"
item target.time_zone_tables FAILED "m:the source uses named time zones the target does not know (its time zone tables are empty): Europe/Paris" \
    "f:mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql"
mysql_to tgt mysql <"$HM_TEST_ROOT/paris.sql" || fail "loading a zone on the target"
check --source "$SRC" --target "$TGT"
expect_rc 0 "named zone known to the target"
item target.time_zone_tables PASS "m:the named time zones in use are known to the target"

# --- DEFINER accounts ---
hm_sql src "CREATE USER 'ghost'@'%' IDENTIFIED BY 'boo';
    CREATE DEFINER = 'ghost'@'%' SQL SECURITY DEFINER VIEW app.gv AS SELECT id FROM app.t" || fail "definer setup"
check --source "$SRC" --target "$TGT"
expect_rc 0 "missing definer (a warning)"
item target.definers WARNING "m:DEFINER accounts missing on the target (1): 'ghost'@'%'" "m:app.gv (VIEW)" \
    "f:on the target: CREATE USER 'ghost'@'%' IDENTIFIED BY 'password'; then the grants SHOW GRANTS FOR 'ghost'@'%' lists on the source"
hm_sql tgt "$(fix_of target.definers | grep -Eo "CREATE USER [^;]+")" || fail "the definers fix does not run"
check --source "$SRC" --target "$TGT"
item target.definers PASS "m:every DEFINER"

# --- triggers and events that would run twice ---
hm_sql src "CREATE TRIGGER app.upper_v BEFORE INSERT ON app.t FOR EACH ROW SET NEW.v = UPPER(NEW.v);
    CREATE EVENT app.purge ON SCHEDULE EVERY 1 HOUR ENABLE DO DELETE FROM app.t WHERE id < 0" || fail "trigger setup"
check --source "$SRC" --target "$TGT" --mode full+incremental
item target.triggers_events WARNING "m:triggers that would fire a second time on the target during the sync" \
    "m:(1): app.upper_v (on t)" "f:on the target, once the copy has created them: DROP TRIGGER \`app\`.\`upper_v\`"
check --source "$SRC" --target "$TGT" --mode full
item target.triggers_events PASS "m:no selected trigger or event would run twice (no sync in --mode full"
hm_sql tgt "SET GLOBAL event_scheduler=ON"
check --source "$SRC" --target "$TGT" --mode full
expect_rc 0 "enabled events (a warning)"
item target.triggers_events WARNING "m:enabled events that would run on the target as well as on the source" \
    "m:(1): app.purge" "f:on the target until the cutover: SET GLOBAL event_scheduler=OFF"
hm_sql tgt "$(fix_of target.triggers_events | grep -Eo 'SET GLOBAL event_scheduler=OFF')"
check --source "$SRC" --target "$TGT" --mode full
item target.triggers_events PASS

# --- max_connections: connections held open against a lowered limit ---
SLEEPERS=()
hold() { # SERVER N: opens N idle connections and waits until the server counts them
    local i want
    for ((i = 0; i < $2; i++)); do
        mysql_to "$1" -e "SELECT SLEEP(300)" >/dev/null 2>&1 &
        SLEEPERS+=($!)
    done
    want=$(( $(hm_sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(300)'") ))
    for ((i = 0; i < 100 && want < $2; i++)); do
        sleep 0.1
        want=$(hm_sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(300)'")
    done
}
release() { # SERVER N: ends N of the idle connections
    local id
    for id in $(hm_sql "$1" "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(300)' LIMIT $2"); do
        hm_sql "$1" "KILL $id"
    done
    sleep 0.3
}
cleanup_sleepers() { local p; for p in "${SLEEPERS[@]}"; do kill "$p" 2>/dev/null; done; stop_all; }
trap cleanup_sleepers EXIT
hm_sql tgt "SET GLOBAL event_scheduler=OFF, max_connections=10"
hold tgt 6
check --source "$SRC" --target "$TGT" --mode full
expect_rc 1 "target max_connections exhausted"
item target.max_connections FAILED "m:max_connections=10 with 6 in use leaves 4, but the copy needs 5 (4 workers, 1 control)" \
    "f:on the target: SET GLOBAL max_connections=13; and add max_connections=13 under [mysqld]" \
    "f:or run the migration with fewer --threads"
release tgt 2
check --source "$SRC" --target "$TGT" --mode full
expect_rc 0 "target max_connections tight (a warning)"
item target.max_connections WARNING "m:max_connections=10 with 4 in use leaves 6: the copy's 5 connections leave the application fewer than 2"
release tgt 4
check --source "$SRC" --target "$TGT" --mode full
item target.max_connections PASS "m:max_connections=10, 0 in use"
hm_sql src "SET GLOBAL max_connections=10"
hold src 5
check --source "$SRC" --target "$TGT" --mode full+incremental
expect_rc 1 "source max_connections exhausted"
item source.max_connections FAILED "m:max_connections=10 with 5 in use leaves 5, but the copy needs 6 (4 workers, 1 control, 1 binlog stream)" \
    "f:on the source: SET GLOBAL max_connections=13"
hm_sql src "$(fix_of source.max_connections | grep -Eo 'SET GLOBAL max_connections=[0-9]+')"
check --source "$SRC" --target "$TGT" --mode full+incremental
item source.max_connections PASS "m:max_connections=13, 5 in use"
release src 5
verify
echo "all assertions passed"
