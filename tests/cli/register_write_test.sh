#!/usr/bin/env bash
# Register writes over HTTP from a real `souverain serve` with tenant keys: an admin creates,
# updates, retires and deletes its tenant's assistants, validated like `register add` (missing
# fields, a prohibited risk class and unknown fields are refused with their reasons); editor,
# user and auditor keys get 403 on writes; another tenant neither sees nor changes them; the
# public register publishes each tenant's own with ?tenant=.
#
#   bash register_write_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DATA=$WORK/srv.data

make_tiny_model "$WORK/tiny.gguf" q8_0 5 || exit 1
"$BIN" admin tenant create ministry --data "$DATA" >/dev/null || fatal "tenant ministry"
"$BIN" admin tenant create agency --data "$DATA" >/dev/null || fatal "tenant agency"
key() { "$BIN" admin key create --tenant "$1" --role "$2" --data "$DATA" 2>/dev/null || fatal "key $1 $2"; }
ADMIN=$(key ministry admin)
EDITOR=$(key ministry editor)
USER_KEY=$(key ministry user)
AUDITOR=$(key ministry auditor)
AGENCY=$(key agency admin)

server_start srv --model "tiny=$WORK/tiny.gguf" --threads 1 --parallel 1 --ctx 512 || exit 1

/usr/bin/python3 - "$SERVER_PORT" "$ADMIN" "$EDITOR" "$USER_KEY" "$AUDITOR" "$AGENCY" <<'PY' ||
import json, sys, urllib.error, urllib.request

port, admin, editor, user, auditor, agency = sys.argv[1:]
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

HELPDESK = {"name": "Helpdesk", "organisation": "Ministère", "model": "tiny",
            "purpose": "Answers questions about opening hours.", "legal_basis": "Loi communale.",
            "human_oversight": "Staff read the conversations weekly.", "risk_class": "limited",
            "contact": "helpdesk@ministere.lu", "status": "in_development"}
A = "/v1/register/assistants"

# Validation as on the command line: every problem named, unknown fields refused.
status, body = call("POST", A, admin, {k: v for k, v in HELPDESK.items() if k != "purpose"})
assert status == 400 and "purpose" in body["error"]["message"], (status, body)
status, body = call("POST", A, admin, dict(HELPDESK, risk_class="prohibited"))
assert status == 400 and "prohibited" in body["error"]["message"], (status, body)
status, body = call("POST", A, admin, dict(HELPDESK, legal_base="x"))
assert status == 400 and "legal_base" in body["error"]["message"], (status, body)
status, body = call("POST", A, admin, dict(HELPDESK, status="in_use"))
assert status == 400, (status, body)  # in use without impact, data used, risks, start date
assert call("POST", A, admin, "not an object")[0] in (400, 422)

# Roles: only admins write; every role of the tenant reads its list.
for who, key in (("editor", editor), ("user", user), ("auditor", auditor)):
    status, body = call("POST", A, key, HELPDESK)
    assert status == 403 and body["error"]["type"] == "permission_error", (who, status, body)
assert call("POST", A, None, HELPDESK)[0] == 401

status, body = call("POST", A, admin, HELPDESK)
assert status == 201 and body["name"] == "Helpdesk" and body["registered_at"], (status, body)
assert call("POST", A, admin, HELPDESK)[0] == 409
for key in (editor, user, auditor, admin):
    status, body = call("GET", A, key)
    assert status == 200 and [a["name"] for a in body["data"]] == ["Helpdesk"], (status, body)

# Tenants apart: the agency sees nothing, cannot change or delete it, may use the name.
status, body = call("GET", A, agency)
assert status == 200 and body["data"] == [], body
assert call("PUT", A + "/Helpdesk", agency, HELPDESK)[0] == 404
assert call("POST", A + "/Helpdesk/retire", agency, {})[0] == 404
assert call("DELETE", A + "/Helpdesk", agency)[0] == 404
status, body = call("POST", A, agency, dict(HELPDESK, organisation="Agence"))
assert status == 201, (status, body)

# Update: the path names the assistant; the record is validated again.
update = dict(HELPDESK, purpose="Answers questions about opening hours and fees.")
status, body = call("PUT", A + "/Helpdesk", admin, update)
assert status == 200 and body["purpose"].endswith("fees."), (status, body)
assert call("PUT", A + "/Other", admin, update)[0] == 400
assert call("PUT", A + "/Missing", admin, dict(update, name="Missing"))[0] == 404
assert call("PUT", A + "/Helpdesk", admin, dict(update, end_date="2025-01-01"))[0] == 400
assert call("PUT", A + "/Helpdesk", editor, update)[0] == 403

# Retire: status retired with an end date (given, or today); a bad date is refused.
assert call("POST", A + "/Helpdesk/retire", admin, {"end_date": "2025-02-30"})[0] == 400
assert call("POST", A + "/Helpdesk/retire", admin, {"when": "now"})[0] == 422
assert call("POST", A + "/Helpdesk/retire", user, {})[0] == 403
status, body = call("POST", A + "/Helpdesk/retire", admin, {"end_date": "2026-01-31"})
assert status == 200 and body["status"] == "retired" and body["end_date"] == "2026-01-31", body

# The public register publishes each tenant's own.
status, body = call("GET", "/v1/register?tenant=ministry")
assert status == 200, (status, body)
text = json.dumps(body, ensure_ascii=False)
assert "Helpdesk" in text and "Ministère" in text and "Agence" not in text, body
status, body = call("GET", "/v1/register?tenant=agency")
text = json.dumps(body, ensure_ascii=False)
assert status == 200 and "Agence" in text and "Ministère" not in text, body
assert call("GET", "/v1/register?tenant=Bad%20Name")[0] == 400

# Delete.
assert call("DELETE", A + "/Helpdesk", auditor)[0] == 403
status, body = call("DELETE", A + "/Helpdesk", admin)
assert status == 200 and body["deleted"] is True, (status, body)
assert call("DELETE", A + "/Helpdesk", admin)[0] == 404
assert call("GET", A, admin)[1]["data"] == []
assert [a["name"] for a in call("GET", A, agency)[1]["data"]] == ["Helpdesk"]
print("register write checks passed")
PY
    fatal "HTTP checks (log: $WORK/srv.err)"

server_stop srv || fatal "the server did not stop cleanly"
echo "register_write: all checks passed"
