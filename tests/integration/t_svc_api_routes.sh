#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# One list of routes: the router's table (hotmigd --routes), the OpenAPI file (docs/openapi.yaml)
# and the requests the API tests make (tests/integration/t_svc_api_*.sh) name the same
# METHOD /path set. A route added to one and not the others fails here, naming it.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=svc_api_lib.sh
source "$(dirname "$0")/svc_api_lib.sh"
mkdir -p "$HM_TEST_ROOT"
[ -x "$HOTMIGD" ] || it_fail "no hotmigd binary at $HOTMIGD"
"$HOTMIGD" --routes >"$HM_TEST_ROOT/router" || it_fail "hotmigd --routes failed"
python3 - "$HM_TEST_ROOT/router" "$IT_REPO/docs/openapi.yaml" "$IT_DIR" <<'PY' || it_fail "the route lists differ"
import glob, os, re, sys
router = set(l.strip() for l in open(sys.argv[1]) if l.strip())
# the OpenAPI file: paths at two spaces, their operations at four
openapi, path = set(), None
for line in open(sys.argv[2]):
    m = re.match(r"^  (/\S*):\s*$", line)
    if m:
        path = m.group(1)
        continue
    if re.match(r"^\S", line):
        path = None
    m = re.match(r"^    (get|post|put|patch|delete|head|options):", line)
    if m and path:
        openapi.add("%s %s" % (m.group(1).upper(), path))
# the tests: api METHOD PATH, api_as ... -- METHOD PATH, and curl ... $SVC_URL/api/v1/PATH
def norm(p):
    p = p.split("?")[0].rstrip("/") or "/"
    segs = ["{id}" if (s.startswith("$") or s.isdigit()) else s for s in p.split("/")]
    return "/".join(segs)
tests = set()
for f in sorted(glob.glob(os.path.join(sys.argv[3], "t_svc_api_*.sh"))):
    for line in open(f):
        for m in re.finditer(r'\bapi(?:_as\b[^\n]*?--)?\s+(GET|POST|PUT|PATCH|DELETE)\s+"?(/[^"\s]*)', line):
            tests.add("%s %s" % (m.group(1), norm(m.group(2))))
        for m in re.finditer(r'\$SVC_URL/api/v1(/[^"\s]*)', line):
            x = re.search(r"-X\s+(GET|POST|PUT|PATCH|DELETE)", line)
            method = x.group(1) if x else ("POST" if "--data" in line else "GET")
            tests.add("%s %s" % (method, norm(m.group(1))))
ok = True
for name, s in (("the OpenAPI file", openapi), ("the API tests", tests)):
    for r in sorted(router - s):
        print("in the router, not in %s: %s" % (name, r)); ok = False
    for r in sorted(s - router):
        # the tests also call routes that do not exist, on purpose (404 / 405 cases)
        if name == "the OpenAPI file":
            print("in %s, not in the router: %s" % (name, r)); ok = False
print("%d routes in the router, %d in the OpenAPI file, %d called by the tests" % (len(router), len(openapi), len(router & tests)))
sys.exit(0 if ok else 1)
PY
echo "PASS"
