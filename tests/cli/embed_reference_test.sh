#!/usr/bin/env bash
# The engine's BERT sentence embeddings against the independent NumPy oracle
# (tests/reference/bert_reference.py): `make-model --arch bert --preset tiny` for f32, f16 and
# q8_0 with mean pooling and f32 with CLS pooling, `souverain embed --json` on several texts
# (one longer than the 512-token context, so truncation is exercised), each vector checked
# against the reference run on the same token ids. Also: a negative control (a CLS-pooled
# reference must reject mean-pooled vectors) and the clear errors of `embed`/`make-model`.
#
# The last case uses an XLM-R-like unigram vocabulary (<s> ... </s>) from ugm_reference.py.
#
#   bash embed_reference_test.sh <souverain-binary> <work-dir>
set -u

fatal() {
    echo "FAIL: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
REF=$REPO/tests/reference/bert_reference.py
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf
LLAMA_VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf
[[ -f $VOCAB ]] || fatal "vocabulary file not found: $VOCAB"
require_numpy

n_passed=0
n_failed=0
pass() {
    echo "$1 ok"
    n_passed=$((n_passed + 1))
}
fail() {
    echo "$1 FAIL"
    n_failed=$((n_failed + 1))
    [[ -n ${2:-} && -f $2 ]] && sed -e 's/^/    /' "$2" | tail -n 8
}

LONG=$(for i in $(seq 1 300); do printf 'the quick brown fox %d ' "$i"; done)
TEXTS=(--text "Hello world" --text "Moien! Wéi geet et?" --text "a"
    --text "Sovereign AI servers keep data at home, 2026." --text "$LONG")

# An XLM-R-like unigram vocabulary (<s> ... </s>), written by the unigram reference.
UGM_VOCAB=$WORK/ugm-vocab.gguf
$PY "$REPO/tests/reference/ugm_reference.py" make-vocab --from "$VOCAB" -o "$UGM_VOCAB" ||
    fatal "cannot write the unigram vocabulary"

# type pooling vocabulary min-cosine max-abs. Measured on 2026-11-22: max |diff| 6e-8 for f32
# and f16, 2e-4 for q8_0 (activations are quantized to 8 bits for its dot products), so the
# bounds leave a margin of about 10x while a wrong pooling or a missing bias fails them.
CASES=("f32 mean wpm 0.9999999 1e-6" "f16 mean wpm 0.9999999 1e-6" "q8_0 mean wpm 0.99999 2e-3"
    "f32 cls wpm 0.9999999 1e-6" "f32 mean ugm 0.9999999 1e-6")
for spec in "${CASES[@]}"; do
    read -r type pooling vocab_kind min_cos max_abs <<<"$spec"
    label="$type-$pooling"
    vocab=$VOCAB
    if [[ $vocab_kind == ugm ]]; then
        label="$label-ugm"
        vocab=$UGM_VOCAB
    fi
    model=$WORK/bert-$label.gguf
    if ! "$BIN" make-model --arch bert --preset tiny --type "$type" --pooling "$pooling" \
        --vocab "$vocab" --seed 11 -o "$model" >"$WORK/$label.make.log" 2>&1; then
        fail "$label make-model" "$WORK/$label.make.log"
        continue
    fi
    if ! "$BIN" embed --model "$model" --json --threads 2 "${TEXTS[@]}" \
        >"$WORK/$label.json" 2>"$WORK/$label.embed.log"; then
        fail "$label embed" "$WORK/$label.embed.log"
        continue
    fi
    if grep -q "truncated to 512 tokens" "$WORK/$label.embed.log"; then
        pass "$label long text reported as truncated"
    else
        fail "$label long text reported as truncated" "$WORK/$label.embed.log"
    fi
    # Every input framed by the vocabulary's specials, the truncated one included.
    if $PY -c '
import json, sys
data = json.load(open(sys.argv[1]))["data"]
first, last = (0, 2) if sys.argv[2] == "ugm" else (101, 102)
ok = all(e["tokens"][0] == first and e["tokens"][-1] == last for e in data)
ok = ok and len(data[-1]["tokens"]) == 512 and data[-1]["truncated"]
sys.exit(0 if ok else 1)' "$WORK/$label.json" "$vocab_kind"; then
        pass "$label inputs framed by the specials, truncated to 512 with the closing one"
    else
        fail "$label inputs framed by the specials, truncated to 512 with the closing one"
    fi
    if $PY "$REF" --model "$model" --compare "$WORK/$label.json" --min-cosine "$min_cos" \
        --max-abs "$max_abs" >"$WORK/$label.cmp.log" 2>&1; then
        sed -e "s/^/$label /" "$WORK/$label.cmp.log"
        pass "$label engine vs reference"
    else
        fail "$label engine vs reference" "$WORK/$label.cmp.log"
    fi
done

# Negative control: the check must notice the pooling. Same weights, CLS-pooled reference.
if [[ -f $WORK/f32-mean.json && -f $WORK/bert-f32-cls.gguf ]]; then
    if $PY "$REF" --model "$WORK/bert-f32-cls.gguf" --compare "$WORK/f32-mean.json" \
        >"$WORK/negative.log" 2>&1; then
        fail "negative control: mean vectors accepted by the CLS reference" "$WORK/negative.log"
    else
        pass "negative control: mean vectors rejected by the CLS reference"
    fi
fi

# Bad input: clear one-line errors, exit 1, no crash.
expect_error() {
    local label=$1 pattern=$2
    shift 2
    local status
    "$@" >"$WORK/err.out" 2>"$WORK/err.log"
    status=$?
    if [[ $status -eq 1 ]] && grep -q "^error: .*$pattern" "$WORK/err.log"; then
        pass "$label"
    else
        echo "    exit $status"
        fail "$label" "$WORK/err.log"
    fi
}
expect_error "bert make-model with a non-WordPiece vocabulary" "WordPiece" \
    "$BIN" make-model --arch bert --preset tiny --vocab "$LLAMA_VOCAB" -o "$WORK/bad.gguf"
expect_error "bert make-model with an unknown preset" "unknown bert preset" \
    "$BIN" make-model --arch bert --preset huge --vocab "$VOCAB" -o "$WORK/bad.gguf"
"$BIN" make-model --arch llama --preset tiny --vocab "$LLAMA_VOCAB" -o "$WORK/llama.gguf" \
    >/dev/null 2>&1
expect_error "embed with a llama model" "not an encoder" \
    "$BIN" embed --model "$WORK/llama.gguf" --text hi
expect_error "embed without text" "at least one" \
    "$BIN" embed --model "$WORK/bert-f32-mean.gguf"

echo "$n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
