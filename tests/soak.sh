#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# tests/soak.sh [--minutes N] [--seed S]: the soak test (not in CI; 30 minutes is the reference).
#
# A source and a target MariaDB, a fault-injecting proxy in front of each, sysbench
# oltp_write_only on the source (restarted when a restart of the server kills it) and two writers
# inserting (w, n) into an insert-only audit table. hotmig migrate --mode full+incremental runs
# through the proxies while a schedule drawn from the seed (printed first: rerun with --seed S to
# replay it) injects, every 8-30 s, one of:
#   kill9     kill -9 of hotmig, then hotmig resume
#   srcrestart / tgtrestart   a restart of the source / target server (clean stop, same data)
#   chaos     10-20 s of network chaos on one link (cuts, stalls, trickles; faultproxy.py)
#   cut       every connection of one link cut at once
# hotmig (build-release, or $HOTMIG) has its RSS sampled every 5 s. At the end: faults stop, writes stop, hotmig finish; then
# CHECKSUM TABLE equal for every table, the audit rows on the target exactly the source's (a
# change applied twice breaks the UNIQUE key and fails the task; a lost one is a missing row), and
# a report: faults injected by kind, recoveries (resumes after kill -9, sync reconnects, copy
# retries), RSS at the start and the end of each hotmig process and the largest. The RSS of one
# process must not grow by more than 50% between its first minute of sync and its end.
# Exit 0 when everything holds.
set -uo pipefail
minutes=30 seed=$(( $(date +%s) % 100000 ))
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "usage: tests/soak.sh [--minutes N] [--seed S]" >&2; exit 2 ;;
    esac
done
echo "soak: seed $seed, $minutes minutes (replay: tests/soak.sh --minutes $minutes --seed $seed)"
RANDOM=$seed
# a release build by default: RSS under ASan measures its quarantine, not hotmig
if [ -z "${HOTMIG:-}" ]; then
    repo=$(cd "$(dirname "$0")/.." && pwd)
    [ -d "$repo/build-release" ] || meson setup "$repo/build-release" -Dbuildtype=release >/dev/null || exit 1
    ninja -C "$repo/build-release" hotmig >/dev/null || { echo "build-release failed"; exit 1; }
    HOTMIG=$repo/build-release/hotmig
fi
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/integration/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD
rm -rf "$HM_TEST_ROOT"
it_start
hm_fault_start ps src || it_fail "source proxy"
hm_fault_start pt tgt || it_fail "target proxy"
D=$HM_TEST_ROOT/state R=$HM_TEST_ROOT/report
mkdir -p "$R"
RUN=$HM_TEST_ROOT/running
touch "$RUN"

it_sysbench_prepare 4 20000
hm_sql src "CREATE DATABASE app;
CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, UNIQUE KEY (w, n))" \
    || it_fail setup

# a writer that survives restarts of the source: goes on after the last n the source holds
writer() {
    local w=$1 n0
    while [ -f "$RUN" ]; do
        n0=$(hm_sql src "SELECT IFNULL(MAX(n), 0) FROM app.audit WHERE w = $w" 2>/dev/null) || { sleep 1; continue; }
        for n in $(seq $((n0 + 1)) $((n0 + 1000000))); do
            [ -f "$RUN" ] || break
            echo "INSERT INTO app.audit (w, n) VALUES ($w, $n);"
            sleep 0.02
        done | mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" 2>/dev/null
        sleep 1
    done
}
load() {
    # shellcheck disable=SC2046
    while [ -f "$RUN" ]; do
        sysbench oltp_write_only $(it_sb_args) --tables=4 --threads=2 --rate=50 --time=0 --report-interval=0 \
            run >>"$R/sysbench.log" 2>&1
        sleep 1
    done
}
writer 1 & IT_BG_PIDS+=($!)
writer 2 & IT_BG_PIDS+=($!)
load & IT_BG_PIDS+=($!)

runs=0
start_hotmig() { # migrate the first time, resume after
    local cmd=migrate
    [ $runs -gt 0 ] && cmd=resume
    runs=$((runs + 1))
    if [ $cmd = migrate ]; then
        "$HOTMIG" migrate --source "$(hm_fault_uri ps)" --target "$(hm_fault_uri pt)" --mode full+incremental \
            --state-dir "$D" --threads 2 --max-rows-per-sec 20000 --progress lines >"$R/run$runs.log" 2>&1 &
    else
        "$HOTMIG" resume --state-dir "$D" --progress lines >"$R/run$runs.log" 2>&1 &
    fi
    IT_MPID=$!
    IT_BG_PIDS+=("$IT_MPID")
}
# RSS of the running hotmig every 5 s: "<seconds> <run> <pid> <kB>"
sampler() {
    local t0=$SECONDS pid rss
    while [ -f "$RUN" ]; do
        pid=$(cat "$D/pid" 2>/dev/null)
        if [ -n "$pid" ] && rss=$(ps -o rss= -p "$pid" 2>/dev/null); then
            echo "$((SECONDS - t0)) $pid ${rss// /} $(it_status "$D" 's.get("state")')" >>"$R/rss"
        fi
        sleep 5
    done
}
start_hotmig
sampler & IT_BG_PIDS+=($!)

declare -A faults=()
end=$((SECONDS + minutes * 60))
while [ $SECONDS -lt $end ]; do
    sleep $((8 + RANDOM % 23))
    [ $SECONDS -lt $end ] || break
    if ! kill -0 "$IT_MPID" 2>/dev/null; then
        wait "$IT_MPID"
        rc=$?
        echo "soak: hotmig exited by itself (status $rc) at $SECONDS s: $(tail -1 "$R/run$runs.log")"
        it_fail "hotmig exited by itself during the soak (log: $R/run$runs.log)"
    fi
    link=$([ $((RANDOM % 2)) = 0 ] && echo ps || echo pt)
    case $((RANDOM % 10)) in
        0|1) kind=kill9
             kill -9 "$IT_MPID"; wait "$IT_MPID" 2>/dev/null
             sleep $((RANDOM % 3)); start_hotmig ;;
        2) kind=srcrestart; hm_srv_restart src || it_fail "source restart" ;;
        3) kind=tgtrestart; hm_srv_restart tgt || it_fail "target restart" ;;
        4|5|6) kind=chaos; hm_fault "$link" chaos "$RANDOM" $((10 + RANDOM % 11)) ;;
        *) kind=cut; hm_fault "$link" cut ;;
    esac
    faults[${kind%% *}]=$(( ${faults[${kind%% *}]:-0} + 1 ))
    case $kind in chaos|cut) kind="$kind $link" ;; esac
    echo "soak: $(date -u +%T) +${SECONDS}s $kind (state: $(it_status "$D" 's.get("state")'))"
done

# --- the end: no more faults, no more writes, cut over ---
hm_fault ps pass
hm_fault pt pass
rm -f "$RUN"
sleep 3
for p in "${IT_BG_PIDS[@]}"; do [ "$p" = "$IT_MPID" ] || { pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; }; done
sleep 2
kill -0 "$IT_MPID" 2>/dev/null || it_fail "hotmig is not running at the end"
it_wait_state "$D" syncing 600
"$HOTMIG" finish --state-dir "$D" --timeout 600 >"$R/finish.log" 2>&1 || { cat "$R/finish.log"; it_fail "finish"; }
wait "$IT_MPID"
it_eq "$?" 0 "the last hotmig's exit status"
it_checksums_equal sbtest
it_checksums_equal app
n=$(hm_sql src "SELECT COUNT(*) FROM app.audit")
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.audit")" "$n" "audit rows on the target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.audit t") $(hm_sql tgt "SELECT COUNT(DISTINCT w, n) FROM app.audit")" "$n $n" \
    "distinct audit rows on the target"

# --- the report ---
echo "soak report (seed $seed, $minutes min):"
for k in "${!faults[@]}"; do echo "  injected: $k ${faults[$k]}"; done | sort
echo "  network, source link: $(hm_fault_total ps)"
echo "  network, target link: $(hm_fault_total pt)"
echo "  recoveries: $((runs - 1)) resumes after kill -9; $(cat "$R"/run*.log | grep -c 'reconnecting') progress lines while the sync reconnected; $(cat "$R"/run*.log | grep -c '^hotmig: copy interrupted') copy retries"
echo "  changes: $n audit rows, each once; sbtest and app checksums equal"
python3 - "$R/rss" <<'PY' || it_fail "hotmig's RSS grew"
import sys
runs = {}
for line in open(sys.argv[1]):
    t, pid, kb, state = (line.split() + [""])[:4]
    runs.setdefault(pid, []).append((int(t), int(kb), state))
worst = 0.0
for pid, s in runs.items():
    sync = [x for x in s if x[2] in ("syncing", "finishing")]
    print(f"  RSS pid {pid}: start {s[0][1] / 1024:.1f} MB, end {s[-1][1] / 1024:.1f} MB, max {max(k for _, k, _ in s) / 1024:.1f} MB over {s[-1][0] - s[0][0]} s ({len(s)} samples)")
    # growth within one long-running process, from its first minute of sync to its end
    if len(sync) >= 24:
        base = max(k for t, k, _ in sync if t <= sync[0][0] + 60)
        worst = max(worst, sync[-1][1] / base)
print(f"  RSS growth within a process (end / first sync minute): {worst:.2f}x" if worst else "  RSS growth: no process synced 2 minutes")
sys.exit(1 if worst > 1.5 else 0)
PY
echo "PASS: soak"
