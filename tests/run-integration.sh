#!/usr/bin/env bash
# tests/run-integration.sh [TEST...]: runs tests/integration/t_*.sh (or only the tests named:
# t_schema_alltypes, t_schema_alltypes.sh or a path), each a standalone script that starts its own real
# MariaDB servers under $HM_IT_ROOT/<test>. Prints "PASS name" or "FAIL name (log: path)" per
# test (with the end of the log), the time of each, and ends with "N passed, M failed"; exits
# non-zero if any failed.
#   HOTMIG         the binary under test (default build/hotmig)
#   HM_IT_ROOT     where servers and logs go (default /tmp/hotmig-it.$UID)
#   HM_IT_TIMEOUT  seconds one test may take before it is stopped (default 300; a test may ask
#                  for more with a line "# hm-it-timeout: N" among its first lines)
#   HM_IT_KEEP=1   keep the servers' data directories of passing tests too (failing ones are kept)
set -uo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.." || exit 1
export HOTMIG=${HOTMIG:-$PWD/build/hotmig}
export HM_IT_ROOT=${HM_IT_ROOT:-/tmp/hotmig-it.$(id -u)}
timeout_s=${HM_IT_TIMEOUT:-300}
logdir=$HM_IT_ROOT/logs
mkdir -p "$logdir"
if [ ! -x "$HOTMIG" ]; then
    echo "no hotmig binary at $HOTMIG (build it: ninja -C build)"
    echo "0 passed, 1 failed"
    exit 1
fi

tests=()
if [ $# -gt 0 ]; then
    for t in "$@"; do
        if [ -f "$t" ]; then tests+=("$t")
        elif [ -f "$caller_dir/$t" ]; then tests+=("$caller_dir/$t")
        elif [ -f "tests/integration/$t" ]; then tests+=("tests/integration/$t")
        elif [ -f "tests/integration/$t.sh" ]; then tests+=("tests/integration/$t.sh")
        else echo "no such test: $t"; echo "0 passed, 1 failed"; exit 1
        fi
    done
else
    tests=(tests/integration/t_*.sh)
fi

# servers a test left behind (it was killed before its EXIT trap ran): stop them by their pid
stop_leftovers() {
    local pidf pid
    for pidf in "$1"/*/pid; do
        [ -f "$pidf" ] || continue
        pid=$(cat "$pidf")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        rm -f "$pidf"
    done
}

passed=0 failed=0 times=""
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    log=$logdir/$name.log
    root=$HM_IT_ROOT/$name
    start=$(date +%s)
    # timeout signals the test's whole process group: the test's TERM trap stops its servers
    to=$timeout_s
    asked=$(head -5 "$t" | grep -m1 -oE '^# hm-it-timeout: [0-9]+' | grep -oE '[0-9]+$')
    if [ -z "${HM_IT_TIMEOUT:-}" ] && [ -n "$asked" ] && [ "$asked" -gt "$to" ]; then to=$asked; fi
    timeout --kill-after=30 "$to" bash "$t" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    echo "exit status $rc after $secs s" >>"$log"
    stop_leftovers "$root"
    times+=" $name ${secs}s,"
    if [ $rc -eq 0 ]; then
        echo "PASS $name"
        passed=$((passed + 1))
        if [ "${HM_IT_KEEP:-0}" != 1 ]; then
            for d in "$root"/*/data; do [ -d "$d" ] && rm -rf "$(dirname "$d")"; done
        fi
    else
        [ $rc -eq 124 ] && echo "timed out after $to s" >>"$log"
        echo "FAIL $name (log: $log)"
        { grep -m8 '^FAIL' "$log"; echo "    ... end of the log:"; tail -8 "$log"; } | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "time:${times%,}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
