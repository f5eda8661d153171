#!/usr/bin/env bash
# Dense and hybrid search end to end with the real program and a real data directory: a base
# created with the hashing embedder, ingestion that embeds and builds the HNSW index, search in
# each mode (JSON says which mode ran), an upload-style re-ingest that updates the index
# incrementally, a corrupt index file rebuilt from the stored vectors, and the refusals (dense
# without a model, unknown mode, an embedding model given as reranker); and a base whose
# vectors come from a GGUF encoder
# (`make-model --arch bert`, random weights): a chunk's own text finds that chunk first.
# Usage: bash dense_search_test.sh <souverain-binary> <work-dir>
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

cat >"$WORK/docs/lease.md" <<'MD'
# Lease

The tenant pays the rent every month. The landlord returns the deposit when the lease ends.
MD
cat >"$WORK/docs/court.md" <<'MD'
# Court

An appeal against the verdict goes to the higher court within one month.
MD
cat >"$WORK/docs/tax.md" <<'MD'
# Tax

Income tax returns are filed before the end of March each year.
MD

"$BIN" kb create dense --data "$DATA" --embedding-model hashing:128 >"$WORK/create.out" 2>&1 \
    && grep -q "with embedding model hashing:128 (128 dimensions)" "$WORK/create.out" \
    && pass || fail "kb create with hashing model: $(cat "$WORK/create.out")"
"$BIN" kb create plain --data "$DATA" >/dev/null && pass || fail "kb create plain"

out=$("$BIN" ingest --kb dense --data "$DATA" "$WORK/docs" 2>&1)
grep -q "embedded 3 chunks with hashing:128" <<<"$out" && grep -q "dense index built" <<<"$out" \
    && pass || fail "ingest with embedding: $out"
[[ -f $DATA/indexes/1.hnsw && -f $DATA/indexes/1.hnsw.meta ]] && pass || fail "no index files"
"$BIN" ingest --kb plain --data "$DATA" "$WORK/docs" >/dev/null 2>&1 && pass || fail "ingest plain"

check_json() {  # FILE MODE FIRST_DOC [NOTE]
    /usr/bin/python3 - "$@" <<'PY'
import json, os, sys
path, mode, first = sys.argv[1:4]
out = json.load(open(path))
assert out["mode"] == mode, out
assert out["hits"], out
# CLI-ingested documents are named by their absolute path.
assert os.path.basename(out["hits"][0]["document_id"]) == first, out["hits"]
if len(sys.argv) > 4:
    assert sys.argv[4] in out.get("note", ""), out
else:
    assert "note" not in out, out
PY
}

for mode in lexical dense hybrid; do
    "$BIN" search --kb dense --data "$DATA" --query "landlord deposit" --mode $mode --json \
        >"$WORK/$mode.json" && check_json "$WORK/$mode.json" $mode lease.md \
        && pass || fail "search --mode $mode"
done
"$BIN" search --kb dense --data "$DATA" --query "appeal verdict" --json >"$WORK/default.json" \
    && check_json "$WORK/default.json" hybrid court.md && pass || fail "default mode with a model"
"$BIN" search --kb dense --data "$DATA" --query "appeal" --filter lang=en --json \
    >"$WORK/filtered.json" && check_json "$WORK/filtered.json" lexical court.md \
    && pass || fail "filters keep the default lexical"
"$BIN" search --kb plain --data "$DATA" --query "landlord deposit" --mode hybrid --json \
    >"$WORK/fallback.json" && check_json "$WORK/fallback.json" lexical lease.md "no embedding model" \
    && pass || fail "hybrid without a model is lexical with a note"
"$BIN" search --kb plain --data "$DATA" --query "landlord deposit" --json >"$WORK/plain.json" \
    && check_json "$WORK/plain.json" lexical lease.md && pass || fail "default without a model"

# Changed and new files: added to the graph, the replaced chunk marked deleted, no rebuild.
cat >"$WORK/docs/tax.md" <<'MD'
# Tax

Property tax is due on land and buildings.
MD
cat >"$WORK/docs/ship.md" <<'MD'
# Ship

The submarine raised its periscope and listened with sonar.
MD
out=$("$BIN" ingest --kb dense --data "$DATA" "$WORK/docs" 2>&1)
grep -q "embedded 2 chunks" <<<"$out" && grep -q "dense index updated (+2, -1)" <<<"$out" \
    && pass || fail "incremental update: $out"
"$BIN" search --kb dense --data "$DATA" --query "periscope sonar" --mode dense --json \
    >"$WORK/ship.json" && check_json "$WORK/ship.json" dense ship.md && pass || fail "new file found"
rm "$WORK/docs/ship.md"
out=$("$BIN" ingest --kb dense --data "$DATA" "$WORK/docs" 2>&1)
grep -q "dense index updated (+0, -1)" <<<"$out" && pass || fail "removal: $out"
"$BIN" search --kb dense --data "$DATA" --query "periscope sonar" --mode dense --json \
    >"$WORK/gone.json" && ! grep -q ship.md "$WORK/gone.json" && pass || fail "removed file still found"

# A corrupt index file is not trusted: rebuilt from the stored vectors, same answers.
printf 'garbage' | dd of="$DATA/indexes/1.hnsw" bs=1 seek=300 conv=notrunc status=none
"$BIN" search --kb dense --data "$DATA" --query "landlord deposit" --mode dense --json \
    >"$WORK/rebuilt.json" && check_json "$WORK/rebuilt.json" dense lease.md \
    && pass || fail "search after corrupting the index"
out=$("$BIN" ingest --kb dense --data "$DATA" "$WORK/docs" 2>&1)
grep -q "embedded 0 chunks.*dense index updated (+0, -0)" <<<"$out" \
    && pass || fail "the rebuilt index was not saved: $out"

expect_error() {  # PATTERN COMMAND...
    local pattern=$1
    shift
    local err
    err=$("$@" 2>&1)
    local rc=$?
    [[ $rc -eq 1 ]] && grep -q "^error: .*$pattern" <<<"$err" && pass \
        || fail "expected error '$pattern' (rc $rc): $err"
}
expect_error "no embedding model" "$BIN" search --kb plain --data "$DATA" --query x --mode dense
expect_error "unknown search mode" "$BIN" search --kb dense --data "$DATA" --query x --mode semantic
expect_error "filters apply to lexical search only" \
    "$BIN" search --kb dense --data "$DATA" --query x --mode dense --filter lang=en
expect_error "cannot open" "$BIN" kb create enc --data "$DATA" --embedding-model "$WORK/none.gguf"
"$BIN" kb list --data "$DATA" | grep -qx enc && fail "refused model left a base" || pass

# A GGUF encoder: random weights say nothing about relevance, but a chunk's own text embeds to
# (nearly) that chunk's vector, so searching with it must find that chunk first. Not exactly 1:
# the stored vector was embedded from the chunk as ingested, its heading with it.
VOCAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf
if "$BIN" make-model --arch bert --preset tiny --type f32 --vocab "$VOCAB" --seed 5 \
    -o "$WORK/bert.gguf" >"$WORK/bert.log" 2>&1; then
    pass
else
    fail "make-model --arch bert: $(tail -n 3 "$WORK/bert.log")"
fi
"$BIN" kb create enc --data "$DATA" --embedding-model "$WORK/bert.gguf" >/dev/null 2>&1 \
    && "$BIN" ingest --kb enc --data "$DATA" "$WORK/docs" >"$WORK/enc_ingest.log" 2>&1 \
    && pass || fail "a base with a GGUF encoder: $(tail -n 3 "$WORK/enc_ingest.log")"
"$BIN" search --kb enc --data "$DATA" --query "deposit" --mode dense --top-k 10 --json \
    >"$WORK/enc_any.json" 2>&1 || fail "dense search with the encoder: $(cat "$WORK/enc_any.json")"
/usr/bin/python3 - "$BIN" "$DATA" "$WORK/enc_any.json" <<'PY' && pass || fail "the encoder's own-text search"
import json, subprocess, sys
binary, data, path = sys.argv[1:4]
hits = json.load(open(path))["hits"]
assert len(hits) >= 3, hits
for target in hits[:3]:
    out = subprocess.run([binary, "search", "--kb", "enc", "--data", data, "--mode", "dense",
                          "--query", target["text"], "--json"], capture_output=True, text=True,
                         check=True).stdout
    result = json.loads(out)
    assert result["mode"] == "dense", result
    first = result["hits"][0]
    assert first["chunk_id"] == target["chunk_id"], (target["chunk_id"], first)
    assert first["score"] > 0.99 and first["score"] > result["hits"][1]["score"], result["hits"][:2]
PY
expect_error "hashing:DIM takes a dimension" \
    "$BIN" kb create bad --data "$DATA" --embedding-model hashing:2
expect_error "not a reranker" \
    "$BIN" search --kb dense --data "$DATA" --query x --rerank "$WORK/bert.gguf"

# Killed mid-ingest (SIGKILL while files are stored or chunks embedded): the next ingest embeds
# whatever was left without a vector, and every chunk ends with exactly one vector.
/usr/bin/python3 - "$WORK/many" <<'PY'
import json, os, random, sys
os.makedirs(sys.argv[1])
rng = random.Random(3)
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma"]
for f in range(20):
    with open(os.path.join(sys.argv[1], f"part{f:02d}.jsonl"), "w") as out:
        for i in range(1000):
            text = " ".join(rng.choice(words) + str(rng.randrange(500)) for _ in range(20))
            out.write(json.dumps({"_id": f"r{f}-{i}", "title": "", "text": text}) + "\n")
PY
"$BIN" kb create many --data "$DATA" --embedding-model hashing:32 >/dev/null || fail "kb create many"
"$BIN" ingest --kb many --data "$DATA" "$WORK/many" >"$WORK/killed.out" 2>&1 &
pid=$!
sleep 1.5
kill -9 $pid 2>/dev/null && echo "killed ingest after 1.5 s" || echo "ingest ended before the kill"
wait $pid 2>/dev/null
out=$("$BIN" ingest --kb many --data "$DATA" "$WORK/many" 2>&1)
grep -q "dense index" <<<"$out" && pass || fail "ingest after the kill: $out"
counts=$(sqlite3 "$DATA/souverain.db" "SELECT (SELECT count(*) FROM chunks c JOIN kbs k ON \
    k.id = c.kb_id WHERE k.name = 'many'), (SELECT count(*) FROM chunk_vectors v JOIN kbs k ON \
    k.id = v.kb_id WHERE k.name = 'many')")
[[ $counts == "20000|20000" ]] && pass || fail "chunks|vectors after the kill: $counts"
"$BIN" search --kb many --data "$DATA" --query "alpha1 beta2 gamma3" --mode dense --top-k 3 --json \
    >"$WORK/many.json" && /usr/bin/python3 -c "
import json, sys; assert len(json.load(open(sys.argv[1]))['hits']) == 3" "$WORK/many.json" \
    && pass || fail "dense search after the kill"

echo "dense_search_test: $n_passed passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
