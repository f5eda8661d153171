#!/usr/bin/python3
"""End-to-end checks of POST /v1/embeddings against a running `souverain serve` (stdlib only).

    embeddings_driver.py --port P --encoder NAME --generator NAME --engine ENGINE.json
                         --dimension D --max-tokens N

ENGINE.json is `souverain embed --json` output for the texts in TEXTS below: the server must
return exactly those vectors (same code, same float32 values). Prints one line per check and
exits 1 when any fails.
"""

import argparse
import base64
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client  # noqa: E402

TEXTS = ["Hello world", "Moien! Wéi geet et?", "a"]

failures = 0


def check(label, condition, detail=""):
    global failures
    print("%s %s%s" % (label, "ok" if condition else "FAIL", "" if condition else ": " + detail))
    if not condition:
        failures += 1


def f32(values):
    """The float32 values behind decimal text (`souverain embed` prints 9 significant digits,
    which identify a float32 but are not its exact value)."""
    return list(struct.unpack("<%df" % len(values), struct.pack("<%df" % len(values), *values)))


def post(port, body):
    return serve_client.request(port, "POST", "/v1/embeddings", body)


def error_of(result):
    try:
        return result.json().get("error", {})
    except ValueError:
        return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--encoder", required=True)
    parser.add_argument("--generator", required=True)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--dimension", type=int, required=True)
    parser.add_argument("--max-tokens", type=int, required=True)
    args = parser.parse_args()
    with open(args.engine) as handle:
        engine = json.load(handle)["data"]
    want = [f32(entry["embedding"]) for entry in engine]
    want_tokens = [entry["tokens"] for entry in engine]

    models = serve_client.request(args.port, "GET", "/v1/models").json()["data"]
    by_id = {model["id"]: model for model in models}
    check("models lists the encoder with its dimension",
          by_id.get(args.encoder, {}).get("embedding_dimensions") == args.dimension, str(models))
    check("models lists the generator", args.generator in by_id, str(models))

    one = post(args.port, {"model": args.encoder, "input": TEXTS[0]})
    body = one.json() if one.status == 200 else {}
    check("one string: 200", one.status == 200, one.body[:300].decode(errors="replace"))
    if one.status == 200:
        check("one string: the OpenAI shape",
              body["object"] == "list" and body["model"] == args.encoder
              and len(body["data"]) == 1 and body["data"][0]["object"] == "embedding"
              and body["data"][0]["index"] == 0, str(body)[:300])
        vector = f32(body["data"][0]["embedding"])
        check("one string: the vector `souverain embed` gives", vector == want[0],
              "max diff %g" % max(abs(a - b) for a, b in zip(vector, want[0])))
        check("one string: unit length", abs(math.sqrt(sum(v * v for v in vector)) - 1) < 1e-5)
        check("one string: usage counts its tokens",
              body["usage"] == {"prompt_tokens": len(want_tokens[0]),
                                "total_tokens": len(want_tokens[0])}, str(body["usage"]))

    many = post(args.port, {"model": args.encoder, "input": TEXTS, "dimensions": args.dimension})
    check("array of strings: 200", many.status == 200, many.body[:300].decode(errors="replace"))
    if many.status == 200:
        data = many.json()["data"]
        check("array of strings: vectors in order",
              [item["index"] for item in data] == [0, 1, 2]
              and [f32(item["embedding"]) for item in data] == want)
        check("array of strings: usage is the sum",
              many.json()["usage"]["prompt_tokens"] == sum(len(t) for t in want_tokens))

    tokens = post(args.port, {"model": args.encoder, "input": want_tokens})
    check("token arrays: the same vectors as the texts",
          tokens.status == 200 and [f32(item["embedding"]) for item in tokens.json()["data"]] == want,
          tokens.body[:300].decode(errors="replace"))
    single = post(args.port, {"model": args.encoder, "input": want_tokens[1]})
    check("one token array: the same vector",
          single.status == 200 and f32(single.json()["data"][0]["embedding"]) == want[1])

    encoded = post(args.port, {"model": args.encoder, "input": TEXTS[1],
                               "encoding_format": "base64"})
    if encoded.status == 200:
        raw = base64.b64decode(encoded.json()["data"][0]["embedding"])
        floats = list(struct.unpack("<%df" % (len(raw) // 4), raw))
        check("base64: decodes to the float32 values", floats == want[1])
    else:
        check("base64: 200", False, encoded.body[:300].decode(errors="replace"))

    bad_dims = post(args.port, {"model": args.encoder, "input": "x",
                                "dimensions": args.dimension // 2})
    check("dimensions other than the model's: 400 on 'dimensions'",
          bad_dims.status == 400 and error_of(bad_dims).get("param") == "dimensions",
          bad_dims.body[:300].decode(errors="replace"))
    long_text = " ".join("word%d" % idx for idx in range(args.max_tokens))
    too_long = post(args.port, {"model": args.encoder, "input": ["short", long_text]})
    check("an input over the context: 400 context_length_exceeded on input[1]",
          too_long.status == 400
          and error_of(too_long).get("code") == "context_length_exceeded"
          and error_of(too_long).get("param") == "input[1]",
          too_long.body[:300].decode(errors="replace"))
    bad_id = post(args.port, {"model": args.encoder, "input": [[101, 10 ** 6, 102]]})
    check("a token id outside the vocabulary: 400",
          bad_id.status == 400 and error_of(bad_id).get("param") == "input[0]",
          bad_id.body[:300].decode(errors="replace"))
    llm = post(args.port, {"model": args.generator, "input": "x"})
    check("embeddings of a generator: 400 model_not_supported",
          llm.status == 400 and error_of(llm).get("code") == "model_not_supported",
          llm.body[:300].decode(errors="replace"))
    chat = serve_client.request(args.port, "POST", "/v1/chat/completions",
                                {"model": args.encoder,
                                 "messages": [{"role": "user", "content": "hi"}]})
    check("chat with an encoder: 400 model_not_supported",
          chat.status == 400 and error_of(chat).get("code") == "model_not_supported",
          chat.body[:300].decode(errors="replace"))
    completion = serve_client.request(args.port, "POST", "/v1/completions",
                                      {"model": args.encoder, "prompt": "hi"})
    check("completion with an encoder: 400 model_not_supported",
          completion.status == 400 and error_of(completion).get("code") == "model_not_supported")
    unknown = post(args.port, {"model": "nope", "input": "x"})
    check("unknown model: 404", unknown.status == 404)
    unknown_field = post(args.port, {"model": args.encoder, "input": "x", "temperature": 0})
    check("unknown field: 422", unknown_field.status == 422)
    print("%d check(s) failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
