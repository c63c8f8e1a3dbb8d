#!/usr/bin/env bash
# tests/unit/binlog/run-reader-test.sh: runs test_binlog_reader (argument 1) against a MariaDB
# source started with the test harness under $HM_TEST_ROOT (default /tmp/hm-binlog). Exits 77
# (skipped) when no mariadbd is installed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
TEST_BIN=$1
export HM_TEST_ROOT=${HM_TEST_ROOT:-/tmp/hm-binlog}
# shellcheck source=../../harness/mariadb.sh
source "$REPO/tests/harness/mariadb.sh"
if ! hm__mariadbd >/dev/null 2>&1; then
    echo "mariadbd not found: skipped"
    exit 77
fi
trap hm_srv_stop_all EXIT
hm_srv_start reader source --max-allowed-packet=64M || exit 1
HM_BINLOG_PORT=$(hm_port reader) "$TEST_BIN"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "--- the source's error log:" >&2
    tail -20 "$HM_TEST_ROOT/reader/error.log" >&2
fi
exit "$rc"
