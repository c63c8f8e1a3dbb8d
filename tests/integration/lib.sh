# shellcheck shell=bash source-path=SCRIPTDIR
# shellcheck disable=SC2034 # SRC, TGT, IT_SRC_OPTS and IT_TGT_OPTS are for the tests that source this file
# tests/integration/lib.sh: shared setup for integration tests (sourced).
#
# Starts a source and a target MariaDB (harness), stops them on exit, and offers assertions that
# compare data, never just exit codes. Every failure prints what differed.
#   it_start                 start servers "src" and "tgt" under a per-test HM_TEST_ROOT, with the
#                            extra mariadbd options in the arrays IT_SRC_OPTS for the source and
#                            IT_TGT_OPTS for the target;
#                            sets SRC and TGT (URIs)
#   it_fresh_target          stop the target and start an empty one in its place
#   it_fail MSG              print MSG and exit 1
#   it_eq GOT WANT WHAT      fail unless GOT == WANT
#   it_same WHAT SQL [FIELDS]  run SQL on both servers; fail (with a diff) unless the outputs
#                            (only tab-separated FIELDS, a cut -f list, when given) are equal
#   it_checksums_equal DB [TABLE...]   CHECKSUM TABLE EXTENDED and row count equal on both sides
#   IT_BG_PIDS               pids of background helpers to kill on exit (tests append to it)
#   it_case NAME FN [ARGS]   run FN in a subshell: a failing case is recorded and the test goes on
#   it_cases_done            fail if any case failed (naming them)
#   it_q IDENT               IDENT quoted with backticks (embedded backticks doubled)
#   it_sync_start DIR LOG [OPTION...]  hotmig migrate --mode full+incremental --state-dir DIR in
#                            the background (output to LOG, pid in IT_MPID, killed on exit);
#                            returns once the task syncs
#   it_resume DIR LOG        hotmig resume --state-dir DIR in the background, the same way
#   HOTMIG                   the binary under test (default build/hotmig)
#   it_audit_start WRITERS [TABLES]  WRITERS clients of the source each inserting (w, n), n = 1, 2, ...
#                            into app.audit (id, w, n, UNIQUE (w, n)) every 10 ms, and updating a
#                            row of app.t1..tTABLES (id 1..6000) when TABLES > 0; it_audit_stop
#                            stops them and prints the rows written; it_audit_equal N: the
#                            target holds exactly those N rows, no writer with a gap
#   it_kill9 K PID           kill -9 run K of hotmig (PID; output in $HM_TEST_ROOT/runK.log and .err)
#                            and reap it; fail if it had ended by itself or wrote to stderr
#   it_progress N WHAT       a counter read after a kill: fail if N is below the last one;
#                            IT_GREW counts the calls where it grew
#   it_apply_threads         IT_APPLY: (--apply-threads $IT_APPLY_THREADS) (default 4), empty when
#                            IT_APPLY_THREADS is set empty (hotmig's default) or hotmig has no
#                            such flag (serial)

set -uo pipefail
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_REPO=$(cd "$IT_DIR/../.." && pwd)
HOTMIG=${HOTMIG:-$IT_REPO/build/hotmig}
IT_NAME=$(basename "$0" .sh)
export HM_TEST_ROOT=${HM_IT_ROOT:-/tmp/hotmig-it.$(id -u)}/$IT_NAME
# shellcheck source=../harness/mariadb.sh
source "$IT_REPO/tests/harness/mariadb.sh"
# the URIs of the two servers, set by it_start
SRC='' TGT=''
IT_SRC_OPTS=()
IT_TGT_OPTS=()
IT_BG_PIDS=()
IT_MPID=

it_cleanup() {
    local p
    # background helpers (writers, a hotmig to be killed) that a test registered in IT_BG_PIDS
    for p in "${IT_BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    hm_srv_stop_all
}
trap it_cleanup EXIT
# a runner timeout sends TERM: stop the servers all the same
trap 'echo "FAIL: terminated (timeout?)" >&2; exit 124' TERM INT

it_start() {
    [ -x "$HOTMIG" ] || it_fail "no hotmig binary at $HOTMIG"
    mkdir -p "$HM_TEST_ROOT"
    hm_srv_start src source "${IT_SRC_OPTS[@]}" || it_fail "source server did not start"
    hm_srv_start tgt target "${IT_TGT_OPTS[@]}" || it_fail "target server did not start"
    SRC=$(hm_uri src)
    TGT=$(hm_uri tgt)
}

it_fresh_target() {
    hm_srv_stop tgt
    hm_srv_start tgt target "${IT_TGT_OPTS[@]}" || it_fail "target server did not restart"
    TGT=$(hm_uri tgt)
}

IT_FAILED_CASES=()
it_case() {
    local name=$1
    shift
    echo "### case: $name"
    if ("$@"); then
        echo "### ok: $name"
    else
        echo "### FAILED: $name" >&2
        IT_FAILED_CASES+=("$name")
    fi
}

it_cases_done() {
    [ ${#IT_FAILED_CASES[@]} -eq 0 ] || it_fail "${#IT_FAILED_CASES[@]} case(s) failed: $(printf '[%s] ' "${IT_FAILED_CASES[@]}")"
}

it_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

it_eq() {
    [ "$1" == "$2" ] || it_fail "$3: expected [$2], got [$1]"
}

it_q() {
    # shellcheck disable=SC2016 # the backticks are literal
    printf '`%s`' "${1//\`/\`\`}"
}

# it_same WHAT SQL [FIELDS]: equal output of SQL on source and target (both must succeed, and
# print something)
it_same() {
    local what=$1 sql=$2 fields=${3:-} a b
    a=$(hm_sql src "$sql" 2>&1) || it_fail "$what: query failed on the source: $a"
    b=$(hm_sql tgt "$sql" 2>&1) || it_fail "$what: query failed on the target: $b"
    if [ -n "$fields" ]; then
        a=$(cut -f"$fields" <<<"$a")
        b=$(cut -f"$fields" <<<"$b")
    fi
    [ -n "$a" ] || it_fail "$what: the source returned nothing for: $sql"
    if [ "$a" != "$b" ]; then
        echo "--- source" >&2
        echo "+++ target" >&2
        diff <(echo "$a") <(echo "$b") >&2
        it_fail "$what differs between source and target"
    fi
}

it_checksums_equal() {
    local db=$1 t a b tables qt
    shift
    local -a list
    if [ $# -gt 0 ]; then list=("$@"); else
        mapfile -t list < <(hm_sql src "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db' AND TABLE_TYPE='BASE TABLE' ORDER BY 1")
    fi
    [ ${#list[@]} -gt 0 ] || it_fail "no tables in $db"
    for t in "${list[@]}"; do
        qt="$(it_q "$db").$(it_q "$t")"
        tables=$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db' AND TABLE_NAME='${t//\'/\'\'}'")
        it_eq "$tables" "1" "table $db.$t exists on the target"
        a=$(hm_sql src "CHECKSUM TABLE $qt EXTENDED" | cut -f2)
        b=$(hm_sql tgt "CHECKSUM TABLE $qt EXTENDED" | cut -f2)
        if [ -z "$a" ] || [ "$a" = "NULL" ]; then it_fail "no checksum for source $db.$t"; fi
        it_eq "$b" "$a" "checksum of $db.$t"
        a=$(hm_sql src "SELECT COUNT(*) FROM $qt")
        b=$(hm_sql tgt "SELECT COUNT(*) FROM $qt")
        it_eq "$b" "$a" "row count of $db.$t"
    done
}

# --- incremental sync helpers ---
#   it_sysbench_prepare TABLES ROWS    sysbench tables sbtest.sbtest1..N on the source
#   it_load_start RATE [THREADS]       sysbench oltp_write_only at RATE tx/s (0: unthrottled) on the
#                                      source, in the background (IT_LOAD_PID, killed on exit)
#   it_load_stop                       stops it and waits
#   it_status DIR EXPR                 a value from DIR/status.json (python expression on `s`)
#   it_wait_state DIR STATE SECONDS    waits until status.json's state is STATE
IT_LOAD_PID=
it_sb_args() {
    echo --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$(hm_port src)" --mysql-user=root \
        --mysql-password="$HM_TEST_PASSWORD" --mysql-db=sbtest
}
it_sysbench_prepare() {
    # shellcheck disable=SC2046
    hm_sql src "CREATE DATABASE IF NOT EXISTS sbtest" &&
        sysbench oltp_write_only $(it_sb_args) --tables="$1" --table-size="$2" --threads=2 prepare \
            >"$HM_TEST_ROOT/sb-prepare.log" 2>&1 || it_fail "sysbench prepare (log: $HM_TEST_ROOT/sb-prepare.log)"
    IT_SB_TABLES=$1
}
it_load_start() {
    # shellcheck disable=SC2046
    sysbench oltp_write_only $(it_sb_args) --tables="${IT_SB_TABLES:-4}" --threads="${2:-2}" --rate="$1" \
        --time=0 --report-interval=0 run >"$HM_TEST_ROOT/sb-load.log" 2>&1 &
    IT_LOAD_PID=$!
    IT_BG_PIDS+=("$IT_LOAD_PID")
    sleep 1
    kill -0 "$IT_LOAD_PID" 2>/dev/null || { tail "$HM_TEST_ROOT/sb-load.log"; it_fail "the write load did not start"; }
}
it_load_stop() {
    local i
    [ -n "$IT_LOAD_PID" ] || return 0
    kill "$IT_LOAD_PID" 2>/dev/null
    wait "$IT_LOAD_PID" 2>/dev/null
    IT_LOAD_PID=
    # the client is gone, but a COMMIT it sent may still run on a loaded server: wait until its
    # sessions have ended, or a finish that follows could take its position before that commit
    for i in $(seq 1 100); do
        [ "$(hm_sql src "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = 'sbtest' AND ID <> CONNECTION_ID()" 2>/dev/null)" = 0 ] && return 0
        sleep 0.1
    done
    echo "note: sysbench sessions still on the source 10 s after the load stopped" >&2
}
it_status() {
    python3 - "$1/status.json" "$2" <<'PY' 2>/dev/null
import json, sys
try:
    s = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {}, {"s": s})
    print("" if v is None else v)
except Exception:
    print("")
PY
}
it_sync_start() {
    local dir=$1 log=$2
    shift 2
    "$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full+incremental --state-dir "$dir" \
        --progress lines "$@" >"$log" 2>&1 &
    IT_MPID=$!
    IT_BG_PIDS+=("$IT_MPID")
    it_wait_state "$dir" syncing 60
}
it_resume() {
    "$HOTMIG" resume --state-dir "$1" --progress lines >"$2" 2>&1 &
    IT_MPID=$!
    IT_BG_PIDS+=("$IT_MPID")
}
it_wait_state() {
    local dir=$1 want=$2 secs=$3 i st
    for i in $(seq 1 $((secs * 10))); do
        st=$(it_status "$dir" 's.get("state")')
        [ "$st" = "$want" ] && return 0
        case "$st" in failed) it_fail "the task failed while waiting for '$want': $(it_status "$dir" 's.get("error")')" ;; esac
        sleep 0.1
    done
    it_fail "state did not become '$want' within $secs s (it is '$st')"
}

IT_AUDIT_PIDS=()
it_audit_start() {
    local w writers=$1 tables=${2:-0}
    for w in $(seq 1 "$writers"); do
        ( for n in $(seq 1 1000000); do
              echo "INSERT INTO app.audit (w, n) VALUES ($w, $n);"
              [ "$tables" -gt 0 ] && echo "UPDATE app.t$(( (n % tables) + 1 )) SET v = v + 1 WHERE id = 1 + ($n * 13 + $w) % 6000;"
              sleep 0.01
          done | mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" ) &
        IT_AUDIT_PIDS+=($!)
        IT_BG_PIDS+=($!)
    done
}
it_audit_stop() {
    local p
    for p in "${IT_AUDIT_PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    wait "${IT_AUDIT_PIDS[@]}" 2>/dev/null
    IT_AUDIT_PIDS=()
    hm_sql src "SELECT COUNT(*) FROM app.audit"
}
it_audit_equal() {
    it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.audit")" "$1" "audit rows on the target (each change once)"
    it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM (SELECT w FROM app.audit GROUP BY w HAVING MAX(n) <> COUNT(*)) x")" 0 \
        "writers with a gap on the target"
}

it_kill9() {
    local k=$1 pid=$2 rc
    if ! kill -9 "$pid" 2>/dev/null; then
        wait "$pid"
        rc=$?
        cat "$HM_TEST_ROOT/run$k.log" "$HM_TEST_ROOT/run$k.err"
        it_fail "run $k ended by itself (exit $rc) before its kill"
    fi
    wait "$pid" 2>/dev/null
    if [ -s "$HM_TEST_ROOT/run$k.err" ]; then
        cat "$HM_TEST_ROOT/run$k.log" "$HM_TEST_ROOT/run$k.err"
        it_fail "run $k wrote to stderr before its kill"
    fi
}
IT_LAST=0 IT_GREW=0
it_progress() {
    [ "$1" -ge "$IT_LAST" ] || it_fail "$2 went back from $IT_LAST to $1"
    [ "$1" -gt "$IT_LAST" ] && IT_GREW=$((IT_GREW + 1))
    IT_LAST=$1
}
IT_APPLY=()
it_apply_threads() {
    local n=${IT_APPLY_THREADS-4}
    IT_APPLY=()
    if [ -n "$n" ]; then
        if "$HOTMIG" migrate --help 2>&1 | grep -q -- --apply-threads; then IT_APPLY=(--apply-threads "$n")
        else echo "note: $HOTMIG has no --apply-threads: the apply is serial"; fi
    fi
    echo "apply: ${IT_APPLY[*]:-the default of hotmig (no --apply-threads)}"
}
