# Helpers for the script tests and benchmarks that drive `souverain serve` (sourced, not run).
#
#   source tests/server/server_lib.sh
#   SERVER_BIN=path/to/souverain; SERVER_LOG_DIR=dir
#   server_start NAME [serve flags...]   starts a server on 127.0.0.1 with --port 0; sets
#                                        SERVER_PORT and SERVER_PID (and SERVER_PIDS[NAME]);
#                                        logs go to $SERVER_LOG_DIR/NAME.{out,err}
#   server_stop NAME                     SIGTERM, waits, checks exit status 0 and the
#                                        "souverain: stopped" line; returns non-zero otherwise
#   server_cleanup                       kills whatever is still running (for an EXIT trap)
#   server_rss_kb PID                    VmRSS in kB from /proc/PID/status
#   server_test_init [--keep-work] "$@"  the opening of a test script run as
#                                        `bash NAME_test.sh <souverain-binary> <work-dir>`:
#                                        test_init of tests/cli/test_lib.sh (arguments, BIN,
#                                        WORK, PY, `fatal`, the binary, WORK emptied or with
#                                        --keep-work only created), then SERVER_BIN and
#                                        SERVER_LOG_DIR, and kills leftover servers on exit
#
# A caller's `fatal MESSAGE` is used when defined; otherwise messages go to stderr.

# shellcheck source=../cli/test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cli/test_lib.sh"

declare -A SERVER_PIDS=()
SERVER_PORT=
SERVER_PID=
SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-120}

_server_fail() {
    if declare -F fatal >/dev/null; then
        fatal "$@"
    fi
    echo "FAIL: $*" >&2
    return 1
}

_server_tail() {
    [[ -f $1 ]] && sed -e 's/^/    /' "$1" | tail -n 8 >&2
    return 0
}

server_start() {
    local name=$1
    shift
    local out=$SERVER_LOG_DIR/$name.out err=$SERVER_LOG_DIR/$name.err
    : >"$out"
    : >"$err"
    "$SERVER_BIN" serve --host 127.0.0.1 --port 0 --data "$SERVER_LOG_DIR/$name.data" "$@" \
        >"$out" 2>"$err" &
    local pid=$!
    SERVER_PIDS[$name]=$pid
    local deadline=$((SECONDS + SERVER_START_TIMEOUT)) line=
    while ((SECONDS < deadline)); do
        line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$out" 2>/dev/null || true)
        [[ -n $line ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            unset "SERVER_PIDS[$name]"
            _server_tail "$err"
            _server_fail "server '$name' exited before listening (flags: $*); its stderr is above"
            return 1
        fi
        sleep 0.1
    done
    if [[ -z $line ]]; then
        _server_tail "$err"
        _server_fail "server '$name' did not print its listening line within ${SERVER_START_TIMEOUT} s"
        return 1
    fi
    SERVER_PORT=${line##*:}
    SERVER_PID=$pid
    return 0
}

server_stop() {
    local name=$1
    local pid=${SERVER_PIDS[$name]:-}
    [[ -n $pid ]] || { _server_fail "server '$name' is not running"; return 1; }
    kill -TERM "$pid" 2>/dev/null
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        unset "SERVER_PIDS[$name]"
        _server_fail "server '$name' did not stop within 30 s of SIGTERM (killed)"
        return 1
    fi
    wait "$pid"
    local status=$?
    unset "SERVER_PIDS[$name]"
    if [[ $status -ne 0 ]]; then
        _server_tail "$SERVER_LOG_DIR/$name.err"
        _server_fail "server '$name' exited with status $status after SIGTERM (expected 0)"
        return 1
    fi
    if ! grep -q '^souverain: stopped' "$SERVER_LOG_DIR/$name.err"; then
        _server_tail "$SERVER_LOG_DIR/$name.err"
        _server_fail "server '$name' did not print 'souverain: stopped' on stderr"
        return 1
    fi
    return 0
}

server_cleanup() {
    local name pid
    for name in "${!SERVER_PIDS[@]}"; do
        pid=${SERVER_PIDS[$name]}
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    SERVER_PIDS=()
}

server_rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# make_tiny_model OUT TYPE [SEED]: a random-weight `tiny` model with the llama SPM vocabulary and
# the Mistral v0.1 chat template. Needs REPO set to the repository root.
make_tiny_model() {
    local out=$1 type=$2 seed=${3:-1}
    local vocab=$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf
    local template=$REPO/tests/server/chat_templates/mistral_v0.1.jinja
    [[ -f $vocab ]] || { _server_fail "vocabulary file not found: $vocab"; return 1; }
    rm -f "$out"
    if ! "$SERVER_BIN" make-model --arch llama --preset tiny --type "$type" --vocab "$vocab" \
        --chat-template "$template" --seed "$seed" -o "$out" >"$out.log" 2>&1; then
        _server_tail "$out.log"
        _server_fail "make-model --type $type failed"
        return 1
    fi
    return 0
}

server_test_init() {
    test_init "$@"
    trap server_cleanup EXIT
    SERVER_BIN=$BIN
    SERVER_LOG_DIR=$WORK
}
