#!/usr/bin/env bash
# The public register end to end: a model card stored with `souverain model-card --set-json`,
# assistants added with `souverain register add` (and refused when invalid), the register
# exported as JSON and as the HTML page, and the page rendered by headless Chromium into a PNG
# that must be a real 1280x2000 picture with the page on it (not blank). The PNG stays in the
# work directory; its path is printed.
# Usage: bash register_html_test.sh <souverain-binary> <work-dir>
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test_lib.sh
source "$REPO/tests/cli/test_lib.sh"
test_init "$@"  # WORK is absolute: Chromium needs absolute paths
DATA=$WORK/data
n_failed=0
fail() {
    echo "FAIL: $*"
    n_failed=$((n_failed + 1))
}
# expect_error NAME PATTERN COMMAND...: the command must exit 1 with "error: ...PATTERN" on stderr.
expect_error() {
    local name=$1 pattern=$2
    shift 2
    "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
    local status=$?
    [[ $status -eq 1 ]] || fail "$name: exit status $status (expected 1)"
    grep -q "^error: .*$pattern" "$WORK/err.txt" || fail "$name: message: $(cat "$WORK/err.txt")"
}

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $CHROMIUM ]]; then
    echo "FAIL: chromium is not installed (scripts/install_deps.sh installs it)"
    exit 1
fi

# A model and its card.
"$BIN" make-model --arch llama --preset tiny --type q4_k_m \
    --vocab "$REPO/../shared/testdata/vocab/ggml-vocab-llama-spm.gguf" --seed 3 \
    -o "$WORK/tiny.gguf" >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log"; exit 1; }
cat >"$WORK/card.json" <<'EOF'
{"provenance": "Made by souverain make-model with random weights (seed 3) for this test.",
 "training_data": "None: the weights are random.",
 "openness_level": "open-weights",
 "intended_use": "Testing the register.",
 "known_limits": "Its answers mean nothing."}
EOF
"$BIN" model-card --model "$WORK/tiny.gguf" --name tiny --set-json "$WORK/card.json" \
    --data "$DATA" >/dev/null 2>"$WORK/card.err" || fail "model-card --set-json: $(cat "$WORK/card.err")"

cat >"$WORK/guichet.json" <<'EOF'
{
  "name": "Assistant for administrative procedures",
  "organisation": "Commune de Beispilldorf",
  "model": "tiny",
  "knowledge_bases": ["procedures"],
  "system_prompt": "Answer from the commune's procedures and cite them.",
  "purpose": "Answers residents' questions about administrative procedures (registration, certificates, waste collection) in Luxembourgish, French, German and English, citing the commune's pages.",
  "impact": "Residents get an answer at any hour. The assistant takes no decision about anyone; every answer links to the official page.",
  "legal_basis": "Loi communale du 13 décembre 1988, article 28; GDPR article 6(1)(e).",
  "human_oversight": "The citizens' office reviews a sample of answers every week. Residents can ask for a person at any time; the assistant says so in its first message.",
  "risk_class": "limited",
  "risks_and_mitigations": "Wrong or outdated answers: every answer cites its source page, and pages are checked weekly.\nPersonal data typed by residents: conversations are pseudonymized and deleted after 30 days.",
  "impact_assessment": "Data protection impact assessment completed in February 2025.",
  "data_used": "The commune's published pages and regulations; what residents type in the conversation.",
  "contact": "assistant@beispilldorf.lu",
  "website": "https://www.beispilldorf.lu/assistant",
  "status": "in_use",
  "languages": ["lb", "fr", "de", "en"],
  "version": "1.0",
  "start_date": "2025-03-01"
}
EOF
cat >"$WORK/drafting.json" <<'EOF'
{
  "name": "<script>alert('x')</script> Drafting helper",
  "organisation": "Commune de Beispilldorf",
  "model": "tiny",
  "purpose": "Helps staff draft replies to letters. A civil servant checks and signs every reply.",
  "legal_basis": "Internal organisation of the commune's services.",
  "human_oversight": "Every draft is read, corrected and signed by a civil servant.",
  "risk_class": "minimal",
  "contact": "https://www.beispilldorf.lu/contact",
  "status": "in_development",
  "publish_system_prompt": false,
  "system_prompt": "unpublished-instructions-91c2"
}
EOF
"$BIN" register add --data "$DATA" --json "$WORK/guichet.json" >"$WORK/add.out" 2>&1 ||
    fail "register add: $(cat "$WORK/add.out")"
"$BIN" register add --data "$DATA" --file "$WORK/drafting.json" >"$WORK/add.out" 2>&1 ||
    fail "register add --file: $(cat "$WORK/add.out")"

# Refusals: a name taken, a prohibited practice, a misspelt field, bad JSON, unknown names.
expect_error "duplicate" "already registered" "$BIN" register add --data "$DATA" --json "$WORK/guichet.json"
"$BIN" register add --data "$DATA" --json "$WORK/guichet.json" --replace >/dev/null 2>&1 ||
    fail "register add --replace"
sed 's/"limited"/"prohibited"/' "$WORK/guichet.json" >"$WORK/prohibited.json"
expect_error "prohibited" "Article 5 of the AI Act" "$BIN" register add --data "$DATA" --json "$WORK/prohibited.json"
sed 's/"legal_basis"/"legal_base"/' "$WORK/guichet.json" >"$WORK/typo.json"
expect_error "unknown field" "unknown field 'legal_base'" "$BIN" register add --data "$DATA" --json "$WORK/typo.json"
printf '{"name": ' >"$WORK/broken.json"
expect_error "broken JSON" "not valid JSON" "$BIN" register add --data "$DATA" --json "$WORK/broken.json"
expect_error "missing file" "cannot open" "$BIN" register add --data "$DATA" --json "$WORK/none.json"
expect_error "remove unknown" "no assistant named 'nobody'" "$BIN" register remove --data "$DATA" nobody
expect_error "bad format" "must be json or html" "$BIN" register export --data "$DATA" --format xml
expect_error "bad lang" "expected en, fr or de" "$BIN" register export --data "$DATA" --format html --lang es

"$BIN" register list --data "$DATA" >"$WORK/list.txt" || fail "register list"
[[ $(wc -l <"$WORK/list.txt") -eq 2 ]] || fail "register list: $(cat "$WORK/list.txt")"
grep -q $'^Assistant for administrative procedures\tin_use\tlimited risk' "$WORK/list.txt" ||
    fail "register list line: $(cat "$WORK/list.txt")"

# JSON export: both standards' views, the card with the file's hash, the prompt withheld.
"$BIN" register export --data "$DATA" --format json --out "$WORK/register.json" 2>/dev/null ||
    fail "export json"
SHA=$(sha256sum "$WORK/tiny.gguf" | cut -d' ' -f1)
/usr/bin/python3 - "$WORK/register.json" "$SHA" <<'PY' || fail "register.json content"
import json, sys
register = json.load(open(sys.argv[1]))
assert register["object"] == "register", register
entries = {a["name"]: a for a in register["assistants"]}
assert len(entries) == 2, entries.keys()
guichet = entries["Assistant for administrative procedures"]
assert guichet["model_card"]["file"]["sha256"] == sys.argv[2], guichet["model_card"]["file"]
assert guichet["model_card"]["admin"]["openness_level"] == "open-weights"
ar, atrs = guichet["algoritmeregister"], guichet["atrs"]
assert ar["status"] == "In gebruik" and ar["begin_date"] == "2025-03", ar
assert ar["lawful_basis"].startswith("Loi communale"), ar
assert ar["contact_email"] == "assistant@beispilldorf.lu", ar
assert atrs["phase"] == "Production" and atrs["human_decisions_and_review"].startswith("The citizens"), atrs
drafting = entries["<script>alert('x')</script> Drafting helper"]
assert drafting["system_prompt"] is None, drafting
assert "unpublished-instructions-91c2" not in open(sys.argv[1]).read()
PY

# The page, in English and in French.
"$BIN" register export --data "$DATA" --format html --out "$WORK/register.html" 2>/dev/null ||
    fail "export html"
"$BIN" register export --data "$DATA" --format html --lang fr >"$WORK/register_fr.html" ||
    fail "export html --lang fr"
grep -q '<html lang="en">' "$WORK/register.html" || fail "no lang=en"
grep -q '<html lang="fr">' "$WORK/register_fr.html" || fail "no lang=fr"
grep -q 'Comment des personnes gardent le contr' "$WORK/register_fr.html" || fail "French labels"
grep -q '<script' "$WORK/register.html" && fail "a <script> tag reached the page"
grep -q '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Drafting helper' "$WORK/register.html" ||
    fail "the name with <script> is not shown escaped"
grep -q 'unpublished-instructions-91c2' "$WORK/register.html" && fail "unpublished prompt on the page"
grep -q "$SHA" "$WORK/register.html" ||
    fail "the model's SHA-256 is not on the page"

# Render it, and an empty page for comparison, with headless Chromium.
printf '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body></body></html>\n' \
    >"$WORK/blank.html"
render() {
    timeout 120 "$CHROMIUM" --headless --disable-gpu --no-sandbox --hide-scrollbars \
        --user-data-dir="$WORK/chromium-profile" --screenshot="$2" --window-size=1280,2000 \
        "file://$1" >"$WORK/chromium.log" 2>&1
}
PNG=$WORK/register.png
render "$WORK/register.html" "$PNG" || fail "chromium failed: $(tail -n 5 "$WORK/chromium.log")"
render "$WORK/blank.html" "$WORK/blank.png" || fail "chromium failed on the blank page"

/usr/bin/python3 - "$PNG" "$WORK/blank.png" <<'PY' || fail "the PNG is not the rendered page"
import struct, sys, zlib

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG signature"
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in {kind}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", f"{path}: chunk order"
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1), f"{path}: {len(raw)} bytes of pixels"
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 255
            else:
                assert kind == 0, f"{path}: filter {kind}"
        rows.append(bytes(line))
        previous = line
    colours = {}
    for line in rows:
        for x in range(0, stride, channels):
            key = line[x:x + 3]
            colours[key] = colours.get(key, 0) + 1
    return width, height, colours

width, height, colours = read_png(sys.argv[1])
assert (width, height) == (1280, 2000), (width, height)
_, _, blank = read_png(sys.argv[2])
assert len(blank) <= 2, f"the blank page has {len(blank)} colours"
# Text, badges and the header band: a rendered page has many colours; the header band's own
# (#0f3a63) covers a wide area, which shows the inline style sheet was applied.
assert len(colours) > 200, f"only {len(colours)} distinct colours: the page looks blank"
band = colours.get(bytes((0x0F, 0x3A, 0x63)), 0)
assert band > 1280 * 100, f"the header band colour covers only {band} pixels"
print(f"register.png: {width}x{height}, {len(colours)} colours, header band {band} px")
PY

echo "register page screenshot: $PNG"
if [[ $n_failed -gt 0 ]]; then
    echo "register_html_test: $n_failed failure(s)"
    exit 1
fi
echo "register_html_test: all passed"
