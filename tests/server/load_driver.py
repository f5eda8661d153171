#!/usr/bin/env python3
"""Mixed load against `souverain serve` (driven by tests/cli/server_load_test.sh; stdlib only).

Sends --warmup requests, measures the server's resident memory (VmRSS of --pid), sends
--requests more, measures again, and checks that
  * every request got the answer its kind calls for (status, body shape),
  * the server still answers correctly afterwards: /health, /v1/models, and a greedy
    completion that gives the same text as before the load,
  * no slot or queue entry leaked (souverain_active_slots and souverain_queue_depth are 0),
  * VmRSS after the load is at most --rss-limit-kb above VmRSS after the warm-up.

The mix (weights in KINDS): valid short chat and legacy completions (max_tokens 1-4, stream
and not), invalid JSON, wrong types, unknown and missing fields, out-of-range values, unknown
model, bodies over --max-body-bytes, unknown routes, GET /v1/models, /health and /metrics,
truncated bodies, headers cut short, and clients that close right after sending a valid
request. Requests go over keep-alive connections (one per worker, reopened when the server
closes it) or over raw sockets for the malformed ones. Several workers run at once.
"""

import argparse
import http.client
import json
import os
import random
import socket
import sys
import threading
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402

MODEL = "tiny"


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


# ---- the kinds of request --------------------------------------------------------------------
# Each returns (method, path, body bytes or None, expected statuses, checker or None) for HTTP
# kinds, or is a raw-socket kind handled by raw_*().

def chat_body(rng, stream):
    body = {"model": MODEL, "max_tokens": rng.randint(1, 4),
            "messages": [{"role": "user", "content": f"Say something about {rng.randint(0, 999)}."}]}
    if rng.random() < 0.5:
        body["temperature"] = 0
    else:
        body.update(temperature=0.8, seed=rng.randint(0, 1 << 30), top_p=0.9)
    if stream:
        body["stream"] = True
        if rng.random() < 0.5:
            body["stream_options"] = {"include_usage": True}
    return body


def completion_body(rng, stream):
    body = {"model": MODEL, "prompt": f"Item {rng.randint(0, 9999)} is", "max_tokens": rng.randint(1, 4),
            "temperature": 0}
    if rng.random() < 0.3:
        body["logprobs"] = 2
    if stream:
        body["stream"] = True
    return body


def check_json_choice(max_tokens_of):
    def check(body, request):
        obj = json.loads(body)
        usage = obj["usage"]
        if usage["completion_tokens"] > max_tokens_of(request) or usage["completion_tokens"] < 1:
            return f"completion_tokens {usage['completion_tokens']}"
        if usage["total_tokens"] != usage["prompt_tokens"] + usage["completion_tokens"]:
            return "total_tokens"
        choice = obj["choices"][0]
        text = choice["message"]["content"] if "message" in choice else choice["text"]
        if not isinstance(text, str):
            return "no text"
        if choice["finish_reason"] not in ("stop", "length"):
            return f"finish_reason {choice['finish_reason']}"
        return None
    return check


def check_sse(body, request):
    if not body.rstrip().endswith(b"data: [DONE]"):
        return "stream does not end with [DONE]"
    finishes = 0
    for line in body.split(b"\n"):
        if line.startswith(b"data: {"):
            event = json.loads(line[6:])
            if "error" in event:
                return f"error event {event}"
            for choice in event.get("choices", []):
                finishes += choice.get("finish_reason") is not None
    return None if finishes == 1 else f"{finishes} finish_reasons"


def check_error(code=None):
    def check(body, request):
        obj = json.loads(body)
        err = obj.get("error")
        if not isinstance(err, dict) or not isinstance(err.get("message"), str):
            return f"not an OpenAI error body: {body[:200]!r}"
        if code and err.get("code") != code:
            return f"error code {err.get('code')}, expected {code}"
        return None
    return check


def request_max_tokens(request):
    return json.loads(request)["max_tokens"]


def k_chat(rng):
    b = json.dumps(chat_body(rng, False)).encode()
    return "POST", "/v1/chat/completions", b, {200}, check_json_choice(request_max_tokens)


def k_chat_stream(rng):
    b = json.dumps(chat_body(rng, True)).encode()
    return "POST", "/v1/chat/completions", b, {200}, check_sse


def k_completion(rng):
    b = json.dumps(completion_body(rng, False)).encode()
    return "POST", "/v1/completions", b, {200}, check_json_choice(request_max_tokens)


def k_completion_stream(rng):
    b = json.dumps(completion_body(rng, True)).encode()
    return "POST", "/v1/completions", b, {200}, check_sse


INVALID_JSON = [b'{"model": "tiny", "messages": [', b"", b"not json", b'{"model": "tiny",}',
                b"\xff\xfe{\x00", b'{"model": "tiny", "prompt": "x" "max_tokens": 2}', b"[1, 2",
                b'{"a": tru}', b"{" * 5000]


def k_invalid_json(rng):
    path = rng.choice(["/v1/chat/completions", "/v1/completions"])
    return "POST", path, rng.choice(INVALID_JSON), {400}, check_error("invalid_json")


def k_wrong_type(rng):
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    cases = [
        ("/v1/chat/completions", {**chat, "max_tokens": "3"}),
        ("/v1/chat/completions", {**chat, "temperature": "hot"}),
        ("/v1/chat/completions", {**chat, "messages": {"role": "user"}}),
        ("/v1/chat/completions", {**chat, "stream": "yes"}),
        ("/v1/chat/completions", {**chat, "messages": [{"role": "user", "content": 5}]}),
        ("/v1/chat/completions", {**chat, "model": 7}),
        ("/v1/chat/completions", [chat]),
        ("/v1/completions", {"model": MODEL, "prompt": {"text": "x"}, "max_tokens": 2}),
        ("/v1/completions", {"model": MODEL, "prompt": "x", "stop": [1, 2]}),
        ("/v1/completions", {"model": MODEL, "prompt": [1, -5]}),
    ]
    path, body = rng.choice(cases)
    return "POST", path, json.dumps(body).encode(), {422}, check_error()


def k_unknown_field(rng):
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    cases = [
        ("/v1/chat/completions", {**chat, "max_token": 3}),
        ("/v1/chat/completions", {**chat, f"field_{rng.randint(0, 10**6)}": 1}),
        ("/v1/chat/completions", {**chat, "messages": [{"role": "user", "content": "x", "extra": 1}]}),
        ("/v1/completions", {"model": MODEL, "prompt": "x", "max_tokens": 2, "temprature": 0}),
    ]
    path, body = rng.choice(cases)
    return "POST", path, json.dumps(body).encode(), {422}, check_error()


def k_missing_field(rng):
    cases = [("/v1/chat/completions", {"model": MODEL}),
             ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
             ("/v1/completions", {"model": MODEL}),
             ("/v1/chat/completions", {"model": MODEL, "messages": [{"content": "hi"}]})]
    path, body = rng.choice(cases)
    return "POST", path, json.dumps(body).encode(), {422}, check_error()


def k_out_of_range(rng):
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    cases = [{**chat, "temperature": 5}, {**chat, "n": 0}, {**chat, "n": 1000},
             {**chat, "max_tokens": 0}, {**chat, "messages": []}, {**chat, "max_tokens": 10**6},
             {**chat, "logprobs": True, "top_logprobs": 50},
             {**chat, "messages": [{"role": "wizard", "content": "x"}]}]
    return "POST", "/v1/chat/completions", json.dumps(rng.choice(cases)).encode(), {400}, check_error()


def k_unknown_model(rng):
    body = {"model": f"nope-{rng.randint(0, 999)}", "messages": [{"role": "user", "content": "hi"}]}
    return "POST", "/v1/chat/completions", json.dumps(body).encode(), {404}, check_error("model_not_found")


def k_unknown_route(rng):
    cases = [("GET", "/v2/models"), ("POST", "/v1/images/generations"), ("GET", f"/x/{rng.randint(0, 10**6)}"),
             ("GET", "/v1/models/nope"), ("POST", "/v1/chat"), ("GET", "/v1/chat/completions/")]
    method, path = rng.choice(cases)
    body = b"{}" if method == "POST" else None
    return method, path, body, {404, 405}, check_error()


def k_models(rng):
    def check(body, request):
        obj = json.loads(body)
        return None if [m["id"] for m in obj["data"]] == [MODEL] else f"models {obj}"
    return "GET", "/v1/models", None, {200}, check


def k_health(rng):
    return "GET", rng.choice(["/health", "/metrics"]), None, {200}, None


HTTP_KINDS = {
    "chat": (k_chat, 10), "chat_stream": (k_chat_stream, 8), "completion": (k_completion, 8),
    "completion_stream": (k_completion_stream, 6), "invalid_json": (k_invalid_json, 8),
    "wrong_type": (k_wrong_type, 8), "unknown_field": (k_unknown_field, 6),
    "missing_field": (k_missing_field, 4), "out_of_range": (k_out_of_range, 6),
    "unknown_model": (k_unknown_model, 6), "unknown_route": (k_unknown_route, 6),
    "models": (k_models, 5), "health_metrics": (k_health, 5),
}
RAW_KINDS = {"oversized": 4, "truncated_body": 3, "cut_headers": 2, "early_close": 3}


# ---- raw-socket kinds ------------------------------------------------------------------------

def raw_connect(port):
    s = socket.create_connection((sc.HOST, port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=1 << 20):
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout) as e:
        data += f"<{type(e).__name__}>".encode()
    return data


def status_of(data):
    if data.startswith(b"HTTP/1.1 "):
        return int(data[9:12])
    return None


def raw_oversized(port, rng, max_body):
    size = max_body + rng.randint(1, 4 * max_body)
    body = b'{"model": "tiny", "prompt": "' + b"x" * size + b'"}'
    head = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    s = raw_connect(port)
    try:
        try:
            s.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading the whole body
        data = read_all(s)
    finally:
        s.close()
    st = status_of(data)
    if st == 413:
        err = check_error("request_too_large")(data.split(b"\r\n\r\n", 1)[1], None)
        return "413", err
    return (str(st) if st else "no response"), f"expected 413, got {data[:120]!r}"


def raw_truncated(port, rng):
    body = json.dumps({"model": MODEL, "prompt": "hello", "max_tokens": 2}).encode()
    cut = rng.randint(0, len(body) - 1)
    head = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            f"\r\n").encode()
    s = raw_connect(port)
    try:
        s.sendall(head + body[:cut])
        s.shutdown(socket.SHUT_WR)  # the server sees the body end early
        data = read_all(s)
    finally:
        s.close()
    st = status_of(data)
    # Nothing, or an error status; never a completion made of half a body.
    if st is None or 400 <= st < 500:
        return (str(st) if st else "closed"), None
    return str(st), f"truncated body answered with {data[:120]!r}"


def raw_cut_headers(port, rng):
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"
    s = raw_connect(port)
    try:
        s.sendall(head[: rng.randint(1, len(head))])
        s.shutdown(socket.SHUT_WR)
        data = read_all(s)
    finally:
        s.close()
    st = status_of(data)
    if st is None or 400 <= st < 500:
        return (str(st) if st else "closed"), None
    return str(st), f"cut headers answered with {data[:120]!r}"


def raw_early_close(port, rng):
    stream = rng.random() < 0.5
    body = json.dumps({"model": MODEL, "prompt": f"Tell me about {rng.randint(0, 999)}",
                       "max_tokens": rng.randint(1, 4), "stream": stream}).encode()
    head = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    s = raw_connect(port)
    try:
        s.sendall(head + body)
        if rng.random() < 0.5:
            s.recv(1)  # wait for the first byte, then go
    except OSError:
        pass
    finally:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    return "closed", None


# ---- the workers -----------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = defaultdict(Counter)
        self.errors = []
        self.stale_retries = 0
        self.count = 0

    def record(self, kind, outcome, error):
        with self.lock:
            self.count += 1
            self.by_kind[kind][outcome] += 1
            if error and len(self.errors) < 20:
                self.errors.append(f"{kind}: {error}")


def http_once(conn, method, path, body):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.will_close:
        conn.close()
    return resp.status, data


def worker(port, n, seed, max_body, stats, deadline):
    rng = random.Random(seed)
    names = list(HTTP_KINDS) + list(RAW_KINDS)
    weights = [HTTP_KINDS[k][1] for k in HTTP_KINDS] + list(RAW_KINDS.values())
    conn = http.client.HTTPConnection(sc.HOST, port, timeout=60)
    fresh = True
    for _ in range(n):
        if time.monotonic() > deadline:
            stats.record("timeout", "deadline", "the run went over its time limit")
            return
        kind = rng.choices(names, weights)[0]
        try:
            if kind in RAW_KINDS:
                if kind == "oversized":
                    outcome, err = raw_oversized(port, rng, max_body)
                elif kind == "truncated_body":
                    outcome, err = raw_truncated(port, rng)
                elif kind == "cut_headers":
                    outcome, err = raw_cut_headers(port, rng)
                else:
                    outcome, err = raw_early_close(port, rng)
                stats.record(kind, outcome, err)
                continue
            method, path, body, expected, check = HTTP_KINDS[kind][0](rng)
            try:
                status, data = http_once(conn, method, path, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed (its keep-alive limit) between
                # two requests: what every HTTP client retries once on a new connection.
                if fresh:
                    raise
                with stats.lock:
                    stats.stale_retries += 1
                conn.close()
                status, data = http_once(conn, method, path, body)
            fresh = conn.sock is None
            err = None
            if status not in expected:
                err = f"{method} {path} -> {status}, expected {sorted(expected)}: {data[:160]!r}"
            elif check is not None:
                try:
                    err = check(data, body)
                except Exception as e:  # noqa: BLE001 - a malformed body is the finding
                    err = f"{method} {path}: bad body ({e}): {data[:160]!r}"
            stats.record(kind, str(status), err)
        except Exception as e:  # noqa: BLE001
            conn.close()
            fresh = True
            stats.record(kind, type(e).__name__, f"{type(e).__name__}: {e}")


def run_load(port, total, clients, seed, max_body, time_limit):
    stats = Stats()
    deadline = time.monotonic() + time_limit
    per = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=worker, args=(port, per[i], seed * 1000 + i, max_body,
                                                     stats, deadline)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.monotonic() - t0


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settle(port):
    """Waits until no slot is active and nothing is queued; returns seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        g = sc.gauges(port)
        if g.get(("souverain_active_slots", MODEL)) == 0 and g.get(("souverain_queue_depth", MODEL)) == 0:
            return time.monotonic() - t0
        time.sleep(0.05)
    g = sc.gauges(port)
    fail(f"slots or queue entries leaked: active {g.get(('souverain_active_slots', MODEL))}, "
         f"queued {g.get(('souverain_queue_depth', MODEL))} 15 s after the load")


def reference_answer(port):
    body = {"model": MODEL, "prompt": "The reference prompt", "max_tokens": 12, "temperature": 0,
            "ignore_eos": True}
    r = sc.request(port, "POST", "/v1/completions", body)
    if r.status != 200:
        fail(f"reference completion: status {r.status} {r.body[:200]!r}")
    return r.json()["choices"][0]["text"]


def report(stats, label, seconds):
    print(f"{label}: {stats.count} requests in {seconds:.1f} s ({stats.count / seconds:.0f}/s), "
          f"{stats.stale_retries} keep-alive retries")
    for kind in sorted(stats.by_kind):
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_kind[kind].items()))
        print(f"  {kind:<18} {outcomes}")
    if stats.errors:
        print("unexpected answers (first ones):")
        for e in stats.errors:
            print(f"  {e}")
        fail(f"{label}: unexpected answers")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--requests", type=int, default=10000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--max-body-bytes", type=int, required=True)
    p.add_argument("--rss-limit-kb", type=int, default=4096)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=600, help="seconds for the main load")
    args = p.parse_args()

    before = reference_answer(args.port)
    rss_start = rss_kb(args.pid)
    stats, seconds = run_load(args.port, args.warmup, args.clients, args.seed, args.max_body_bytes,
                              args.time_limit)
    report(stats, "warm-up", seconds)
    settle(args.port)
    time.sleep(0.5)
    rss_warm = rss_kb(args.pid)

    stats, seconds = run_load(args.port, args.requests, args.clients, args.seed + 1,
                              args.max_body_bytes, args.time_limit)
    report(stats, "load", seconds)
    waited = settle(args.port)
    time.sleep(0.5)
    rss_after = rss_kb(args.pid)

    # Still answering, and answering the same.
    r = sc.request(args.port, "GET", "/health")
    if r.status != 200 or r.json() != {"status": "ok"}:
        fail(f"/health after the load: {r.status} {r.body[:200]!r}")
    r = sc.request(args.port, "GET", "/v1/models")
    if r.status != 200 or [m["id"] for m in r.json()["data"]] != [MODEL]:
        fail(f"/v1/models after the load: {r.status} {r.body[:200]!r}")
    after = reference_answer(args.port)
    if after != before:
        fail(f"the greedy reference completion changed: {before!r} -> {after!r}")
    text, finish, _ = sc.stream_chat_text(args.port, sc.chat_payload(MODEL, "Hello again", 4))
    if finish != "length":
        fail(f"a streamed chat after the load ended with {finish}")
    print(f"after the load: /health, /v1/models, a streamed chat and the greedy reference "
          f"completion ({before!r}) are as before; slots idle {waited:.2f} s after the last request")

    growth = rss_after - rss_warm
    print(f"VmRSS: {rss_start} kB at start, {rss_warm} kB after {args.warmup} warm-up requests, "
          f"{rss_after} kB after {args.requests} more: {growth:+d} kB (limit +{args.rss_limit_kb} kB)")
    if growth > args.rss_limit_kb:
        fail(f"resident memory grew by {growth} kB over the load (limit {args.rss_limit_kb} kB)")


if __name__ == "__main__":
    main()
