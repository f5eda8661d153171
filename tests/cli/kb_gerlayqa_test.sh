#!/usr/bin/env bash
# End to end: build the GerLayQA knowledge base with the CLI (kb create, ingest of the BEIR
# corpus), check re-ingestion skips the unchanged file, the search JSON shape, the refusal of
# dense search, and that `eval retrieval` on the dev split stays at or above Xapian's BM25
# measured on the same files (R@10 0.087, R@100 0.240, MRR@10 0.062, MAP@10 0.044,
# nDCG@10 0.059).
# Usage: bash kb_gerlayqa_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
BEIR=$REPO/../shared/data/gerlayqa/beir
DATA=$WORK/data

n_failed=0
n_passed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
pass() { n_passed=$((n_passed + 1)); }

if [[ ! -f $BEIR/corpus.jsonl ]]; then
    echo "SKIP: no GerLayQA data at $BEIR"
    exit 0
fi

"$BIN" kb create gerlayqa --data "$DATA" >/dev/null && pass || fail "kb create"
"$BIN" kb create gerlayqa --data "$DATA" >/dev/null 2>&1 && fail "kb create twice succeeded" || pass

out=$("$BIN" ingest --kb gerlayqa --data "$DATA" "$BEIR/corpus.jsonl" 2>&1)
echo "$out"
grep -q "ingested 1 files (2377 documents" <<<"$out" && pass || fail "first ingest: $out"
out=$("$BIN" ingest --kb gerlayqa --data "$DATA" "$BEIR/corpus.jsonl" 2>&1)
grep -q "ingested 0 files.*1 unchanged" <<<"$out" && pass || fail "re-ingest not skipped: $out"

"$BIN" search --kb gerlayqa --data "$DATA" --query "Kündigungsfrist für den Mietvertrag einer Wohnung" \
    --top-k 5 --json >"$WORK/search.json" && pass || fail "search"
/usr/bin/python3 - "$WORK/search.json" <<'PY' && pass || fail "search JSON"
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
assert len(hits) == 5, hits
keys = {"document_id", "chunk_id", "score", "title", "metadata", "start", "end", "text"}
for hit in hits:
    assert keys <= set(hit), hit.keys()
    assert hit["document_id"].startswith("§ "), hit
    assert len(hit["text"]) == hit["end"] - hit["start"], hit
scores = [h["score"] for h in hits]
assert scores == sorted(scores, reverse=True), scores
PY

err=$("$BIN" search --kb gerlayqa --data "$DATA" --query x --mode dense 2>&1)
[[ $? -ne 0 ]] && grep -q "no.*embedding model.*lexical\|embedding model and none is configured" <<<"$err" \
    && pass || fail "dense mode: $err"

"$BIN" eval retrieval --kb gerlayqa --data "$DATA" --queries "$BEIR/queries-dev.jsonl" \
    --qrels "$BEIR/qrels-dev.tsv" --k 100 --json >"$WORK/eval.json" && pass || fail "eval"
cat "$WORK/eval.json"
/usr/bin/python3 - "$WORK/eval.json" <<'PY' && pass || fail "eval below the Xapian baseline"
import json, sys
m = json.load(open(sys.argv[1]))
xapian = {"recall@10": 0.087, "recall@100": 0.240, "mrr@10": 0.062, "map@10": 0.044, "ndcg@10": 0.059}
low = {k: (m[k], v) for k, v in xapian.items() if m[k] < v}
assert m["queries"] == 2151, m
assert not low, low
PY

echo "kb_gerlayqa: $n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
