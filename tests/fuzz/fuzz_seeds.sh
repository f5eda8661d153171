# Sourced by run_fuzz.sh and replay.sh: one definition of a fuzz target's seed inputs.
#
#   fuzz_write_seeds NAME DEST    (DEST is emptied first)
# writes what tests/fuzz/NAME_seeds.py generates and the checked-in tests/fuzz/corpus/NAME/.
fuzz_write_seeds() {
    local name=$1 dest=$2
    local dir
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    rm -rf "$dest"
    mkdir -p "$dest"
    if [[ -f $dir/${name}_seeds.py ]]; then
        /usr/bin/python3 "$dir/${name}_seeds.py" "$dest"
    fi
    if [[ -d $dir/corpus/$name ]]; then
        cp -r "$dir/corpus/$name/." "$dest/"
    fi
}
