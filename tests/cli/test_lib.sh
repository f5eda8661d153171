# shellcheck shell=bash
# The shared opening of the shell tests in tests/cli (sourced, not run; the name does not end in
# _test.sh, so ctest does not take it for a test).
#
#   REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
#   source "$REPO/tests/cli/test_lib.sh"
#   test_init [--keep-work] "$@"   the opening of a test script run as
#                                  `bash NAME_test.sh <souverain-binary> <work-dir>`:
#                                  without exactly two arguments prints a usage line and exits 2;
#                                  sets BIN, WORK (absolute) and PY (/usr/bin/python3, Debian's,
#                                  never the one first in PATH); defines `fatal MESSAGE` (stderr,
#                                  exit 1) unless the script has; exits 1 when the binary is not
#                                  executable; empties WORK (--keep-work: only creates it, for
#                                  tests that keep npm packages or models there between runs)
#   require_numpy                  `fatal` unless $PY exists and imports numpy (the NumPy
#                                  references in tests/reference)
#
# A script that wants its own `fatal` (one that also prints a summary line, or stops servers)
# defines it before calling test_init. Sourcing this file only defines functions, so the
# scripts that source tests/server/server_lib.sh for its server helpers alone get nothing else.

test_init() {
    local keep_work=0
    if [[ ${1:-} == --keep-work ]]; then
        keep_work=1
        shift
    fi
    if [[ $# -ne 2 ]]; then
        echo "usage: bash $0 <souverain-binary> <work-dir>" >&2
        exit 2
    fi
    BIN=$1
    WORK=$2
    PY=/usr/bin/python3
    if ! declare -F fatal >/dev/null; then
        fatal() {
            echo "FAIL: $*" >&2
            exit 1
        }
    fi
    [[ -x $BIN ]] || fatal "souverain binary not found or not executable: $BIN"
    [[ $keep_work == 1 ]] || rm -rf "$WORK"
    mkdir -p "$WORK" || fatal "cannot create work directory $WORK"
    WORK=$(cd "$WORK" && pwd)
}

require_numpy() {
    [[ -x $PY ]] || fatal "$PY not found (the references need Debian's python3 with python3-numpy)"
    "$PY" -c "import numpy" 2>/dev/null || fatal "$PY cannot import numpy (install python3-numpy)"
}
