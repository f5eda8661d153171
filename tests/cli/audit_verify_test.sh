#!/usr/bin/env bash
# `souverain audit verify` against tampering done directly in the SQLite file with the sqlite3
# program, each attack on a fresh copy of one log of 10 records: an edited record (naively,
# then with its leaf hash recomputed), a deleted one, two swapped, one inserted; each must exit
# 1 naming that record. Then a tree head saved earlier is checked against the grown log
# (consistency proof), and a truncation that only the saved head can reveal.
# Usage: bash audit_verify_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
n_failed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
if ! command -v sqlite3 >/dev/null; then
    echo "audit_verify_test: the sqlite3 program is missing (scripts/install_deps.sh)"
    exit 1
fi

BASE=$WORK/base
for i in $(seq 0 9); do
    "$BIN" audit append --data "$BASE" --json \
        "{\"tenant\":\"t$i\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"tiny\",\"status\":200,\"prompt_tokens\":$i,\"sources\":[{\"kb\":\"laws\",\"document\":\"d$i\",\"chunk_id\":$i}]}" \
        >/dev/null || fail "append $i"
done
"$BIN" audit tree-head --data "$BASE" --out "$WORK/head10.json" >/dev/null || fail "tree-head"
"$BIN" audit verify --data "$BASE" --tree-head "$WORK/head10.json" >"$WORK/out.txt" ||
    fail "the intact log does not verify: $(cat "$WORK/out.txt")"
grep -q '^ok: 10 records, root [0-9a-f]\{64\}, key [0-9a-f]\{16\}; consistent with the saved tree head of size 10$' \
    "$WORK/out.txt" || fail "ok line: $(cat "$WORK/out.txt")"

# A fresh copy of the intact log (the key file keeps its 0600 mode).
fresh() {
    rm -rf "$WORK/$1"
    cp -a "$BASE" "$WORK/$1"
    echo "$WORK/$1"
}
# SHA-256(0x00 || bytes) of a file's bytes, as an SQL blob literal.
leaf_blob() {
    "$PY" -c 'import hashlib, sys; print("X\x27" + hashlib.sha256(b"\0" + open(sys.argv[1], "rb").read()).hexdigest() + "\x27")' "$1"
}
# Runs verify on DIR; it must exit 1 with an error line matching PATTERN.
expect_fault() {
    local dir=$1 pattern=$2 what=$3
    "$BIN" audit verify --data "$dir" >"$WORK/out.txt" 2>"$WORK/err.txt"
    local rc=$?
    [[ $rc -eq 1 ]] || fail "$what: exit code $rc, expected 1 ($(cat "$WORK/out.txt"))"
    grep -q "$pattern" "$WORK/err.txt" || fail "$what: $(cat "$WORK/err.txt")"
}

D=$(fresh edit)
sqlite3 "$D/souverain.db" "UPDATE audit_records SET canonical = replace(canonical, '\"tenant\":\"t4\"', '\"tenant\":\"tX\"') WHERE seq = 4"
expect_fault "$D" '^error: record 4 was changed: its bytes do not match its leaf hash$' "edit"

D=$(fresh edit_rehashed)
sqlite3 "$D/souverain.db" "SELECT canonical FROM audit_records WHERE seq = 4" | tr -d '\n' |
    sed 's/"status":200/"status":403/' >"$WORK/edited.json"
sqlite3 "$D/souverain.db" "UPDATE audit_records SET canonical = CAST(readfile('$WORK/edited.json') AS TEXT), leaf_hash = $(leaf_blob "$WORK/edited.json") WHERE seq = 4"
expect_fault "$D" '^error: record 4 was changed: the log no longer matches the signed tree head of size 5$' \
    "edit with the leaf hash recomputed"

D=$(fresh delete)
sqlite3 "$D/souverain.db" "DELETE FROM audit_records WHERE seq = 6"
expect_fault "$D" '^error: record 6 was removed$' "delete"

D=$(fresh swap)
sqlite3 "$D/souverain.db" "UPDATE audit_records SET seq = -1 WHERE seq = 3; UPDATE audit_records SET seq = 3 WHERE seq = 7; UPDATE audit_records SET seq = 7 WHERE seq = -1"
expect_fault "$D" '^error: record 3 was reordered: it is stored as record 7' "swap"

D=$(fresh insert)
# A well-formed record numbered 5 with its correct leaf hash, the later ones moved up by one.
sqlite3 "$D/souverain.db" "SELECT canonical FROM audit_records WHERE seq = 2" | tr -d '\n' |
    sed 's/"seq":2/"seq":5/; s/"tenant":"t2"/"tenant":"intruder"/' >"$WORK/inserted.json"
sqlite3 "$D/souverain.db" "UPDATE audit_records SET seq = -seq - 1 WHERE seq >= 5; UPDATE audit_records SET seq = -seq WHERE seq < 0; INSERT INTO audit_records (seq, canonical, leaf_hash) VALUES (5, CAST(readfile('$WORK/inserted.json') AS TEXT), $(leaf_blob "$WORK/inserted.json"))"
expect_fault "$D" '^error: record 5 was inserted' "insert"

# The tree head saved at 10 records stays consistent with the log as it grows.
D=$(fresh grown)
for i in $(seq 10 16); do
    "$BIN" audit append --data "$D" --json "{\"tenant\":\"t$i\",\"status\":200}" >/dev/null || fail "append $i"
done
"$BIN" audit verify --data "$D" --tree-head "$WORK/head10.json" >"$WORK/out.txt" 2>&1 ||
    fail "grown log vs saved head: $(cat "$WORK/out.txt")"
grep -q '^ok: 17 records, .*consistent with the saved tree head of size 10$' "$WORK/out.txt" ||
    fail "consistency line: $(cat "$WORK/out.txt")"
"$BIN" audit tree-head --data "$D" --out "$WORK/head17.json" >/dev/null
"$BIN" audit verify --data "$BASE" --tree-head "$WORK/head17.json" 2>"$WORK/err.txt" &&
    fail "a log older than the saved head was accepted"
grep -q '^error: records 10 to 16 were removed' "$WORK/err.txt" || fail "older log: $(cat "$WORK/err.txt")"

# Removing the last records together with their tree heads leaves nothing inside the database
# to show it; the saved head does.
D=$(fresh truncated)
sqlite3 "$D/souverain.db" "DELETE FROM audit_records WHERE seq >= 8; DELETE FROM audit_tree_heads WHERE tree_size > 8"
"$BIN" audit verify --data "$D" >/dev/null 2>&1 || fail "truncated log alone should look intact"
"$BIN" audit verify --data "$D" --tree-head "$WORK/head10.json" 2>"$WORK/err.txt" &&
    fail "truncation not caught by the saved head"
grep -q '^error: records 8 to 9 were removed: the saved tree head has 10 records' "$WORK/err.txt" ||
    fail "truncation: $(cat "$WORK/err.txt")"

# A saved head with one changed character is refused.
sed 's/"tree_size":10/"tree_size":11/' "$WORK/head10.json" >"$WORK/head_forged.json"
"$BIN" audit verify --data "$BASE" --tree-head "$WORK/head_forged.json" 2>"$WORK/err.txt" &&
    fail "a forged saved head was accepted"
grep -q 'invalid signature' "$WORK/err.txt" || fail "forged head: $(cat "$WORK/err.txt")"

# The server itself refuses to extend an altered log.
D=$(fresh refuse)
sqlite3 "$D/souverain.db" "UPDATE audit_records SET canonical = CAST(readfile('$WORK/edited.json') AS TEXT), leaf_hash = $(leaf_blob "$WORK/edited.json") WHERE seq = 4"
"$BIN" audit append --data "$D" --json '{"tenant":"t"}' 2>"$WORK/err.txt" &&
    fail "appended to an altered log"
grep -q 'run `souverain audit verify`' "$WORK/err.txt" || fail "refusal: $(cat "$WORK/err.txt")"

"$BIN" audit verify --data "$WORK/nothing-here" 2>"$WORK/err.txt" && fail "verify of an empty directory"
grep -q '^error: no signing key' "$WORK/err.txt" || fail "empty directory: $(cat "$WORK/err.txt")"

if [[ $n_failed -gt 0 ]]; then
    echo "audit_verify_test: $n_failed failure(s)"
    exit 1
fi
echo "audit_verify_test: all passed"
