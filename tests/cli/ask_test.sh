#!/usr/bin/env bash
# `souverain ask`: extractive answers (no model) and model answers (a tiny random model) from a
# knowledge base built with the CLI, with citations whose passages are the ingested text at
# their offsets; errors for an unknown base and a bad --top-k.
#
#   bash ask_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
mkdir -p "$WORK/docs"
DATA=$WORK/data

n_failed=0
n_passed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
pass() { n_passed=$((n_passed + 1)); }

cat >"$WORK/docs/reglement.md" <<'DOC'
# Règlement de la bibliothèque

## Art. 1er. Horaires

La bibliothèque est ouverte du lundi au samedi, de neuf heures à dix-huit heures.

## Art. 2. Prêt

Un lecteur peut emprunter cinq livres pour une durée de trois semaines. Le prêt est renouvelable une fois.

## Art. 3. Retards

Un livre rendu en retard entraîne une amende de cinquante centimes par jour.
DOC
printf 'The reading room is quiet. Laptops are allowed on the upper floor only.\n' \
    >"$WORK/docs/rules.txt"

"$BIN" kb create library --data "$DATA" >/dev/null && pass || fail "kb create"
"$BIN" ingest --kb library --data "$DATA" "$WORK/docs" >/dev/null && pass || fail "ingest"

# Extractive: the best passage with its marker, then the sources.
out=$("$BIN" ask --kb library --data "$DATA" --question "Combien de livres peut emprunter un lecteur ?" --top-k 2 2>&1)
status=$?
[[ $status -eq 0 ]] && pass || fail "ask (extractive) exited $status: $out"
grep -q "cinq livres pour une durée de trois semaines.* \[1\]" <<<"$out" && pass \
    || fail "extractive answer does not start with Art. 2 and its marker: $out"
grep -q "^Sources:" <<<"$out" && grep -q "^\[1\] .*reglement.md — .*Art. 2" <<<"$out" && pass \
    || fail "sources not listed: $out"

# Extractive, JSON: every citation's passage is the document text at [start, end).
"$BIN" ask --kb library --data "$DATA" --question "amende retard livre" --json >"$WORK/ask.json" \
    && pass || fail "ask --json"
$PY - "$WORK/ask.json" "$WORK/docs" <<'PY' && pass || fail "ask --json content"
import json, os, sys
out = json.load(open(sys.argv[1]))
citations = out["citations"]
assert citations, out
assert out["answer"].startswith(citations[0]["passage"] + " [1]"), out["answer"]
for i, c in enumerate(citations):
    assert c["number"] == i + 1, c
    text = open(c["document_id"], encoding="utf-8").read()
    assert text[c["start"]:c["end"]] == c["passage"], c
assert citations[0]["metadata"]["article"] == "3", citations[0]
PY

# With a model: generation runs from the grounded prompt; the citations are the same passages.
model=$WORK/tiny.gguf
rm -f "$model"
"$BIN" make-model --arch llama --preset tiny --type q8_0 \
    --vocab "$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf" \
    --chat-template "$REPO/tests/server/chat_templates/mistral_v0.1.jinja" --seed 3 \
    -o "$model" >"$WORK/make-model.log" 2>&1 && pass || fail "make-model: $(tail -3 "$WORK/make-model.log")"
"$BIN" ask --kb library --data "$DATA" --question "amende retard livre" --model "$model" -n 8 \
    --threads 2 --json >"$WORK/ask-model.json" 2>"$WORK/ask-model.err" && pass \
    || fail "ask --model: $(cat "$WORK/ask-model.err")"
$PY - "$WORK/ask.json" "$WORK/ask-model.json" <<'PY' && pass || fail "ask --model content"
import json, sys
extractive = json.load(open(sys.argv[1]))
generated = json.load(open(sys.argv[2]))
assert isinstance(generated["answer"], str), generated
assert generated["citations"] == extractive["citations"], (generated, extractive)
PY
out=$("$BIN" ask --kb library --data "$DATA" --question "Horaires ?" --model "$model" -n 4 --threads 2 2>&1)
[[ $? -eq 0 ]] && grep -q "^Sources:" <<<"$out" && pass || fail "ask --model text output: $out"

# Errors: one line, exit 1.
err=$("$BIN" ask --kb nope --data "$DATA" --question x 2>&1)
[[ $? -eq 1 ]] && grep -q "^error: no knowledge base 'nope'" <<<"$err" && pass \
    || fail "unknown base: $err"
err=$("$BIN" ask --kb library --data "$DATA" --question x --top-k 0 2>&1)
[[ $? -eq 1 ]] && grep -q "^error: --top-k" <<<"$err" && pass || fail "top-k 0: $err"

echo "ask: $n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
