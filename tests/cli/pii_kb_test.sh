#!/usr/bin/env bash
# PII pseudonymization by knowledge-base policy, with the real program and a real server:
#   - a base created over HTTP with "pii": "pseudonymize" stores no original value: documents
#     with e-mail addresses, IBANs, LU national ids and phone numbers are searched, and the
#     originals are absent from the hits, from souverain.db (WAL included) and the index files;
#   - every hit's passage is exactly the stored (pseudonymized) text at its offsets;
#   - the same value has one pseudonym across documents of a tenant, another in another tenant;
#   - POST /v1/admin/pii/reverse gives the originals back to the tenant's admin only (editor,
#     user and auditor keys get 403), and never reverses another tenant's pseudonyms;
#   - kept audit texts use the same pseudonyms, reversible by the same route;
#   - `souverain pii reverse --data DIR --tenant T -` does the same on the machine;
#   - a base with the policy off keeps the originals; bad policies are refused.
#
#   bash pii_kb_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DATA=$WORK/srv.data  # server_start NAME uses $SERVER_LOG_DIR/NAME.data
mkdir -p "$DATA"
# A fixed master key, so that the pseudonyms (and the absence of a chance collision between
# the two tenants' tables) are the same on every run.
(umask 077 && printf '%s\n' 5b0c8e1f2a3d4c6b7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6 \
    >"$DATA/audit_pseudonym.key")

model=$WORK/tiny.gguf
make_tiny_model "$model" q8_0 5 || exit 1

expect_error() {
    local what=$1
    shift
    local err
    if err=$("$BIN" "$@" 2>&1 >/dev/null); then fatal "$what: succeeded: $*"; fi
    [[ $err == error:* ]] || fatal "$what: no 'error:' line: $err"
}
expect_error "bad --pii" kb create x --pii maybe --data "$DATA"

"$BIN" admin tenant create ministry --keep-texts on --data "$DATA" >/dev/null || fatal "tenant ministry"
"$BIN" admin tenant create agency --data "$DATA" >/dev/null || fatal "tenant agency"
key() { "$BIN" admin key create --tenant "$1" --role "$2" --data "$DATA" 2>/dev/null || fatal "key $1 $2"; }
ADMIN=$(key ministry admin)
EDITOR=$(key ministry editor)
USER_KEY=$(key ministry user)
AUDITOR=$(key ministry auditor)
AGENCY=$(key agency admin)

server_start srv --model "tiny=$model" --threads 1 --parallel 1 --ctx 512 || exit 1

$PY - "$SERVER_PORT" "$DATA" "$ADMIN" "$EDITOR" "$USER_KEY" "$AUDITOR" "$AGENCY" \
    >"$WORK/http.out" <<'PY' || fatal "HTTP checks (driver: $WORK/http.out, log: $WORK/srv.err)"
import json, os, re, sqlite3, sys, urllib.error, urllib.parse, urllib.request

port, data, admin, editor, user, auditor, agency = sys.argv[1:]
base = f"http://127.0.0.1:{port}"
ORIGINALS = {
    "EMAIL": "anne.schmit@example.lu",
    "IBAN": "LU28 0019 4006 4475 0000",
    "LU_NATIONAL_ID": "1985031212307",
    "PHONE": "+352 621 123 456",
}
PSEUDONYM = re.compile(r"<([A-Z_]+)_([0-9a-f]{4,64})>")

def call(method, path, key, body=None, raw=None):
    data = json.dumps(body).encode() if body is not None else raw
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + key)
    request.add_header("Content-Type", "application/json" if body is not None
                       else "application/octet-stream")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")

def upload(key, kb, name, text):
    q = urllib.parse.urlencode({"filename": name})
    status, body = call("POST", f"/v1/knowledge-bases/{kb}/documents?{q}", key,
                        raw=text.encode())
    assert status in (200, 201), (status, body)

def search(key, kb, query):
    status, body = call("POST", f"/v1/knowledge-bases/{kb}/search", key,
                        {"query": query, "top_k": 50})
    assert status == 200, (status, body)
    return body["data"] if "data" in body else body["hits"]

DOC1 = f"""# Dossier 17

Contact the applicant at {ORIGINALS['EMAIL']} or by phone on {ORIGINALS['PHONE']}.

## Payment

The refund goes to IBAN {ORIGINALS['IBAN']}, national id {ORIGINALS['LU_NATIONAL_ID']}.
The applicant asked again by mail ({ORIGINALS['EMAIL']}) about the refund.
"""
DOC2 = (f"Second letter of dossier 17. Reply to {ORIGINALS['EMAIL']}; the refund account is "
        f"{ORIGINALS['IBAN']}.\n")

# Policies are checked; a pseudonymizing base says so.
status, body = call("POST", "/v1/knowledge-bases", admin, {"name": "x", "pii": "maybe"})
assert status == 400 and body["error"]["param"] == "pii", (status, body)
status, body = call("POST", "/v1/knowledge-bases", admin, {"name": "cases", "pii": "pseudonymize"})
assert status == 201 and body["pii"] == "pseudonymize", (status, body)
status, body = call("POST", "/v1/knowledge-bases", agency, {"name": "cases", "pii": "pseudonymize"})
assert status == 201, (status, body)

upload(editor, "cases", "dossier17.md", DOC1)
upload(editor, "cases", "letter2.txt", DOC2)
upload(agency, "cases", "dossier17.md", DOC1)

# Search finds pseudonyms, never originals; each passage is the stored text at its offsets.
db = sqlite3.connect(f"file:{data}/souverain.db?mode=ro", uri=True)
def stored_text(kb_tenant, document_id):
    rows = db.execute("SELECT d.text FROM documents d JOIN kbs k ON d.kb_id = k.id "
                      "WHERE k.tenant = ? AND k.name = 'cases' AND d.external_id = ?",
                      (kb_tenant, document_id)).fetchall()
    assert len(rows) == 1, (kb_tenant, document_id, rows)
    return rows[0][0]

def pseudonyms_of(tenant, key):
    found = {}
    hits = search(key, "cases", "refund applicant dossier contact payment letter")
    assert {h["document_id"] for h in hits} == {"dossier17.md", "letter2.txt"} or tenant == "agency", hits
    for hit in hits:
        for value in ORIGINALS.values():
            assert value not in hit["text"], ("original in a hit", hit)
        text = stored_text(tenant, hit["document_id"])
        assert text[hit["start"]:hit["end"]] == hit["text"], ("offsets", hit)
        for value in ORIGINALS.values():
            assert value not in text, ("original in the stored text", value)
        for match in PSEUDONYM.finditer(hit["text"]):
            found.setdefault(match.group(1), set()).add((hit["document_id"], match.group(0)))
    return found

mine = pseudonyms_of("ministry", admin)
for kind in ORIGINALS:
    assert kind in mine, ("no pseudonym of type", kind, mine)
# Same value, same pseudonym, in both documents.
emails = {p for _, p in mine["EMAIL"]}
assert len(emails) == 1 and {d for d, _ in mine["EMAIL"]} == {"dossier17.md", "letter2.txt"}, mine
email = emails.pop()
ibans = {p for _, p in mine["IBAN"]}
assert len(ibans) == 1, mine
iban = ibans.pop()
# The pseudonym itself is searchable.
assert any(email in h["text"] for h in search(user, "cases", email)), "pseudonym not found"
# Another tenant: another pseudonym of the same value.
theirs = pseudonyms_of("agency", agency)
agency_email = {p for _, p in theirs["EMAIL"]}.pop()
assert agency_email != email, (agency_email, email)

# Reversal: the admin gets the originals back; another tenant's pseudonym stays.
text = f"Write to {email} and pay {iban}; not {agency_email}, nor <EMAIL_0000>."
status, body = call("POST", "/v1/admin/pii/reverse", admin, {"text": text})
assert status == 200, (status, body)
assert body["text"] == (f"Write to {ORIGINALS['EMAIL']} and pay {ORIGINALS['IBAN']}; not "
                        f"{agency_email}, nor <EMAIL_0000>."), body
assert body["reversed"] == 2, body
status, body = call("POST", "/v1/admin/pii/reverse", agency, {"text": text})
assert status == 200 and ORIGINALS["IBAN"] not in body["text"], body
assert body["text"].startswith(f"Write to {email} and pay {iban}; not {ORIGINALS['EMAIL']}"), body
for who, key in (("editor", editor), ("user", user), ("auditor", auditor)):
    status, body = call("POST", "/v1/admin/pii/reverse", key, {"text": text})
    assert status == 403 and body["error"]["type"] == "permission_error", (who, status, body)
status, body = call("POST", "/v1/admin/pii/reverse", admin, {"txt": text})
assert status == 422, (status, body)

# Kept audit texts: the ministry keeps texts; the chat prompt's e-mail gets the base's pseudonym.
status, body = call("POST", "/v1/chat/completions", user, {
    "model": "tiny", "max_tokens": 4,
    "messages": [{"role": "user", "content": f"Is {ORIGINALS['EMAIL']} registered?"}]})
assert status == 200, (status, body)
status, body = call("GET", "/v1/audit/records?limit=1000", auditor)
assert status == 200, (status, body)
prompts = [r["record"].get("prompt_text", "") for r in body["data"]
           if r["record"]["endpoint"] == "/v1/chat/completions"]
assert prompts and email in prompts[-1] and ORIGINALS["EMAIL"] not in prompts[-1], prompts
status, body = call("POST", "/v1/admin/pii/reverse", admin, {"text": prompts[-1]})
assert status == 200 and ORIGINALS["EMAIL"] in body["text"], body

db.close()
print(email)
print(iban)
print("http checks passed")
PY
EMAIL_P=$(sed -n 1p "$WORK/http.out")
IBAN_P=$(sed -n 2p "$WORK/http.out")

# Nothing the data directory keeps in clear holds an original: the database (its WAL too)
# and the index files. The pseudonym table holds them sealed.
originals=("anne.schmit@example.lu" "LU28 0019 4006 4475 0000" "1985031212307" "+352 621 123 456"
    "621 123 456")
for value in "${originals[@]}"; do
    if grep -rqaF -- "$value" "$DATA"; then
        fatal "original value '$value' found in $(grep -rlaF -- "$value" "$DATA" | tr '\n' ' ')"
    fi
done

# The operator's CLI reverses from standard input or a file, per tenant.
out=$(printf 'mail %s, account %s\n' "$EMAIL_P" "$IBAN_P" |
    "$BIN" pii reverse --data "$DATA" --tenant ministry -) || fatal "pii reverse (stdin)"
[[ $out == "mail anne.schmit@example.lu, account LU28 0019 4006 4475 0000" ]] ||
    fatal "pii reverse: $out"
printf 'mail %s\n' "$EMAIL_P" >"$WORK/in.txt"
out=$("$BIN" pii reverse --data "$DATA" --tenant agency "$WORK/in.txt") || fatal "pii reverse (file)"
[[ $out == "mail $EMAIL_P" ]] || fatal "another tenant's pseudonym was reversed: $out"
expect_error "bad tenant" pii reverse --data "$DATA" --tenant "Bad Name" "$WORK/in.txt"
expect_error "no key" pii reverse --data "$WORK/empty" --tenant ministry "$WORK/in.txt"

# A base with the policy off (the default) keeps the originals.
"$BIN" kb create plain --tenant ministry --data "$DATA" >/dev/null || fatal "kb create plain"
"$BIN" kb create hidden --tenant ministry --pii pseudonymize --data "$DATA" | grep -q pseudonymizing ||
    fatal "kb create --pii pseudonymize"
"$BIN" kb list --tenant ministry --data "$DATA" | grep -qx $'hidden\tpii=pseudonymize' ||
    fatal "kb list does not show the policy"
printf 'Plain contact: anne.schmit@example.lu\n' >"$WORK/plain.txt"
"$BIN" ingest "$WORK/plain.txt" --kb plain --tenant ministry --data "$DATA" >/dev/null ||
    fatal "ingest plain"
"$BIN" ingest "$WORK/plain.txt" --kb hidden --tenant ministry --data "$DATA" >/dev/null ||
    fatal "ingest hidden"
code=$(curl -s -o "$WORK/plain.json" -w '%{http_code}' -H "Authorization: Bearer $USER_KEY" \
    -H 'Content-Type: application/json' -d '{"query": "plain contact"}' \
    "http://127.0.0.1:$SERVER_PORT/v1/knowledge-bases/plain/search")
[[ $code == 200 ]] || fatal "search plain: $code"
grep -qF 'anne.schmit@example.lu' "$WORK/plain.json" || fatal "the plain base lost the original"
code=$(curl -s -o "$WORK/hidden.json" -w '%{http_code}' -H "Authorization: Bearer $USER_KEY" \
    -H 'Content-Type: application/json' -d '{"query": "plain contact"}' \
    "http://127.0.0.1:$SERVER_PORT/v1/knowledge-bases/hidden/search")
[[ $code == 200 ]] || fatal "search hidden: $code"
grep -qF "$EMAIL_P" "$WORK/hidden.json" || fatal "CLI ingestion did not use the tenant's pseudonym"
grep -qF 'anne.schmit@example.lu' "$WORK/hidden.json" && fatal "CLI ingestion kept the original"

server_stop srv || fatal "the server did not stop cleanly"
echo "pii_kb: all checks passed"
