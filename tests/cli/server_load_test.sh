#!/usr/bin/env bash
# `souverain serve` under a long mixed load (driver: tests/server/load_driver.py): 1,000
# warm-up requests, then 10,000 more from 8 concurrent clients on 127.0.0.1 against a tiny
# model -- valid short completions (max_tokens 1-4, chat and legacy, stream and not), invalid
# JSON, wrong types, unknown / missing fields, values out of range, unknown model, bodies over
# --max-body-bytes, unknown routes, GET /v1/models, /health, /metrics, truncated bodies, cut
# headers and clients that close early. Every answer must be the one its kind calls for;
# afterwards the server must still answer as before (same greedy completion), hold no slot or
# queue entry, and its VmRSS must be at most RSS_LIMIT_KB (default 4096 kB) above the VmRSS
# after the warm-up. Then SIGTERM must stop it cleanly.
#
#   bash server_load_test.sh <souverain-binary> <work-dir>
#
# Environment: LOAD_REQUESTS (10000), LOAD_WARMUP (1000), LOAD_CLIENTS (8), RSS_LIMIT_KB.
# Runs in about 15-40 s on 2 cores (300-900 requests/s; 240 s measured once with the load
# average at 10). Measured growth: +1.9 MB after 10,000 requests, +3.1 MB after 30,000:
# allocator arenas settling, the audit log's SQLite page cache filling (capped at 512 KiB) and
# its Merkle tree in memory (64 bytes per generating request, by design: audit_log.h).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init --keep-work "$@"
MAX_BODY=16384
[[ -x $PY ]] || fatal "$PY not found"
rm -rf "$WORK"/*.out "$WORK"/*.err "$WORK"/*.data "$WORK"/*.gguf "$WORK"/*.log
start_s=$SECONDS

make_tiny_model "$WORK/tiny.gguf" q4_0 5
server_start load --model "tiny=$WORK/tiny.gguf" --parallel 4 --threads 2 --ctx 256 \
    --max-body-bytes $MAX_BODY
echo "server pid $SERVER_PID on port $SERVER_PORT"

$PY "$REPO/tests/server/load_driver.py" --port "$SERVER_PORT" --pid "$SERVER_PID" \
    --warmup "${LOAD_WARMUP:-1000}" --requests "${LOAD_REQUESTS:-10000}" \
    --clients "${LOAD_CLIENTS:-8}" --max-body-bytes $MAX_BODY \
    --rss-limit-kb "${RSS_LIMIT_KB:-4096}" --time-limit 600
driver_status=$?
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    sed -e 's/^/    /' "$WORK/load.err" | tail -n 20 >&2
    fatal "the server died during the load (its stderr is above)"
fi
[[ $driver_status -eq 0 ]] || fatal "the load test failed (see above)"
server_stop load || fatal "the server did not stop cleanly after the load"
echo "server stopped cleanly on SIGTERM"
echo "PASS ($((SECONDS - start_s)) s)"
