"""Small HTTP/SSE client helpers for the server tests and benchmarks (Python 3 stdlib only).

Everything talks to 127.0.0.1. Streamed responses are read line by line from the raw
response, so the caller sees each Server-Sent Event as it arrives.
"""

import http.client
import json
import re
import socket
import time

HOST = "127.0.0.1"


class HttpResult:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body  # bytes

    def json(self):
        return json.loads(self.body)


def request(port, method, path, body=None, headers=None, timeout=60):
    """One request on a fresh connection; returns HttpResult. `body` may be bytes, str or a
    JSON-serialisable object."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return HttpResult(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


class Stream:
    """A streamed (SSE) POST. Iterate events() for the parsed JSON objects of each `data:`
    line (until [DONE]); close() drops the connection at any point."""

    def __init__(self, port, path, payload, timeout=120, headers=None):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        self.conn.request("POST", path, body=json.dumps(payload).encode(), headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}

    def read_body(self):
        return self.resp.read()

    def events(self):
        while True:
            line = self.resp.readline()
            if not line:
                raise RuntimeError("the stream ended without [DONE]")
            line = line.rstrip(b"\r\n")
            if not line.startswith(b"data: "):
                continue  # blank separators and ": keep-alive" comments
            data = line[6:]
            if data == b"[DONE]":
                return
            yield json.loads(data)

    def close(self):
        # shutdown() first: the server sees the connection end at once, not at GC time.
        try:
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def chat_payload(model, prompt, max_tokens, stream=True, **extra):
    payload = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "ignore_eos": True,
        "stream": stream,
    }
    payload.update(extra)
    return payload


def stream_chat_text(port, payload, timeout=300, times=None, logprobs=None):
    """Runs one streamed chat completion; returns (text, finish_reason, usage or None).
    With a list `times`, appends the monotonic times of the first and the last content chunk;
    with a list `logprobs`, appends the streamed logprobs.content entries."""
    s = Stream(port, "/v1/chat/completions", payload, timeout=timeout)
    first = last = None
    try:
        if s.status != 200:
            raise RuntimeError(f"status {s.status}: {s.read_body()[:300]!r}")
        text, finish, usage = [], None, None
        for event in s.events():
            if "error" in event:
                raise RuntimeError(f"error event: {event}")
            for choice in event.get("choices", []):
                piece = choice.get("delta", {}).get("content") or ""
                if piece:
                    last = time.monotonic()
                    first = first or last
                text.append(piece)
                if logprobs is not None and choice.get("logprobs"):
                    logprobs.extend(choice["logprobs"].get("content") or [])
                finish = choice.get("finish_reason") or finish
            if event.get("usage"):
                usage = event["usage"]
        if times is not None:
            times.extend([first, last])
        return "".join(text), finish, usage
    finally:
        s.close()


_METRIC = re.compile(r'^(\w+)\{model="([^"]*)"\} (\S+)$', re.M)


def gauges(port):
    """The per-model gauges of GET /metrics: {(name, model): float}."""
    r = request(port, "GET", "/metrics", timeout=10)
    if r.status != 200:
        raise RuntimeError(f"GET /metrics: status {r.status}")
    return {(m[0], m[1]): float(m[2]) for m in _METRIC.findall(r.body.decode())}


def gauge(port, name, model):
    return gauges(port).get((name, model))


def wait_gauge(port, name, model, predicate, timeout):
    """Polls a gauge until predicate(value); returns (value, seconds waited) or (value, None)."""
    start = time.monotonic()
    value = None
    while time.monotonic() - start < timeout:
        value = gauge(port, name, model)
        if value is not None and predicate(value):
            return value, time.monotonic() - start
        time.sleep(0.02)
    return value, None
