#!/usr/bin/env bash
# Builds one libFuzzer target with clang and runs it for a bounded time.
#
#   bash tests/fuzz/run_fuzz.sh NAME OUTDIR      (NAME: gguf_fuzz for tests/fuzz/gguf_fuzz.cpp)
#   bash tests/fuzz/run_fuzz.sh --archive-only OUTDIR   (only the shared archive below; ctest
#                                                        runs this once before the targets)
#
# Environment: FUZZ_SECONDS (default 60) bounds the run; CXX_FUZZ picks the compiler
# (default clang++); FUZZ_JOBS the parallel compiles (default 2).
#
# Every source of src/common, src/engine, src/kernels/generic, src/server, src/storage,
# src/retrieval and src/governance is compiled once into OUTDIR/obj and archived; a target links the archive, so it pulls in only
# the objects it uses. A new target tests/fuzz/foo_fuzz.cpp needs no change here. Optional per target:
#   tests/fuzz/NAME_seeds.py OUTDIR   writes seed inputs (run with /usr/bin/python3)
#   tests/fuzz/corpus/NAME/           checked-in seed inputs
#   tests/fuzz/NAME.dict              libFuzzer dictionary
#   tests/fuzz/NAME.extra             test sources (paths from the repository root, one a line)
#                                     compiled into the target, e.g. tests/test_documents.cpp
# Objects and the target are rebuilt when their source or a header they include is newer
# (clang -MMD dependency files); the target also when the archive is newer. Exit status: 0 when no crash was found.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: run_fuzz.sh NAME OUTDIR" >&2
    exit 2
fi
name=$1
outdir=$2
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
archive_only=0
[[ $name == --archive-only ]] && archive_only=1
target_src=$script_dir/$name.cpp
seconds=${FUZZ_SECONDS:-60}
cxx=${CXX_FUZZ:-clang++}
jobs=${FUZZ_JOBS:-2}

if (( !archive_only )) && [[ ! -f $target_src ]]; then
    echo "run_fuzz.sh: no fuzz target $target_src" >&2
    exit 2
fi
if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "run_fuzz.sh: $cxx not found; fuzz targets need clang with libFuzzer" \
        "(Debian: apt-get install clang)" >&2
    exit 1
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
objdir=$outdir/obj
mkdir -p "$objdir" "$outdir/logs"
# The document parsers' libraries (libxml2, poppler-cpp, libzip) come from pkg-config.
doc_libs=(libxml-2.0 poppler-cpp libzip)
if ! pkg-config --exists "${doc_libs[@]}"; then
    echo "run_fuzz.sh: pkg-config does not find ${doc_libs[*]} (scripts/install_deps.sh)" >&2
    exit 1
fi
read -r -a doc_cflags <<<"$(pkg-config --cflags "${doc_libs[@]}")"
read -r -a doc_ldflags <<<"$(pkg-config --libs "${doc_libs[@]}")"
cxxflags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
          -fno-sanitize-recover=undefined -I"$root/src" "${doc_cflags[@]}")

# --- library objects --------------------------------------------------------------------
mapfile -t sources < <(find "$root/src/common" "$root/src/engine" "$root/src/kernels/generic" "$root/src/server" \
                            "$root/src/storage" "$root/src/retrieval" "$root/src/governance" \
                            -name '*.cpp' 2>/dev/null | sort)

# True when `object` is missing or older than its source or a header it included (its .d file).
stale() {  # object
    local object=$1 dep
    [[ -f $object && -f $object.d ]] || return 0
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$object.d"); do
        [[ -e $dep && ! $dep -nt $object ]] || return 0
    done
    return 1
}

compile_object() {  # source object log
    if "$cxx" "${cxxflags[@]}" -fsanitize=fuzzer-no-link -MMD -MF "$2.d" -c "$1" -o "$2.tmp" \
        >"$3" 2>&1; then
        mv "$2.tmp" "$2"
    else
        rm -f "$2.tmp" "$2"
    fi
}

objects=()
running=0
for src in "${sources[@]}"; do
    rel=${src#"$root/"}
    obj=$objdir/${rel//\//__}.o
    objects+=("$obj")
    stale "$obj" || continue
    echo "run_fuzz.sh: compiling $rel"
    compile_object "$src" "$obj" "$outdir/logs/${rel//\//__}.log" &
    running=$((running + 1))
    if (( running >= jobs )); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

built=()
for obj in "${objects[@]}"; do
    if [[ -f $obj ]]; then
        built+=("$obj")
    else
        log=$outdir/logs/$(basename "${obj%.o}").log
        # A source clang cannot compile only matters if the target needs it: then the link fails.
        echo "run_fuzz.sh: warning: skipped $(basename "${obj%.o}" | sed 's/__/\//g'):" \
            "$(grep -m1 'error' "$log" 2>/dev/null || echo 'compile failed')" >&2
    fi
done
archive=$outdir/libsouverain_fuzz.a
rebuild_archive=0
[[ -f $archive ]] || rebuild_archive=1
for obj in "${built[@]}"; do
    [[ $obj -nt $archive ]] && rebuild_archive=1
done
if (( rebuild_archive )); then
    rm -f "$archive"
    ar rcs "$archive" "${built[@]}"
fi
if (( archive_only )); then
    echo "run_fuzz.sh: archive $archive ready (${#built[@]} objects)"
    exit 0
fi

# --- the target -------------------------------------------------------------------------
binary=$outdir/$name
extra=()
if [[ -f $script_dir/$name.extra ]]; then
    while read -r source; do
        [[ -n $source ]] && extra+=("$root/$source")
    done <"$script_dir/$name.extra"
fi
if [[ ! -x $binary || $archive -nt $binary ]] || stale "$binary"; then
    echo "run_fuzz.sh: building $name"
    "$cxx" "${cxxflags[@]}" -I"$root/tests" -fsanitize=fuzzer -MMD -MF "$binary.d" \
        "$target_src" "${extra[@]}" "$archive" -o "$binary.tmp" -Wl,--as-needed -licui18n -licuuc \
        -lstemmer -lsqlite3 -lsodium -lcrypto "${doc_ldflags[@]}" -pthread
    mv "$binary.tmp" "$binary"
fi

# --- seeds and the run ------------------------------------------------------------------
corpus=$outdir/corpus/$name  # grows across runs
seeds=$outdir/seeds/$name
artifacts=$outdir/artifacts/$name
mkdir -p "$corpus" "$artifacts"
# shellcheck source=fuzz_seeds.sh
source "$script_dir/fuzz_seeds.sh"
fuzz_write_seeds "$name" "$seeds"
fuzz_args=(-max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=20
           -print_final_stats=1 -artifact_prefix="$artifacts/")
if [[ -f $script_dir/$name.dict ]]; then
    fuzz_args+=(-dict="$script_dir/$name.dict")
fi
echo "run_fuzz.sh: running $name for ${seconds}s (corpus $corpus)"
if "$binary" "${fuzz_args[@]}" "$corpus" "$seeds"; then
    echo "run_fuzz.sh: $name: no crash in ${seconds}s"
else
    status=$?
    echo "run_fuzz.sh: $name FAILED (exit $status); reproducers in $artifacts" >&2
    exit "$status"
fi
