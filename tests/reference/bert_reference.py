#!/usr/bin/python3
"""Reference sentence embedding of a GGUF "bert" model in float64 NumPy (the oracle).

Written from the BERT paper's encoder and sentence-transformers' pooling, not from the C++
engine: embeddings (word + token type 0 + absolute position) -> LayerNorm -> per block
[self-attention over the whole sequence (no mask), output projection, residual, LayerNorm;
GELU(erf) feed-forward, residual, LayerNorm] -> mean over all tokens (bert.pooling_type 1,
the default) or the first token (2) -> divided by its L2 norm. Weights are dequantized
exactly as stored (gguf_reference), activations are float64.

Rerankers (bert.pooling_type 4): the pair's token ids and token types go through the same
encoder (each token's own token-type embedding), and the score is HF
BertForSequenceClassification's logit on the first token's final state:
classifier(tanh(pooler_dense(h[0]))), with pooler = cls.weight/bias and classifier =
cls.output.weight/bias; the first label's logit is the score.

CLI:
    bert_reference.py --model F.gguf --tokens "101 7592 102" [--tokens ...]
        prints {"embeddings": [[...], ...]}, one row per --tokens.
    bert_reference.py --model F.gguf --compare ENGINE.json --min-cosine C --max-abs A
        ENGINE.json is `souverain embed --json` output; each input's token ids are run here and
        the engine's vector is compared with the reference one. Prints one line per input and
        exits 1 when any cosine is below C or any |difference| above A, or on malformed input.
    bert_reference.py --model F.gguf --compare-rerank ENGINE.json --max-abs A
        ENGINE.json is `souverain rerank --json` output; each pair's token ids and types are
        scored here; exits 1 when any |engine score - reference score| is above A.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_reference import GgufError, GgufFile  # noqa: E402

_ERF = np.vectorize(math.erf)


class BertReference:
    """All weights dequantized to float64 up front; embed() is then pure NumPy."""

    def __init__(self, path):
        with GgufFile(path) as gguf:
            meta = gguf.metadata
            if meta.get("general.architecture") != "bert":
                raise GgufError("%s: architecture %r is not bert"
                                % (path, meta.get("general.architecture")))

            def required(key):
                if key not in meta:
                    raise GgufError("%s: missing metadata key %s" % (path, key))
                return meta[key]

            self.n_embd = int(required("bert.embedding_length"))
            self.n_layer = int(required("bert.block_count"))
            self.n_ff = int(required("bert.feed_forward_length"))
            self.n_head = int(required("bert.attention.head_count"))
            self.n_ctx = int(required("bert.context_length"))
            self.eps = float(meta.get("bert.attention.layer_norm_epsilon", 1e-12))
            self.pooling = int(meta.get("bert.pooling_type", 1))
            if self.pooling not in (1, 2, 4):
                raise GgufError("%s: pooling type %d" % (path, self.pooling))
            if self.n_embd % self.n_head != 0:
                raise GgufError("%s: n_embd not divisible by n_head" % path)
            n_embd = self.n_embd

            def load(name, shape):
                if name not in gguf.tensors:
                    raise GgufError("%s: missing tensor %s" % (path, name))
                weight = gguf.tensor(name)
                if weight.shape != shape:
                    raise GgufError("%s: tensor %s has NumPy shape %s, expected %s"
                                    % (path, name, weight.shape, shape))
                return weight

            self.n_vocab = gguf.tensors["token_embd.weight"].ne[-1]
            self.word = load("token_embd.weight", (self.n_vocab, n_embd))
            self.token_types = gguf.tensor("token_types.weight")  # [n_types, n_embd]
            self.token_type0 = self.token_types[0]
            self.position = load("position_embd.weight", (self.n_ctx, n_embd))
            self.embd_norm = (load("token_embd_norm.weight", (n_embd,)),
                              load("token_embd_norm.bias", (n_embd,)))
            self.layers = []
            for layer_idx in range(self.n_layer):
                p = "blk.%d." % layer_idx

                def linear(name, n_out, n_in):
                    return (load(p + name + ".weight", (n_out, n_in)),
                            load(p + name + ".bias", (n_out,)))

                def norm(name):
                    return (load(p + name + ".weight", (n_embd,)),
                            load(p + name + ".bias", (n_embd,)))

                self.layers.append({
                    "q": linear("attn_q", n_embd, n_embd),
                    "k": linear("attn_k", n_embd, n_embd),
                    "v": linear("attn_v", n_embd, n_embd),
                    "o": linear("attn_output", n_embd, n_embd),
                    "attn_norm": norm("attn_output_norm"),
                    "up": linear("ffn_up", self.n_ff, n_embd),
                    "down": linear("ffn_down", n_embd, self.n_ff),
                    "out_norm": norm("layer_output_norm"),
                })
            if self.pooling == 4:
                n_labels = gguf.tensors["cls.output.weight"].ne[-1]
                self.pooler = (load("cls.weight", (n_embd, n_embd)), load("cls.bias", (n_embd,)))
                self.classifier = (load("cls.output.weight", (n_labels, n_embd)),
                                   load("cls.output.bias", (n_labels,)))

    def layer_norm(self, x, params):
        """x F64 [n_tokens, n_embd]: each row to zero mean, unit variance, then scaled."""
        weight, bias = params
        mean = x.mean(axis=1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * weight + bias

    @staticmethod
    def linear(x, params):
        weight, bias = params
        return x @ weight.T + bias

    def self_attention(self, x, layer):
        n_tokens = x.shape[0]
        head_dim = self.n_embd // self.n_head
        # F64 [n_head, n_tokens, head_dim]
        q, k, v = (self.linear(x, layer[name]).reshape(n_tokens, self.n_head, head_dim)
                   .transpose(1, 0, 2) for name in ("q", "k", "v"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)  # [n_head, n_tokens, n_tokens]
        scores -= scores.max(axis=2, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=2, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n_tokens, self.n_embd)
        return self.linear(context, layer["o"])

    def encode(self, tokens, types=None):
        """Final hidden states F64 [n_tokens, n_embd]."""
        if not tokens or len(tokens) > self.n_ctx:
            raise ValueError("a sequence needs 1..%d tokens, got %d" % (self.n_ctx, len(tokens)))
        if any(t < 0 or t >= self.n_vocab for t in tokens):
            raise ValueError("token id outside [0, %d)" % self.n_vocab)
        if types is None:
            type_rows = self.token_type0
        else:
            if len(types) != len(tokens) or any(
                    t < 0 or t >= self.token_types.shape[0] for t in types):
                raise ValueError("token types do not match the tokens or the model")
            type_rows = self.token_types[types]
        x = self.word[tokens] + type_rows + self.position[: len(tokens)]
        x = self.layer_norm(x, self.embd_norm)
        for layer in self.layers:
            x = self.layer_norm(x + self.self_attention(x, layer), layer["attn_norm"])
            hidden = self.linear(x, layer["up"])
            hidden = 0.5 * hidden * (1.0 + _ERF(hidden / math.sqrt(2.0)))
            x = self.layer_norm(x + self.linear(hidden, layer["down"]), layer["out_norm"])
        return x

    def embed(self, tokens):
        if self.pooling == 4:
            raise ValueError("a reranker does not embed")
        x = self.encode(tokens)
        pooled = x.mean(axis=0) if self.pooling == 1 else x[0]
        return pooled / np.linalg.norm(pooled)

    def score(self, tokens, types):
        if self.pooling != 4:
            raise ValueError("not a reranker (bert.pooling_type is not 4)")
        first = self.encode(tokens, types)[0]
        pooled = np.tanh(self.linear(first, self.pooler))
        return float(self.linear(pooled, self.classifier)[0])


def parse_tokens(text):
    try:
        tokens = [int(piece) for piece in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError("--tokens must be integers separated by spaces: %r" % text) from None
    if not tokens:
        raise ValueError("--tokens is empty")
    return tokens


def compare(model, engine_path, min_cosine, max_abs):
    with open(engine_path) as handle:
        engine = json.load(handle)
    entries = engine.get("data")
    if not isinstance(entries, list) or not entries:
        raise ValueError("%s: no 'data' entries" % engine_path)
    failed = 0
    for entry in entries:
        got = np.asarray(entry["embedding"], dtype=np.float64)
        want = model.embed(entry["tokens"])
        if got.shape != want.shape or not np.all(np.isfinite(got)):
            print("input %d: engine vector has %d values (want %d) or is not finite FAIL"
                  % (entry["index"], got.size, want.size))
            failed += 1
            continue
        cosine = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
        diff = float(np.max(np.abs(got - want)))
        ok = cosine >= min_cosine and diff <= max_abs
        print("input %d (%d tokens): cosine %.9f, max |diff| %.3g %s"
              % (entry["index"], len(entry["tokens"]), cosine, diff, "ok" if ok else "FAIL"))
        failed += 0 if ok else 1
    return failed


def compare_rerank(model, engine_path, max_abs):
    with open(engine_path) as handle:
        engine = json.load(handle)
    entries = engine.get("results")
    if not isinstance(entries, list) or not entries:
        raise ValueError("%s: no 'results' entries" % engine_path)
    failed = 0
    for entry in entries:
        got = float(entry["score"])
        want = model.score(entry["tokens"], entry["token_types"])
        diff = abs(got - want)
        ok = math.isfinite(got) and diff <= max_abs
        print("pair %d (%d tokens): engine %.9f, reference %.9f, |diff| %.3g %s"
              % (entry["index"], len(entry["tokens"]), got, want, diff, "ok" if ok else "FAIL"))
        failed += 0 if ok else 1
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="GGUF file, arch bert")
    parser.add_argument("--tokens", action="append", help='token ids, e.g. "101 7592 102"')
    parser.add_argument("--compare", help="`souverain embed --json` output to check")
    parser.add_argument("--compare-rerank", help="`souverain rerank --json` output to check")
    parser.add_argument("--min-cosine", type=float, default=0.9999)
    parser.add_argument("--max-abs", type=float, default=1e-4)
    args = parser.parse_args(argv)
    try:
        model = BertReference(args.model)
        if args.compare_rerank:
            return 1 if compare_rerank(model, args.compare_rerank, args.max_abs) else 0
        if args.compare:
            return 1 if compare(model, args.compare, args.min_cosine, args.max_abs) else 0
        if not args.tokens:
            raise ValueError("give --tokens or --compare")
        rows = [model.embed(parse_tokens(text)) for text in args.tokens]
    except (GgufError, ValueError, OSError, KeyError, TypeError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    text = ",\n".join("[" + ",".join(repr(float(v)) for v in row) + "]" for row in rows)
    sys.stdout.write('{"embeddings": [\n' + text + "\n]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
