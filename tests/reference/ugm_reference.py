#!/usr/bin/python3
"""Reference SentencePiece-unigram segmentation (GGUF tokenizer.ggml.model "t5"), pure Python.

Written from the unigram model's definition, independently of the C++ tokenizer: the text is
normalized (U+0020 escaped to U+2581; a dummy U+2581 in front of the first word when
add_space_prefix; with remove_extra_whitespaces every run of spaces collapses to one U+2581 in
front of the next word and trailing spaces vanish), then the segmentation with the highest sum
of piece scores is found by dynamic programming over characters (a character no piece covers
costs min(normal scores) - 10 and is the unknown token; adjacent unknowns merge into one).
Pieces: normal, user-defined (score 0) and unused tokens. The precompiled character map is not
modelled (the engine ignores it too).

    ugm_reference.py make-vocab --from BERT_VOCAB.gguf -o UGM.gguf [--remove-extra-whitespaces]
        writes a synthetic "t5" vocabulary (XLM-R layout: <s> <pad> </s> <unk>, then the WordPiece
        file's normal tokens as unigram pieces with deterministic pseudo-random scores)
    ugm_reference.py tokenize --vocab UGM.gguf --text T
        prints the ids, with <s> ... </s> as add_bos/add_eos say, space separated
"""

import argparse
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_reference import GgufFile  # noqa: E402

SPACE = "\u2581"
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED = 1, 2, 3, 4, 5


# ---- a minimal GGUF v3 writer (metadata only, no tensors) ----

def _gguf_string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _gguf_value(value):
    """(type id, bytes) of a metadata value: str, bool, int (u32), float (f32), or a list."""
    if isinstance(value, bool):
        return 7, struct.pack("<?", value)
    if isinstance(value, int):
        return 4, struct.pack("<I", value)
    if isinstance(value, float):
        return 6, struct.pack("<f", value)
    if isinstance(value, str):
        return 8, _gguf_string(value)
    kind, items = value  # ("str" | "f32" | "i32", [...])
    if kind == "str":
        body = b"".join(_gguf_string(item) for item in items)
        elem = 8
    elif kind == "f32":
        body = struct.pack("<%df" % len(items), *items)
        elem = 6
    else:
        body = struct.pack("<%di" % len(items), *items)
        elem = 5
    return 9, struct.pack("<IQ", elem, len(items)) + body


def write_gguf(path, metadata):
    out = [b"GGUF", struct.pack("<IQQ", 3, 0, len(metadata))]
    for key, value in metadata.items():
        type_id, payload = _gguf_value(value)
        out.append(_gguf_string(key) + struct.pack("<I", type_id) + payload)
    with open(path, "wb") as handle:
        handle.write(b"".join(out))


def make_vocab(bert_vocab, output, remove_extra_whitespaces):
    with GgufFile(bert_vocab) as source:
        texts = source.metadata["tokenizer.ggml.tokens"]
        types = [int(t) for t in source.metadata["tokenizer.ggml.token_type"]]
    pieces = ["<s>", "<pad>", "</s>", "<unk>"]
    kinds = [CONTROL, CONTROL, CONTROL, UNKNOWN]
    for text, kind in zip(texts, types):
        if kind == NORMAL and text not in pieces:
            pieces.append(text)
            kinds.append(NORMAL)
    # One unused piece, which the segmentation may still use (SentencePiece keeps it).
    pieces.append(SPACE + "zzqx")
    kinds.append(UNUSED)
    # Scores: a mild preference for longer pieces plus a deterministic jitter, so that the
    # best segmentation is often not the greedy longest match.
    scores = [0.0] * 4
    state = 12345
    for text in pieces[4:]:
        state = (state * 1103515245 + 12345) % (1 << 31)
        jitter = (state % 1000) / 250.0
        scores.append(float(-8.0 - jitter + 0.8 * len(text)))
    write_gguf(output, {
        "general.architecture": "bert",
        "tokenizer.ggml.model": "t5",
        "tokenizer.ggml.tokens": ("str", pieces),
        "tokenizer.ggml.scores": ("f32", scores),
        "tokenizer.ggml.token_type": ("i32", kinds),
        "tokenizer.ggml.bos_token_id": 0,
        "tokenizer.ggml.padding_token_id": 1,
        "tokenizer.ggml.eos_token_id": 2,
        "tokenizer.ggml.unknown_token_id": 3,
        "tokenizer.ggml.add_bos_token": True,
        "tokenizer.ggml.add_eos_token": True,
        "tokenizer.ggml.add_space_prefix": True,
        "tokenizer.ggml.remove_extra_whitespaces": remove_extra_whitespaces,
    })


# ---- the segmentation ----

class Unigram:
    def __init__(self, path):
        with GgufFile(path) as gguf:
            meta = gguf.metadata
            self.pieces = list(meta["tokenizer.ggml.tokens"])
            # float32 scores, as the file stores them, widened exactly.
            self.scores = [float(s) for s in meta["tokenizer.ggml.scores"]]
            self.types = [int(t) for t in meta["tokenizer.ggml.token_type"]]
            self.bos = int(meta.get("tokenizer.ggml.bos_token_id", -1))
            self.eos = int(meta.get("tokenizer.ggml.eos_token_id", -1))
            self.unk = int(meta.get("tokenizer.ggml.unknown_token_id", -1))
            self.add_bos = bool(meta.get("tokenizer.ggml.add_bos_token", False))
            self.add_eos = bool(meta.get("tokenizer.ggml.add_eos_token", False))
            self.add_prefix = bool(meta.get("tokenizer.ggml.add_space_prefix", True))
            self.merge_spaces = bool(meta.get("tokenizer.ggml.remove_extra_whitespaces", False))
        self.piece_ids = {}
        for idx, (text, kind) in enumerate(zip(self.pieces, self.types)):
            if kind in (NORMAL, USER_DEFINED, UNUSED) and text not in self.piece_ids:
                self.piece_ids[text] = idx
        normal = [s for s, k in zip(self.scores, self.types) if k == NORMAL]
        self.unknown_score = (min(normal) if normal else 0.0) - 10.0
        self.longest = max(len(text) for text in self.piece_ids)

    def normalize(self, text):
        words = text.split(" ")
        if self.merge_spaces:
            # Every non-empty word, the first included, preceded by one space.
            return "".join(SPACE + word for word in words if word)
        out = []
        seen_word = False
        for idx, word in enumerate(words):
            if idx > 0:
                out.append(SPACE)
            if word and not seen_word:
                seen_word = True
                if self.add_prefix:
                    out.append(SPACE)
            out.append(word)
        return "".join(out)

    def segment(self, text):
        chars = self.normalize(text)
        n = len(chars)
        best = [(-math.inf, None, 0)] * (n + 1)  # (score, piece id, start) per end position
        best[0] = (0.0, None, 0)
        for start in range(n):
            base = best[start][0]
            if base == -math.inf:
                continue
            covered_one = False
            for end in range(start + 1, min(n, start + self.longest) + 1):
                idx = self.piece_ids.get(chars[start:end])
                if idx is None:
                    continue
                score = base + (0.0 if self.types[idx] == USER_DEFINED else self.scores[idx])
                if score > best[end][0]:
                    best[end] = (score, idx, start)
                covered_one |= end == start + 1
            if not covered_one and base + self.unknown_score > best[start + 1][0]:
                best[start + 1] = (base + self.unknown_score, self.unk, start)
        ids = []
        end = n
        while end > 0:
            _, idx, start = best[end]
            if not (idx == self.unk and ids and ids[-1] == self.unk):
                ids.append(idx)
            end = start
        ids.reverse()
        return [i for i in ids if i is not None and i >= 0]

    def tokenize(self, text):
        ids = self.segment(text)
        if self.add_bos and self.bos >= 0:
            ids.insert(0, self.bos)
        if self.add_eos and self.eos >= 0:
            ids.append(self.eos)
        return ids


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-vocab")
    make.add_argument("--from", dest="source", required=True)
    make.add_argument("-o", "--output", required=True)
    make.add_argument("--remove-extra-whitespaces", action="store_true")
    tok = sub.add_parser("tokenize")
    tok.add_argument("--vocab", required=True)
    tok.add_argument("--text", required=True)
    args = parser.parse_args(argv)
    if args.command == "make-vocab":
        make_vocab(args.source, args.output, args.remove_extra_whitespaces)
        return 0
    print(" ".join(str(i) for i in Unigram(args.vocab).tokenize(args.text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
