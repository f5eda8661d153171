#!/usr/bin/env bash
# Knowledge bases with models over HTTP (driver: tests/server/kb_models_driver.py): a server
# with a tiny chat model, a served encoder (`--model enc=...`) and a reranker (`--reranker`):
# bases created with an embedding model by name or hashing:DIM (paths refused), dense search
# with the encoder, rerank over HTTP checked against `souverain rerank`, grounded chat in hybrid
# mode; then a server without --reranker refuses "rerank": true.
#
#   bash kb_models_http_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DRIVER=$REPO/tests/server/kb_models_driver.py
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf

make_tiny_model "$WORK/tiny.gguf" q8_0 5 || exit 1
"$BIN" make-model --arch bert --preset tiny --vocab "$VOCAB" --seed 41 -o "$WORK/enc.gguf" \
    >/dev/null 2>&1 || fatal "make-model encoder"
"$BIN" make-model --arch bert --preset tiny --reranker --vocab "$VOCAB" --seed 42 \
    -o "$WORK/rr.gguf" >/dev/null 2>&1 || fatal "make-model reranker"

# A reranker given as --model is refused at start.
if "$BIN" serve --port 0 --data "$WORK/refused.data" --model "$WORK/rr.gguf" \
    >"$WORK/refused.out" 2>&1; then
    fatal "a reranker given as --model was served"
fi
grep -q "^error: .*is a reranker.*--reranker" "$WORK/refused.out" ||
    fatal "no clear error for a reranker as --model: $(cat "$WORK/refused.out")"
echo "ok: a reranker given as --model is refused"

server_start models --model "tiny=$WORK/tiny.gguf" --model "enc=$WORK/enc.gguf" \
    --reranker "$WORK/rr.gguf" --threads 2 --ctx 2048 --parallel 1 || exit 1
$PY "$DRIVER" models --port "$SERVER_PORT" --bin "$BIN" --reranker "$WORK/rr.gguf" \
    --encoder-path "$WORK/enc.gguf" --chat-model tiny || fatal "models phase (server log: $WORK/models.err)"
server_stop models || fatal "the server did not stop cleanly"

server_start norerank --model "tiny=$WORK/tiny.gguf" --threads 2 --ctx 2048 --parallel 1 || exit 1
$PY "$DRIVER" norerank --port "$SERVER_PORT" || fatal "norerank phase (server log: $WORK/norerank.err)"
server_stop norerank || fatal "the server did not stop cleanly"
echo "kb_models_http: all checks passed"
