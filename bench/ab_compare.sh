#!/usr/bin/env bash
# A/B of two souverain binaries on the same models, interleaved (A, B, A, B, ...) so that both
# see the same machine load: prints prefill and decode tokens/s of every run and the median of
# each binary per model.
#
#   bench/ab_compare.sh OLD_BIN NEW_BIN MODEL...
# Environment: REPS (3), THREADS (2), PROMPT (512), GEN (32).
set -euo pipefail
old_bin="$1"
new_bin="$2"
shift 2
reps="${REPS:-3}"
for model in "$@"; do
    results=()
    for rep in $(seq "$reps"); do
        for which in old new; do
            bin="$old_bin"
            [ "$which" = new ] && bin="$new_bin"
            line="$("$bin" bench --model "$model" --threads "${THREADS:-2}" \
                --prompt-tokens "${PROMPT:-512}" --gen-tokens "${GEN:-32}" --no-bandwidth --json)"
            results+=("$which $line")
            echo "$(basename "$model") rep $rep $which: $(echo "$line" | /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("prefill %.1f tok/s, decode %.2f tok/s" % (r["prefill_tokens_per_s"], r["decode_tokens_per_s"]))')"
        done
    done
    printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import json, statistics, sys
rows = {"old": [], "new": []}
for line in sys.stdin:
    which, payload = line.split(" ", 1)
    rows[which].append(json.loads(payload))
for which in ("old", "new"):
    pre = statistics.median(r["prefill_tokens_per_s"] for r in rows[which])
    dec = statistics.median(r["decode_tokens_per_s"] for r in rows[which])
    print("  median %s: prefill %.1f tok/s, decode %.2f tok/s" % (which, pre, dec))
'
done
