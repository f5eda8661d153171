#!/usr/bin/env bash
# `souverain serve` through the official OpenAI Node client, pinned to openai@4.95.0:
# models, chat completions and completions (stream and not, n, stop, logprobs, max_tokens,
# usage) and the typed errors the client raises (404, 400, 422, 401, 413).
#
#   bash server_openai_client_test.sh <souverain-binary> <work-dir>
#
# Installs the client from the npm registry into <work-dir> (once; reused afterwards), makes
# a random-weight tiny model with the Mistral v0.1 chat template, starts two servers on
# 127.0.0.1 (--port 0; the second with --api-key), runs tests/server/openai_client_test.mjs
# with node --test, then stops both with SIGTERM and checks that they exit cleanly.
# Runs in about 10-20 s once the client is installed (40 s with the load average at 10).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init --keep-work "$@"
OPENAI_VERSION=4.95.0
CTX=256
MAX_BODY=65536
API_KEY=sk-test-$RANDOM$RANDOM
command -v node >/dev/null || fatal "node not found (Node 20 is needed)"
command -v npm >/dev/null || fatal "npm not found"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fatal "Node $node_major is too old (20 or later is needed)"
rm -rf "$WORK"/*.out "$WORK"/*.err "$WORK"/*.data "$WORK"/*.gguf
start_s=$SECONDS

installed=$(node -p "try { require('$WORK/node_modules/openai/package.json').version } catch { '' }" \
    2>/dev/null)
if [[ $installed != "$OPENAI_VERSION" ]]; then
    echo "installing openai@$OPENAI_VERSION into $WORK"
    npm install --no-audit --no-fund --prefix "$WORK" "openai@$OPENAI_VERSION" >"$WORK/npm.log" 2>&1 ||
        { tail -n 20 "$WORK/npm.log" >&2; fatal "npm install openai@$OPENAI_VERSION failed"; }
else
    echo "openai@$OPENAI_VERSION already installed in $WORK"
fi

MODEL=$WORK/tiny-q4_0.gguf
make_tiny_model "$MODEL" q4_0 1

server_start main --model "tiny=$MODEL" --parallel 4 --threads 2 --ctx $CTX \
    --max-body-bytes $MAX_BODY
MAIN_PORT=$SERVER_PORT
server_start auth --model "tiny=$MODEL" --parallel 1 --threads 1 --ctx $CTX --api-key "$API_KEY"
AUTH_PORT=$SERVER_PORT
echo "servers on ports $MAIN_PORT (open) and $AUTH_PORT (API key) after $((SECONDS - start_s)) s"

test_start=$SECONDS
OPENAI_NODE_MODULES=$WORK \
    SOUVERAIN_URL=http://127.0.0.1:$MAIN_PORT/v1 \
    SOUVERAIN_AUTH_URL=http://127.0.0.1:$AUTH_PORT/v1 \
    SOUVERAIN_API_KEY=$API_KEY \
    SOUVERAIN_MODEL=tiny \
    SOUVERAIN_CTX=$CTX \
    SOUVERAIN_MAX_BODY=$MAX_BODY \
    node --test --test-reporter=spec "$REPO/tests/server/openai_client_test.mjs"
node_status=$?
echo "node tests took $((SECONDS - test_start)) s (exit status $node_status)"

stop_ok=1
server_stop main || stop_ok=0
server_stop auth || stop_ok=0
[[ $node_status -eq 0 ]] || fatal "the OpenAI client tests failed (see above)"
[[ $stop_ok -eq 1 ]] || fatal "a server did not stop cleanly on SIGTERM"
echo "both servers stopped cleanly on SIGTERM (exit 0)"
echo "PASS ($((SECONDS - start_s)) s)"
