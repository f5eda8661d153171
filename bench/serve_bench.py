#!/usr/bin/env python3
"""Load generator of bench/serve.sh (Python 3 stdlib only).

For each concurrency level C, C client threads each loop: one streamed /v1/completions request
(the same ~64-token prompt, max_tokens, ignore_eos, greedy, stream_options.include_usage),
then the next, until the level's duration is over (or each client has sent --requests); a
request under way at the deadline runs to its end and counts. With --prompts distinct each
request's prompt starts with its own number, so no slot can reuse a cached prompt prefix. Per level:
  tokens/s        all completion tokens / (end of the last request - start of the level)
  TTFT p50, p99   request sent -> first text chunk, nearest-rank percentiles
  token latency   mean over requests of (last chunk - first chunk) / (completion tokens - 1)
  server CPU      the server's user+system CPU time over the level's wall time (with --pid;
                  200% = 2 busy threads): on a shared machine, how much CPU the server got
  tok/CPU-s       completion tokens per second of server CPU (less sensitive to other load;
                  spinning pool threads count as CPU too)
  load            the 1-minute load average at the end of the level
"""

import argparse
import json
import math
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "server"))
import serve_client as sc  # noqa: E402

# About 64 tokens with a Llama SentencePiece vocabulary (the driver prints the exact count).
PROMPT = ("The Grand Duchy of Luxembourg is a small landlocked country in western Europe, "
          "bordered by Belgium, France and Germany. Its capital, Luxembourg City, is one of the "
          "seats of the European Union. The official languages are Luxembourgish, French and "
          "German, and the economy relies on")


def fmt(value, pattern):
    return "-" if value is None else pattern.format(value)


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


REQUEST_COUNTER = iter(range(1, 1 << 62))
PROMPT_MODE = "same"


def prompt_text():
    """The fixed prompt; with --prompts distinct, one that shares no token with any other
    request's (a unique number first), so the server cannot reuse a slot's cached prefix."""
    if PROMPT_MODE == "same":
        return PROMPT
    return f"Request {next(REQUEST_COUNTER)}. {PROMPT}"


def one_request(port, model, max_tokens):
    payload = {"model": model, "prompt": prompt_text(), "max_tokens": max_tokens, "temperature": 0,
               "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True}}
    t0 = time.monotonic()
    s = sc.Stream(port, "/v1/completions", payload, timeout=600)
    first = last = None
    usage = None
    try:
        if s.status != 200:
            raise RuntimeError(f"status {s.status}: {s.read_body()[:200]!r}")
        for event in s.events():
            if "error" in event:
                raise RuntimeError(f"error event {event}")
            for choice in event.get("choices", []):
                if choice.get("text"):
                    last = time.monotonic()
                    first = first or last
            if event.get("usage"):
                usage = event["usage"]
    finally:
        s.close()
    end = time.monotonic()
    if usage is None or first is None:
        raise RuntimeError("the stream had no text or no usage chunk")
    return {"start": t0, "first": first, "last": last, "end": end,
            "tokens": usage["completion_tokens"], "prompt_tokens": usage["prompt_tokens"]}


def cpu_seconds(pid):
    if not pid:
        return None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_level(port, model, clients, duration, requests, max_tokens, pid=None):
    results, errors = [], []
    cpu0 = cpu_seconds(pid)
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + duration

    def client():
        sent = 0
        while True:
            if requests and sent >= requests:
                break
            if not requests and sent > 0 and time.monotonic() >= deadline:
                break
            try:
                r = one_request(port, model, max_tokens)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(str(e))
                break
            sent += 1
            with lock:
                results.append(r)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed at {clients} clients: {errors[0]}")
    wall = max(r["end"] for r in results) - start
    tokens = sum(r["tokens"] for r in results)
    cpu = cpu_seconds(pid) - cpu0 if pid else None
    ttft = [r["first"] - r["start"] for r in results]
    per_token = [(r["last"] - r["first"]) / (r["tokens"] - 1) for r in results if r["tokens"] > 1]
    return {
        "clients": clients,
        "requests": len(results),
        "completion_tokens": tokens,
        "seconds": round(wall, 3),
        "tokens_per_s": round(tokens / wall, 3),
        "ttft_p50_s": round(percentile(ttft, 50), 4),
        "ttft_p99_s": round(percentile(ttft, 99), 4),
        "mean_token_latency_s": round(sum(per_token) / len(per_token), 5) if per_token else None,
        "prompt_tokens": results[0]["prompt_tokens"],
        "server_cpu_percent": round(100 * cpu / wall, 1) if cpu is not None else None,
        "tokens_per_cpu_s": round(tokens / cpu, 3) if cpu else None,
        "loadavg_1m": os.getloadavg()[0],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--pid", type=int, default=0, help="the server's pid, for its CPU time")
    parser.add_argument("--label", default="", help="model file shown in the output")
    parser.add_argument("--clients", default="1,4,8,16")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--requests", type=int, default=0,
                        help="requests per client per level instead of a duration")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--prompts", choices=["same", "distinct"], default="same",
                        help="same: every request sends one prompt (a slot reuses its cached "
                             "prefix, as with a shared system prompt); distinct: every prompt "
                             "starts differently, so each is computed in full")
    parser.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    parser.add_argument("--meta", default="{}", help="JSON merged into the JSON output")
    args = parser.parse_args()
    global PROMPT_MODE
    PROMPT_MODE = args.prompts

    # Warm-up: page the weights in, start the threads.
    one_request(args.port, args.model, 4)
    levels = []
    for clients in [int(c) for c in args.clients.split(",")]:
        level = run_level(args.port, args.model, clients, args.duration, args.requests,
                          args.max_tokens, args.pid)
        print(f"  {clients:>2} clients: {level['requests']} requests, {level['tokens_per_s']:.2f} "
              f"tok/s", file=sys.stderr, flush=True)
        levels.append(level)

    base = levels[0]["tokens_per_s"]
    lines = [
        f"model {args.label or args.model}, prompt {levels[0]['prompt_tokens']} tokens, "
        f"max_tokens {args.max_tokens} (ignore_eos, greedy, streamed), prompts: {args.prompts}",
        "",
        "| clients | requests | tokens/s (aggregate) | x 1 client | TTFT p50 s | TTFT p99 s "
        "| mean token latency ms | server CPU | tok/CPU-s | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lv in levels:
        latency = lv["mean_token_latency_s"]
        latency_ms = "-" if latency is None else f"{latency * 1000:.1f}"
        lines.append(
            f"| {lv['clients']} | {lv['requests']} | {lv['tokens_per_s']:.2f} | "
            f"{lv['tokens_per_s'] / base:.2f} | {lv['ttft_p50_s']:.3f} | {lv['ttft_p99_s']:.3f} "
            f"| {latency_ms} | {fmt(lv['server_cpu_percent'], '{:.0f}%')} "
            f"| {fmt(lv['tokens_per_cpu_s'], '{:.2f}')} | {lv['loadavg_1m']:.1f} |")
    table = "\n".join(lines)
    if args.json:
        print(table, file=sys.stderr)
        out = json.loads(args.meta)
        out.update({"model": args.label or args.model, "max_tokens": args.max_tokens,
                    "prompts": args.prompts,
                    "prompt_tokens": levels[0]["prompt_tokens"],
                    "duration_per_level_s": None if args.requests else args.duration,
                    "requests_per_client": args.requests or None, "levels": levels})
        by = {lv["clients"]: lv["tokens_per_s"] for lv in levels}
        if 1 in by and 8 in by:
            out["speedup_8_vs_1"] = round(by[8] / by[1], 3)
        print(json.dumps(out, indent=2))
    else:
        print(table)


if __name__ == "__main__":
    main()
