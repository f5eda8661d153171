#!/usr/bin/env bash
# The regression run of one fuzz target in the ordinary suite: writes its seed inputs
# (NAME_seeds.py, corpus/NAME/), then replays them and FUZZ_REPLAY_MUTATIONS (default 2000)
# deterministic mutations through the target built by CMake as NAME_replay
# (fuzz_replay_main.cpp), under whatever sanitizers the build has.
#
#   bash tests/fuzz/replay.sh NAME REPLAY-BINARY WORK-DIR
#
# A crash leaves its input in WORK-DIR/replay-crash-input; run it again with
# `REPLAY-BINARY WORK-DIR/replay-crash-input`, or fuzz it further with run_fuzz.sh.
set -euo pipefail
if [[ $# -ne 3 ]]; then
    echo "usage: replay.sh NAME REPLAY-BINARY WORK-DIR" >&2
    exit 2
fi
name=$1
binary=$2
work=$3
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seeds=$work/seeds
# shellcheck source=fuzz_seeds.sh
source "$script_dir/fuzz_seeds.sh"
fuzz_write_seeds "$name" "$seeds"
args=(--mutations "${FUZZ_REPLAY_MUTATIONS:-2000}")
if [[ -f $script_dir/$name.dict ]]; then
    args+=(--dict "$script_dir/$name.dict")
fi
cd "$work"
"$binary" "${args[@]}" "$seeds"
