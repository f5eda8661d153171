#!/usr/bin/env bash
# Tenants and API keys with the real program: `souverain admin tenant|key ...` bootstraps the
# first admin key, the server warns while it has no key and requires keys once one exists,
# keys are printed once and never listed, a key revoked by the CLI stops working on the running
# server at once, knowledge bases created with `kb create --tenant` are seen only by their
# tenant, and bad input gets `error: ...` with exit 1.
#
#   bash admin_tenants_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DATA=$WORK/srv.data  # server_start NAME uses $SERVER_LOG_DIR/NAME.data

model=$WORK/tiny.gguf
make_tiny_model "$model" q8_0 5 || exit 1
flags=(--model "tiny=$model" --threads 1 --parallel 1 --ctx 512)

# Refusals: exit 1 with one error line, nothing written.
expect_error() {
    local what=$1
    shift
    local err
    if err=$("$BIN" "$@" 2>&1 >/dev/null); then fatal "$what: succeeded: $*"; fi
    [[ $err == error:* ]] || fatal "$what: no 'error:' line: $err"
}
expect_error "bad tenant name" admin tenant create "Bad Name" --data "$DATA"
expect_error "unknown role" admin key create --tenant nobody --role root --data "$DATA"
expect_error "unknown tenant" admin key create --tenant nobody --role user --data "$DATA"
expect_error "bad policy" admin tenant create agency --keep-texts maybe --data "$DATA"

# Open mode: no key yet, the server warns and serves as tenant default.
"$BIN" kb create laws --data "$DATA" >/dev/null || fatal "kb create (default tenant)"
server_start srv "${flags[@]}" || exit 1
grep -q "WARNING: no API key exists" "$WORK/srv.err" || fatal "no open-mode warning at start-up"

# Bootstrap while it runs: the first tenant, its admin key (printed alone on stdout).
"$BIN" admin tenant create ministry --data "$DATA" | grep -q "operator" ||
    fatal "the first tenant is not the operator"
ADMIN=$("$BIN" admin key create --tenant ministry --role admin --label bootstrap --data "$DATA" 2>"$WORK/key.err") ||
    fatal "admin key create"
[[ $ADMIN =~ ^sk-souv-[0-9a-f]{16}-[0-9a-f]{64}$ ]] || fatal "unexpected key shape: $ADMIN"
grep -q "shown only this once" "$WORK/key.err" || fatal "no once-only notice"
ADMIN_ID=${ADMIN:8:16}
"$BIN" admin tenant create agency --data "$DATA" >/dev/null || fatal "tenant create agency"
AGENCY=$("$BIN" admin key create --tenant agency --role editor --data "$DATA" 2>/dev/null) ||
    fatal "agency key create"
AUDITOR=$("$BIN" admin key create --tenant agency --role auditor --data "$DATA" 2>/dev/null) ||
    fatal "auditor key create"
"$BIN" kb create budget --tenant agency --data "$DATA" >/dev/null || fatal "kb create --tenant"
[[ $("$BIN" kb list --tenant agency --data "$DATA") == "budget" ]] || fatal "kb list --tenant"
[[ $("$BIN" kb list --data "$DATA") == "laws" ]] || fatal "kb list (default tenant)"

listing=$("$BIN" admin key list --tenant ministry --data "$DATA") || fatal "key list"
[[ $listing == *"$ADMIN_ID"* && $listing == *admin* ]] || fatal "key list misses the key: $listing"
[[ $listing != *"${ADMIN:25}"* ]] || fatal "key list shows the secret"
"$BIN" admin tenant list --data "$DATA" | grep -q "^agency" || fatal "tenant list"
expect_error "tenant with bases" admin tenant delete agency --data "$DATA"

$PY - "$SERVER_PORT" "$ADMIN" "$AGENCY" "$AUDITOR" <<'PY' || fatal "HTTP checks (log: $WORK/srv.err)"
import json, sys, urllib.error, urllib.request

port, admin, agency, auditor = sys.argv[1:]
base = f"http://127.0.0.1:{port}"

def call(method, path, key=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")

status, body = call("GET", "/v1/knowledge-bases")
assert status == 401 and body["error"]["type"] == "authentication_error", (status, body)
assert call("GET", "/health")[0] == 200
assert call("GET", "/.well-known/souverain/keys")[0] == 200
assert call("GET", "/v1/register")[0] == 200
status, body = call("GET", "/v1/knowledge-bases", agency)
assert status == 200 and [b["name"] for b in body["data"]] == ["budget"], body
# The default tenant's base answers like a missing one for the agency.
foreign = call("GET", "/v1/knowledge-bases/laws", agency)
missing = call("GET", "/v1/knowledge-bases/lawz", agency)
assert foreign[0] == missing[0] == 404, (foreign, missing)
assert json.dumps(foreign[1]).replace("laws", "X") == json.dumps(missing[1]).replace("lawz", "X")
# Roles: an auditor reads the audit log, not the bases; an editor not the log.
status, body = call("GET", "/v1/knowledge-bases", auditor)
assert status == 403 and body["error"]["type"] == "permission_error", (status, body)
assert call("GET", "/v1/audit/tree-head", auditor)[0] == 200
assert call("GET", "/v1/audit/records", agency)[0] == 403
status, body = call("POST", "/v1/knowledge-bases/budget/search", agency, {"query": "tax"})
assert status == 200, (status, body)
status, body = call("GET", "/v1/audit/records", auditor)
assert status == 200 and body["data"], body
assert all(r["record"]["tenant"] == "agency" for r in body["data"]), body
print("http checks passed")
PY

# Revoked from the CLI while the server runs: refused at the next request.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$SERVER_PORT/v1/admin/keys")
[[ $code == 200 ]] || fatal "admin key before revocation: $code"
"$BIN" admin key revoke "$ADMIN_ID" --data "$DATA" >/dev/null || fatal "key revoke"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$SERVER_PORT/v1/admin/keys")
[[ $code == 401 ]] || fatal "revoked key still accepted: $code"
expect_error "revoke twice" admin key revoke "$ADMIN_ID" --data "$DATA"
"$BIN" admin key list --tenant ministry --data "$DATA" | grep -q "revoked" || fatal "not listed as revoked"

server_stop srv || fatal "the server did not stop cleanly"
echo "admin_tenants: all checks passed"
