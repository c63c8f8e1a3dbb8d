# shellcheck shell=bash
# tests/integration/svc_task_lib.sh: task helpers for the hotmigd tests (sourced after
# svc_api_lib.sh).
#   task_field ID EXPR           a value of GET /tasks/ID (python expression on `j`)
#   wait_task ID STATES SECONDS  waits until the task is in one of STATES ("a|b"); fails at once
#                                when it fails, or after SECONDS
#   task_create JSON             POST /tasks; prints the new id
#   task_checked ID              POST check, waits until checked
#   copy_interval ID             "FROM_MS TO_MS": entering copying .. leaving it, from its events
#   copy_skipped ID              chunks_skipped of its last "copy done" event
#   make_db DB ROWS [SERVER]     DB.t with ROWS rows on SERVER (default src)
task_field() {
    api GET "/tasks/$1"
    jget "$2"
}

wait_task() {
    local id=$1 want=$2 secs=$3 i st
    for i in $(seq 1 $((secs * 10))); do
        st=$(task_field "$id" 'j["state"]')
        case "|$want|" in *"|$st|"*) return 0 ;; esac
        [ "$st" = failed ] && it_fail "task $id failed: $(task_field "$id" 'j["last_error"]')"
        sleep 0.1
    done
    it_fail "task $id is '$st' after $secs s, not $want"
}

task_create() {
    api POST /tasks "$1"
    [ "$API_STATUS" = 201 ] || it_fail "create: HTTP $API_STATUS: $API_BODY"
    jget 'j["id"]'
}

task_checked() {
    api POST "/tasks/$1/check"
    [ "$API_STATUS" = 202 ] || it_fail "check $1: HTTP $API_STATUS: $API_BODY"
    wait_task "$1" checked 60
}

copy_interval() {
    api GET "/tasks/$1/events"
    jget '" ".join(str(x) for x in ([e["at_ms"] for e in j["events"] if e["kind"] == "state" and e["data"]["to"] == "copying"][-1:] + [e["at_ms"] for e in j["events"] if e["kind"] == "state" and e["data"]["from"] == "copying"][-1:]))'
}

copy_skipped() {
    api GET "/tasks/$1/events"
    jget '[e["data"]["chunks_skipped"] for e in j["events"] if "chunks_skipped" in (e.get("data") or {})][-1]'
}

make_db() {
    local db=$1 rows=$2 srv=${3:-src}
    hm_sql "$srv" "CREATE DATABASE $db; CREATE TABLE $db.t (id INT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(100));
        INSERT INTO $db.t SELECT seq, seq * 7, REPEAT('x', seq % 100) FROM $db.seq_1_to_$rows" \
        || it_fail "cannot create $db on $srv"
}
