"""Seed inputs for tokenizer_fuzz: the test-vector texts for each text mode, and small GGUF
vocabularies (SPM, BPE, WordPiece) for the vocabulary-loading modes.

Usage: python3 tokenizer_fuzz_seeds.py OUTDIR
"""

import os
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS = os.path.join(ROOT, "..", "shared", "testdata", "vocab", "ggml-vocab-llama-spm.gguf.inp")

T_U32, T_I32, T_F32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9


def gguf_string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_kv(key, value_type, value):
    out = gguf_string(key) + struct.pack("<I", value_type)
    if value_type == T_STRING:
        return out + gguf_string(value)
    if value_type == T_U32:
        return out + struct.pack("<I", value)
    if value_type == T_BOOL:
        return out + struct.pack("<B", 1 if value else 0)
    elem_type, items = value
    out += struct.pack("<IQ", elem_type, len(items))
    for item in items:
        if elem_type == T_STRING:
            out += gguf_string(item)
        elif elem_type == T_F32:
            out += struct.pack("<f", item)
        else:
            out += struct.pack("<i", item)
    return out


def gguf_file(kvs):
    body = b"".join(gguf_kv(*kv) for kv in kvs)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + body


def small_vocabs():
    sp = "\u2581"
    spm_tokens = ["<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xA9>", sp, "a", "b", sp + "a", "ab"]
    spm = gguf_file([
        ("tokenizer.ggml.model", T_STRING, "llama"),
        ("tokenizer.ggml.tokens", T_ARRAY, (T_STRING, spm_tokens)),
        ("tokenizer.ggml.scores", T_ARRAY, (T_F32, [0.0] * 6 + [-1.0, -2.0, -2.0, -0.5, -1.5])),
        ("tokenizer.ggml.token_type", T_ARRAY, (T_I32, [2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1])),
        ("tokenizer.ggml.bos_token_id", T_U32, 1),
        ("tokenizer.ggml.eos_token_id", T_U32, 2),
    ])
    bpe_tokens = ["a", "b", "c", "\u0120", "ab", "\u0120ab", "<|begin_of_text|>", "<|eot_id|>"]
    bpe = gguf_file([
        ("tokenizer.ggml.model", T_STRING, "gpt2"),
        ("tokenizer.ggml.pre", T_STRING, "llama-bpe"),
        ("tokenizer.ggml.tokens", T_ARRAY, (T_STRING, bpe_tokens)),
        ("tokenizer.ggml.token_type", T_ARRAY, (T_I32, [1] * 6 + [3, 3])),
        ("tokenizer.ggml.merges", T_ARRAY, (T_STRING, ["a b", "\u0120 ab"])),
        ("tokenizer.ggml.bos_token_id", T_U32, 6),
        ("tokenizer.ggml.add_bos_token", T_BOOL, True),
    ])
    wpm_tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", sp + "hello", sp + "x", "##", "y"]
    wpm = gguf_file([
        ("tokenizer.ggml.model", T_STRING, "bert"),
        ("tokenizer.ggml.tokens", T_ARRAY, (T_STRING, wpm_tokens)),
        ("tokenizer.ggml.token_type", T_ARRAY, (T_I32, [3, 3, 3, 3, 1, 1, 1, 1])),
        ("tokenizer.ggml.unknown_token_id", T_U32, 1),
        ("tokenizer.ggml.cls_token_id", T_U32, 2),
        ("tokenizer.ggml.seperator_token_id", T_U32, 3),
    ])
    return [spm, bpe, wpm]


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with open(VECTORS, "rb") as f:
        texts = f.read().split(b"\n__ggml_vocab_test__\n")[:-1]
    for text_idx, text in enumerate(texts):
        for mode in range(6):
            with open(os.path.join(out_dir, "text_%02d_mode%d" % (text_idx, mode)), "wb") as f:
                f.write(bytes([mode]) + text)
    for vocab_idx, vocab in enumerate(small_vocabs()):
        for mode in (6, 7):
            with open(os.path.join(out_dir, "vocab_%d_mode%d" % (vocab_idx, mode)), "wb") as f:
                f.write(bytes([mode]) + vocab)


if __name__ == "__main__":
    main()
