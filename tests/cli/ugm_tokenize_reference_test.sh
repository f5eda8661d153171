#!/usr/bin/env bash
# The SentencePiece-unigram tokenizer ("t5" vocabularies: XLM-R, multilingual-e5, bge-m3)
# against the pure-Python Viterbi reference (tests/reference/ugm_reference.py). llama.cpp ships
# no test vectors for it, so the reference writes a synthetic unigram vocabulary (the bge
# WordPiece pieces with pseudo-random scores, XLM-R special tokens) with and without
# remove_extra_whitespaces, and both sides tokenize the same texts: spaces (leading, repeated,
# trailing), unknown characters (upper case is not in the vocabulary), accents, CJK, digits.
#
#   bash ugm_tokenize_reference_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
REF=$REPO/tests/reference/ugm_reference.py
SOURCE_VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf

TEXTS=(
    "hello world"
    "the quick brown fox jumped over the lazy dog"
    "  leading spaces and trailing  "
    "many     spaces    between"
    "Hello World with Capitals"
    "unbelievable tokenization of unigramness"
    "moien lëtzebuerg, wéi geet et? café naïve"
    "東京 and 北京 are cities"
    "numbers 12345 and 3.14159 and 2026-11-22"
    "a"
    "x"
    "!!!??? ... ,,,"
)

n_passed=0
n_failed=0
for mode in keep merge; do
    vocab=$WORK/ugm-$mode.gguf
    extra=()
    [[ $mode == merge ]] && extra=(--remove-extra-whitespaces)
    if ! $PY "$REF" make-vocab --from "$SOURCE_VOCAB" -o "$vocab" "${extra[@]}" 2>"$WORK/make.log"; then
        echo "make-vocab $mode FAIL"
        n_failed=$((n_failed + 1))
        continue
    fi
    for text in "${TEXTS[@]}"; do
        want=$($PY "$REF" tokenize --vocab "$vocab" --text "$text")
        got=$("$BIN" tokenize --model "$vocab" --text "$text" --bos 2>&1)
        if [[ $got == "$want" ]]; then
            n_passed=$((n_passed + 1))
        else
            echo "$mode [$text] FAIL"
            echo "    engine:    $got"
            echo "    reference: $want"
            n_failed=$((n_failed + 1))
        fi
    done
done
# Negative control: the two whitespace modes must disagree on repeated spaces, or the texts
# above would not be testing the mode at all.
a=$("$BIN" tokenize --model "$WORK/ugm-keep.gguf" --text "many     spaces" --bos 2>&1)
b=$("$BIN" tokenize --model "$WORK/ugm-merge.gguf" --text "many     spaces" --bos 2>&1)
if [[ $a != "$b" ]]; then
    n_passed=$((n_passed + 1))
else
    echo "negative control: both whitespace modes gave [$a] FAIL"
    n_failed=$((n_failed + 1))
fi
echo "$n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
