#!/usr/bin/env bash
# `souverain model-card` on models made by `souverain make-model`: the card's SHA-256 is the
# one sha256sum computes, its facts are the file's, administrator fields stored with
# --set-json come back for that exact file (also under another name) and not for another
# file, and mistakes are refused without storing anything.
# Usage: bash model_card_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
DATA=$WORK/data
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf
n_failed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}

for seed in 1 2; do
    "$BIN" make-model --arch llama --preset tiny --type q4_k_m --vocab "$VOCAB" --seed $seed \
        -o "$WORK/tiny$seed.gguf" >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log"; exit 1; }
done
SHA1=$(sha256sum "$WORK/tiny1.gguf" | cut -d' ' -f1)
SHA2=$(sha256sum "$WORK/tiny2.gguf" | cut -d' ' -f1)
[[ $SHA1 != "$SHA2" ]] || fail "two seeds made the same file"

"$BIN" model-card --model "$WORK/tiny1.gguf" --json >"$WORK/card.json" 2>"$WORK/card.err" ||
    fail "model-card --json: $(cat "$WORK/card.err")"
grep -Eq '^hashed [0-9.]+ MiB in [0-9.]+ s \([0-9]+ MiB/s\)$' "$WORK/card.err" ||
    fail "no throughput line: $(cat "$WORK/card.err")"
/usr/bin/python3 - "$WORK/card.json" "$SHA1" "$(stat -c %s "$WORK/tiny1.gguf")" <<'PY' || fail "card facts"
import json, sys
card = json.load(open(sys.argv[1]))
assert card["object"] == "model_card" and card["name"] == "tiny1", card
assert card["file"] == {"name": "tiny1.gguf", "bytes": int(sys.argv[3]), "sha256": sys.argv[2],
                        "gguf_version": 3}, card["file"]
assert card["architecture"] == "llama" and card["context_length"] == 2048, card
assert card["quantization"]["file_type"] == "Q4_K_M", card["quantization"]
types = {t["type"] for t in card["quantization"]["tensor_types"]}
assert {"q4_K", "q6_K", "f32"} <= types, types
assert card["parameters"] == sum(t["parameters"] for t in card["quantization"]["tensor_types"])
assert card["gguf_metadata"]["name"] == "souverain-random-tiny", card["gguf_metadata"]
assert card["admin"] is None
PY

cat >"$WORK/admin.json" <<'EOF'
{"provenance": "Made here by souverain make-model (seed 1).",
 "training_data": "None: random weights.",
 "openness_level": "open-source-ai",
 "intended_use": "Tests.",
 "known_limits": "Meaningless output."}
EOF
"$BIN" model-card --model "$WORK/tiny1.gguf" --name tiny --set-json "$WORK/admin.json" \
    --data "$DATA" --json >"$WORK/stored.json" 2>"$WORK/stored.err" ||
    fail "--set-json: $(cat "$WORK/stored.err")"
grep -q "stored the model card of 'tiny'" "$WORK/stored.err" || fail "no stored line: $(cat "$WORK/stored.err")"

# admin_of FILE NAME: the openness level the card of FILE shows under NAME ("null": no fields).
admin_of() {
    "$BIN" model-card --model "$1" --name "$2" --data "$DATA" --json 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys; a = json.load(sys.stdin)["admin"]; print(a["openness_level"] if a else "null")'
}
[[ $(admin_of "$WORK/tiny1.gguf" tiny) == open-source-ai ]] || fail "stored fields not shown"
[[ $(admin_of "$WORK/tiny1.gguf" renamed) == open-source-ai ]] ||
    fail "the same file under another name should find its card"
[[ $(admin_of "$WORK/tiny2.gguf" tiny) == null ]] ||
    fail "another file under the same name must not get the first file's fields"

# Mistakes: nothing is stored, the message names the problem.
printf '{"openness_level": "open"}' >"$WORK/bad_level.json"
"$BIN" model-card --model "$WORK/tiny2.gguf" --name tiny --set-json "$WORK/bad_level.json" \
    --data "$DATA" >/dev/null 2>"$WORK/err.txt" && fail "a bad openness level was accepted"
grep -q '^error: .*bad_level.json: .*openness_level must be one of' "$WORK/err.txt" ||
    fail "bad level message: $(cat "$WORK/err.txt")"
[[ $(admin_of "$WORK/tiny2.gguf" tiny) == null ]] || fail "a refused card was stored"
printf '{"provenance": "x", "licence": "y"}' >"$WORK/bad_key.json"
"$BIN" model-card --model "$WORK/tiny2.gguf" --set-json "$WORK/bad_key.json" --data "$DATA" \
    >/dev/null 2>"$WORK/err.txt" && fail "an unknown field was accepted"
grep -q "^error: .*unknown field 'licence'" "$WORK/err.txt" || fail "unknown field message: $(cat "$WORK/err.txt")"
"$BIN" model-card --model "$WORK/missing.gguf" >/dev/null 2>"$WORK/err.txt" && fail "a missing file was accepted"
grep -q '^error: ' "$WORK/err.txt" || fail "missing file message"
"$BIN" model-card --model "$WORK/admin.json" >/dev/null 2>"$WORK/err.txt" && fail "a JSON file was taken for GGUF"
grep -q '^error: ' "$WORK/err.txt" || fail "not-GGUF message: $(cat "$WORK/err.txt")"

if [[ $n_failed -gt 0 ]]; then
    echo "model_card_test: $n_failed failure(s)"
    exit 1
fi
echo "model_card_test: all passed"
