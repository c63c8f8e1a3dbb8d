#!/usr/bin/env bash
# tests/run-integration.sh: runs tests/integration/t_*.sh (or the names given), each against its
# own real MariaDB servers; prints PASS/FAIL per test and ends with "N passed, N failed".
# HOTMIG selects the binary under test (default build/hotmig).
set -uo pipefail
cd "$(dirname "$0")/.."
export HOTMIG=${HOTMIG:-$PWD/build/hotmig}
export HM_IT_ROOT=${HM_IT_ROOT:-/tmp/hotmig-it.$(id -u)}
logdir=${HM_IT_LOGS:-$HM_IT_ROOT/logs}
mkdir -p "$logdir"
[ -x "$HOTMIG" ] || { echo "no hotmig binary at $HOTMIG"; echo "0 passed, 1 failed"; exit 1; }

if [ $# -gt 0 ]; then tests=("$@"); else tests=(tests/integration/t_*.sh); fi
passed=0 failed=0
for t in "${tests[@]}"; do
    [ -f "$t" ] || t=tests/integration/$t.sh
    name=$(basename "$t" .sh)
    start=$(date +%s)
    if bash "$t" >"$logdir/$name.log" 2>&1; then
        echo "PASS $name ($(( $(date +%s) - start )) s)"
        passed=$((passed + 1))
    else
        echo "FAIL $name ($(( $(date +%s) - start )) s, log: $logdir/$name.log)"
        tail -15 "$logdir/$name.log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
