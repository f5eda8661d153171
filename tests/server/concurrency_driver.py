#!/usr/bin/env python3
"""Checks of `souverain serve` under concurrency (driven by tests/cli/server_concurrency_test.sh).

  identity   --port P --model M [--n 16] [--max-tokens 24]
      N different greedy streamed chat requests at once, then the same N one at a time: the
      texts must be byte-identical (a sequence's output must not depend on its batch mates).
  disconnect --port P --model M --mode stream|body
      a client that drops a stream (or a non-streamed request) mid-generation frees its slot:
      souverain_active_slots returns to 0 within --limit seconds.
  overload   --port P --model M [--clients 6]
      against --parallel 1 --max-queue 1: of several concurrent requests, one runs, one waits
      and the others get 503 with a Retry-After header and an OpenAI error body.

Prints what it measured; exits 1 with a FAIL line on the first broken expectation.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_client as sc  # noqa: E402

SUBJECTS = [
    "rivers", "castles", "bridges", "forests", "harbours", "mountains", "libraries", "markets",
    "railways", "gardens", "islands", "museums", "vineyards", "lighthouses", "glaciers", "deserts",
    "cathedrals", "canals", "orchards", "volcanoes",
]


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def prompts(n):
    # Different lengths too, so that prompt chunks and decode steps mix in one batch.
    out = []
    for i in range(n):
        subject = SUBJECTS[i % len(SUBJECTS)]
        out.append(f"Tell me about the {subject} of region number {i}." + " Be precise." * (i % 5))
    return out


def identity(args):
    texts_prompts = prompts(args.n)
    # logprobs with 2 alternatives: the log-probabilities are printed with full float
    # precision, so they show any difference in the logits, even one too small to change a
    # greedy choice.
    payloads = [sc.chat_payload(args.model, p, args.max_tokens, logprobs=True, top_logprobs=2)
                for p in texts_prompts]

    # Concurrent: all start together (a barrier), each records its text.
    results = [None] * args.n
    errors = []
    barrier = threading.Barrier(args.n)
    peak = {"active": 0}
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                value = sc.gauge(args.port, "souverain_active_slots", args.model) or 0
                peak["active"] = max(peak["active"], int(value))
            except Exception:  # noqa: BLE001 - the watcher only reports
                pass
            time.sleep(0.05)

    spans = [[] for _ in range(args.n)]
    conc_lp = [[] for _ in range(args.n)]

    def worker(i):
        try:
            barrier.wait()
            results[i] = sc.stream_chat_text(args.port, payloads[i], times=spans[i],
                                             logprobs=conc_lp[i])
        except Exception as e:  # noqa: BLE001
            errors.append(f"request {i}: {e}")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent_s = time.monotonic() - t0
    done.set()
    watcher.join()
    if errors:
        fail("concurrent requests failed: " + "; ".join(errors[:4]))

    t0 = time.monotonic()
    seq_lp = [[] for _ in range(args.n)]
    sequential = [sc.stream_chat_text(args.port, p, logprobs=lp) for p, lp in zip(payloads, seq_lp)]
    sequential_s = time.monotonic() - t0

    # How many streams were producing text at the same moment (client side).
    marks = sorted([(sp[0], 1) for sp in spans if sp[0]] + [(sp[1], -1) for sp in spans if sp[1]],
                   key=lambda m: (m[0], m[1]))
    overlap = best = 0
    for _, delta in marks:
        overlap += delta
        best = max(best, overlap)
    print(f"identity: {args.n} concurrent requests in {concurrent_s:.2f} s (peak active slots "
          f"{peak['active']} in /metrics, {best} streams producing text at once), then one at "
          f"a time in {sequential_s:.2f} s")
    mismatches = 0
    lp_mismatches = 0
    max_lp_diff = 0.0
    for i, (conc, seq) in enumerate(zip(results, sequential)):
        if len(conc_lp[i]) != args.max_tokens or len(seq_lp[i]) != args.max_tokens:
            fail(f"request {i}: {len(conc_lp[i])}/{len(seq_lp[i])} logprobs entries, expected "
                 f"{args.max_tokens}")
        if conc_lp[i] != seq_lp[i]:
            lp_mismatches += 1
            for a, b in zip(conc_lp[i], seq_lp[i]):
                if a["token"] == b["token"]:
                    max_lp_diff = max(max_lp_diff, abs(a["logprob"] - b["logprob"]))
        c_text, c_finish, c_usage = conc
        s_text, s_finish, s_usage = seq
        if c_finish != "length" or s_finish != "length":
            fail(f"request {i}: finish_reason {c_finish}/{s_finish}, expected length (ignore_eos)")
        if c_text.encode() != s_text.encode():
            mismatches += 1
            prefix = os.path.commonprefix([c_text, s_text])
            print(f"  request {i}: DIFFERENT after {len(prefix)} chars\n"
                  f"    concurrent: {c_text!r}\n    alone:      {s_text!r}")
    if best < 2:
        fail("identity: the concurrent requests never overlapped; the check would be void")
    print(f"identity: texts differ for {mismatches} of {args.n} requests; logprobs differ for "
          f"{lp_mismatches} of {args.n} (largest difference of a same-token logprob "
          f"{max_lp_diff:.3g})")
    if mismatches:
        fail(f"identity: {mismatches} of {args.n} outputs differ between the concurrent and "
             f"the one-at-a-time run")
    if lp_mismatches and args.strict_logprobs:
        fail(f"identity: the logprobs of {lp_mismatches} of {args.n} requests differ between "
             f"the concurrent and the one-at-a-time run (the logits depend on the batch)")
    print(f"identity: all {args.n} outputs byte-identical ({args.max_tokens} tokens each)")


def disconnect(args):
    model = args.model
    sc.wait_gauge(args.port, "souverain_active_slots", model, lambda v: v == 0, 10)
    if args.mode == "stream":
        # A streamed request dropped after its first tokens.
        s = sc.Stream(args.port, "/v1/chat/completions",
                      sc.chat_payload(model, "Tell me a long story.", args.long_tokens))
        if s.status != 200:
            fail(f"disconnect: status {s.status}")
        events = s.events()
        for _ in range(3):
            next(events)
        close = s.close
    else:
        # A non-streamed request whose client leaves while it is generating.
        conn = http.client.HTTPConnection(sc.HOST, args.port, timeout=30)
        conn.request("POST", "/v1/chat/completions",
                     body=json.dumps(sc.chat_payload(model, "Another long story.",
                                                     args.long_tokens, stream=False)),
                     headers={"Content-Type": "application/json"})

        def close():
            conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()
    active, _ = sc.wait_gauge(args.port, "souverain_active_slots", model, lambda v: v == 1, 5)
    if active != 1:
        fail(f"disconnect: souverain_active_slots is {active} while a request runs (expected 1)")
    t0 = time.monotonic()
    close()
    value, waited = sc.wait_gauge(args.port, "souverain_active_slots", model, lambda v: v == 0,
                                  args.limit)
    if waited is None:
        value, waited = sc.wait_gauge(args.port, "souverain_active_slots", model,
                                      lambda v: v == 0, 120)
        fail(f"disconnect ({args.mode}): souverain_active_slots still 1 {args.limit} s after the "
             f"client closed its connection; it dropped to 0 only after "
             f"{time.monotonic() - t0:.2f} s (max_tokens {args.long_tokens})")
    print(f"disconnect ({args.mode}): client gone -> slot free after "
          f"{time.monotonic() - t0:.3f} s")

    # The server still answers.
    text, finish, _ = sc.stream_chat_text(args.port, sc.chat_payload(model, "Hello", 4))
    if finish != "length":
        fail(f"disconnect: a request after the disconnect ended with {finish}")
    print("disconnect: the server answers normally afterwards")


def overload(args):
    model = args.model
    # One long request takes the slot, a second waits in the queue (--max-queue 1).
    holder = sc.Stream(args.port, "/v1/chat/completions", sc.chat_payload(model, "First.", args.long_tokens))
    if holder.status != 200:
        fail(f"overload: the first request got {holder.status}")
    next(holder.events())
    waiting = {}

    def queued_request():
        s = sc.Stream(args.port, "/v1/chat/completions", sc.chat_payload(model, "Second.", 4))
        waiting["stream"] = s

    t = threading.Thread(target=queued_request, daemon=True)
    t.start()
    queued, _ = sc.wait_gauge(args.port, "souverain_queue_depth", model, lambda v: v == 1, 5)
    if queued != 1:
        fail(f"overload: souverain_queue_depth is {queued} with a second request waiting")

    # Now every further request must be refused with 503 and Retry-After, concurrently too.
    statuses = []
    lock = threading.Lock()

    def extra(i):
        payload = sc.chat_payload(model, f"Extra {i}.", 4, stream=(i % 2 == 0))
        r = sc.request(args.port, "POST", "/v1/chat/completions", payload, timeout=30)
        with lock:
            statuses.append(r)

    extras = [threading.Thread(target=extra, args=(i,)) for i in range(args.clients)]
    for x in extras:
        x.start()
    for x in extras:
        x.join()
    codes = sorted(r.status for r in statuses)
    print(f"overload: 1 running, 1 queued; {args.clients} more concurrent requests got {codes}")
    for r in statuses:
        if r.status != 503:
            fail(f"overload: expected 503 for a request beyond slot + queue, got {r.status}")
        retry = r.headers.get("retry-after")
        if retry is None or not retry.strip().isdigit():
            fail(f"overload: 503 without a valid Retry-After header (headers {r.headers})")
        body = r.json()
        if body.get("error", {}).get("code") != "server_overloaded":
            fail(f"overload: 503 body {body}")
    print(f"overload: every extra request got 503 with Retry-After: "
          f"{statuses[0].headers.get('retry-after')}")

    # Releasing the slot lets the queued request run to its end.
    holder.close()
    t.join(10)
    s = waiting.get("stream")
    if s is None or s.status != 200:
        fail(f"overload: the queued request got {None if s is None else s.status}")
    finish = None
    for event in s.events():
        for choice in event.get("choices", []):
            finish = choice.get("finish_reason") or finish
    s.close()
    if finish != "length":
        fail(f"overload: the queued request ended with {finish}")
    print("overload: the queued request ran once the slot was free")
    value, waited = sc.wait_gauge(args.port, "souverain_active_slots", model, lambda v: v == 0, 5)
    if waited is None:
        fail(f"overload: active slots stayed at {value}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["identity", "disconnect", "overload"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--limit", type=float, default=1.0, help="seconds a slot may take to free")
    parser.add_argument("--mode", choices=["stream", "body"], default="stream",
                        help="disconnect: drop a streamed or a non-streamed request")
    parser.add_argument("--strict-logprobs", action="store_true",
                        help="identity: logprobs must be bit-identical too, not only the text")
    parser.add_argument("--long-tokens", type=int, default=1500,
                        help="max_tokens of the requests that must outlast the check")
    args = parser.parse_args()
    {"identity": identity, "disconnect": disconnect, "overload": overload}[args.check](args)


if __name__ == "__main__":
    main()
