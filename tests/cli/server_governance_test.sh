#!/usr/bin/env bash
# The audit log and AI-Act disclosures of `souverain serve --data DIR` (driver:
# tests/server/governance_driver.py): generated answers carry headers and signed receipts that
# `souverain receipt verify` accepts (and refuses with one character changed), every request
# appends one record, inclusion and consistency proofs verify; after the server stops,
# `souverain audit verify` accepts the log (also against a head saved early) and names the
# record changed with sqlite3. Then --disclosure-notice and --audit-keep-texts.
#
#   bash server_governance_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DRIVER=$REPO/tests/server/governance_driver.py
[[ -x $PY ]] || fatal "$PY not found"
command -v sqlite3 >/dev/null || fatal "the sqlite3 program is missing (scripts/install_deps.sh)"

model=$WORK/tiny.gguf
make_tiny_model "$model" q8_0 5 || exit 1
flags=(--model "tiny=$model" --threads 2 --ctx 1024 --parallel 2)
DATA=$WORK/gov.data

server_start gov "${flags[@]}" || exit 1
grep -q "tiny weights SHA-256 $(sha256sum "$model" | cut -c1-64)" "$WORK/gov.err" ||
    fatal "serve did not print the weights SHA-256"
$PY "$DRIVER" run --port "$SERVER_PORT" --model tiny --model-file "$model" --bin "$BIN" \
    --data "$DATA" --work "$WORK" || fatal "driver (server log: $WORK/gov.err)"
server_stop gov || fatal "the server did not stop cleanly"
count=$(cat "$WORK/count")

out=$("$BIN" audit verify --data "$DATA" --tree-head "$WORK/early_head.json" 2>&1) ||
    fatal "audit verify of the served log: $out"
[[ $out == "ok: $count records,"* ]] || fatal "audit verify: $out"
echo "ok: audit verify --tree-head EARLY: $out"

# A restart extends the same log (open() checks it against its signed head).
server_start gov "${flags[@]}" || exit 1
$PY - "$SERVER_PORT" "$count" <<'PYEOF' || fatal "restart: the log does not continue"
import sys, json, urllib.request
port, count = sys.argv[1], int(sys.argv[2])
req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", method="POST",
    data=json.dumps({"model": "tiny", "prompt": "a", "max_tokens": 2}).encode(),
    headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
head = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/audit/tree-head"))
assert head["tree_size"] == count + 1, head
PYEOF
server_stop gov || fatal "the server did not stop cleanly"
"$BIN" audit verify --data "$DATA" >/dev/null 2>&1 || fatal "audit verify after the restart"
echo "ok: a restarted server extends the log"

# One changed byte in a stored record: verify exits 1 naming it, and serve refuses the log.
sqlite3 "$DATA/souverain.db" \
    "UPDATE audit_records SET canonical = replace(canonical, '\"status\":200', '\"status\":201') WHERE seq = 2" ||
    fatal "sqlite3 update"
out=$("$BIN" audit verify --data "$DATA" 2>&1)
rc=$?
[[ $rc -eq 1 ]] || fatal "audit verify of a tampered log exited $rc: $out"
[[ $out == *"record 2"* ]] || fatal "audit verify does not name record 2: $out"
echo "ok: tampered record: audit verify exit 1 ($out)"
if "$BIN" serve --data "$DATA" --port 0 --model "tiny=$model" >"$WORK/refused.out" 2>&1; then
    fatal "serve started on a tampered log"
fi
grep -q "audit verify" "$WORK/refused.out" || fatal "serve's refusal does not name audit verify"
echo "ok: serve refuses a tampered log"

# The visible notice (in the user's language) and kept, pseudonymized texts.
server_start notice "${flags[@]}" --disclosure-notice --audit-keep-texts || exit 1
$PY - "$SERVER_PORT" "$BIN" "$WORK/notice.data" "$WORK" <<'PYEOF' || fatal "notice/keep-texts"
import sys, json, subprocess, urllib.request
port, binary, data, work = sys.argv[1:5]
def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST",
        data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
body = post("/v1/chat/completions", {"model": "tiny", "max_tokens": 4, "messages": [
    {"role": "user", "content": "Bonjour, je voudrais savoir combien de jours de congé j'ai. "
     "Mon adresse est jean.dupont@example.lu"}]})
text = body["choices"][0]["message"]["content"]
assert text.endswith("[Ce texte a été généré par une intelligence artificielle.]"), text
open(f"{work}/notice.json", "w").write(json.dumps(body))
open(f"{work}/notice.txt", "w").write(text)
r = subprocess.run([binary, "receipt", "verify", f"{work}/notice.json", "--text",
                    f"{work}/notice.txt", "--data", data])
assert r.returncode == 0, "the receipt does not cover the notice"
recs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/audit/records"))["data"]
rec = recs[0]["record"]
assert "prompt_text" in rec and "output_text" in rec, rec
assert "jean.dupont@example.lu" not in rec["prompt_text"], rec["prompt_text"]
assert "<EMAIL_" in rec["prompt_text"], rec["prompt_text"]
print("ok: notice in French, covered by the receipt; kept texts pseudonymized")
PYEOF
server_stop notice || fatal "the server did not stop cleanly"
echo "server_governance: all checks passed"
