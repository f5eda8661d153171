#!/usr/bin/env python3
"""Knowledge bases with models over HTTP (driven by tests/cli/kb_models_http_test.sh).

  models --port P --bin SOUVERAIN --reranker R.gguf --encoder-path E.gguf --chat-model M
      The server was started with `--model M=... --model enc=E.gguf --reranker R.gguf`:
      - creating a base with "embedding_model": "enc" (a served encoder) or "hashing:32": 201;
        with a file path (even the encoder's own), a generator's name or an unknown name: 400
        with param "embedding_model", and no base left behind;
      - the base with "enc" searches densely with that encoder: a chunk's own text finds it
        first (cosine near 1), so the vectors are the encoder's;
      - "rerank": true reorders the first-stage candidates by the reranker: the list equals the
        candidates sorted by `souverain rerank` scores of the same pairs, scores are those
        logits, "first_stage_score" the candidates' scores, "rerank" describes the stage;
        a bad rerank_depth is 400;
      - grounded chat retrieves in hybrid mode from the base with a model (citations say
        "retrieval_mode": "hybrid") and lexical from one without.
  norerank --port P
      A server without --reranker answers "rerank": true with 400, param "rerank".

Prints one line per check; exits 1 at the first broken expectation.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402

DOCS = {
    "lease.md": "# Lease\n\nThe tenant pays the rent every month. The landlord returns the "
                "deposit when the lease ends.\n",
    "repairs.md": "# Repairs\n\nThe landlord repairs the heating. The tenant reports damage to "
                  "the landlord at once.\n",
    "notice.md": "# Notice\n\nA tenant gives three months notice to the landlord before leaving "
                 "the flat.\n",
    "court.md": "# Court\n\nAn appeal against the verdict goes to the higher court within one "
                "month.\n",
    "tax.md": "# Tax\n\nIncome tax returns are filed before the end of March each year.\n",
    "ship.md": "# Ship\n\nThe submarine raised its periscope and listened with sonar.\n",
}


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def ok(message):
    print(f"ok: {message}", flush=True)


def expect_error(result, status, param, what):
    check(result.status == status,
          f"{what}: status {result.status}, expected {status}: {result.body[:300]!r}")
    error = result.json().get("error", {})
    check(error.get("param") == param, f"{what}: param {error.get('param')!r}, expected {param!r}")
    ok(f"{what} -> {status} param {param} ({error.get('message', '')[:70]})")


def create(port, name, model=None):
    body = {"name": name}
    if model is not None:
        body["embedding_model"] = model
    return sc.request(port, "POST", "/v1/knowledge-bases", body=body)


def upload(port, kb, filename, text):
    query = urllib.parse.urlencode({"filename": filename})
    r = sc.request(port, "POST", f"/v1/knowledge-bases/{kb}/documents?{query}",
                   body=text.encode(), headers={"Content-Type": "application/octet-stream"})
    check(r.status == 201, f"upload {filename} to {kb}: {r.status} {r.body[:200]!r}")


def search(port, kb, query, **extra):
    payload = {"query": query}
    payload.update(extra)
    return sc.request(port, "POST", f"/v1/knowledge-bases/{kb}/search", body=payload)


def models(args):
    port = args.port
    r = create(port, "sem", "enc")
    check(r.status == 201 and r.json()["embedding_model"] == "enc", f"create sem: {r.status} {r.body!r}")
    ok("create with a served encoder's name -> 201")
    r = create(port, "hashed", "hashing:32")
    check(r.status == 201, f"create hashed: {r.status} {r.body!r}")
    ok("create with hashing:32 -> 201")
    r = create(port, "plain")
    check(r.status == 201 and r.json()["embedding_model"] is None, f"create plain: {r.body!r}")
    for name, model, what in [
            ("evil1", os.path.abspath(args.encoder_path), "the encoder's own file path"),
            ("evil2", "/etc/passwd", "an arbitrary path"),
            ("evil3", args.chat_model, "a generator's name"),
            ("evil4", "nosuch", "an unknown name"),
            ("evil5", "hashing:2", "a hashing dimension out of range")]:
        expect_error(create(port, name, model), 400, "embedding_model", f"create with {what}")
        r = sc.request(port, "GET", f"/v1/knowledge-bases/{name}")
        check(r.status == 404, f"{name} exists after a refused create: {r.status}")
    ok("refused creates leave no base")
    expect_error(create(port, "bad name", "enc"), 400, "name", "a bad name with a valid model")
    expect_error(create(port, "sem", "hashing:32"), 409, "name", "a taken name with a model")

    for kb in ("sem", "plain"):
        for filename, text in DOCS.items():
            upload(port, kb, filename, text)
    ok(f"uploaded {len(DOCS)} documents to sem and plain")

    # The base's vectors are the encoder's: a chunk's text finds that chunk first.
    r = search(port, "sem", "deposit", mode="dense", top_k=6)
    check(r.status == 200 and r.json()["mode"] == "dense", f"dense search: {r.status} {r.body!r}")
    hits = r.json()["hits"]
    check(len(hits) == len(DOCS), f"dense search found {len(hits)} chunks")
    for target in hits[:3]:
        r = search(port, "sem", target["text"], mode="dense", top_k=2)
        first = r.json()["hits"][0]
        check(first["chunk_id"] == target["chunk_id"] and first["score"] > 0.99,
              f"own-text search: {first} for {target['chunk_id']}")
    ok("dense search with the served encoder: own text first (cosine > 0.99)")

    # Rerank: the candidates sorted by independently computed scores.
    for mode, query in (("lexical", "landlord tenant court tax ship month"),
                        ("hybrid", "tenant landlord")):
        cand = search(port, "sem", query, mode=mode, top_k=5)
        check(cand.status == 200, f"candidates: {cand.status} {cand.body!r}")
        cand = cand.json()
        check(len(cand["hits"]) == 5, f"{mode}: {len(cand['hits'])} candidates")
        r = search(port, "sem", query, mode=mode, top_k=3, rerank=True, rerank_depth=5)
        check(r.status == 200, f"rerank search: {r.status} {r.body!r}")
        rr = r.json()
        check(rr["mode"] == mode and rr.get("rerank") == {
            "model": os.path.splitext(os.path.basename(args.reranker))[0], "depth": 5,
            "candidates": 5}, f"rerank info: {rr.get('mode')} {rr.get('rerank')}")
        cmd = [args.bin, "rerank", "--model", args.reranker, "--query", query, "--json",
               "--threads", "2"]
        for hit in cand["hits"]:
            cmd += ["--passage", hit["text"]]
        scores = [x["score"] for x in json.loads(
            subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["results"]]
        order = sorted(range(5), key=lambda i: -scores[i])[:3]
        got = [h["chunk_id"] for h in rr["hits"]]
        want = [cand["hits"][i]["chunk_id"] for i in order]
        check(got == want, f"{mode}: reranked {got}, candidates sorted by scores {want} ({scores})")
        for hit, i in zip(rr["hits"], order):
            check(abs(hit["score"] - scores[i]) <= 1e-5 * max(1.0, abs(scores[i])),
                  f"score {hit['score']} vs {scores[i]}")
            check(hit["first_stage_score"] == cand["hits"][i]["score"], f"first stage {hit}")
        ok(f"{mode} + rerank over HTTP = candidates sorted by `souverain rerank` scores")
    expect_error(search(port, "sem", "x", rerank=True, rerank_depth=0), 400, "rerank_depth",
                 "rerank_depth 0")
    expect_error(search(port, "sem", "x", rerank="yes"), 422, "rerank", "rerank not a boolean")

    # Grounded chat: hybrid from the base with a model, lexical from the one without.
    for kb, want in (("sem", "hybrid"), ("plain", "lexical")):
        payload = sc.chat_payload(args.chat_model, "When does the landlord return the deposit?",
                                  4, stream=False, knowledge_bases=[kb])
        r = sc.request(port, "POST", "/v1/chat/completions", body=payload, timeout=300)
        check(r.status == 200, f"grounded chat on {kb}: {r.status} {r.body[:300]!r}")
        citations = r.json().get("citations")
        check(citations and all(c["retrieval_mode"] == want for c in citations),
              f"{kb}: citations {citations}")
        ok(f"grounded chat on {kb}: {len(citations)} citations, retrieval_mode {want}")


def norerank(args):
    r = create(args.port, "b")
    check(r.status == 201, f"create: {r.status}")
    upload(args.port, "b", "lease.md", DOCS["lease.md"])
    expect_error(search(args.port, "b", "deposit", rerank=True), 400, "rerank",
                 "rerank on a server without --reranker")
    r = search(args.port, "b", "deposit")
    check(r.status == 200 and "rerank" not in r.json(), f"plain search: {r.status} {r.body!r}")
    ok("plain search carries no rerank member")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["models", "norerank"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bin")
    parser.add_argument("--reranker")
    parser.add_argument("--encoder-path")
    parser.add_argument("--chat-model")
    args = parser.parse_args()
    models(args) if args.phase == "models" else norerank(args)


if __name__ == "__main__":
    main()
