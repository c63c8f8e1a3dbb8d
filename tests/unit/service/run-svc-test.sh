#!/usr/bin/env bash
# tests/unit/service/run-svc-test.sh: runs test_service_run (argument 1) against a MariaDB source and
# three MariaDB targets started with the test harness under $HM_TEST_ROOT (default /tmp/hm-svc),
# all stopped by pid on exit. Passes their ports in HM_SVC_SRC_PORT, HM_SVC_T1_PORT ... T3.
# Exits 77 (skipped) when no mariadbd is installed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
TEST_BIN=$1
shift
export HM_TEST_ROOT=${HM_TEST_ROOT:-${HM_IT_ROOT:-/tmp/hm-svc}/unit-svc}
# shellcheck source=../../harness/mariadb.sh
source "$REPO/tests/harness/mariadb.sh"
if ! hm__mariadbd >/dev/null 2>&1; then
    echo "mariadbd not found: skipped"
    exit 77
fi
names=(svc-src svc-t1 svc-t2 svc-t3)
stop_all() { for n in "${names[@]}"; do hm_srv_stop "$n"; done; }
trap stop_all EXIT
small=(--innodb-buffer-pool-size=64M --innodb-log-file-size=48M)
hm_srv_start svc-src source "${small[@]}" & p0=$!
hm_srv_start svc-t1 target "${small[@]}" & p1=$!
hm_srv_start svc-t2 target "${small[@]}" & p2=$!
hm_srv_start svc-t3 target "${small[@]}" & p3=$!
for p in $p0 $p1 $p2 $p3; do wait "$p" || exit 1; done
HM_SVC_SRC_PORT=$(hm_port svc-src) HM_SVC_T1_PORT=$(hm_port svc-t1) HM_SVC_T2_PORT=$(hm_port svc-t2) \
    HM_SVC_T3_PORT=$(hm_port svc-t3) "$TEST_BIN" "$@"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for s in "${names[@]}"; do
        echo "--- the error log of $s:" >&2
        tail -5 "$HM_TEST_ROOT/$s/error.log" >&2
    done
fi
exit "$rc"
