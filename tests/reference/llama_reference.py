#!/usr/bin/python3
"""Reference forward pass of a GGUF "llama" model in float64 NumPy (the independent oracle).

Weights are dequantized exactly as stored (gguf_reference.dequantize) and every activation
is float64, so what a comparison against the engine measures is the engine's arithmetic,
not the weights' quantization error. No KV cache: each call runs the whole sequence with
an explicit causal mask.

CLI (same output format as `souverain logits`):
    /usr/bin/python3 llama_reference.py --model F.gguf --tokens "1 2 3"
prints {"logits": [[...n_vocab floats...], ...]}, one row per position.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_reference import GgufError, GgufFile  # noqa: E402


class LlamaConfig:
    """Hyper-parameters read from the llama.* metadata keys."""

    def __init__(self, gguf):
        meta = gguf.metadata
        arch = meta.get("general.architecture")
        if arch != "llama":
            raise GgufError("%s: architecture %r is not llama" % (gguf.path, arch))

        def required(key):
            if key not in meta:
                raise GgufError("%s: missing metadata key %s" % (gguf.path, key))
            return meta[key]

        self.n_embd = int(required("llama.embedding_length"))
        self.n_layer = int(required("llama.block_count"))
        self.n_ff = int(required("llama.feed_forward_length"))
        self.n_head = int(required("llama.attention.head_count"))
        self.n_head_kv = int(meta.get("llama.attention.head_count_kv", self.n_head))
        self.eps = float(required("llama.attention.layer_norm_rms_epsilon"))
        self.freq_base = float(meta.get("llama.rope.freq_base", 10000.0))
        if self.n_head <= 0 or self.n_embd % self.n_head != 0:
            raise GgufError("%s: n_embd %d not divisible by n_head %d"
                            % (gguf.path, self.n_embd, self.n_head))
        if self.n_head_kv <= 0 or self.n_head % self.n_head_kv != 0:
            raise GgufError("%s: n_head %d not divisible by n_head_kv %d"
                            % (gguf.path, self.n_head, self.n_head_kv))
        self.head_dim = self.n_embd // self.n_head
        self.n_rot = int(meta.get("llama.rope.dimension_count", self.head_dim))
        if self.n_rot % 2 != 0 or self.n_rot > self.head_dim:
            raise GgufError("%s: bad rope dimension count %d" % (gguf.path, self.n_rot))


class LlamaReference:
    """All weights dequantized to float64 up front; forward() is then pure NumPy."""

    def __init__(self, path):
        with GgufFile(path) as gguf:
            self.config = cfg = LlamaConfig(gguf)
            kv_dim = cfg.n_head_kv * cfg.head_dim

            def load(name, shape):
                if name not in gguf.tensors:
                    raise GgufError("%s: missing tensor %s" % (path, name))
                weight = gguf.tensor(name)
                if weight.shape != shape:
                    raise GgufError("%s: tensor %s has NumPy shape %s, expected %s"
                                    % (path, name, weight.shape, shape))
                return weight

            if "token_embd.weight" not in gguf.tensors:
                raise GgufError("%s: missing tensor token_embd.weight" % path)
            self.n_vocab = gguf.tensors["token_embd.weight"].ne[-1]
            # F64 [n_vocab, n_embd]
            self.token_embd = load("token_embd.weight", (self.n_vocab, cfg.n_embd))
            self.output_norm = load("output_norm.weight", (cfg.n_embd,))
            if "output.weight" in gguf.tensors:
                self.output = load("output.weight", (self.n_vocab, cfg.n_embd))
            else:
                self.output = self.token_embd  # tied embeddings
            self.layers = []
            for layer_idx in range(cfg.n_layer):
                prefix = "blk.%d." % layer_idx
                self.layers.append({
                    "attn_norm": load(prefix + "attn_norm.weight", (cfg.n_embd,)),
                    "wq": load(prefix + "attn_q.weight", (cfg.n_embd, cfg.n_embd)),
                    "wk": load(prefix + "attn_k.weight", (kv_dim, cfg.n_embd)),
                    "wv": load(prefix + "attn_v.weight", (kv_dim, cfg.n_embd)),
                    "wo": load(prefix + "attn_output.weight", (cfg.n_embd, cfg.n_embd)),
                    "ffn_norm": load(prefix + "ffn_norm.weight", (cfg.n_embd,)),
                    "w_gate": load(prefix + "ffn_gate.weight", (cfg.n_ff, cfg.n_embd)),
                    "w_up": load(prefix + "ffn_up.weight", (cfg.n_ff, cfg.n_embd)),
                    "w_down": load(prefix + "ffn_down.weight", (cfg.n_embd, cfg.n_ff)),
                })

    def rmsnorm(self, x, weight):
        """x: F64 [n_tokens, n_embd], normalized per row, times weight [n_embd]."""
        mean_sq = np.mean(x * x, axis=-1, keepdims=True)
        return x / np.sqrt(mean_sq + self.config.eps) * weight

    def rope(self, x, positions):
        """x: F64 [n_tokens, n_heads, head_dim]; rotates adjacent pairs (llama.cpp "normal")."""
        cfg = self.config
        pair_idx = np.arange(cfg.n_rot // 2, dtype=np.float64)
        inv_freq = cfg.freq_base ** (-2.0 * pair_idx / cfg.n_rot)  # F64 [n_rot/2]
        angle = positions.astype(np.float64)[:, None] * inv_freq[None, :]  # [n_tokens, n_rot/2]
        cos = np.cos(angle)[:, None, :]
        sin = np.sin(angle)[:, None, :]
        out = x.copy()
        x0 = x[:, :, 0:cfg.n_rot:2]
        x1 = x[:, :, 1:cfg.n_rot:2]
        out[:, :, 0:cfg.n_rot:2] = x0 * cos - x1 * sin
        out[:, :, 1:cfg.n_rot:2] = x0 * sin + x1 * cos
        return out

    def attention(self, layer, h, positions):
        """h: F64 [n_tokens, n_embd] (normed); returns Wo @ attention, F64 [n_tokens, n_embd]."""
        cfg = self.config
        n_tokens = h.shape[0]
        q = (h @ layer["wq"].T).reshape(n_tokens, cfg.n_head, cfg.head_dim)
        k = (h @ layer["wk"].T).reshape(n_tokens, cfg.n_head_kv, cfg.head_dim)
        v = (h @ layer["wv"].T).reshape(n_tokens, cfg.n_head_kv, cfg.head_dim)
        q = self.rope(q, positions)
        k = self.rope(k, positions)
        group = cfg.n_head // cfg.n_head_kv
        causal = positions[None, :] <= positions[:, None]  # [query, key]
        out = np.empty((n_tokens, cfg.n_head, cfg.head_dim))  # F64 [n_tokens, n_head, head_dim]
        for head_idx in range(cfg.n_head):
            kv_head = head_idx // group
            scores = q[:, head_idx, :] @ k[:, kv_head, :].T / np.sqrt(cfg.head_dim)
            scores = np.where(causal, scores, -np.inf)
            scores -= scores.max(axis=1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=1, keepdims=True)
            out[:, head_idx, :] = probs @ v[:, kv_head, :]
        return out.reshape(n_tokens, cfg.n_embd) @ layer["wo"].T

    def feed_forward(self, layer, h):
        """h: F64 [n_tokens, n_embd] (normed); SwiGLU, returns F64 [n_tokens, n_embd]."""
        gate = h @ layer["w_gate"].T  # F64 [n_tokens, n_ff]
        up = h @ layer["w_up"].T
        # exp(-gate) overflows to inf for gate << 0; gate / inf = -0 is the right limit.
        with np.errstate(over="ignore"):
            silu = gate / (1.0 + np.exp(-gate))
        return (silu * up) @ layer["w_down"].T

    def forward(self, tokens):
        """Logits F64 [n_tokens, n_vocab] for tokens at positions 0..n_tokens-1."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if tokens.ndim != 1 or tokens.size == 0:
            raise ValueError("need a non-empty 1-D token sequence")
        if tokens.min() < 0 or tokens.max() >= self.n_vocab:
            raise ValueError("token id out of range [0, %d)" % self.n_vocab)
        positions = np.arange(tokens.size)
        x = self.token_embd[tokens]  # F64 [n_tokens, n_embd]
        for layer in self.layers:
            x = x + self.attention(layer, self.rmsnorm(x, layer["attn_norm"]), positions)
            x = x + self.feed_forward(layer, self.rmsnorm(x, layer["ffn_norm"]))
        return self.rmsnorm(x, self.output_norm) @ self.output.T


def parse_tokens(text):
    try:
        tokens = [int(piece) for piece in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError("--tokens must be integers separated by spaces: %r" % text) from None
    if not tokens:
        raise ValueError("--tokens is empty")
    return tokens


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="GGUF file, arch llama")
    parser.add_argument("--tokens", required=True, help='token ids, e.g. "1 2 3"')
    parser.add_argument("-o", "--output", help="write the JSON here instead of stdout")
    args = parser.parse_args(argv)
    try:
        tokens = parse_tokens(args.tokens)
        model = LlamaReference(args.model)
        logits = model.forward(tokens)
    except (GgufError, ValueError, OSError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    # repr of a Python float round-trips: the oracle's float64 values are kept exactly.
    rows = ",\n".join("[" + ",".join(repr(float(v)) for v in row) + "]" for row in logits)
    text = '{"logits": [\n' + rows + "\n]}\n"
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
