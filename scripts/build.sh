#!/usr/bin/env bash
# Configures and builds one flavour: `scripts/build.sh release` (build/) or
# `scripts/build.sh debug` (build-debug/, with AddressSanitizer and UBSan).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
flavour="${1:-release}"
case "$flavour" in
    release) dir="$root/build"; type=Release ;;
    debug) dir="$root/build-debug"; type=Debug ;;
    *) echo "usage: $0 release|debug" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
ninja -C "$dir" -j "${SOUVERAIN_BUILD_JOBS:-$(nproc)}"
