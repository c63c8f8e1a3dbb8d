#!/usr/bin/env bash
# tests/run-all.sh: the project's test command (the README's, and the one .ci/run calls).
# Installs missing packages (scripts/install-deps.sh), builds build-asan (ASan+UBSan, used by all tests), runs the unit tests, then the integration
# tests against real MariaDB servers with that binary. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0
scripts/install-deps.sh || { echo "package installation failed"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -d build-asan ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >/dev/null \
        || { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C build-asan >build-asan.log 2>&1; then
    tail -40 build-asan.log
    echo "0 passed, 1 failed"
    exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Unit tests (cmocka), one meson test per module.
meson test -C build-asan --print-errorlogs >unit.log 2>&1
# meson prints a failing test's line again in its summary: count each test once
grep -E '^ *[0-9]+/[0-9]+ ' unit.log | sort -u -t/ -k1,1n >unit-results.log
u_ok=$(grep -cE ' OK ' unit-results.log || true)
u_fail=$(grep -cE ' (FAIL|ERROR|TIMEOUT) ' unit-results.log || true)
cat unit-results.log
passed=$((passed + u_ok)); failed=$((failed + u_fail))

# The console's browser tests need web/node_modules (playwright-core, axe-core, uplot) at the
# lockfile's versions: npm ci only when they are missing or older than the lockfile; offline
# when the npm cache has them.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund --prefer-offline >../npm-ci.log 2>&1) \
        || { tail -20 npm-ci.log; echo "npm ci in web/ failed: the console test will fail"; }
fi
# add_counts LOG: adds the "N passed, M failed" of LOG (a missing line is one failure)
add_counts() {
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
    else
        passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
        failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
    fi
}
# Fuzzing (libFuzzer, clang, ASan+UBSan): each target for 20 s from a fixed seed (the same run
# each time; tests/fuzz.sh --minutes N explores anew); the regression inputs of
# tests/fuzz/regress are among the seeds, so an old crash that comes back fails here.
tests/fuzz.sh --seconds 20 --seed 20261206 | tee fuzz.log
add_counts fuzz.log

# Integration tests against real servers.
HOTMIG="$PWD/build-asan/hotmig" tests/run-integration.sh | tee integration.log
add_counts integration.log

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
