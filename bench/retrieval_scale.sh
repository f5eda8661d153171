#!/usr/bin/env bash
# Retrieval at scale on a synthetic corpus: ingestion time, query latency (lexical, dense,
# hybrid), index sizes and peak memory.
#
#   bash bench/retrieval_scale.sh [N_CHUNKS] [WORKDIR] [BINARY] [DIM]
#   (defaults: 1000000, /tmp/retrieval_scale, build/souverain, 128)
#
# 1. Writes N one-chunk records as BEIR JSONL files of 50,000 records: 12-40 words each,
#    drawn from a Zipf(1.0) vocabulary of 200,000 made-up words (syllables with accents and
#    umlauts) with a few German, French or English stopwords per record, so that language
#    detection and each language's analyzer run as on real text.
# 2. Ingests them twice, each into its own data directory: lexical only, and into a base
#    created with `--embedding-model hashing:DIM` (vectors from the model-free hashing
#    embedder, then the HNSW index). Wall time and peak RSS of each (/usr/bin/time).
# 3. 300 known-item queries (5 words of a random record, seeded) through
#    `souverain bench-retrieval`: the index opened once, one warm-up query, then p50/p99 per
#    mode; plus the database and HNSW file sizes and the peak RSS of that process.
# SKIP_LEXICAL=1 skips the lexical-only ingest, SKIP_DENSE=1 the dense one (their figures are
# then absent).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
WORK=${2:-/tmp/retrieval_scale}
BIN=${3:-$ROOT/build/souverain}
DIM=${4:-128}
THREADS=${THREADS:-2}
rm -rf "$WORK"
mkdir -p "$WORK/corpus"

/usr/bin/python3 - "$N" "$WORK" <<'PY'
import itertools, json, os, random, sys
n, work = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
onsets = ["b", "br", "d", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "pf", "r", "s", "sch",
          "st", "t", "tr", "v", "w", "z", "ch", "h", "j"]
vowels = ["a", "e", "i", "o", "u", "ä", "ö", "ü", "é", "è", "ai", "ei", "au", "ou", "ie"]
codas = ["", "", "n", "r", "s", "t", "l", "m", "ng", "ck", "ß", "x"]
vocabulary, seen = [], set()
while len(vocabulary) < 200000:
    word = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                   for _ in range(rng.choice([1, 2, 2, 3, 3, 4])))
    if word not in seen:
        seen.add(word)
        vocabulary.append(word)
weights = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(vocabulary))))
stopwords = {"de": "der die das und ist nicht mit von".split(),
             "fr": "le la les et est pas avec des".split(),
             "en": "the and is not with of from this".split()}
languages = list(stopwords)
queries = []
per_file = 50000
for start in range(0, n, per_file):
    with open(os.path.join(work, "corpus", f"part{start // per_file:04d}.jsonl"), "w",
              encoding="utf-8") as out:
        for i in range(start, min(n, start + per_file)):
            words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(12, 40))
            stop = stopwords[languages[i % 3]]
            text = words[:]
            for _ in range(4):
                text.insert(rng.randrange(len(text) + 1), rng.choice(stop))
            out.write(json.dumps({"_id": f"r{i}", "title": " ".join(words[:3]).capitalize(),
                                  "text": " ".join(text)}, ensure_ascii=False) + "\n")
            if rng.random() < 300 / n and len(queries) < 300:
                queries.append(" ".join(rng.sample(words, min(5, len(words)))))
while len(queries) < 300:
    queries.append(" ".join(rng.choices(vocabulary, cum_weights=weights, k=5)))
with open(os.path.join(work, "queries.txt"), "w", encoding="utf-8") as out:
    out.write("\n".join(queries) + "\n")
PY
echo "corpus: $N records in $(ls "$WORK/corpus" | wc -l) files, $(du -sh "$WORK/corpus" | cut -f1)"

timed() {  # LABEL COMMAND...: runs it, prints its output, then wall time and peak RSS
    local label=$1
    shift
    /usr/bin/time -f "$label: wall %e s, peak RSS %M KB" "$@" 2>&1 | grep -v '^\s*$'
}

if [[ ${SKIP_LEXICAL:-0} != 1 ]]; then
    "$BIN" kb create scale --data "$WORK/lexical" >/dev/null
    timed "ingest lexical" "$BIN" ingest --kb scale --data "$WORK/lexical" "$WORK/corpus"
    timed "query lexical" "$BIN" bench-retrieval --kb scale --data "$WORK/lexical" \
        --queries "$WORK/queries.txt"
fi
[[ ${SKIP_DENSE:-0} == 1 ]] && exit 0
"$BIN" kb create scale --data "$WORK/dense" --embedding-model "hashing:$DIM" >/dev/null
timed "ingest dense" "$BIN" ingest --kb scale --data "$WORK/dense" --threads "$THREADS" \
    "$WORK/corpus"
timed "query dense" "$BIN" bench-retrieval --kb scale --data "$WORK/dense" \
    --queries "$WORK/queries.txt" --threads "$THREADS"
du -sh "$WORK"/*/souverain.db "$WORK"/dense/indexes/* 2>/dev/null || true
