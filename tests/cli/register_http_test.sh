#!/usr/bin/env bash
# The register over HTTP from a real `souverain serve` on 127.0.0.1 with an API key:
# GET /v1/register is public (JSON, and the HTML page with its lang and security headers),
# GET /v1/models/{id}/card needs the key and shows the served file's SHA-256 (computed in the
# background, equal to sha256sum's) with the administrator fields stored for that file; bad
# parameters are 400, an unknown model 404, and /v1/models/{id} still answers.
# Usage: bash register_http_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fatal() {
    echo "FAIL: $*"
    server_cleanup
    exit 1
}
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
trap server_cleanup EXIT
DATA=$WORK/reg.data  # server_start gives the server named "reg" this data directory

make_tiny_model "$WORK/tiny.gguf" q4_0 5 || exit 1
SHA=$(sha256sum "$WORK/tiny.gguf" | cut -d' ' -f1)
printf '{"openness_level": "open-weights", "provenance": "make-model, seed 5"}' >"$WORK/admin.json"
"$BIN" model-card --model "$WORK/tiny.gguf" --name tiny --set-json "$WORK/admin.json" \
    --data "$DATA" >/dev/null 2>"$WORK/card.err" || fatal "model-card: $(cat "$WORK/card.err")"
cat >"$WORK/assistant.json" <<'EOF'
{"name": "Helpdesk", "organisation": "Commune de Beispilldorf", "model": "tiny",
 "purpose": "Answers questions about opening hours.", "legal_basis": "Loi communale.",
 "human_oversight": "Staff read the conversations weekly.", "risk_class": "limited",
 "contact": "helpdesk@beispilldorf.lu", "status": "in_development"}
EOF
"$BIN" register add --data "$DATA" --json "$WORK/assistant.json" >/dev/null 2>&1 ||
    fatal "register add"

server_start reg --model "tiny=$WORK/tiny.gguf" --api-key secret-key --parallel 1 --threads 1 ||
    exit 1
/usr/bin/python3 - "$SERVER_PORT" "$SHA" <<'PY' || fatal "HTTP checks"
import json, sys, time, urllib.error, urllib.request

port, sha = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"

def get(path, key=None):
    request = urllib.request.Request(base + path)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")

# The card: the key is needed; the hash arrives in the background.
status, _, body = get("/v1/models/tiny/card")
assert status == 401, (status, body)
deadline = time.time() + 60
while True:
    status, _, body = get("/v1/models/tiny/card", "secret-key")
    assert status == 200, (status, body)
    card = json.loads(body)
    assert card["file"]["sha256_status"] in ("pending", "computing", "done"), card["file"]
    if card["file"]["sha256_status"] == "done":
        break
    assert card["file"]["sha256"] is None and card["admin"] is None, card
    assert time.time() < deadline, "the hash did not arrive within 60 s"
    time.sleep(0.1)
assert card["file"]["sha256"] == sha, (card["file"], sha)
assert card["file"]["sha256_progress"] == 1.0, card["file"]
assert card["admin"]["openness_level"] == "open-weights", card["admin"]
assert card["quantization"]["file_type"] == "Q4_0", card["quantization"]

status, _, body = get("/v1/models/nope/card", "secret-key")
assert status == 404 and json.loads(body)["error"]["code"] == "model_not_found", (status, body)
status, _, body = get("/v1/models/tiny", "secret-key")
assert status == 200 and json.loads(body)["id"] == "tiny", (status, body)

# The register: public, with the served file's card.
status, headers, body = get("/v1/register")
assert status == 200, (status, body)
assert headers["Content-Type"].startswith("application/json"), headers
register = json.loads(body)
[helpdesk] = register["assistants"]
assert helpdesk["name"] == "Helpdesk" and helpdesk["model_card"]["file"]["sha256"] == sha, helpdesk
assert helpdesk["algoritmeregister"]["status"] == "In ontwikkeling", helpdesk["algoritmeregister"]
assert helpdesk["atrs"]["phase"] == "Development", helpdesk["atrs"]

status, headers, body = get("/v1/register?format=html&lang=fr")
assert status == 200, (status, body)
assert headers["Content-Type"] == "text/html; charset=utf-8", headers
assert headers["Content-Language"] == "fr", headers
assert "default-src 'none'" in headers["Content-Security-Policy"], headers
assert headers["X-Content-Type-Options"] == "nosniff", headers
assert '<html lang="fr">' in body and "Helpdesk" in body and sha in body

for query, param in (("?format=xml", "format"), ("?format=html&lang=es", "lang")):
    status, _, body = get("/v1/register" + query)
    assert status == 400 and json.loads(body)["error"]["param"] == param, (query, status, body)

status, _, metrics = get("/metrics", "secret-key")
assert 'endpoint="/v1/register",status="200"' in metrics, metrics
assert 'endpoint="/v1/models/{id}/card",status="200"' in metrics, metrics
print("register_http: card, register (JSON and HTML), errors and metrics checked")
PY
# The file is hashed once, for the audit log at start-up or for the card in the background;
# either way the log names the hash.
grep -Eq "souverain: tiny:? (weights )?SHA-256 $SHA" "$WORK/reg.err" ||
    fatal "no hash line in the server log: $(cat "$WORK/reg.err")"
server_stop reg || exit 1
echo "register_http_test: all passed"
