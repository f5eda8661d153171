"""Driver of tests/cli/server_governance_test.sh: audit records, AI-Act disclosures and the
auditors' endpoints of a running `souverain serve --data DIR` (Python 3 stdlib only).

  run --port P --model NAME --model-file PATH --bin SOUVERAIN --data DIR --work DIR
      makes generated requests (chat, streamed chat, completion, n=2, grounded chat, a search,
      an unknown model), checks the disclosure headers and `ai_disclosure` objects, verifies
      every receipt with `souverain receipt verify` (and fails it with one character changed),
      then checks the records (one per request, sources, hashes), an inclusion proof per record
      and a consistency proof from an early tree head, both with RFC 9162's algorithms written
      here; saves the early head as WORK/early_head.json for `audit verify --tree-head`.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def ok(message):
    print(f"ok: {message}")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# RFC 9162 §2.1: leaf and node hashes, and the verifiers of §2.1.3.2 and §2.1.4.2.
def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root starts the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class Context:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        self.count = 0  # audited requests made
        self.key_id = None

    def receipt_verify(self, disclosure, text, name, key_args):
        """Saves receipt and text, verifies (exit 0), changes one character (exit 1)."""
        work = self.args.work
        receipt_path = os.path.join(work, name + ".receipt.json")
        text_path = os.path.join(work, name + ".txt")
        with open(receipt_path, "w") as f:
            json.dump(disclosure, f)
        with open(text_path, "wb") as f:
            f.write(text.encode())
        cmd = [self.args.bin, "receipt", "verify", receipt_path, "--text", text_path] + key_args
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(r.returncode == 0, f"{name}: receipt verify exit {r.returncode}: {r.stderr.strip()}")
        check(len(text) > 0, f"{name}: empty text")
        changed = text[:-1] + ("x" if text[-1] != "x" else "y")
        with open(text_path, "wb") as f:
            f.write(changed.encode())
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(r.returncode == 1, f"{name}: a changed character still verifies (exit {r.returncode})")
        ok(f"{name}: receipt verifies ({' '.join(key_args)}), one changed character fails")

    def check_headers(self, headers, name):
        check(headers.get("x-ai-generated") == "true", f"{name}: X-AI-Generated {headers}")
        check(headers.get("x-souverain-receipt-key") == self.key_id,
              f"{name}: X-Souverain-Receipt-Key {headers.get('x-souverain-receipt-key')}")

    def check_disclosure(self, disclosure, text, name):
        check(isinstance(disclosure, dict) and disclosure.get("generated") is True,
              f"{name}: ai_disclosure {disclosure}")
        receipt = disclosure["receipt"]
        check(receipt["key_id"] == self.key_id, f"{name}: receipt key {receipt}")
        check(receipt["model"] == self.args.model, f"{name}: receipt model {receipt}")
        check(receipt["model_sha256"] == self.model_sha256, f"{name}: receipt weights hash")
        check(receipt["output_sha256"] == sha256_hex(text.encode()), f"{name}: output hash")


def run(args):
    ctx = Context(args)
    port = args.port
    with open(args.model_file, "rb") as f:
        ctx.model_sha256 = sha256_hex(f.read())

    r = sc.request(port, "GET", "/.well-known/souverain/keys")
    check(r.status == 200, f"keys: {r.status}")
    keys = r.json()
    check(len(keys["keys"]) == 1 and keys["keys"][0]["crv"] == "Ed25519", f"keys {keys}")
    ctx.key_id = keys["keys"][0]["kid"]
    keys_path = os.path.join(args.work, "keys.json")
    with open(keys_path, "wb") as f:
        f.write(r.body)
    ok(f"/.well-known/souverain/keys: key {ctx.key_id}")

    head0 = sc.request(port, "GET", "/v1/audit/tree-head").json()
    check(head0["tree_size"] == 0, f"a fresh log has records: {head0}")

    # Non-streamed chat.
    r = sc.request(port, "POST", "/v1/chat/completions",
                   sc.chat_payload(args.model, "Bonjour, comment allez-vous ?", 12, stream=False))
    ctx.count += 1
    check(r.status == 200, f"chat: {r.status} {r.body[:300]!r}")
    ctx.check_headers(r.headers, "chat")
    body = r.json()
    text = body["choices"][0]["message"]["content"]
    ctx.check_disclosure(body["ai_disclosure"], text, "chat")
    check(body["choices"][0]["ai_disclosure"] == body["ai_disclosure"], "chat: choice disclosure")
    ctx.receipt_verify(body["ai_disclosure"], text, "chat", ["--data", args.data])
    chat_text = text

    # Streamed chat: the finish chunk carries the disclosure of the whole text.
    s = sc.Stream(port, "/v1/chat/completions", sc.chat_payload(args.model, "Hello there", 10))
    ctx.count += 1
    check(s.status == 200, f"stream: {s.status}")
    ctx.check_headers(s.headers, "stream")
    pieces, disclosure, finish_chunks = [], None, 0
    for event in s.events():
        check("error" not in event, f"stream error event {event}")
        for choice in event.get("choices", []):
            pieces.append(choice.get("delta", {}).get("content") or "")
            if choice.get("finish_reason"):
                finish_chunks += 1
                disclosure = event.get("ai_disclosure")
    s.close()
    text = "".join(pieces)
    check(finish_chunks == 1 and disclosure is not None, "stream: no disclosure in the finish chunk")
    ctx.check_disclosure(disclosure, text, "stream")
    ctx.receipt_verify(disclosure, text, "stream", ["--key", keys_path])

    # Completion (legacy endpoint), verified against the published key.
    r = sc.request(port, "POST", "/v1/completions",
                   {"model": args.model, "prompt": "Once upon a time", "max_tokens": 8,
                    "temperature": 0, "ignore_eos": True})
    ctx.count += 1
    check(r.status == 200, f"completion: {r.status} {r.body[:300]!r}")
    ctx.check_headers(r.headers, "completion")
    body = r.json()
    text = body["choices"][0]["text"]
    ctx.check_disclosure(body["ai_disclosure"], text, "completion")
    ctx.receipt_verify(body["ai_disclosure"], text, "completion", ["--key", keys_path])

    # An early head, for the consistency proof and for `audit verify --tree-head`.
    r = sc.request(port, "GET", "/v1/audit/tree-head")
    early = r.json()
    check(early["tree_size"] == ctx.count, f"early head size {early['tree_size']} != {ctx.count}")
    with open(os.path.join(args.work, "early_head.json"), "wb") as f:
        f.write(r.body)
    ok(f"tree head after {ctx.count} requests")

    # n = 2: a receipt per choice.
    r = sc.request(port, "POST", "/v1/chat/completions",
                   sc.chat_payload(args.model, "Two answers", 6, stream=False, n=2, temperature=1,
                                   seed=3))
    ctx.count += 1
    check(r.status == 200, f"n=2: {r.status}")
    body = r.json()
    for idx, choice in enumerate(body["choices"]):
        ctx.check_disclosure(choice["ai_disclosure"], choice["message"]["content"], f"n=2 #{idx}")
    ctx.receipt_verify(body["choices"][1]["ai_disclosure"], body["choices"][1]["message"]["content"],
                       "choice1", ["--data", args.data])

    # A knowledge base: a grounded chat and a search, both with sources.
    check(sc.request(port, "POST", "/v1/knowledge-bases", {"name": "gov"}).status == 201, "kb create")
    doc = ("# Règlement\n\nArticle 1. Le congé annuel payé est de vingt-six jours ouvrables.\n\n"
           "Article 2. La durée de travail est de quarante heures par semaine.\n")
    r = sc.request(port, "POST", "/v1/knowledge-bases/gov/documents?filename=reglement.md",
                   doc.encode(), {"Content-Type": "application/octet-stream"})
    check(r.status == 201, f"upload: {r.status} {r.body!r}")
    r = sc.request(port, "POST", "/v1/chat/completions",
                   sc.chat_payload(args.model, "Combien de jours de congé annuel ?", 8,
                                   stream=False, knowledge_bases=["gov"]))
    ctx.count += 1
    check(r.status == 200, f"grounded chat: {r.status} {r.body[:300]!r}")
    body = r.json()
    cited = [(c["knowledge_base"], c["document_id"], c["chunk_id"]) for c in body["citations"]]
    check(cited, "grounded chat: no citations")
    receipt_sources = [(s["kb"], s["document"], s["chunk_id"])
                       for s in body["ai_disclosure"]["receipt"]["sources"]]
    check(receipt_sources == cited, f"receipt sources {receipt_sources} != citations {cited}")
    ctx.receipt_verify(body["ai_disclosure"], body["choices"][0]["message"]["content"], "grounded",
                       ["--data", args.data])
    r = sc.request(port, "POST", "/v1/knowledge-bases/gov/search", {"query": "congé annuel"})
    ctx.count += 1
    check(r.status == 200 and r.json()["hits"], f"search: {r.status} {r.body[:200]!r}")
    hits = [("gov", h["document_id"], h["chunk_id"]) for h in r.json()["hits"]]

    # An error is audited too.
    r = sc.request(port, "POST", "/v1/chat/completions",
                   sc.chat_payload("no-such-model", "hi", 4, stream=False))
    ctx.count += 1
    check(r.status == 404, f"unknown model: {r.status}")
    check("x-ai-generated" not in r.headers, "an error is marked as generated")

    # The records: one per request, in order, with what each did.
    head = sc.request(port, "GET", "/v1/audit/tree-head").json()
    check(head["tree_size"] == ctx.count, f"tree size {head['tree_size']} != {ctx.count} requests")
    r = sc.request(port, "GET", "/v1/audit/records?from=0&limit=100")
    check(r.status == 200, f"records: {r.status}")
    page = r.json()
    records = page["data"]
    check(len(records) == ctx.count, f"{len(records)} records for {ctx.count} requests")
    rec = [x["record"] for x in records]
    check([x["endpoint"] for x in rec] ==
          ["/v1/chat/completions", "/v1/chat/completions", "/v1/completions",
           "/v1/chat/completions", "/v1/chat/completions", "/v1/knowledge-bases/{name}/search",
           "/v1/chat/completions"], f"endpoints {[x['endpoint'] for x in rec]}")
    check([x["status"] for x in rec] == [200] * 6 + [404], f"statuses {[x['status'] for x in rec]}")
    check(rec[0]["output_sha256"] == sha256_hex(chat_text.encode()), "record 0: output hash")
    check(rec[0]["model_sha256"] == ctx.model_sha256 and rec[0]["model"] == args.model,
          "record 0: model")
    check(rec[0]["key_id"] == "anonymous" and rec[0]["tenant"] == "default", f"record 0 {rec[0]}")
    check(rec[0]["prompt_tokens"] > 0 and rec[0]["completion_tokens"] == 12, f"record 0 {rec[0]}")
    check("prompt_text" not in rec[0] and "output_text" not in rec[0], "texts kept by default")
    src = [(s["kb"], s["document"], s["chunk_id"]) for s in rec[4]["sources"]]
    check(src == cited, f"grounded record sources {src} != {cited}")
    src = [(s["kb"], s["document"], s["chunk_id"]) for s in rec[5]["sources"]]
    check(src == hits, f"search record sources {src} != {hits}")
    check(all(not x["sources"] for x in rec[:4]), "sources on ungrounded requests")
    check(rec[6]["model"] == "no-such-model" and rec[6]["output_sha256"] == "", f"error {rec[6]}")
    ok(f"{len(records)} records: endpoints, statuses, hashes, sources")

    # An inclusion proof per record against the latest head's root.
    root = bytes.fromhex(head["root_hash"])
    for x in records:
        q = f"/v1/audit/proof/inclusion?seq={x['seq']}&tree_size={head['tree_size']}"
        proof = sc.request(port, "GET", q).json()
        leaf = leaf_hash(x["canonical"].encode())
        check(proof["leaf_hash"] == leaf.hex() == x["leaf_hash"], f"leaf hash of {x['seq']}")
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        check(verify_inclusion(x["seq"], head["tree_size"], leaf, path, root),
              f"inclusion proof of record {x['seq']} does not verify")
        check(not verify_inclusion(x["seq"], head["tree_size"], leaf_hash(b"x"), path, root),
              "an inclusion proof verifies a wrong leaf")
    ok(f"inclusion proofs of {len(records)} records verify (RFC 9162)")

    q = f"/v1/audit/proof/consistency?first={early['tree_size']}&second={head['tree_size']}"
    proof = [bytes.fromhex(h) for h in sc.request(port, "GET", q).json()["proof"]]
    early_root = bytes.fromhex(early["root_hash"])
    check(verify_consistency(early["tree_size"], head["tree_size"], early_root, root, proof),
          "consistency proof does not verify")
    check(not verify_consistency(early["tree_size"], head["tree_size"], root, root, proof),
          "a consistency proof verifies a wrong root")
    ok(f"consistency proof {early['tree_size']} -> {head['tree_size']} verifies (RFC 9162)")

    for bad in ["/v1/audit/proof/inclusion?seq=99", "/v1/audit/proof/inclusion?seq=-1",
                "/v1/audit/records?limit=5000", "/v1/audit/proof/consistency?first=99"]:
        r = sc.request(port, "GET", bad)
        check(r.status == 400 and "error" in r.json(), f"{bad}: {r.status} {r.body!r}")
    ok("bad audit queries are 400")
    with open(os.path.join(args.work, "count"), "w") as f:
        f.write(str(ctx.count))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    for name in ["--port", "--model", "--model-file", "--bin", "--data", "--work"]:
        p.add_argument(name, required=True, type=int if name == "--port" else str)
    args = parser.parse_args()
    run(args)


if __name__ == "__main__":
    main()
