#!/usr/bin/env bash
# The rerank stage and the modes of `eval retrieval` and `ask`, with the real program:
#   - `search --rerank R.gguf` (a random-weight cross-encoder from make-model --reranker) returns
#     the first-stage candidates reordered by the model's scores: the same list the same
#     search gives without --rerank (top --rerank-depth), scored independently pair by pair
#     with `souverain rerank`, sorted; each hit's score is that logit and first_stage_score
#     the candidate's score; JSON says the reranker ran; in lexical and hybrid mode;
#   - `eval retrieval --mode lexical|dense|hybrid [--rerank]`: MRR@10 and R@10 equal those
#     computed here from `search` rankings of the same queries (so eval searches as search does);
#   - `ask` on a base with an embedding model retrieves in hybrid mode and says so in each
#     citation (retrieval_mode); on a base without one, lexical;
#   - errors: an embedding model as reranker, a depth of 0.
#
#   bash rerank_search_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"
VOCAB=$REPO/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf
DATA=$WORK/data

n_failed=0
n_passed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
pass() {
    echo "ok: $*"
    n_passed=$((n_passed + 1))
}

RR=$WORK/rerank.gguf
"$BIN" make-model --arch bert --preset tiny --reranker --vocab "$VOCAB" --seed 31 -o "$RR" \
    >"$WORK/make.log" 2>&1 && pass "make-model --reranker" || fail "make-model: $(tail -3 "$WORK/make.log")"

# A BEIR corpus: 14 short records about rent, courts, taxes and ships, several per topic so
# that a query has many candidates the reranker can reorder.
$PY - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
records = [
    ("d1", "Deposit", "The landlord returns the deposit when the lease ends."),
    ("d2", "Rent", "The tenant pays the rent every month to the landlord."),
    ("d3", "Repairs", "The landlord repairs the heating; the tenant reports damage at once."),
    ("d4", "Notice", "A tenant gives three months notice before leaving the flat."),
    ("d5", "Sublet", "Subletting the flat needs the landlord's written consent."),
    ("d6", "Appeal", "An appeal against the verdict goes to the higher court within one month."),
    ("d7", "Judges", "Three judges hear an appeal; the court publishes its verdict."),
    ("d8", "Costs", "The losing party pays the court costs of the appeal."),
    ("d9", "Income tax", "Income tax returns are filed before the end of March each year."),
    ("d10", "Property tax", "Property tax is due on land and buildings every year."),
    ("d11", "VAT", "Value added tax is charged on most goods and services."),
    ("d12", "Ships", "The submarine raised its periscope and listened with sonar."),
    ("d13", "Harbour", "Ships pay a harbour fee when they dock for more than a day."),
    ("d14", "Pilots", "A pilot guides large ships into the harbour at night."),
]
with open(os.path.join(work, "corpus.jsonl"), "w") as out:
    for rid, title, text in records:
        out.write(json.dumps({"_id": rid, "title": title, "text": text}) + "\n")
queries = [("q1", "landlord tenant flat deposit"), ("q2", "appeal court verdict"),
           ("q3", "tax year"), ("q4", "ships harbour"), ("q5", "the tenant and the landlord")]
with open(os.path.join(work, "queries.jsonl"), "w") as out:
    for qid, text in queries:
        out.write(json.dumps({"_id": qid, "text": text}) + "\n")
qrels = {"q1": ["d1", "d5"], "q2": ["d8"], "q3": ["d10"], "q4": ["d13", "d14"], "q5": ["d3"]}
with open(os.path.join(work, "qrels.tsv"), "w") as out:
    out.write("query-id\tcorpus-id\tscore\n")
    for qid, docs in qrels.items():
        for doc in docs:
            out.write("%s\t%s\t1\n" % (qid, doc))
PY
mkdir -p "$WORK/corpus" && mv "$WORK/corpus.jsonl" "$WORK/corpus/"
"$BIN" kb create beir --data "$DATA" --embedding-model hashing:64 >/dev/null 2>&1 &&
    "$BIN" ingest --kb beir --data "$DATA" "$WORK/corpus" >"$WORK/ingest.log" 2>&1 &&
    pass "base with hashing:64, ingested" || fail "create/ingest: $(tail -3 "$WORK/ingest.log")"
"$BIN" kb create plainbase --data "$DATA" >/dev/null 2>&1 &&
    "$BIN" ingest --kb plainbase --data "$DATA" "$WORK/corpus" >/dev/null 2>&1 &&
    pass "base without a model, ingested" || fail "create/ingest plainbase"

# candidates (no rerank, top DEPTH) -> reranked (top K of DEPTH) -> independent scores.
check_rerank() {  # MODE QUERY
    local mode=$1 query=$2 tag
    tag=$mode-$(tr -c 'a-z' '_' <<<"$query")
    "$BIN" search --kb beir --data "$DATA" --query "$query" --mode "$mode" --top-k 6 --json \
        >"$WORK/$tag.cand.json" 2>"$WORK/$tag.err" || { fail "candidates $tag: $(cat "$WORK/$tag.err")"; return; }
    "$BIN" search --kb beir --data "$DATA" --query "$query" --mode "$mode" --top-k 4 \
        --rerank "$RR" --rerank-depth 6 --json >"$WORK/$tag.rr.json" 2>"$WORK/$tag.err" ||
        { fail "search --rerank $tag: $(cat "$WORK/$tag.err")"; return; }
    local passages=()
    mapfile -t texts < <($PY -c '
import json, sys
for hit in json.load(open(sys.argv[1]))["hits"]:
    assert "\n" not in hit["text"]
    print(hit["text"])' "$WORK/$tag.cand.json")
    for text in "${texts[@]}"; do passages+=(--passage "$text"); done
    "$BIN" rerank --model "$RR" --query "$query" --json --threads 2 "${passages[@]}" \
        >"$WORK/$tag.scores.json" 2>"$WORK/$tag.err" || { fail "rerank $tag: $(cat "$WORK/$tag.err")"; return; }
    if $PY - "$WORK/$tag.cand.json" "$WORK/$tag.rr.json" "$WORK/$tag.scores.json" "$mode" <<'PY'; then
import json, sys
cand = json.load(open(sys.argv[1]))
rr = json.load(open(sys.argv[2]))
scores = [r["score"] for r in json.load(open(sys.argv[3]))["results"]]
mode = sys.argv[4]
assert cand["mode"] == mode and rr["mode"] == mode, (cand["mode"], rr["mode"])
assert "rerank" not in cand, cand.keys()
assert rr["rerank"] == {"model": "rerank", "depth": 6, "candidates": len(cand["hits"])}, rr["rerank"]
assert len(cand["hits"]) == 6, len(cand["hits"])
assert len(set(scores)) == len(scores), scores
order = sorted(range(len(scores)), key=lambda i: -scores[i])[:4]
want = [cand["hits"][i]["chunk_id"] for i in order]
got = [h["chunk_id"] for h in rr["hits"]]
assert got == want, (got, want, scores)
# Not the first-stage order (else the test would not see a missing rerank).
first = [h["chunk_id"] for h in cand["hits"][:4]]
for hit, i in zip(rr["hits"], order):
    assert abs(hit["score"] - scores[i]) <= 1e-5 * max(1.0, abs(scores[i])), (hit["score"], scores[i])
    assert hit["first_stage_score"] == cand["hits"][i]["score"], hit
print("reordered" if got != first else "same order as the first stage")
PY
        pass "$tag: reranked = candidates sorted by independent scores"
    else
        fail "$tag: reranked list is not the candidates sorted by the model's scores"
    fi
}
check_rerank lexical "landlord tenant flat deposit court tax"
check_rerank hybrid "the tenant and the landlord"
check_rerank hybrid "ships harbour"

# At least one of the checked queries must have changed order, else nothing was shown.
changed=0
for f in "$WORK"/*.rr.json; do
    base=${f%.rr.json}
    $PY -c '
import json, sys
c = [h["chunk_id"] for h in json.load(open(sys.argv[1]))["hits"][:4]]
r = [h["chunk_id"] for h in json.load(open(sys.argv[2]))["hits"]]
sys.exit(0 if c != r else 1)' "$base.cand.json" "$f" && changed=$((changed + 1))
done
((changed > 0)) && pass "the reranker changed the order of $changed of 3 lists" ||
    fail "the reranker never changed the first-stage order"

# eval retrieval: its MRR@10 and R@10 are those of `search` rankings of the same queries.
check_eval() {  # LABEL EVAL_FLAGS... -- SEARCH_FLAGS...
    local label=$1
    shift
    local eval_flags=() search_flags=()
    while [[ $# -gt 0 && $1 != -- ]]; do eval_flags+=("$1"); shift; done
    shift
    search_flags=("$@")
    "$BIN" eval retrieval --kb beir --data "$DATA" --queries "$WORK/queries.jsonl" \
        --qrels "$WORK/qrels.tsv" --k 10 --json "${eval_flags[@]}" >"$WORK/eval-$label.json" \
        2>"$WORK/eval-$label.err" || { fail "eval $label: $(cat "$WORK/eval-$label.err")"; return; }
    if $PY - "$BIN" "$DATA" "$WORK" "$WORK/eval-$label.json" "${search_flags[@]}" <<'PY'; then
import json, subprocess, sys
binary, data, work, eval_path = sys.argv[1:5]
flags = sys.argv[5:]
ev = json.load(open(eval_path))
qrels = {}
for line in open(work + "/qrels.tsv").read().splitlines()[1:]:
    q, d, s = line.split("\t")
    qrels.setdefault(q, set()).add(d)
mrr = r10 = 0.0
mode = None
for line in open(work + "/queries.jsonl"):
    q = json.loads(line)
    out = json.loads(subprocess.run([binary, "search", "--kb", "beir", "--data", data, "--query",
                                     q["text"], "--top-k", "10", "--json"] + flags,
                                    capture_output=True, text=True, check=True).stdout)
    mode = out["mode"]
    ranking = []
    for hit in out["hits"]:
        if hit["document_id"] not in ranking:
            ranking.append(hit["document_id"])
    rel = qrels[q["_id"]]
    ranks = [i for i, d in enumerate(ranking[:10]) if d in rel]
    mrr += 1.0 / (ranks[0] + 1) if ranks else 0.0
    r10 += len(ranks) / len(rel)
n = len(qrels)
assert ev["queries"] == n, ev
assert ev["mode"] == mode, (ev["mode"], mode)
assert abs(ev["mrr@10"] - mrr / n) < 1e-9, (ev["mrr@10"], mrr / n)
assert abs(ev["recall@10"] - r10 / n) < 1e-9, (ev["recall@10"], r10 / n)
print("mode %s reranker %s: MRR@10 %.4f R@10 %.4f" % (ev["mode"], ev["reranker"], mrr / n, r10 / n))
PY
        pass "eval $label matches search rankings"
    else
        fail "eval $label does not match search rankings"
    fi
}
check_eval lexical -- --mode lexical
check_eval dense --mode dense -- --mode dense
check_eval hybrid --mode hybrid -- --mode hybrid
check_eval lexical-rerank --rerank "$RR" -- --mode lexical --rerank "$RR"
check_eval hybrid-rerank --mode hybrid --rerank "$RR" --rerank-depth 12 -- --mode hybrid \
    --rerank "$RR" --rerank-depth 12
$PY -c '
import json, sys
ev = json.load(open(sys.argv[1]))
assert ev["reranker"] == "rerank" and ev["mode"] == "hybrid", ev' "$WORK/eval-hybrid-rerank.json" &&
    pass "eval --json names the reranker" || fail "eval --json does not name the reranker"

# ask: hybrid on a base with an embedding model, lexical without; each citation says so.
for spec in "beir hybrid" "plainbase lexical"; do
    read -r kb want <<<"$spec"
    "$BIN" ask --kb "$kb" --data "$DATA" --question "When is the deposit returned?" --json \
        >"$WORK/ask-$kb.json" 2>"$WORK/ask-$kb.err" &&
        $PY -c '
import json, sys
cites = json.load(open(sys.argv[1]))["citations"]
assert cites and all(c["retrieval_mode"] == sys.argv[2] for c in cites), cites' \
            "$WORK/ask-$kb.json" "$want" && pass "ask on $kb retrieves $want" ||
        fail "ask on $kb: $(cat "$WORK/ask-$kb.json" "$WORK/ask-$kb.err")"
done

expect_error() {  # PATTERN COMMAND...
    local pattern=$1
    shift
    local err
    err=$("$@" 2>&1)
    local rc=$?
    [[ $rc -eq 1 ]] && grep -q "^error: .*$pattern" <<<"$err" && pass "error: $pattern" \
        || fail "expected error '$pattern' (rc $rc): $err"
}
expect_error "rerank depth must be 1 to 1000" \
    "$BIN" search --kb beir --data "$DATA" --query x --rerank "$RR" --rerank-depth 0
expect_error "unknown search mode" "$BIN" eval retrieval --kb beir --data "$DATA" \
    --queries "$WORK/queries.jsonl" --qrels "$WORK/qrels.tsv" --mode semantic
expect_error "no embedding model" "$BIN" eval retrieval --kb plainbase --data "$DATA" \
    --queries "$WORK/queries.jsonl" --qrels "$WORK/qrels.tsv" --mode dense

echo "rerank_search: $n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
