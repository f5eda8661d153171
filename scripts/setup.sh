#!/usr/bin/env bash
# From a fresh Debian bookworm machine to a running engine: installs the packages, builds
# the Release program, makes a random-weight TinyLlama-shaped model (no download), generates
# text with it, then starts the OpenAI-compatible server, asks it one streamed chat
# completion over HTTP and stops it. Pass --no-run to stop after the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install_deps.sh"
"$root/scripts/build.sh" release
[ "${1:-}" = "--no-run" ] && exit 0

bin="$root/build/souverain"
models="$root/models"
mkdir -p "$models"
vocab="$root/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf"
model="$models/tinyllama-1b-q4_0.gguf"
if [ ! -f "$model" ]; then
    "$bin" make-model --arch llama --preset tinyllama-1b --type q4_0 --vocab "$vocab" --seed 1 -o "$model"
fi
"$bin" inspect "$model" | sed -n "1,30p"  # sed reads everything: no SIGPIPE under pipefail
# Random weights produce random text: this shows the engine running end to end.
"$bin" run --model "$model" --prompt "Luxembourg is" --n-predict 24 --temp 0.7 --seed 42 --verbose

# The main job: the server. It picks a free port and prints it; one streamed request through
# the OpenAI API, then a clean stop (SIGTERM).
log="$models/serve-setup.log"
"$bin" serve --model tinyllama="$model" --host 127.0.0.1 --port 0 --parallel 2 --ctx 512 >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 100); do
    port=$(sed -n 's|^souverain: listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$log" >&2; echo "setup: the server did not start" >&2; exit 1; }
echo "server listening on http://127.0.0.1:$port (OpenAI base URL http://127.0.0.1:$port/v1)"
curl -sS -N "http://127.0.0.1:$port/v1/chat/completions" -H "Content-Type: application/json" \
    -d '{"model": "tinyllama", "messages": [{"role": "user", "content": "Moien!"}],
         "max_tokens": 8, "temperature": 0, "stream": true}'
kill -TERM "$server_pid"
wait "$server_pid"
trap - EXIT
echo "server stopped cleanly"
