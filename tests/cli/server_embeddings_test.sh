#!/usr/bin/env bash
# POST /v1/embeddings end to end: one server with a tiny bert encoder and a tiny llama
# generator; tests/server/embeddings_driver.py checks the OpenAI shape, that the vectors are
# exactly those of `souverain embed` (texts, token arrays, base64), usage, and the 400/404/422
# refusals (wrong dimensions, over-long input, generator vs encoder both ways); then the
# official OpenAI Node client (openai@4.95.0, installed into <work-dir> as
# server_openai_client_test.sh does) calls embeddings.create. The server must stop cleanly.
#
#   bash server_embeddings_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init --keep-work "$@"
OPENAI_VERSION=4.95.0
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf
command -v node >/dev/null || fatal "node not found (Node 20 is needed)"
rm -rf "$WORK"/*.out "$WORK"/*.err "$WORK"/*.data "$WORK"/*.gguf "$WORK"/*.json

ENCODER=$WORK/bert-tiny.gguf
"$BIN" make-model --arch bert --preset tiny --type q8_0 --vocab "$VOCAB" --seed 5 \
    -o "$ENCODER" >"$WORK/make.log" 2>&1 || fatal "make-model bert failed: $(tail -n 3 "$WORK/make.log")"
GENERATOR=$WORK/llama-tiny.gguf
make_tiny_model "$GENERATOR" q8_0 1
"$BIN" embed --model "$ENCODER" --json --text "Hello world" --text "Moien! Wéi geet et?" \
    --text "a" >"$WORK/engine.json" 2>"$WORK/embed.log" || fatal "souverain embed failed"

server_start main --model "bert=$ENCODER" --model "llama=$GENERATOR" --threads 2 --ctx 256
PORT=$SERVER_PORT

status=0
/usr/bin/python3 "$REPO/tests/server/embeddings_driver.py" --port "$PORT" --encoder bert \
    --generator llama --engine "$WORK/engine.json" --dimension 128 --max-tokens 512 || status=1

installed=$(node -p "try { require('$WORK/node_modules/openai/package.json').version } catch { '' }" \
    2>/dev/null)
if [[ $installed != "$OPENAI_VERSION" ]]; then
    npm install --no-audit --no-fund --prefix "$WORK" "openai@$OPENAI_VERSION" >"$WORK/npm.log" 2>&1 ||
        { tail -n 20 "$WORK/npm.log" >&2; fatal "npm install openai@$OPENAI_VERSION failed"; }
fi
OPENAI_NODE_MODULES=$WORK SOUVERAIN_URL=http://127.0.0.1:$PORT/v1 SOUVERAIN_ENCODER=bert \
    SOUVERAIN_GENERATOR=llama SOUVERAIN_DIMENSION=128 SOUVERAIN_ENGINE=$WORK/engine.json \
    node --test --test-reporter=spec "$REPO/tests/server/openai_embeddings_client_test.mjs" ||
    status=1

server_stop main || status=1
[[ $status -eq 0 ]] || fatal "see the failed checks above"
echo "PASS"
