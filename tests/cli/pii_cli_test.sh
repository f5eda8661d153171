#!/usr/bin/env bash
# `souverain pii scan` (text and --json, byte offsets) and `souverain pii pseudonymize`
# (pseudonyms replace values, stable per key, different across keys), and their error paths.
# Usage: bash pii_cli_test.sh <souverain-binary> <work-dir>
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

printf 'Madame Anne Schmit — née le 3 mars 1980 — anne@uni.lu, tél. +352 621 123 456.\nIBAN LU28 0019 4006 4475 0000\n' >"$WORK/letter.txt"

"$BIN" pii scan "$WORK/letter.txt" >"$WORK/scan.txt" || fail "scan exit status"
grep -q '^EMAIL [0-9]* [0-9]* anne@uni.lu$' "$WORK/scan.txt" || fail "scan text output: $(cat "$WORK/scan.txt")"
[[ $(wc -l <"$WORK/scan.txt") -eq 5 ]] || fail "scan should find 5 entities: $(cat "$WORK/scan.txt")"

"$BIN" pii scan "$WORK/letter.txt" --json >"$WORK/scan.json" || fail "scan --json exit status"
/usr/bin/python3 - "$WORK/letter.txt" "$WORK/scan.json" <<'PY' || fail "scan --json offsets"
import json, sys
data = open(sys.argv[1], "rb").read()
entities = json.load(open(sys.argv[2]))
assert [e["type"] for e in entities] == ["PERSON", "DATE_OF_BIRTH", "EMAIL", "PHONE", "IBAN"], entities
for e in entities:
    assert set(e) == {"type", "start", "end", "text"}, e
    assert data[e["start"]:e["end"]].decode("utf-8") == e["text"], e
PY

printf '%064x\n' 1 >"$WORK/tenant_a.key"
printf '%064x\n' 2 >"$WORK/tenant_b.key"
"$BIN" pii pseudonymize "$WORK/letter.txt" --key-file "$WORK/tenant_a.key" >"$WORK/a1.txt" ||
    fail "pseudonymize exit status"
"$BIN" pii pseudonymize "$WORK/letter.txt" --key-file "$WORK/tenant_a.key" >"$WORK/a2.txt"
"$BIN" pii pseudonymize "$WORK/letter.txt" --key-file "$WORK/tenant_b.key" >"$WORK/b.txt"
grep -q 'anne@uni.lu\|621 123\|Schmit\|LU28' "$WORK/a1.txt" && fail "values left: $(cat "$WORK/a1.txt")"
grep -Eq '<EMAIL_[0-9a-f]{4,}>' "$WORK/a1.txt" || fail "no e-mail pseudonym: $(cat "$WORK/a1.txt")"
cmp -s "$WORK/a1.txt" "$WORK/a2.txt" || fail "pseudonyms not stable for one key"
cmp -s "$WORK/a1.txt" "$WORK/b.txt" && fail "two keys gave the same pseudonyms"

printf 'short\n' >"$WORK/bad.key"
"$BIN" pii pseudonymize "$WORK/letter.txt" --key-file "$WORK/bad.key" 2>"$WORK/err.txt" &&
    fail "a bad key was accepted"
grep -q '^error: .*64 hexadecimal' "$WORK/err.txt" || fail "bad key message: $(cat "$WORK/err.txt")"
"$BIN" pii scan "$WORK/missing.txt" 2>"$WORK/err.txt" && fail "a missing file was accepted"
grep -q '^error: ' "$WORK/err.txt" || fail "missing file message"
"$BIN" eval pii --labels "$WORK/letter.txt" 2>"$WORK/err.txt" && fail "a bad labels file was accepted"
grep -q '^error: .*line 1' "$WORK/err.txt" || fail "bad labels message: $(cat "$WORK/err.txt")"

if [[ $n_failed -gt 0 ]]; then
    echo "pii_cli_test: $n_failed failure(s)"
    exit 1
fi
echo "pii_cli_test: all passed"
