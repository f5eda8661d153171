#!/usr/bin/env bash
# From a fresh Debian bookworm machine to a running engine: installs the packages, builds
# the Release program, makes a random-weight TinyLlama-shaped model (no download), and
# generates text with it. Pass --no-run to stop after the build.
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
