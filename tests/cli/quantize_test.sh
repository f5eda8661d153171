#!/usr/bin/env bash
# `souverain quantize`: an F16 model becomes Q4_K_M and Q8_0 files whose tensor types follow
# the recipe and whose logits agree with the independent reference; quantized input and a
# missing file are refused with one line and exit code 1.
#
#   bash quantize_test.sh <souverain-binary> <work-dir>
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf
TOKENS="1 15043 3186 29892 306 626 263 1243"
passed=0
failed=0
check() {  # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name"
        failed=$((failed + 1))
    fi
}

"$BIN" make-model --arch llama --preset tiny --type f16 --vocab "$VOCAB" --seed 3 -o "$WORK/f16.gguf" 2>/dev/null
check "make f16 model" test -f "$WORK/f16.gguf"

for type in q4_k_m q8_0; do
    check "quantize to $type" "$BIN" quantize "$WORK/f16.gguf" "$WORK/$type.gguf" --type "$type"
    "$BIN" inspect "$WORK/$type.gguf" --json > "$WORK/$type.inspect.json"
    "$BIN" logits --model "$WORK/$type.gguf" --tokens "$TOKENS" > "$WORK/$type.engine.json"
    $PY "$REPO/tests/reference/llama_reference.py" --model "$WORK/$type.gguf" --tokens "$TOKENS" \
        > "$WORK/$type.ref.json"
    check "$type logits match the reference" $PY "$REPO/tests/reference/compare_logits.py" \
        --engine "$WORK/$type.engine.json" --reference "$WORK/$type.ref.json" --tol 2e-2
done

tensor_type() {  # tensor_type FILE NAME -> the type inspect reports
    $PY -c '
import json, sys
doc = json.load(open(sys.argv[1]))
print(next(t["type"] for t in doc["tensors"] if t["name"] == sys.argv[2]))' "$1" "$2"
}
check "q4_k_m: output.weight is q6_K" test "$(tensor_type "$WORK/q4_k_m.inspect.json" output.weight)" = q6_K
check "q4_k_m: attn_q is q4_K" test "$(tensor_type "$WORK/q4_k_m.inspect.json" blk.0.attn_q.weight)" = q4_K
check "q4_k_m: norms stay f32" test "$(tensor_type "$WORK/q4_k_m.inspect.json" blk.0.attn_norm.weight)" = f32
check "q8_0: attn_q is q8_0" test "$(tensor_type "$WORK/q8_0.inspect.json" blk.0.attn_q.weight)" = q8_0

refused_with_one_line() {  # the command fails with exit 1 and exactly one stderr line
    "$@" > /dev/null 2> "$WORK/stderr.txt"
    local code=$?
    [[ $code -eq 1 && $(wc -l < "$WORK/stderr.txt") -eq 1 ]] && grep -q '^error: ' "$WORK/stderr.txt"
}
check "quantized input is refused" refused_with_one_line "$BIN" quantize "$WORK/q8_0.gguf" "$WORK/x.gguf" --type q4_0
check "missing input is refused" refused_with_one_line "$BIN" quantize "$WORK/none.gguf" "$WORK/x.gguf" --type q4_0
check "unknown type is refused" refused_with_one_line "$BIN" quantize "$WORK/f16.gguf" "$WORK/x.gguf" --type q3_k_xl
check "no partial output is left" test ! -e "$WORK/x.gguf"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
