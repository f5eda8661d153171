#!/usr/bin/env bash
# Throughput and latency of `souverain serve` under concurrent streaming clients.
#
#   bash bench/serve.sh MODEL.gguf [--json]
#
# Starts the server on 127.0.0.1 (any free port; --parallel 16 --threads 2 unless overridden),
# then for 1, 4, 8 and 16 concurrent clients each client loops sending streamed completions
# (one fixed prompt of about 64 tokens, max_tokens 64, ignore_eos, greedy) for DURATION
# seconds; prints per level the aggregate generated tokens/s, p50 and p99 time to first token
# and the mean per-token latency (plus the CPU the server got, for shared machines), as a
# markdown table, or with --json as a JSON object on
# stdout (the table then goes to stderr). The driver is bench/serve_bench.py (stdlib only).
#
# Environment: BIN (build/souverain), THREADS (2), PARALLEL (16), CTX (512), BATCH (server
# default), CLIENTS ("1 4 8 16"), DURATION (seconds per level, 30), REQUESTS (requests per
# client per level instead of DURATION), MAX_TOKENS (64), PROMPTS (same: one prompt for all
# requests, which slots reuse as a cached prefix; distinct: no shared prefix), EXTRA_SERVE_FLAGS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() {
    echo "usage: bash bench/serve.sh MODEL.gguf [--json]" >&2
    exit 2
}
[[ $# -ge 1 ]] || usage
model=$1
shift
json=()
for arg in "$@"; do
    case $arg in
    --json) json=(--json) ;;
    *) usage ;;
    esac
done
fatal() {
    echo "serve.sh: $*" >&2
    exit 1
}
[[ -f $model ]] || fatal "model file not found: $model"
bin="${BIN:-$root/build/souverain}"
[[ -x $bin ]] || fatal "souverain binary not found: $bin (build it, or set BIN)"
threads=${THREADS:-2}
parallel=${PARALLEL:-16}
ctx=${CTX:-512}
clients=${CLIENTS:-1 4 8 16}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/souverain-serve-bench.XXXXXX")

# shellcheck source=../tests/server/server_lib.sh
source "$root/tests/server/server_lib.sh"
trap 'server_cleanup; rm -rf "$log_dir"' EXIT
SERVER_BIN=$bin
SERVER_LOG_DIR=$log_dir

batch_flag=()
[[ -n ${BATCH:-} ]] && batch_flag=(--batch "$BATCH")
read -ra extra <<<"${EXTRA_SERVE_FLAGS:-}"
echo "serve.sh: starting the server ($model, --parallel $parallel --threads $threads --ctx $ctx)" >&2
server_start bench --model "bench=$model" --parallel "$parallel" --threads "$threads" \
    --ctx "$ctx" "${batch_flag[@]}" "${extra[@]}"
port=$SERVER_PORT
pid=$SERVER_PID

amount=(--duration "${DURATION:-30}")
[[ -n ${REQUESTS:-} ]] && amount=(--requests "$REQUESTS")
meta=$(printf '{"threads": %s, "parallel": %s, "ctx": %s, "kernels": "%s", "cpu": "%s", "nproc": %s}' \
    "$threads" "$parallel" "$ctx" "${SOUVERAIN_KERNELS:-auto}" \
    "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$(nproc)")
/usr/bin/python3 "$root/bench/serve_bench.py" --port "$port" --pid "$pid" --model bench \
    --label "$(basename "$model")" --clients "${clients// /,}" --max-tokens "${MAX_TOKENS:-64}" \
    --prompts "${PROMPTS:-same}" \
    "${amount[@]}" --meta "$meta" "${json[@]}"
echo "serve.sh: server peak RSS $(awk '/^VmHWM:/ {print $2 / 1024 " MB"}' "/proc/$pid/status")" >&2
server_stop bench || fatal "the server did not stop cleanly"
