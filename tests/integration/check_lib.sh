# shellcheck shell=bash source-path=SCRIPTDIR
# shellcheck disable=SC2034 # OUT, ERR and RC are for the tests that source this file
# tests/integration/check_lib.sh: shared setup for the t_check_*.sh tests of `hotmig check` (sourced
# first thing). Servers of the test go under $HM_IT_ROOT/<test name>, and are stopped (in parallel)
# on exit or when the runner's timeout terminates the test.
#   start_servers NAME:ROLE[:OPTIONS]...  start servers in parallel (hm_srv_start), or fail
#   stop_all                 stop every server of the test, in parallel
#   fail MSG                 check the queued expectations, print MSG and exit 1
#   check ARGS...            hotmig check --json ARGS into a new $OUT (stderr in $ERR); RC: its status
#   expect_rc N WHAT         fail (showing the output) unless RC is N
#   item ID RESULT [EXPECTATION...]  queue an expectation on the last check's report item
#   verify                   check the queued expectations (call it at the end of the test)
#   fix_of ID                the fix text of an item of the last report
#   HOTMIG                   the binary under test (default build/hotmig)

set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOTMIG=${HOTMIG:-$(cd "$HERE/../.." && pwd)/build/hotmig}
HM_TEST_ROOT=${HM_IT_ROOT:-/tmp/hotmig-it.$(id -u)}/$(basename "${BASH_SOURCE[1]:-$0}" .sh)
export HM_TEST_ROOT
# shellcheck source=../harness/mariadb.sh
source "$HERE/../harness/mariadb.sh"
# stop every server of this script, in parallel (each takes a couple of seconds)
stop_all() { local n; for n in $HM_SRV_STARTED; do hm_srv_stop "$n" & done; wait; }
trap stop_all EXIT
# a runner timeout sends TERM: stop the servers all the same (through the EXIT trap)
trap 'echo "FAIL: terminated (timeout?)" >&2; exit 124' TERM INT
mkdir -p "$HM_TEST_ROOT"
rm -f "$HM_TEST_ROOT"/out-*.json
OUT=$HM_TEST_ROOT/out.json ERR=$HM_TEST_ROOT/err.txt

fail() { echo "FAIL: $*" >&2; verify; exit 1; }
# Starts servers in parallel: NAME:ROLE[:OPTIONS] ... (OPTIONS split at blanks)
start_servers() {
    local spec name role opts pids=() rc=0
    for spec in "$@"; do
        IFS=: read -r name role opts <<<"$spec"
        # the starts run in subshells: record the names here, for stop_all
        HM_SRV_STARTED="$HM_SRV_STARTED $name"
        # shellcheck disable=SC2086
        hm_srv_start "$name" "$role" $opts >"$HM_TEST_ROOT/start-$name.log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ $rc = 0 ] || { cat "$HM_TEST_ROOT"/start-*.log; fail "a server did not start"; }
}
# check ARGS...: hotmig check --json into a new $OUT; RC is its exit status
NCHECK=0 QUEUE=$HM_TEST_ROOT/expect.txt
: >"$QUEUE"
check() {
    NCHECK=$((NCHECK + 1))
    OUT=$HM_TEST_ROOT/out-$NCHECK.json
    "$HOTMIG" check --json "$@" >"$OUT" 2>"$ERR"
    RC=$?
}
expect_rc() { [ "$RC" = "$1" ] || { cat "$OUT" "$ERR"; fail "$2: exit status $RC, expected $1"; }; }
# item ID RESULT [m:TEXT | f:TEXT | !m:TEXT | !f:TEXT | ~m:REGEX | ~f:REGEX]...: an expectation on
# the last check's report (m/f: the message/fix contains TEXT literally; ! negates; ~ is a regular
# expression). Expectations are queued and checked together by verify (python starts slowly).
item() { { printf '%s\x1f' "${BASH_LINENO[0]}" "$OUT" "$@"; printf '\n'; } >>"$QUEUE"; }
verify() {
    [ -s "$QUEUE" ] || return 0
    python3 - "$QUEUE" <<'PY' || { : >"$QUEUE"; echo "FAIL: expectations not met (above)" >&2; exit 1; }
import json, re, sys
bad = 0
reports = {}
for rec in open(sys.argv[1], encoding="utf-8"):
    f = rec.rstrip("\n").split("\x1f")[:-1]
    line, path, iid, want, parts = f[0], f[1], f[2], f[3], f[4:]
    if path not in reports:
        reports[path] = {i["id"]: i for i in json.load(open(path, encoding="utf-8"))}
    it = reports[path].get(iid)
    errs = []
    if it is None:
        errs.append("no such item in the report")
    else:
        if it["result"] != want:
            errs.append(f"result is {it['result']}, expected {want}")
        for a in parts:
            kind, _, text = a.partition(":")
            if kind not in ("m", "f", "!m", "!f", "~m", "~f"):
                errs.append(f"bad expectation [{a}]")
                continue
            field = it["message"] if kind.endswith("m") else it["fix"]
            hit = re.search(text, field) is not None if kind.startswith("~") else text in field
            if hit == kind.startswith("!"):
                errs.append(f"{'message' if kind.endswith('m') else 'fix'} "
                            f"{'has' if kind.startswith('!') else 'lacks'} [{text}]")
    if errs:
        bad += 1
        print(f"line {line}: {iid} ({path}): " + "; ".join(errs), file=sys.stderr)
        if it is not None:
            print(f"    message: {it['message']}\n    fix:     {it['fix']}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
    : >"$QUEUE"
}
# The fix text of an item of the last report.
fix_of() { python3 -c 'import json,sys; print({i["id"]: i for i in json.load(open(sys.argv[1]))}[sys.argv[2]]["fix"])' "$OUT" "$1"; }
