#!/usr/bin/env bash
# `souverain serve` under concurrency (driver: tests/server/concurrency_driver.py):
#   identity   --parallel 16: 16 different greedy streamed chat requests at once, then the
#              same 16 one at a time; the texts must be byte-identical. For a q4_k_m and a
#              q4_0 tiny model.
#   disconnect a client that drops its stream, or its non-streamed request, mid-generation
#              frees its slot: souverain_active_slots drops back to 0 within 1 s (checked
#              separately for the two). The non-streamed case catches a server that only
#              notices a gone client when no token came for a while: it needs tokens faster
#              than one per 100 ms, so on a badly overloaded machine it may pass anyway.
#   overload   --parallel 1 --max-queue 1: requests beyond the slot and the queue get 503
#              with a Retry-After header.
#
#   bash server_concurrency_test.sh <souverain-binary> <work-dir>
#
# Environment: CONCURRENCY_TYPES (default "q4_k_m q4_0") picks the weight types of the
# identity check; SOUVERAIN_KERNELS=scalar is passed through to the server (the control run).
# Runs in about 25 s on 2 quiet cores (67 s with the machine's load average at 8).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init --keep-work "$@"
DRIVER=$REPO/tests/server/concurrency_driver.py
read -ra TYPES <<<"${CONCURRENCY_TYPES:-q4_k_m q4_0}"
[[ -x $PY ]] || fatal "$PY not found"
rm -rf "$WORK"/*.out "$WORK"/*.err "$WORK"/*.data "$WORK"/*.gguf "$WORK"/*.log
start_s=$SECONDS
echo "kernels: ${SOUVERAIN_KERNELS:-auto (best the CPU offers)}"

n_passed=0
n_failed=0
failed=()
# check LABEL COMMAND...: runs a driver check, counts it.
check() {
    local label=$1
    shift
    local t0=$SECONDS
    if "$@"; then
        echo "$label ok ($((SECONDS - t0)) s)"
        n_passed=$((n_passed + 1))
    else
        echo "$label FAIL ($((SECONDS - t0)) s)"
        n_failed=$((n_failed + 1))
        failed+=("$label")
    fi
}

for type in "${TYPES[@]}"; do
    model=$WORK/tiny-$type.gguf
    make_tiny_model "$model" "$type" 3
    server_start "identity-$type" --model "tiny=$model" --parallel 16 --threads 2 --ctx 2048
    # --strict-logprobs: the runner promises bit-identical results whatever the batch
    # (model_runner.h), so the logprobs (printed with full float precision) must match too;
    # they show a batch-dependent logit long before it flips a greedy choice.
    check "identity $type" $PY "$DRIVER" identity --port "$SERVER_PORT" --model tiny --n 16 \
        --max-tokens 24 --strict-logprobs
    if [[ $type == "${TYPES[0]}" ]]; then
        # 1900 tokens take several seconds even on the fastest kernels: a slot freed within 1 s
        # was freed by the disconnect, not by the end of its generation.
        for mode in stream body; do
            check "disconnect $mode ($type)" $PY "$DRIVER" disconnect --port "$SERVER_PORT" \
                --model tiny --mode $mode --long-tokens 1900 --limit 1.0
        done
    fi
    server_stop "identity-$type" || fatal "the --parallel 16 server did not stop cleanly"
done

server_start overload --model "tiny=$WORK/tiny-${TYPES[0]}.gguf" --parallel 1 --max-queue 1 \
    --threads 2 --ctx 2048
check "overload" $PY "$DRIVER" overload --port "$SERVER_PORT" --model tiny --clients 6 \
    --long-tokens 2000
server_stop overload || fatal "the --parallel 1 server did not stop cleanly"

echo "$n_passed passed, $n_failed failed ($((SECONDS - start_s)) s)"
if ((n_failed > 0)); then
    echo "failed: ${failed[*]}"
    exit 1
fi
