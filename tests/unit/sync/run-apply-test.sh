#!/usr/bin/env bash
# tests/unit/sync/run-apply-test.sh: runs test_sync_apply (argument 1) against a MariaDB source and a
# MariaDB target started with the test harness under $HM_TEST_ROOT (default /tmp/hm-apply), both
# stopped by pid on exit. Passes their ports in HM_APPLY_SRC_PORT / HM_APPLY_TGT_PORT. Further
# arguments go to the test (e.g. a cmocka test name filter is not used: all cases run in order).
# Exits 77 (skipped) when no mariadbd is installed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
TEST_BIN=$1
shift
export HM_TEST_ROOT=${HM_TEST_ROOT:-/tmp/hm-apply}
# shellcheck source=../../harness/mariadb.sh
source "$REPO/tests/harness/mariadb.sh"
if ! hm__mariadbd >/dev/null 2>&1; then
    echo "mariadbd not found: skipped"
    exit 77
fi
trap hm_srv_stop_all EXIT
# HM_APPLY_NAME: the servers' names (tests that meson runs at the same time need their own)
N=${HM_APPLY_NAME:-apply}
hm_srv_start "$N-src" source --max-allowed-packet=64M || exit 1
hm_srv_start "$N-tgt" target --max-allowed-packet=64M || exit 1
HM_APPLY_SRC_PORT=$(hm_port "$N-src") HM_APPLY_TGT_PORT=$(hm_port "$N-tgt") "$TEST_BIN" "$@"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for s in "$N-src" "$N-tgt"; do
        echo "--- the error log of $s:" >&2
        tail -20 "$HM_TEST_ROOT/$s/error.log" >&2
    done
fi
exit "$rc"
