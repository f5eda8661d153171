#!/usr/bin/env bash
# The engine's logits against the independent NumPy oracle (tests/reference), for every
# tensor type `make-model` writes: batch forward (all rows) and token-by-token through the
# KV cache (all rows, and the last row on its own).
#
#   bash logits_reference_test.sh <souverain-binary> <work-dir>
#
# Prints one line per case with the measured relative L2 error and a final
# "N passed, M failed"; exits non-zero on any failure. Runs in well under 3 minutes on 2 cores.
set -u

fatal() {
    echo "FAIL: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
# Empties WORK: outputs of an earlier run must not stand in for this run's (the negative
# control reads them).
test_init "$@"
REF_DIR=$REPO/tests/reference
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf
[[ -f $VOCAB ]] || fatal "vocabulary file not found: $VOCAB"
require_numpy

# 16 fixed ids: BOS, then ids spread over the 32,000-token vocabulary (repeats included,
# so that attention sees equal keys at different positions).
TOKENS="1 15043 3186 29892 306 626 263 1243 310 278 4086 29889 450 3186 31999 2"

# Tolerances on ||engine - reference|| / ||reference||. The reference is float64 on the
# dequantized weights, so these bound the engine's float32 arithmetic and its activation
# rounding (F16/BF16 and quantized types quantize activations for their dot products).
TYPES=(f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k q4_k_m q5_k_m)
# Debugging aid: LOGITS_REF_TYPES="q4_k f32" runs a subset.
if [[ -n ${LOGITS_REF_TYPES:-} ]]; then
    read -ra TYPES <<<"$LOGITS_REF_TYPES"
fi
declare -A TOL=([f32]=1e-5 [f16]=1e-3 [bf16]=1e-2)
QUANT_TOL=2e-2

n_passed=0
n_failed=0

pass() {
    echo "$1 ok"
    n_passed=$((n_passed + 1))
}
fail() {
    echo "$1 FAIL"
    n_failed=$((n_failed + 1))
}
# Prints the last lines of a log, indented, to explain a failure.
show_log() {
    sed -e 's/^/    /' "$1" | tail -n 5
}

# compare <label> <engine.json> <reference.json> <tol> [--last-only]
compare() {
    local label=$1 engine=$2 reference=$3 tol=$4
    shift 4
    local line
    line=$($PY "$REF_DIR/compare_logits.py" --engine "$engine" --reference "$reference" \
        --tol "$tol" "$@")
    local status=$?
    # compare_logits already ends its line with ok/FAIL; count it here.
    echo "$label $line"
    if [[ $status -eq 0 ]]; then
        n_passed=$((n_passed + 1))
    else
        n_failed=$((n_failed + 1))
    fi
}

# The oracle checks itself first (known-answer blocks, reader, second forward formulation):
# a wrong oracle would make every comparison below meaningless.
if $PY "$REF_DIR/test_reference_self.py" >"$WORK/reference_self.log" 2>&1; then
    pass "reference self-test"
else
    fail "reference self-test"
    show_log "$WORK/reference_self.log"
fi

start_s=$SECONDS
for type in "${TYPES[@]}"; do
    tol=${TOL[$type]:-$QUANT_TOL}
    model=$WORK/tiny-$type.gguf
    rm -f "$model"
    if ! "$BIN" make-model --arch llama --preset tiny --type "$type" --vocab "$VOCAB" --seed 7 \
        -o "$model" >"$WORK/$type.make.log" 2>&1; then
        fail "$type make-model"
        show_log "$WORK/$type.make.log"
        continue
    fi
    if ! $PY "$REF_DIR/llama_reference.py" --model "$model" --tokens "$TOKENS" \
        -o "$WORK/$type.ref.json" 2>"$WORK/$type.ref.log"; then
        fail "$type reference"
        show_log "$WORK/$type.ref.log"
        continue
    fi
    if "$BIN" logits --model "$model" --tokens "$TOKENS" --cache-type f32 \
        >"$WORK/$type.batch.json" 2>"$WORK/$type.batch.log"; then
        compare "$type batch" "$WORK/$type.batch.json" "$WORK/$type.ref.json" "$tol"
    else
        fail "$type batch (logits exited non-zero)"
        show_log "$WORK/$type.batch.log"
    fi
    if "$BIN" logits --model "$model" --tokens "$TOKENS" --cache-type f32 --one-by-one \
        >"$WORK/$type.step.json" 2>"$WORK/$type.step.log"; then
        compare "$type one-by-one" "$WORK/$type.step.json" "$WORK/$type.ref.json" "$tol"
        compare "$type one-by-one last" "$WORK/$type.step.json" "$WORK/$type.ref.json" "$tol" \
            --last-only
    else
        fail "$type one-by-one (logits exited non-zero)"
        show_log "$WORK/$type.step.log"
    fi
done

# Negative control: the comparison must notice a different model. The f32 engine logits
# against the q4_0 model's reference differ by the q4_0 weight error, far above 1e-5.
if [[ -f $WORK/f32.batch.json && -f $WORK/q4_0.ref.json ]]; then
    if line=$($PY "$REF_DIR/compare_logits.py" --engine "$WORK/f32.batch.json" \
        --reference "$WORK/q4_0.ref.json" --tol 1e-5); then
        fail "negative control f32 engine vs q4_0 reference [$line] accepted:"
    else
        pass "negative control f32 engine vs q4_0 reference [$line] rejected as it must be:"
    fi
fi

echo "$n_passed passed, $n_failed failed ($((SECONDS - start_s)) s)"
[[ $n_failed -eq 0 ]]
