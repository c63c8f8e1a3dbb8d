#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check, accounts: source.privileges and target.privileges. Limited accounts are created
# on the real servers; the items must name what is missing and give the GRANTs, and running those
# GRANTs (as root) must make the items PASS. Covers schema privileges, routine definitions hidden
# from the account, RELOAD, REPLICATION SLAVE / CLIENT for --mode full+incremental, the target's
# rights on the selected databases and on hotmig_meta, SET USER for other DEFINERs, and
# log_bin_trust_function_creators for functions a binlogging target would refuse.
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target
SRC=$(hm_uri src) TGT=$(hm_uri tgt)
P=$(hm_port src) T=$(hm_port tgt)
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20));
    CREATE TABLE app.u (id INT PRIMARY KEY, t_id INT, FOREIGN KEY (t_id) REFERENCES app.t (id));
    CREATE VIEW app.v AS SELECT id FROM app.t;
    CREATE PROCEDURE app.p() SELECT 1;
    CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'weakpw'; GRANT SELECT ON app.* TO 'weak'@'127.0.0.1';
    CREATE USER 'exec'@'127.0.0.1' IDENTIFIED BY 'execpw';
    GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON app.* TO 'exec'@'127.0.0.1'" || fail "source setup"
hm_sql tgt "CREATE USER 'tw'@'127.0.0.1' IDENTIFIED BY 'twpw'; GRANT CREATE, INSERT ON app.* TO 'tw'@'127.0.0.1'" \
    || fail "target setup"
WEAK="mysql://weak:weakpw@127.0.0.1:$P" EXEC="mysql://exec:execpw@127.0.0.1:$P" TW="mysql://tw:twpw@127.0.0.1:$T"

# --- root on both: PASS ---
check --source "$SRC" --target "$TGT" --mode full+incremental
expect_rc 0 "root accounts"
item source.privileges PASS "m:'root'@'127.0.0.1' has SELECT, SHOW VIEW, TRIGGER and EVENT on every selected database (1)" \
    "m:can read routine definitions (selected routines: 1)" "m:RELOAD, REPLICATION SLAVE, REPLICATION CLIENT"
item target.privileges PASS "m:'root'@'127.0.0.1' can create the objects of every selected database (1) and hotmig_meta"

# --- source account with SELECT only ---
check --source "$WEAK" --target "$TGT" --mode full+incremental
expect_rc 1 "source account with SELECT only"
item source.privileges FAILED \
    "m:the account 'weak'@'127.0.0.1' lacks SHOW VIEW on database app (also missing there: TRIGGER, EVENT), so some of its objects would be invisible" \
    "m:'weak'@'127.0.0.1' cannot read the definitions of routines it did not create, and the routines it has no privilege on are invisible to it" \
    "m:'weak'@'127.0.0.1' lacks RELOAD: the snapshot is taken without a lock when the source is quiet enough" \
    "m:'weak'@'127.0.0.1' lacks REPLICATION SLAVE, which streaming the binlog (--mode full+incremental) takes" \
    "m:'weak'@'127.0.0.1' lacks REPLICATION CLIENT" \
    "f:GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`app\`.* TO 'weak'@'127.0.0.1'" \
    "f:GRANT SELECT ON mysql.proc TO 'weak'@'127.0.0.1'" \
    "f:GRANT RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'weak'@'127.0.0.1'"
check --source "$WEAK" --target "$TGT" --mode full
expect_rc 1 "source account with SELECT only, --mode full"
item source.privileges FAILED "m:lacks SHOW VIEW on database app" "!m:REPLICATION" \
    "f:GRANT RELOAD ON *.* TO 'weak'@'127.0.0.1'" "!f:REPLICATION"
check --source "$WEAK" --target "$TGT" --mode full+incremental
hm_sql src "$(fix_of source.privileges)" || fail "the source.privileges fix does not run"
check --source "$WEAK" --target "$TGT" --mode full+incremental
expect_rc 0 "source account after the fix"
item source.privileges PASS "m:'weak'@'127.0.0.1' has SELECT, SHOW VIEW, TRIGGER and EVENT on every selected database (1)" \
    "m:can read routine definitions (selected routines: 1)"

# --- a routine the account sees but whose definition is hidden ---
check --source "$EXEC" --target "$TGT" --mode full
expect_rc 1 "hidden routine definition"
item source.privileges FAILED "m:selected routines whose definitions are hidden from 'exec'@'127.0.0.1', so that they cannot be copied (1): app.p (PROCEDURE)" \
    "m:app.p (PROCEDURE)" "f:GRANT SELECT ON mysql.proc TO 'exec'@'127.0.0.1'"
hm_sql src "$(fix_of source.privileges)" || fail "the routine fix does not run"
check --source "$EXEC" --target "$TGT" --mode full
expect_rc 0 "hidden routine after the fix"
item source.privileges PASS "m:can read routine definitions (selected routines: 1)"

# --- target account with CREATE, INSERT only ---
check --source "$SRC" --target "$TW" --mode full+incremental
expect_rc 1 "target account with CREATE, INSERT"
item target.privileges FAILED \
    "m:the target account 'tw'@'127.0.0.1' lacks SELECT, DROP, UPDATE, DELETE, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, REFERENCES on database app" \
    "m:lacks SELECT, INSERT, UPDATE, DELETE, CREATE on database hotmig_meta" \
    "m:giving selected objects a DEFINER other than 'tw'@'127.0.0.1' takes SET USER, which it lacks (2): " \
    "f:GRANT SELECT, DROP, UPDATE, DELETE, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, REFERENCES ON \`app\`.* TO 'tw'@'127.0.0.1'" \
    "f:GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON \`hotmig_meta\`.* TO 'tw'@'127.0.0.1'" \
    "f:GRANT SET USER ON *.* TO 'tw'@'127.0.0.1'"
check --source "$SRC" --target "$TW" --mode full
item target.privileges FAILED "m:lacks SELECT, DROP, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, REFERENCES on database app"
check --source "$SRC" --target "$TW" --mode full+incremental
hm_sql tgt "$(fix_of target.privileges)" || fail "the target.privileges fix does not run"
check --source "$SRC" --target "$TW" --mode full+incremental
expect_rc 0 "target account after the fix"
item target.privileges PASS "m:'tw'@'127.0.0.1' can create the objects of every selected database (1) and hotmig_meta, with their DEFINERs"

# --- a function a binlogging target refuses (not DETERMINISTIC, may modify data) ---
hm_sql src "SET GLOBAL log_bin_trust_function_creators=1; CREATE FUNCTION app.f() RETURNS INT MODIFIES SQL DATA RETURN 1;
    SET GLOBAL log_bin_trust_function_creators=0" || fail "function setup"
check --source "$SRC" --target "$TGT"
expect_rc 1 "unsafe function"
item target.privileges FAILED "m:the target's binlog is on and log_bin_trust_function_creators=OFF, so it refuses selected functions that are neither DETERMINISTIC nor NO SQL / READS SQL DATA (1): app.f" \
    "f:on the target: SET GLOBAL log_bin_trust_function_creators=1; and add log_bin_trust_function_creators=1 under [mysqld]"
hm_sql tgt "SET GLOBAL log_bin_trust_function_creators=1"
check --source "$SRC" --target "$TGT"
expect_rc 0 "unsafe function, target trusts creators"
item target.privileges PASS
verify
echo "all assertions passed"
