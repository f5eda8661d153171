#!/usr/bin/env bash
# The engine's cross-encoder scores against the independent NumPy oracle
# (tests/reference/bert_reference.py --compare-rerank): `make-model --arch bert --preset tiny
# --reranker` for f32, f16 and q8_0, `souverain rerank --json` on one query and several
# passages (one longer than the 512-token context, so the passage is truncated), each pair's
# score checked against the reference run on the same token ids and token types. Also: the
# pair framing ([CLS] query [SEP] passage [SEP], token type 1 from the passage on, the query
# kept whole and the closing [SEP] last when the passage is cut), the XLM-R unigram framing
# (<s> q </s></s> p </s>), a negative control (the reference of a model with another seed
# must reject the scores), and the clear errors (an embedding model asked to score, a
# reranker asked to embed or used as a base's embedding model).
#
#   bash rerank_reference_test.sh <souverain-binary> <work-dir>
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

QUERY="When must the landlord return the deposit?"
LONG=$(for i in $(seq 1 300); do printf 'the quick brown fox %d ' "$i"; done)
PASSAGES=(--passage "The landlord returns the deposit when the lease ends."
    --passage "An appeal against the verdict goes to the higher court within one month."
    --passage "Moien! Wéi geet et?" --passage "" --passage "$LONG")

# type max-abs. The scores are logits near 0.125 (random head weights of std 0.02), spread
# over about 4e-3 between passages. Measured on 2026-11-22: max |diff| 1.6e-8 (f32), 8.6e-9
# (f16), 5.8e-4 (q8_0: its activations are quantized to 8 bits for the dot products, as in
# llama.cpp). The float bounds sit 100x above that and 2,000x below the spread; the q8_0 bound
# only catches gross errors.
CASES=("f32 2e-6" "f16 2e-6" "q8_0 2e-3")
for spec in "${CASES[@]}"; do
    read -r type max_abs <<<"$spec"
    model=$WORK/rerank-$type.gguf
    if ! "$BIN" make-model --arch bert --preset tiny --reranker --type "$type" --vocab "$VOCAB" \
        --seed 21 -o "$model" >"$WORK/$type.make.log" 2>&1; then
        fail "$type make-model --reranker" "$WORK/$type.make.log"
        continue
    fi
    if ! "$BIN" rerank --model "$model" --query "$QUERY" --json --threads 2 "${PASSAGES[@]}" \
        >"$WORK/$type.json" 2>"$WORK/$type.rerank.log"; then
        fail "$type rerank" "$WORK/$type.rerank.log"
        continue
    fi
    if $PY "$REF" --model "$model" --compare-rerank "$WORK/$type.json" --max-abs "$max_abs" \
        >"$WORK/$type.cmp.log" 2>&1; then
        sed -e "s/^/$type /" "$WORK/$type.cmp.log"
        pass "$type engine vs reference (|diff| <= $max_abs)"
    else
        fail "$type engine vs reference" "$WORK/$type.cmp.log"
    fi
done

# Framing and truncation, read from the f32 output.
if $PY - "$WORK/f32.json" <<'PY'; then
import json, sys
results = json.load(open(sys.argv[1]))["results"]
assert [r["index"] for r in results] == list(range(5)), results
query_len = None
for r in results:
    tokens, types = r["tokens"], r["token_types"]
    assert len(tokens) == len(types), r
    assert tokens[0] == 101 and tokens[-1] == 102, tokens[:3]
    first_sep = tokens.index(102)
    # type 0 up to and including the first [SEP], then 1
    assert types == [0] * (first_sep + 1) + [1] * (len(tokens) - first_sep - 1), r
    # the query part is the same for every pair, whole even when the passage is cut
    if query_len is None:
        query_len = first_sep
    assert first_sep == query_len, (first_sep, query_len)
assert results[3]["tokens"][query_len:] == [102, 102], "empty passage: [SEP] [SEP]"
long = results[4]
assert long["truncated"] and len(long["tokens"]) == 512, (long["truncated"], len(long["tokens"]))
assert not any(r["truncated"] for r in results[:4])
scores = [r["score"] for r in results]
assert len(set(scores)) == len(scores), scores
PY
    pass "pairs framed [CLS] q [SEP] p [SEP], types 0/1, passage cut to 512 with the query whole"
else
    fail "pairs framed [CLS] q [SEP] p [SEP], types 0/1, passage cut to 512 with the query whole"
fi

# The text output is the passages best first, as the JSON scores order them.
"$BIN" rerank --model "$WORK/rerank-f32.gguf" --query "$QUERY" --threads 2 "${PASSAGES[@]}" \
    >"$WORK/text.out" 2>&1
if $PY - "$WORK/f32.json" "$WORK/text.out" <<'PY'; then
import json, re, sys
scores = [r["score"] for r in json.load(open(sys.argv[1]))["results"]]
order = [int(m.group(1)) for m in re.finditer(r"^\s*\d+\.\s+\S+\s+\[(\d+)\]", open(sys.argv[2]).read(), re.M)]
assert order == sorted(range(len(scores)), key=lambda i: -scores[i]), (order, scores)
PY
    pass "text output best first"
else
    fail "text output best first" "$WORK/text.out"
fi

# Negative control: another seed's reference must reject these scores.
"$BIN" make-model --arch bert --preset tiny --reranker --vocab "$VOCAB" --seed 22 \
    -o "$WORK/other.gguf" >/dev/null 2>&1
if $PY "$REF" --model "$WORK/other.gguf" --compare-rerank "$WORK/f32.json" --max-abs 2e-6 \
    >"$WORK/negative.log" 2>&1; then
    fail "negative control: another model's scores accepted" "$WORK/negative.log"
else
    pass "negative control: another model's scores rejected"
fi

# XLM-R-like unigram vocabulary: <s> q </s></s> p </s>, checked against the reference too.
UGM_VOCAB=$WORK/ugm-vocab.gguf
$PY "$REPO/tests/reference/ugm_reference.py" make-vocab --from "$VOCAB" -o "$UGM_VOCAB" ||
    fatal "cannot write the unigram vocabulary"
"$BIN" make-model --arch bert --preset tiny --reranker --vocab "$UGM_VOCAB" --seed 23 \
    -o "$WORK/rerank-ugm.gguf" >"$WORK/ugm.make.log" 2>&1 || fail "ugm make-model" "$WORK/ugm.make.log"
if "$BIN" rerank --model "$WORK/rerank-ugm.gguf" --query "$QUERY" --json --threads 2 \
    "${PASSAGES[@]}" >"$WORK/ugm.json" 2>"$WORK/ugm.log" &&
    $PY "$REF" --model "$WORK/rerank-ugm.gguf" --compare-rerank "$WORK/ugm.json" --max-abs 2e-6 \
        >"$WORK/ugm.cmp.log" 2>&1 &&
    $PY - "$WORK/ugm.json" <<'PY'; then
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    tokens, types = r["tokens"], r["token_types"]
    assert tokens[0] == 0 and tokens[-1] == 2, tokens
    sep = tokens.index(2)
    assert tokens[sep + 1] == 2, tokens  # </s></s> between the texts
    assert types[: sep + 1] == [0] * (sep + 1) and all(t == 1 for t in types[sep + 1:]), types
PY
    pass "ugm pairs framed <s> q </s></s> p </s>, engine vs reference"
else
    fail "ugm pairs framed <s> q </s></s> p </s>, engine vs reference" "$WORK/ugm.cmp.log"
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
"$BIN" make-model --arch bert --preset tiny --vocab "$VOCAB" -o "$WORK/embedder.gguf" \
    >/dev/null 2>&1
expect_error "rerank with an embedding model" "not a reranker" \
    "$BIN" rerank --model "$WORK/embedder.gguf" --query q --passage p
expect_error "embed with a reranker" "is a reranker" \
    "$BIN" embed --model "$WORK/rerank-f32.gguf" --text hi
expect_error "rerank without passages" "at least one --passage" \
    "$BIN" rerank --model "$WORK/rerank-f32.gguf" --query q
expect_error "kb create with a reranker as embedding model" "is a reranker" \
    "$BIN" kb create bad --data "$WORK/data" --embedding-model "$WORK/rerank-f32.gguf"

echo "$n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
