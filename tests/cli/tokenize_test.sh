#!/usr/bin/env bash
# `souverain tokenize` against llama.cpp's test vectors (a few inputs per vocabulary, through
# --file and --text) and its error path.
# Usage: bash tokenize_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
DATA=$REPO/../shared/testdata/vocab

n_failed=0
n_passed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
pass() { n_passed=$((n_passed + 1)); }

# Inputs checked per vocabulary (indices into the .inp file): plain text, the empty input,
# only newlines, an emoji, mixed scripts, and the long mixed input.
INDICES="0 2 9 18 26 45"
# Of those, the ones also passed through --text.
TEXT_INDICES="0 9 26"

# Split <vocab>.inp on "\n__ggml_vocab_test__\n" (never by lines) into input_<idx>.txt and
# write the expected ids of each input, normalized to single spaces, to expected_<idx>.txt.
split_vectors() {
    local name=$1
    python3 - "$DATA/ggml-vocab-$name.gguf" "$WORK/$name" <<'EOF'
import os, sys
path, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
with open(path + ".inp", "rb") as f:
    inputs = f.read().split(b"\n__ggml_vocab_test__\n")[:-1]
with open(path + ".out", "rb") as f:
    expected = f.read().split(b"\n")[: len(inputs)]
for idx, (text, ids) in enumerate(zip(inputs, expected)):
    with open(os.path.join(out_dir, "input_%d.txt" % idx), "wb") as f:
        f.write(text)
    with open(os.path.join(out_dir, "expected_%d.txt" % idx), "wb") as f:
        f.write(b" ".join(ids.split()) + b"\n")
EOF
}

for name in llama-spm llama-bpe bert-bge; do
    model=$DATA/ggml-vocab-$name.gguf
    if ! split_vectors "$name"; then
        fail "$name: cannot split the test vectors"
        continue
    fi
    for idx in $INDICES; do
        expected=$(cat "$WORK/$name/expected_$idx.txt")
        got=$("$BIN" tokenize --model "$model" --file "$WORK/$name/input_$idx.txt")
        rc=$?
        if [ $rc -ne 0 ] || [ "$got" != "$expected" ]; then
            fail "$name vector $idx via --file: rc=$rc, expected '$expected', got '$got'"
        else
            pass
        fi
    done
    for idx in $TEXT_INDICES; do
        expected=$(cat "$WORK/$name/expected_$idx.txt")
        # Keep trailing newlines of the input: command substitution would strip them.
        text=$(cat "$WORK/$name/input_$idx.txt"; printf x)
        text=${text%x}
        got=$("$BIN" tokenize --model "$model" --text "$text")
        rc=$?
        if [ $rc -ne 0 ] || [ "$got" != "$expected" ]; then
            fail "$name vector $idx via --text: rc=$rc, expected '$expected', got '$got'"
        else
            pass
        fi
    done
done

# --bos frames the text with the vocabulary's special tokens.
check_output() {
    local what=$1 expected=$2
    shift 2
    local got
    got=$("$BIN" "$@")
    local rc=$?
    if [ $rc -ne 0 ] || [ "$got" != "$expected" ]; then
        fail "$what: rc=$rc, expected '$expected', got '$got'"
    else
        pass
    fi
}
check_output "bpe --bos" "128000 9906 1917" \
    tokenize --model "$DATA/ggml-vocab-llama-bpe.gguf" --text "Hello world" --bos
check_output "bert --bos" "101 7592 2088 102" \
    tokenize --model "$DATA/ggml-vocab-bert-bge.gguf" --text "Hello world" --bos
check_output "bpe --parse-special" "128006 882 128007" \
    tokenize --model "$DATA/ggml-vocab-llama-bpe.gguf" --parse-special \
    --text "<|start_header_id|>user<|end_header_id|>"

# Errors: exit status 1, one line "error: ..." on stderr, nothing on stdout.
check_error() {
    local what=$1
    shift
    "$BIN" "$@" >"$WORK/err_stdout.txt" 2>"$WORK/err_stderr.txt"
    local rc=$?
    local n_lines
    n_lines=$(wc -l <"$WORK/err_stderr.txt")
    if [ $rc -ne 1 ]; then
        fail "$what: exit status $rc, expected 1"
    elif [ "$n_lines" -ne 1 ] || ! grep -q '^error: ' "$WORK/err_stderr.txt"; then
        fail "$what: stderr is not one 'error:' line: $(cat "$WORK/err_stderr.txt")"
    elif [ -s "$WORK/err_stdout.txt" ]; then
        fail "$what: unexpected stdout: $(cat "$WORK/err_stdout.txt")"
    else
        pass
    fi
}
check_error "missing text file" \
    tokenize --model "$DATA/ggml-vocab-llama-spm.gguf" --file "$WORK/no-such-file.txt"
check_error "text file is a directory" \
    tokenize --model "$DATA/ggml-vocab-llama-spm.gguf" --file "$WORK"
check_error "missing model" tokenize --model "$WORK/no-such-model.gguf" --text "hi"
check_error "both --text and --file" \
    tokenize --model "$DATA/ggml-vocab-llama-spm.gguf" --text "hi" --file "$WORK/llama-spm/input_0.txt"
check_error "neither --text nor --file" tokenize --model "$DATA/ggml-vocab-llama-spm.gguf"
printf 'not a gguf file' >"$WORK/not-a-model.gguf"
check_error "not a GGUF file" tokenize --model "$WORK/not-a-model.gguf" --text "hi"

echo "tokenize_test: $n_passed passed, $n_failed failed"
[ $n_failed -eq 0 ]
