# shellcheck shell=bash
# tests/integration/svc_api_lib.sh: a real hotmigd process for the API tests (sourced after lib.sh).
#   svc_start [OPTION...]     hotmigd --data-dir $SVC_DIR --listen 127.0.0.1:0 OPTION... in the
#                             background (log $SVC_LOG); sets SVC_URL, SVC_TOKEN, SVC_PID once it serves
#   svc_stop                  SIGTERM, then fails unless hotmigd exits 0 within 10 s (ASan and
#                             leak reports included: they make the exit non-zero)
#   api METHOD PATH [BODY]    one request with the token (PATH under /api/v1; BODY sent as is);
#                             sets API_STATUS and API_BODY (the answer's text); every answer is
#                             appended to $SVC_ANSWERS (the password tests grep it)
#   api_as CURL_ARGS -- METHOD PATH [BODY]   the same with other credentials (no token added)
#   expect STATUS CODE [MESSAGE_REGEX] WHAT   the last answer has this status, and for an error
#                             the error code and a message matching the regex
#   jget EXPR                 a value of the last answer (python expression on `j`)
# shellcheck disable=SC2034
HOTMIGD=${HOTMIGD:-$(dirname "$HOTMIG")/hotmigd}
SVC_DIR=$HM_TEST_ROOT/svc
SVC_LOG=$HM_TEST_ROOT/hotmigd.log
SVC_ANSWERS=$HM_TEST_ROOT/answers.txt
SVC_URL='' SVC_TOKEN='' SVC_PID=''
API_STATUS='' API_BODY=''

svc_start() {
    local i
    [ -x "$HOTMIGD" ] || it_fail "no hotmigd binary at $HOTMIGD"
    mkdir -p "$HM_TEST_ROOT"
    : >"$SVC_LOG"
    "$HOTMIGD" --data-dir "$SVC_DIR" --listen 127.0.0.1:0 "$@" 2>>"$SVC_LOG" &
    SVC_PID=$!
    IT_BG_PIDS+=("$SVC_PID")
    for i in $(seq 1 100); do
        SVC_URL=$(sed -n 's|.*listening on \(https\{0,1\}://[0-9.]*:[0-9]*\)/.*|\1|p' "$SVC_LOG" | tail -1)
        [ -n "$SVC_URL" ] && break
        kill -0 "$SVC_PID" 2>/dev/null || { cat "$SVC_LOG" >&2; it_fail "hotmigd exited at start"; }
        sleep 0.1
    done
    [ -n "$SVC_URL" ] || { cat "$SVC_LOG" >&2; it_fail "hotmigd did not start listening"; }
    SVC_TOKEN=$(cat "$SVC_DIR/token") || it_fail "no token file in $SVC_DIR"
    [ -n "$SVC_TOKEN" ] || it_fail "the token file is empty"
}

svc_stop() {
    local i rc
    [ -n "$SVC_PID" ] || return 0
    kill -TERM "$SVC_PID" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SVC_PID" 2>/dev/null && { kill -9 "$SVC_PID"; it_fail "hotmigd did not stop within 10 s of SIGTERM"; }
    wait "$SVC_PID"
    rc=$?
    SVC_PID=''
    [ "$rc" -eq 0 ] || { tail -30 "$SVC_LOG" >&2; it_fail "hotmigd exited $rc after SIGTERM (log: $SVC_LOG)"; }
}

# api_as CURL_ARGS... -- METHOD PATH [BODY]
api_as() {
    local -a extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do extra+=("$1"); shift; done
    shift
    local method=$1 path=$2 out=$HM_TEST_ROOT/api.out
    if [ $# -ge 3 ]; then
        API_STATUS=$(printf '%s' "$3" | curl -s -o "$out" -w '%{http_code}' -X "$method" "${extra[@]}" \
            -H 'Content-Type: application/json' --data-binary @- "$SVC_URL/api/v1$path")
    else
        API_STATUS=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "${extra[@]}" "$SVC_URL/api/v1$path")
    fi
    API_BODY=$(cat "$out" 2>/dev/null)
    printf '%s %s -> %s %s\n' "$method" "$path" "$API_STATUS" "$API_BODY" >>"$SVC_ANSWERS"
}

api() {
    local method=$1 path=$2
    shift 2
    api_as -H "Authorization: Bearer $SVC_TOKEN" -- "$method" "$path" "$@"
}

jget() {
    python3 -c 'import json,sys
try:
    j = json.loads(sys.argv[1])
    v = eval(sys.argv[2], {}, {"j": j})
    print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))
except Exception as e:
    print("")' "$API_BODY" "$1"
}

# expect STATUS [CODE [MESSAGE_REGEX]] WHAT
expect() {
    local status=$1 what=${*: -1} code='' re=''
    [ $# -ge 3 ] && code=$2
    [ $# -ge 4 ] && re=$3
    [ "$API_STATUS" = "$status" ] || it_fail "$what: HTTP $API_STATUS, expected $status; answer: $API_BODY"
    if [ -n "$code" ]; then
        # hotmigd answers compact JSON: the code and a non-empty message are found without a parser
        [[ $API_BODY == '{"error":{"code":"'"$code"'","message":"'[^\"]* ]] \
            || it_fail "$what: not an error {code: $code, message: ...}: $API_BODY"
    fi
    if [ -n "$re" ]; then
        jget 'j["error"]["message"]' | grep -Eq -e "$re" || it_fail "$what: the message does not match /$re/: $API_BODY"
    fi
    echo "ok: $what ($API_STATUS${code:+ $code})"
}
