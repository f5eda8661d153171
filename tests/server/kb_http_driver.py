#!/usr/bin/env python3
"""Knowledge bases over HTTP, end to end (driven by tests/cli/kb_http_test.sh).

  fill   --port P                 create the base `lux`, upload three documents (two Markdown
                                  files with articles, one text file; multipart and raw body),
                                  re-upload (unchanged, replaced), list, search with offsets
  answer --port P --model M       after a restart: the documents are still there; grounded chat
                                  completions (non-streamed and streamed) with citations that
                                  point at the right passages; deletion of a document and of the
                                  base; the error cases

Every citation's passage must equal the uploaded text at [start, end) (code points, as search
defines offsets). Prints one line per check; exits 1 at the first broken expectation.
"""

import argparse
import json
import os
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402

KB = "lux"

LABOUR = """# Code du travail (extraits)

## Art. 1er. Champ d'application

Le présent code s'applique à tous les salariés liés à un employeur par un contrat de travail, \
quelle que soit la durée du contrat.

## Art. 2. Durée du travail

La durée normale de travail est de huit heures par jour et de quarante heures par semaine. \
Les heures supplémentaires sont majorées.

## Art. 3. Congé annuel

Le salarié a droit à un congé annuel payé de vingt-six jours ouvrables par année, quel que \
soit son âge. Le congé est pris en une fois, sauf accord du salarié.

## Art. 4. Préavis de licenciement

En cas de licenciement, l'employeur respecte un préavis de deux mois pour une ancienneté de \
moins de cinq ans.
"""

TENANCY_V1 = """# Mietrecht

## § 1 Mietvertrag

Durch den Mietvertrag wird der Vermieter verpflichtet, dem Mieter die Wohnung während der \
Mietzeit zu überlassen.
"""

TENANCY = TENANCY_V1 + """
## § 2 Kündigungsfrist

Die Kündigungsfrist für den Mieter beträgt drei Monate. Die Kündigung bedarf der Schriftform.
"""

NOTES = ("The office opens at nine in the morning. Visitors register at the reception desk on "
         "the ground floor. Parking is available behind the building for employees with a "
         "permit.\n")

TEXTS = {"code_travail.md": LABOUR, "mietrecht.md": TENANCY, "notes.txt": NOTES}


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def ok(message):
    print(f"ok: {message}", flush=True)


def multipart(field, filename, data):
    boundary = "souverain-" + uuid.uuid4().hex
    parts = [f"--{boundary}\r\n".encode(),
             f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode(),
             b"Content-Type: application/octet-stream\r\n\r\n", data, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload_multipart(port, kb, filename, data, field="file"):
    body, headers = multipart(field, filename, data)
    return sc.request(port, "POST", f"/v1/knowledge-bases/{kb}/documents", body=body, headers=headers)


def upload_raw(port, kb, filename, data):
    query = urllib.parse.urlencode({"filename": filename})
    return sc.request(port, "POST", f"/v1/knowledge-bases/{kb}/documents?{query}", body=data,
                      headers={"Content-Type": "application/octet-stream"})


def expect_error(result, status, what, code=None):
    check(result.status == status, f"{what}: status {result.status}, expected {status}: "
                                   f"{result.body[:300]!r}")
    body = result.json()
    check("error" in body and isinstance(body["error"].get("message"), str),
          f"{what}: not an OpenAI error body: {body}")
    if code is not None:
        check(body["error"].get("code") == code, f"{what}: code {body['error'].get('code')}")
    ok(f"{what} -> {status} ({body['error']['message'][:80]})")
    return body["error"]


def check_passage(item, text_key, what):
    """The passage of a hit or citation equals its document's text at [start, end)."""
    document = item["document_id"]
    check(document in TEXTS, f"{what}: unknown document {document!r}")
    expected = TEXTS[document][item["start"]:item["end"]]
    check(item[text_key] == expected,
          f"{what}: passage of {document} [{item['start']}, {item['end']}) is {item[text_key]!r}, "
          f"the document holds {expected!r} there")


def search(port, query, top_k=5, kb=KB, **extra):
    payload = {"query": query, "top_k": top_k}
    payload.update(extra)
    return sc.request(port, "POST", f"/v1/knowledge-bases/{kb}/search", body=payload)


def fill(args):
    port = args.port
    r = sc.request(port, "POST", "/v1/knowledge-bases", body={"name": KB})
    check(r.status == 201, f"create: status {r.status} {r.body!r}")
    check(r.json()["name"] == KB and r.json()["documents"] == 0, f"create body {r.json()}")
    ok("create -> 201")
    expect_error(sc.request(port, "POST", "/v1/knowledge-bases", body={"name": KB}), 409,
                 "create twice", "already_exists")
    expect_error(sc.request(port, "POST", "/v1/knowledge-bases", body={"name": "a b"}), 400,
                 "create with a bad name")
    expect_error(sc.request(port, "POST", "/v1/knowledge-bases", body={"name": "x", "size": 3}),
                 422, "create with an unknown field")

    r = upload_multipart(port, KB, "code_travail.md", LABOUR.encode())
    check(r.status == 201, f"upload code_travail.md: {r.status} {r.body!r}")
    doc = r.json()
    check(doc["id"] == "code_travail.md" and doc["status"] == "created", f"upload body {doc}")
    check(doc["bytes"] == len(LABOUR.encode()) and doc["chunks"] >= 4, f"upload body {doc}")
    ok(f"upload multipart code_travail.md -> 201, {doc['chunks']} chunks")
    r = upload_raw(port, KB, "mietrecht.md", TENANCY_V1.encode())
    check(r.status == 201, f"upload mietrecht.md (raw): {r.status} {r.body!r}")
    ok("upload raw body mietrecht.md -> 201")
    r = upload_multipart(port, KB, "notes.txt", NOTES.encode())
    check(r.status == 201, f"upload notes.txt: {r.status} {r.body!r}")
    ok("upload multipart notes.txt -> 201")

    r = upload_raw(port, KB, "notes.txt", NOTES.encode())
    check(r.status == 200 and r.json()["status"] == "unchanged", f"re-upload: {r.status} {r.body!r}")
    ok("same bytes again -> 200 unchanged")
    r = upload_multipart(port, KB, "mietrecht.md", TENANCY.encode())
    check(r.status == 200 and r.json()["status"] == "replaced", f"replace: {r.status} {r.body!r}")
    ok("same name, new bytes -> 200 replaced")

    r = sc.request(port, "GET", f"/v1/knowledge-bases/{KB}/documents")
    check(r.status == 200, f"list documents: {r.status}")
    docs = {d["id"]: d for d in r.json()["data"]}
    check(set(docs) == set(TEXTS), f"documents listed: {sorted(docs)}")
    for name, text in TEXTS.items():
        check(docs[name]["bytes"] == len(text.encode()), f"{name}: bytes {docs[name]}")
        check(docs[name]["records"] == 1, f"{name}: records {docs[name]}")
    ok("list documents: the three, with their sizes")
    r = sc.request(port, "GET", "/v1/knowledge-bases")
    bases = {b["name"]: b for b in r.json()["data"]}
    check(KB in bases and bases[KB]["documents"] == 3, f"list bases: {r.json()}")
    check(bases[KB]["chunks"] == sum(d["chunks"] for d in docs.values()), f"chunks: {bases[KB]}")
    ok("list knowledge bases with document and chunk counts")

    r = search(port, "Kündigungsfrist Mieter", top_k=3)
    check(r.status == 200, f"search: {r.status} {r.body!r}")
    hits = r.json()["hits"]
    check(hits, "search for the replaced text found nothing")
    check(r.json().get("mode") == "lexical" and "note" not in r.json(),
          f"a base without an embedding model searches lexically: {r.json().get('mode')}")
    keys = {"document_id", "chunk_id", "score", "title", "metadata", "start", "end", "text"}
    for hit in hits:
        check(keys <= set(hit), f"hit keys {sorted(hit)}")
        check_passage(hit, "text", "search hit")
    check(hits[0]["document_id"] == "mietrecht.md" and hits[0]["metadata"].get("article") == "2",
          f"best hit {hits[0]}")
    check(hits[0]["metadata"].get("source") == "mietrecht.md", f"source {hits[0]['metadata']}")
    ok("search: § 2 of mietrecht.md first; every passage equals the document at its offsets")
    r = search(port, "reception desk visitors", top_k=2, filters={"lang": "en"})
    check(r.status == 200 and r.json()["hits"] and
          all(h["document_id"] == "notes.txt" for h in r.json()["hits"]), f"filtered {r.body!r}")
    ok("search with a language filter")


def citations_ok(citations, expected_document, expected_article, what):
    check(isinstance(citations, list) and citations, f"{what}: no citations")
    for index, citation in enumerate(citations):
        check(citation["number"] == index + 1, f"{what}: numbering {citation['number']}")
        check(citation["knowledge_base"] == KB, f"{what}: knowledge_base {citation}")
        check_passage(citation, "passage", what)
    check(any(c["document_id"] == expected_document and
              c["metadata"].get("article") == expected_article for c in citations),
          f"{what}: {expected_document} article {expected_article} is not among "
          f"{[(c['document_id'], c['metadata'].get('article')) for c in citations]}")


def answer(args):
    port, model = args.port, args.model
    r = sc.request(port, "GET", f"/v1/knowledge-bases/{KB}/documents")
    check(r.status == 200 and len(r.json()["data"]) == 3, f"after restart: {r.status} {r.body!r}")
    ok("after a restart the documents are still there")

    question = "Combien de jours de congé annuel payé a le salarié ?"
    payload = sc.chat_payload(model, question, 8, stream=False, knowledge_bases=[KB],
                              retrieval={"top_k": 3})
    r = sc.request(port, "POST", "/v1/chat/completions", body=payload, timeout=300)
    check(r.status == 200, f"grounded chat: {r.status} {r.body!r}")
    body = r.json()
    check(body["object"] == "chat.completion" and isinstance(
        body["choices"][0]["message"]["content"], str), f"chat body {body}")
    citations = body.get("citations")
    citations_ok(citations, "code_travail.md", "3", "non-streamed answer")
    check(len(citations) <= 3, f"retrieval.top_k 3 gave {len(citations)} citations")
    check("vingt-six jours" in citations[0]["passage"] or any(
        "vingt-six jours" in c["passage"] for c in citations), "Art. 3's passage is not cited")
    ok(f"grounded answer: {len(citations)} citations, Art. 3 of code_travail.md among them")

    question = "Wie lange ist die Kündigungsfrist für den Mieter?"
    payload = sc.chat_payload(model, question, 8, stream=True, knowledge_bases=[KB])
    s = sc.Stream(port, "/v1/chat/completions", payload, timeout=300)
    try:
        if s.status != 200:
            fail(f"streamed grounded chat: {s.status} {s.read_body()[:300]!r}")
        events = list(s.events())
    finally:
        s.close()
    check(events, "the stream had no chunk")
    first = events[0]
    check(first["object"] == "chat.completion.chunk", f"first chunk {first}")
    citations_ok(first.get("citations"), "mietrecht.md", "2", "streamed answer")
    check(all("citations" not in e for e in events[1:]), "citations in a later chunk too")
    check(any(c.get("finish_reason") for e in events for c in e.get("choices", [])),
          "no finish_reason in the stream")
    ok(f"streamed answer: citations in the first chunk only ({len(events)} chunks)")

    # Errors.
    expect_error(search(port, "x", kb="nope"), 404, "search an unknown base")
    expect_error(sc.request(port, "POST", "/v1/chat/completions",
                            body=sc.chat_payload(model, "q", 4, stream=False,
                                                 knowledge_bases=["nope"])), 404,
                 "chat with an unknown base")
    expect_error(sc.request(port, "POST", "/v1/chat/completions",
                            body=sc.chat_payload(model, "q", 4, stream=False,
                                                 knowledge_base=[KB])), 422,
                 "chat with an unknown field")
    err = expect_error(upload_raw(port, KB, "broken.md", b"caf\xc3 au lait"), 400,
                       "upload of invalid UTF-8")
    check("UTF-8" in err["message"], f"parser message not passed on: {err}")
    expect_error(upload_raw(port, KB, "empty.txt", b"   \n"), 400, "upload of an empty file")
    expect_error(upload_raw(port, KB, "slides.pptx", b"PK"), 400, "upload of an unsupported type")
    expect_error(upload_raw(port, KB, "scan.pdf", b"%PDF-1.4 broken"), 400, "upload of a broken PDF")
    expect_error(sc.request(port, "POST", f"/v1/knowledge-bases/{KB}/documents", body=b"text",
                            headers={"Content-Type": "text/plain"}), 400, "upload without a name")
    expect_error(upload_multipart(port, KB, "a.md", b"# A\n", field="document"), 400,
                 "multipart upload without a 'file' field")
    expect_error(upload_raw(port, KB, "big.txt", b"word " * 20000), 413, "upload over the limit")
    expect_error(upload_raw(port, "nope", "a.md", b"# A\n"), 404, "upload to an unknown base")
    expect_error(search(port, "x", mode="dense"), 400, "dense search")
    expect_error(search(port, "x", mode="semantic"), 400, "unknown search mode")
    r = search(port, "Kündigungsfrist Mieter", mode="hybrid")
    check(r.status == 200 and r.json()["mode"] == "lexical" and
          "no embedding model" in r.json().get("note", "") and r.json()["hits"],
          f"hybrid without an embedding model: {r.body!r}")
    expect_error(search(port, "x", topk=3), 422, "search with an unknown field")
    expect_error(sc.request(port, "DELETE", f"/v1/knowledge-bases/{KB}/documents/none.md"), 404,
                 "delete an unknown document")
    r = sc.request(port, "GET", f"/v1/knowledge-bases/{KB}/documents")
    check(len(r.json()["data"]) == 3, f"a refused upload changed the documents: {r.body!r}")
    ok("refused uploads left the documents as they were")

    # Formats whose text is extracted (here HTML) upload the same way.
    html = (b"<html><head><title>Horaires</title></head><body><h1>Horaires</h1>"
            b"<p>La piscine ouvre ses portes \xc3\xa0 sept heures.</p></body></html>")
    r = upload_multipart(port, KB, "horaires.html", html)
    check(r.status == 201 and r.json()["chunks"] >= 1, f"upload html: {r.status} {r.body!r}")
    r = search(port, "piscine sept heures", top_k=1)
    check(r.status == 200 and r.json()["hits"] and
          r.json()["hits"][0]["document_id"] == "horaires.html", f"html search: {r.body!r}")
    check(sc.request(port, "DELETE", f"/v1/knowledge-bases/{KB}/documents/horaires.html").status
          == 200, "delete horaires.html")
    ok("an HTML upload is searchable, then deleted")

    # A name that needs percent-encoding in the URL.
    name = "mes notes é.txt"
    r = upload_raw(port, KB, name, "Réunion du lundi : budget validé.\n".encode())
    check(r.status == 201 and r.json()["id"] == name, f"upload {name!r}: {r.status} {r.body!r}")
    r = sc.request(port, "DELETE",
                   f"/v1/knowledge-bases/{KB}/documents/{urllib.parse.quote(name)}")
    check(r.status == 200 and r.json()["id"] == name, f"delete {name!r}: {r.status} {r.body!r}")
    ok("a document name with a space and an accent: uploaded, deleted through its encoded URL")

    # Deleting a document removes it from search (and from grounded answers).
    r = sc.request(port, "DELETE", f"/v1/knowledge-bases/{KB}/documents/code_travail.md")
    check(r.status == 200 and r.json()["deleted"] is True, f"delete document: {r.status} {r.body!r}")
    r = search(port, "congé annuel payé jours ouvrables salarié", top_k=10)
    check(r.status == 200 and all(h["document_id"] != "code_travail.md" for h in r.json()["hits"]),
          f"deleted document still found: {r.body[:300]!r}")
    r = sc.request(port, "GET", f"/v1/knowledge-bases/{KB}/documents")
    check(sorted(d["id"] for d in r.json()["data"]) == ["mietrecht.md", "notes.txt"],
          f"documents after delete: {r.body!r}")
    ok("deleted document: gone from the list and from search")

    r = sc.request(port, "DELETE", f"/v1/knowledge-bases/{KB}")
    check(r.status == 200 and r.json()["deleted"] is True, f"delete base: {r.status} {r.body!r}")
    r = sc.request(port, "GET", "/v1/knowledge-bases")
    check(all(b["name"] != KB for b in r.json()["data"]), f"base still listed: {r.body!r}")
    expect_error(search(port, "Mieter"), 404, "search a deleted base")
    expect_error(sc.request(port, "DELETE", f"/v1/knowledge-bases/{KB}"), 404, "delete twice")
    ok("deleted base: gone")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["fill", "answer"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="tiny")
    args = parser.parse_args()
    fill(args) if args.phase == "fill" else answer(args)


if __name__ == "__main__":
    main()
