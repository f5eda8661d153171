#!/usr/bin/env bash
# Ingestion and query benchmark on the Legilux corpus (../shared/data/legilux: 1,318 acts of
# consolidated Luxembourg law in French Markdown, 57.5 M characters).
#
#   bash bench/kb_legilux.sh [BINARY] [WORKDIR]     (defaults: build/souverain, /tmp/kb_legilux)
#
# 1. Writes the corpus out as one Markdown file per act ("# title" + the act's Markdown).
# 2. Creates a knowledge base and ingests the folder (lexical only): seconds, MB/s, chunks,
#    and how many chunks carry an article number (the ingest summary).
# 3. Queries: 300 known-item queries (12 words from the middle of random articles, seeded),
#    evaluated with `eval retrieval` (the act is the relevant document): latency p50/p99
#    with posting lists in memory, and recall@10 of the act as a sanity check.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/souverain}
WORK=${2:-/tmp/kb_legilux}
SRC=$ROOT/../shared/data/legilux/lu_legilux_latest_fr.jsonl.gz
rm -rf "$WORK"
mkdir -p "$WORK/acts"

/usr/bin/python3 - "$SRC" "$WORK" <<'PY'
import gzip, json, os, random, re, sys
src, work = sys.argv[1], sys.argv[2]
random.seed(1)
articles = []
for line in gzip.open(src, "rt", encoding="utf-8"):
    act = json.loads(line)
    path = os.path.join(work, "acts", act["work"].replace("/", "_") + ".md")
    title = " ".join(act["title"].split())
    with open(path, "w", encoding="utf-8") as out:
        out.write("# " + title + "\n\n" + act["markdown"])
    for part in re.split(r"\n#{1,6} Art\.[^\n]*\n", act["markdown"])[1:]:
        words = part.split()
        if len(words) >= 40:
            articles.append((os.path.abspath(path), words))
random.shuffle(articles)
with open(os.path.join(work, "queries.jsonl"), "w") as q, open(os.path.join(work, "qrels.tsv"), "w") as r:
    r.write("query-id\tcorpus-id\tscore\n")
    for i, (path, words) in enumerate(articles[:300]):
        start = len(words) // 2 - 6
        q.write(json.dumps({"_id": "q%d" % i, "text": " ".join(words[start:start + 12])}) + "\n")
        r.write("q%d\t%s\t1\n" % (i, path))
PY
du -sh "$WORK/acts" | sed 's/^/corpus folder: /'
"$BIN" kb create legilux --data "$WORK/data" >/dev/null
start=$(date +%s.%N)
"$BIN" ingest --kb legilux --data "$WORK/data" "$WORK/acts"
end=$(date +%s.%N)
echo "ingest wall seconds: $(echo "$end - $start" | bc)"
"$BIN" eval retrieval --kb legilux --data "$WORK/data" --queries "$WORK/queries.jsonl" \
    --qrels "$WORK/qrels.tsv" --k 10
