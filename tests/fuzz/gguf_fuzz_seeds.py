#!/usr/bin/python3
"""Writes a few small, valid GGUF files into a directory: the seed corpus of gguf_fuzz.

Usage: gguf_fuzz_seeds.py OUTDIR

Independent of the C++ writer on purpose, so the fuzz target needs no main build.
"""
import os
import struct
import sys

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR_FORMATS = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i",
                  F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
# ggml type id -> (block size, bytes per block)
TENSOR_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 14: (256, 210),
                30: (1, 2)}


def gguf_string(text):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def encode_value(value_type, value, elem_type=None):
    out = struct.pack("<I", value_type)
    if value_type == STRING:
        return out + gguf_string(value)
    if value_type == ARRAY:
        out += struct.pack("<IQ", elem_type, len(value))
        for elem in value:
            out += gguf_string(elem) if elem_type == STRING else struct.pack(
                SCALAR_FORMATS[elem_type], elem)
        return out
    return out + struct.pack(SCALAR_FORMATS[value_type], value)


def gguf_file(kvs, tensors, version=3, alignment=32):
    """kvs: [(key, type, value[, elem_type])]; tensors: [(name, type_id, ne)]."""
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for kv in kvs:
        header += gguf_string(kv[0]) + encode_value(*kv[1:])
    data = b""
    for tensor_idx, (name, type_id, ne) in enumerate(tensors):
        block_size, type_size = TENSOR_TYPES[type_id]
        n_bytes = ne[0] // block_size * type_size
        for dim in ne[1:]:
            n_bytes *= dim
        offset = len(data)
        header += gguf_string(name) + struct.pack("<I", len(ne))
        header += b"".join(struct.pack("<Q", dim) for dim in ne)
        header += struct.pack("<IQ", type_id, offset)
        data += bytes((tensor_idx * 37 + byte_idx) & 0xFF for byte_idx in range(n_bytes))
        data += b"\0" * (-len(data) % alignment)
    if tensors:
        header += b"\0" * (-len(header) % alignment)
    return header + data


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    every_type = [
        ("v.u8", U8, 200), ("v.i8", I8, -5), ("v.u16", U16, 60000), ("v.i16", I16, -300),
        ("v.u32", U32, 4000000000), ("v.i32", I32, -7), ("v.f32", F32, 0.5),
        ("v.bool", BOOL, True), ("v.string", STRING, "caf\u00e9"), ("v.u64", U64, 2**63 + 1),
        ("v.i64", I64, -2**40), ("v.f64", F64, 1e-300),
        ("a.strings", ARRAY, ["<unk>", "<s>", "", "\u2581the"], STRING),
        ("a.f32", ARRAY, [0.0, -1.0, 2.5], F32), ("a.i32", ARRAY, [1, 2, 3], I32),
        ("a.bool", ARRAY, [True, False], BOOL), ("a.empty", ARRAY, [], U64),
    ]
    seeds = {
        "empty_v3.gguf": gguf_file([], []),
        "every_value_type.gguf": gguf_file(every_type, []),
        "tensors.gguf": gguf_file(
            [("general.architecture", STRING, "llama"), ("general.alignment", U32, 32)],
            [("f32", 0, [8, 2]), ("f16", 1, [5]), ("q8_0", 8, [32, 2]), ("q4_k", 12, [256]),
             ("q4_0", 2, [32, 1, 2]), ("bf16", 30, [2, 2, 2, 2])]),
        "aligned64_v2.gguf": gguf_file(
            [("general.alignment", U32, 64)], [("a", 0, [3]), ("b", 14, [256])],
            version=2, alignment=64),
        "vocab.gguf": gguf_file(
            [("tokenizer.ggml.model", STRING, "llama"),
             ("tokenizer.ggml.tokens", ARRAY, ["tok%d" % idx for idx in range(300)], STRING),
             ("tokenizer.ggml.scores", ARRAY, [-float(idx) for idx in range(300)], F32),
             ("tokenizer.ggml.token_type", ARRAY, [1] * 300, I32),
             ("tokenizer.ggml.bos_token_id", U32, 1)], []),
    }
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
