#!/usr/bin/env bash
# The CPU engine benchmark of the performance issue: makes random-weight models of a preset
# in several types (once; they are cached in $MODELS), runs `souverain bench --json` on each
# in one session, and prints one table with the memory bandwidth measured in each run: the median
# (and range) of read-bandwidth samples taken between decode steps, which the roofline divides by.
#
#   bench/engine_cpu.sh [PRESET] [TYPES...]     defaults: mistral-7b q4_0 q4_k_m q8_0
# Environment: MODELS (default ./models), THREADS (2), PROMPT (512), GEN (128), CTX (empty:
# prompt + gen; 4096 for the memory check), BIN (default build/souverain).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
preset="${1:-mistral-7b}"
shift || true
types=("$@")
[ ${#types[@]} -eq 0 ] && types=(q4_0 q4_k_m q8_0)
bin="${BIN:-$root/build/souverain}"
models="${MODELS:-$root/models}"
vocab="$root/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf"
mkdir -p "$models"

results=()
for type in "${types[@]}"; do
    model="$models/$preset-$type.gguf"
    if [ ! -f "$model" ]; then
        echo "making $model" >&2
        "$bin" make-model --arch llama --preset "$preset" --type "$type" --vocab "$vocab" \
            --seed 1 -o "$model" --threads "${THREADS:-2}"
    fi
    ctx_flag=()
    [ -n "${CTX:-}" ] && ctx_flag=(--ctx "$CTX")
    echo "bench $model" >&2
    results+=("$("$bin" bench --model "$model" --threads "${THREADS:-2}" \
        --prompt-tokens "${PROMPT:-512}" --gen-tokens "${GEN:-128}" "${ctx_flag[@]}" --json)")
done

printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import json, os, sys
rows = [json.loads(line) for line in sys.stdin if line.strip()]
print("| model | file GB | prefill tok/s | decode tok/s | bandwidth GB/s (min-max) | decode roofline | load s | KV MB | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    size = os.path.getsize(r["model"]) / 1e9
    print("| %s | %.2f | %.1f | %.2f | %.1f (%.1f-%.1f) | %.2f | %.2f | %.0f | %.0f |" % (
        os.path.basename(r["model"]), size, r["prefill_tokens_per_s"], r["decode_tokens_per_s"],
        r["bandwidth_bytes_per_s"] / 1e9, r["bandwidth_min_bytes_per_s"] / 1e9,
        r["bandwidth_max_bytes_per_s"] / 1e9, r["roofline_fraction"], r["load_seconds"],
        r["kv_cache_bytes"] / 1e6, r["peak_rss_bytes"] / 1e6))
'
