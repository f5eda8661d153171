#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds Release and runs every
# test (unit, command-line, reference checks, the fuzz targets' seed-and-mutation replays),
# then builds Debug with AddressSanitizer + UBSan and runs the same tests again under them.
# About 20 minutes on 2 cores.
#
#   scripts/test.sh            the suite (what .ci/run runs)
#   scripts/test.sh --fuzz     also coverage-guided libFuzzer runs of every fuzz target
#                              (label `fuzz`: clang builds them, FUZZ_SECONDS each, default 60)
#
# Environment: SOUVERAIN_SKIP_DEBUG=1 skips the sanitizer pass (local iteration only).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run_fuzz=0
for arg in "$@"; do
    case "$arg" in
        --fuzz) run_fuzz=1 ;;
        *) echo "usage: scripts/test.sh [--fuzz]" >&2; exit 2 ;;
    esac
done
"$root/scripts/install_deps.sh"
jobs="$(nproc)"
start=$SECONDS
elapsed() { echo "($((SECONDS - start)) s since the start)"; }

echo "== release build"
"$root/scripts/build.sh" release
echo "== release tests $(elapsed)"
(cd "$root/build" && ctest --output-on-failure -j "$jobs" -LE fuzz)

if [ "$run_fuzz" = "1" ]; then
    echo "== libFuzzer runs, ${FUZZ_SECONDS:-60} s a target $(elapsed)"
    export FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
    (cd "$root/build" && ctest --output-on-failure -j "$jobs" -L fuzz)
fi

if [ "${SOUVERAIN_SKIP_DEBUG:-0}" != "1" ]; then
    echo "== debug build (ASan + UBSan) $(elapsed)"
    "$root/scripts/build.sh" debug
    echo "== debug tests (ASan + UBSan) $(elapsed)"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    # The Release pass ran the best kernels this CPU has; this pass runs the AVX2 ones end to
    # end (unit tests compare every level with the scalar twins in both passes).
    export SOUVERAIN_KERNELS="${SOUVERAIN_KERNELS:-avx2}"
    # The server load test sends 10,000 requests in the Release pass; under the sanitizers
    # 1,000 are enough to exercise every request kind, and keep the suite within its budget.
    export LOAD_REQUESTS="${LOAD_REQUESTS_DEBUG:-1000}" LOAD_WARMUP="${LOAD_WARMUP_DEBUG:-300}"
    # The Release pass changes every byte of a receipt's text (and every third of the receipt),
    # one verifying process each; process starts are slow under ASan, so here every 7th.
    export RECEIPT_FLIP_STRIDE="${RECEIPT_FLIP_STRIDE_DEBUG:-7}"
    # The concurrency test's identity check runs one weight type here (both in Release), and
    # the tenant property test 1,000 random requests (2,000 in Release).
    export CONCURRENCY_TYPES="${CONCURRENCY_TYPES_DEBUG:-q4_k_m}"
    export SOUVERAIN_TENANT_REQUESTS="${SOUVERAIN_TENANT_REQUESTS_DEBUG:-1000}"
    # ASan keeps freed memory in quarantine (up to 256 MB), so resident memory grows by design
    # there; the no-growth check is the Release pass's.
    export RSS_LIMIT_KB="${RSS_LIMIT_KB_DEBUG:-400000}"
    # Label `reference`: comparisons with NumPy/Python references, whose time is the
    # reference's; they run in the Release pass (see tests/CMakeLists.txt).
    (cd "$root/build-debug" && ctest --output-on-failure -j "$jobs" -LE "fuzz|reference")
    echo "== debug kernel tests at the CPU's best level (ASan + UBSan) $(elapsed)"
    # The AVX-512 kernels (packed panels included) under the sanitizers, on buffers that end
    # exactly where their data does.
    SOUVERAIN_KERNELS=avx512 "$root/build-debug/tests/souverain_tests" \
        --gtest_filter='Dot*:*Kernel*:*Quantize*' --gtest_brief=1
fi
echo "== all tests passed $(elapsed)"
