# tests/integration/lib.sh: shared setup for integration tests (sourced).
#
# Starts a source and a target MariaDB (harness), stops them on exit, and offers assertions that
# compare data, never just exit codes.
#   it_start            start servers "src" and "tgt" under a per-test HM_TEST_ROOT
#   it_fail MSG         print MSG and exit 1
#   it_eq A B WHAT      fail unless A == B
#   it_checksums_equal DB [TABLE...]   CHECKSUM TABLE and row count equal on both sides
#   HOTMIG              the binary under test (default build/hotmig)

set -uo pipefail
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_REPO=$(cd "$IT_DIR/../.." && pwd)
HOTMIG=${HOTMIG:-$IT_REPO/build/hotmig}
IT_NAME=$(basename "$0" .sh)
export HM_TEST_ROOT=${HM_IT_ROOT:-/tmp/hotmig-it.$(id -u)}/$IT_NAME
# shellcheck source=../harness/mariadb.sh
source "$IT_REPO/tests/harness/mariadb.sh"

it_cleanup() {
    hm_srv_stop_all
}
trap it_cleanup EXIT

it_start() {
    hm_srv_start src source "$@" || it_fail "source server did not start"
    hm_srv_start tgt target || it_fail "target server did not start"
    SRC=$(hm_uri src)
    TGT=$(hm_uri tgt)
}

it_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

it_eq() {
    [ "$1" == "$2" ] || it_fail "$3: expected [$2], got [$1]"
}

it_checksums_equal() {
    local db=$1 t a b tables
    shift
    if [ $# -gt 0 ]; then tables="$*"; else
        tables=$(hm_sql src "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db' AND TABLE_TYPE='BASE TABLE'")
    fi
    [ -n "$tables" ] || it_fail "no tables in $db"
    for t in $tables; do
        a=$(hm_sql src "CHECKSUM TABLE \`$db\`.\`$t\` EXTENDED" | cut -f2)
        b=$(hm_sql tgt "CHECKSUM TABLE \`$db\`.\`$t\` EXTENDED" | cut -f2)
        [ -n "$a" ] && [ "$a" != "NULL" ] || it_fail "no checksum for source $db.$t"
        it_eq "$b" "$a" "checksum of $db.$t"
        a=$(hm_sql src "SELECT COUNT(*) FROM \`$db\`.\`$t\`")
        b=$(hm_sql tgt "SELECT COUNT(*) FROM \`$db\`.\`$t\`")
        it_eq "$b" "$a" "row count of $db.$t"
    done
}
