#!/usr/bin/python3
"""Self-checks of the reference oracle, before it is trusted to judge the engine.

    /usr/bin/python3 tests/reference/test_reference_self.py [-v]

- Known-answer blocks for every quantized type: bytes built by hand, expected values worked
  out by hand from the block layout (the arithmetic is in the comments).
- The vectorized dequantizers against a literal per-element transcription of the layouts
  (float32 scalars, same operation order) on random blocks: must agree bit for bit.
- The GGUF reader on files written here (every value type, v2 and v3, alignment), on
  truncated and corrupted files (clear GgufError, never another exception), and on the
  shared vocabulary files.
- The forward pass against a second, deliberately different formulation (token by token
  with a growing KV cache, RoPE as complex rotation), plus causality and tied output.
"""

import io
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_logits  # noqa: E402
import llama_reference  # noqa: E402
from gguf_reference import (  # noqa: E402
    TYPE_IDS,
    TYPE_LAYOUTS,
    GgufError,
    GgufFile,
    dequantize,
)

VOCAB_DIR = os.path.join(HERE, "..", "..", "..", "shared", "testdata", "vocab")
F32 = np.float32


def fp16_bytes(value):
    return np.array([value], dtype="<f2").tobytes()


def fp16_value(raw, offset):
    return F32(np.frombuffer(raw, dtype="<f2", count=1, offset=offset)[0])


# ---------------------------------------------------------------------------------------
# A minimal GGUF writer for the tests (independent of the C++ writer as well).


class TinyGgufWriter:
    def __init__(self, version=3, alignment=None):
        self.version = version
        self.kvs = []  # (key, encoded type+value)
        self.tensors = []  # (name, type_id, ne, raw bytes)
        self.alignment = alignment or 32
        if alignment is not None:
            self.add("general.alignment", 4, alignment)

    @staticmethod
    def _string(text):
        raw = text.encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw

    def _value(self, value_type, value):
        formats = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B",
                   10: "<Q", 11: "<q", 12: "<d"}
        if value_type in formats:
            return struct.pack(formats[value_type], value)
        if value_type == 8:
            return self._string(value)
        elem_type, elems = value
        out = struct.pack("<IQ", elem_type, len(elems))
        for elem in elems:
            out += self._value(elem_type, elem)
        return out

    def add(self, key, value_type, value):
        self.kvs.append((key, struct.pack("<I", value_type) + self._value(value_type, value)))

    def add_tensor(self, name, type_id, ne, raw):
        self.tensors.append((name, type_id, list(ne), bytes(raw)))

    def to_bytes(self):
        out = io.BytesIO()
        out.write(b"GGUF")
        out.write(struct.pack("<IQQ", self.version, len(self.tensors), len(self.kvs)))
        for key, encoded in self.kvs:
            out.write(self._string(key) + encoded)
        offset = 0
        for name, type_id, ne, raw in self.tensors:
            out.write(self._string(name) + struct.pack("<I", len(ne)))
            out.write(b"".join(struct.pack("<Q", dim) for dim in ne))
            out.write(struct.pack("<IQ", type_id, offset))
            offset += (len(raw) + self.alignment - 1) // self.alignment * self.alignment
        pad = -out.tell() % self.alignment
        out.write(b"\0" * pad)
        for _, _, _, raw in self.tensors:
            pad = -len(raw) % self.alignment
            out.write(raw + b"\0" * pad)
        return out.getvalue()

    def write(self, path):
        with open(path, "wb") as handle:
            handle.write(self.to_bytes())


# ---------------------------------------------------------------------------------------
# Literal per-element transcription of the block layouts, one block at a time.


def scalar_dequant_block(type_id, raw):
    """float32 list of one block's values, written straight from the layout text."""
    out = []
    if type_id == 2:  # Q4_0
        d = fp16_value(raw, 0)
        qs = raw[2:18]
        for j in range(32):
            q = (qs[j] & 0xF) if j < 16 else (qs[j - 16] >> 4)
            out.append(F32(q - 8) * d)
    elif type_id == 3:  # Q4_1
        d, m = fp16_value(raw, 0), fp16_value(raw, 2)
        qs = raw[4:20]
        for j in range(32):
            q = (qs[j] & 0xF) if j < 16 else (qs[j - 16] >> 4)
            out.append(F32(q) * d + m)
    elif type_id in (6, 7):  # Q5_0, Q5_1
        has_min = type_id == 7
        d = fp16_value(raw, 0)
        m = fp16_value(raw, 2) if has_min else None
        base = 4 if has_min else 2
        qh = struct.unpack_from("<I", raw, base)[0]
        qs = raw[base + 4:base + 20]
        for j in range(32):
            nibble = (qs[j] & 0xF) if j < 16 else (qs[j - 16] >> 4)
            q = nibble | (((qh >> j) & 1) << 4)
            out.append(F32(q) * d + m if has_min else F32(q - 16) * d)
    elif type_id == 8:  # Q8_0
        d = fp16_value(raw, 0)
        for j in range(32):
            q = struct.unpack_from("<b", raw, 2 + j)[0]
            out.append(F32(q) * d)
    elif type_id in (12, 13):  # Q4_K, Q5_K
        d, dmin = fp16_value(raw, 0), fp16_value(raw, 2)
        scales = raw[4:16]
        if type_id == 12:
            qh, qs = None, raw[16:144]
        else:
            qh, qs = raw[16:48], raw[48:176]

        def scale_min(j):
            if j < 4:
                return scales[j] & 63, scales[j + 4] & 63
            return ((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4),
                    (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4))

        out = [None] * 256
        for chunk in range(4):
            for half in range(2):
                sub = 2 * chunk + half
                sc, mn = scale_min(sub)
                for l in range(32):
                    byte = qs[32 * chunk + l]
                    q = (byte & 0xF) if half == 0 else (byte >> 4)
                    if qh is not None:
                        q |= ((qh[l] >> sub) & 1) << 4
                    out[64 * chunk + 32 * half + l] = (d * F32(sc)) * F32(q) - dmin * F32(mn)
    elif type_id == 14:  # Q6_K
        ql_all, qh_all = raw[0:128], raw[128:192]
        scales_all = struct.unpack_from("<16b", raw, 192)
        d = fp16_value(raw, 208)
        out = [None] * 256
        for half in range(2):
            ql, qh, sc = ql_all[64 * half:], qh_all[32 * half:], scales_all[8 * half:]
            y = 128 * half
            for l in range(32):
                is_ = l // 16
                q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32
                q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32
                q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                out[y + l] = d * F32(sc[is_ + 0]) * F32(q1)
                out[y + l + 32] = d * F32(sc[is_ + 2]) * F32(q2)
                out[y + l + 64] = d * F32(sc[is_ + 4]) * F32(q3)
                out[y + l + 96] = d * F32(sc[is_ + 6]) * F32(q4)
    else:
        raise ValueError(type_id)
    return np.array(out, dtype=np.float32)


# Byte offsets of the fp16 fields of each block type (must hold finite values).
FP16_FIELDS = {2: [0], 3: [0, 2], 6: [0], 7: [0, 2], 8: [0], 12: [0, 2], 13: [0, 2], 14: [208]}


def random_blocks(type_id, n_blocks, rng):
    block_size, type_size = TYPE_LAYOUTS[type_id]
    raw = bytearray(rng.integers(0, 256, size=n_blocks * type_size, dtype=np.uint8).tobytes())
    for block_idx in range(n_blocks):
        for field in FP16_FIELDS[type_id]:
            at = block_idx * type_size + field
            raw[at:at + 2] = fp16_bytes(rng.normal() * 0.05)
    return bytes(raw)


class KnownAnswerBlocks(unittest.TestCase):
    """Hand-built blocks; expected values computed by hand in the comments."""

    def check(self, type_name, raw, expected):
        type_id = TYPE_IDS[type_name]
        values = dequantize(type_id, raw, TYPE_LAYOUTS[type_id][0])
        for index, want in expected.items():
            self.assertEqual(float(values[index]), want, "%s element %d" % (type_name, index))

    def test_q4_0_low_nibbles_first_then_high(self):
        qs = bytearray([0x88] * 16)  # nibble 8 everywhere -> 0
        qs[0] = 0x1F  # elem 0 = (15-8)*0.5 = 3.5; elem 16 = (1-8)*0.5 = -3.5
        qs[15] = 0xF0  # elem 15 = (0-8)*0.5 = -4.0; elem 31 = (15-8)*0.5 = 3.5
        raw = fp16_bytes(0.5) + bytes(qs)
        self.check("q4_0", raw, {0: 3.5, 16: -3.5, 15: -4.0, 31: 3.5, 1: 0.0, 17: 0.0})

    def test_q4_1_adds_min(self):
        qs = bytearray(16)
        qs[3] = 0xA2  # elem 3 = 2*0.25 - 1 = -0.5; elem 19 = 10*0.25 - 1 = 1.5
        raw = fp16_bytes(0.25) + fp16_bytes(-1.0) + bytes(qs)
        self.check("q4_1", raw, {3: -0.5, 19: 1.5, 0: -1.0, 16: -1.0})

    def test_q5_0_high_bit_j_and_j_plus_16(self):
        qs = bytearray(16)
        qs[0] = 0x3F
        qs[2] = 0x05
        # qh bits set: 0, 16, 18 -> elem 0 = (15|16)-16 = 15, elem 16 = (3|16)-16 = 3,
        # elem 2 = 5-16 = -11 (bit 2 clear), elem 18 = (0|16)-16 = 0, elem 1 = -16.
        qh = struct.pack("<I", (1 << 0) | (1 << 16) | (1 << 18))
        raw = fp16_bytes(2.0) + qh + bytes(qs)
        self.check("q5_0", raw, {0: 30.0, 16: 6.0, 2: -22.0, 18: 0.0, 1: -32.0})

    def test_q5_1_high_bits_and_min(self):
        qs = bytearray(16)
        qs[7] = 0x91
        # bit 7 set, bit 23 clear: elem 7 = (1|16)*0.5 + 0.25 = 8.75; elem 23 = 9*0.5 + 0.25
        qh = struct.pack("<I", 1 << 7 | 1 << 31)  # bit 31: elem 31 = (0|16)*0.5+0.25 = 8.25
        raw = fp16_bytes(0.5) + fp16_bytes(0.25) + qh + bytes(qs)
        self.check("q5_1", raw, {7: 8.75, 23: 4.75, 31: 8.25, 0: 0.25})

    def test_q8_0_signed_bytes(self):
        qs = bytearray(32)
        qs[5] = 0xFD  # -3 -> -6.0
        qs[31] = 0x7F  # 127 -> 254.0
        qs[30] = 0x80  # -128 -> -256.0
        raw = fp16_bytes(2.0) + bytes(qs)
        self.check("q8_0", raw, {5: -6.0, 31: 254.0, 30: -256.0, 0: 0.0})

    def k_scales(self):
        # Sub-block scales/mins (6 bits): j<4 from scales[j] & 63 / scales[j+4] & 63;
        # j>=4 from the low/high nibble of scales[j+4] plus the top 2 bits of
        # scales[j-4] / scales[j].
        scales = bytearray(12)
        scales[0] = 3  # sc0 = 3
        scales[4] = 2  # m0 = 2
        scales[1] = 0b11000001  # sc1 = 1; top bits 3 -> sc5 gets 3 << 4 = 48
        scales[5] = 0b01000100  # m1 = 4; top bits 1 -> m5 gets 1 << 4 = 16
        scales[9] = 0x25  # sc5 = 5 | 48 = 53; m5 = 2 | 16 = 18
        scales[11] = 0x7A  # sc7 = 10 | (scales[3]>>6)<<4 = 10; m7 = 7 | (scales[7]>>6)<<4 = 7
        return bytes(scales)

    def test_q4_k_sub_blocks_and_scale_packing(self):
        qs = bytearray(128)
        qs[0] = 0x4B  # chunk 0: elem 0 (sub 0) = 1*3*11 - 0.5*2 = 32.0;
        #               elem 32 (sub 1) = 1*1*4 - 0.5*4 = 2.0
        qs[64 + 7] = 0x90  # chunk 2: elem 167 (sub 5) = 53*9 - 0.5*18 = 468.0
        qs[96 + 31] = 0x0F  # chunk 3: elem 223 (sub 6) = 0 - 0 = 0; 255 (sub 7): 10*0 - 0.5*7
        raw = fp16_bytes(1.0) + fp16_bytes(0.5) + self.k_scales() + bytes(qs)
        self.check("q4_k", raw, {0: 32.0, 32: 2.0, 167: 468.0, 135: 0.0, 255: -3.5,
                                 1: -1.0, 223: 0.0})

    def test_q5_k_high_bit_per_sub_block(self):
        qh = bytearray(32)
        qh[0] = 0b00000011  # elem 0 (sub 0) and elem 32 (sub 1) get +16
        qh[7] = 0b00100000  # elem 167 (chunk 2, high half -> sub 5) gets +16
        qs = bytearray(128)
        qs[0] = 0x4B  # elem 0 = 3*(11+16) - 0.5*2 = 80.0; elem 32 = 1*(4+16) - 0.5*4 = 18.0
        qs[64 + 7] = 0x90  # elem 167 = 53*(9+16) - 0.5*18 = 1316.0; elem 135 = 0
        raw = fp16_bytes(1.0) + fp16_bytes(0.5) + self.k_scales() + bytes(qh) + bytes(qs)
        self.check("q5_k", raw, {0: 80.0, 32: 18.0, 167: 1316.0, 135: 0.0, 1: -1.0,
                                 255: -3.5})

    def test_q6_k_quarters_and_scales(self):
        ql = bytearray(128)
        qh = bytearray(64)
        scales = [0] * 16
        scales[0], scales[2], scales[4], scales[6] = 1, 2, -3, 4
        scales[1], scales[9] = 5, -1
        ql[0] = 0x21  # elem 0: low 1 | (qh bits 0-1 = 2) << 4 = 33 -> (33-32)*1 = 1
        #               elem 64: high 2 | (qh bits 4-5 = 1) << 4 = 18 -> (18-32)*-3 = 42
        qh[0] = 0b11010010  # bits 0-1 = 2, bits 2-3 = 0, bits 4-5 = 1, bits 6-7 = 3
        ql[32] = 0xF0  # elem 32: 0 | 0 << 4 = 0 -> (0-32)*2 = -64
        #                elem 96: 15 | 3 << 4 = 63 -> (63-32)*4 = 124
        ql[16] = 0x07  # elem 16 uses scale index 1: (7|0 - 32)*5 = -125
        ql[64 + 17] = 0x0C  # second half, elem 128+17 uses scales[8+1] = -1: (12-32)*-1 = 20
        raw = bytes(ql) + bytes(qh) + struct.pack("<16b", *scales) + fp16_bytes(1.0)
        self.check("q6_k", raw, {0: 1.0, 64: 42.0, 32: -64.0, 96: 124.0, 16: -125.0,
                                 145: 20.0, 128: 0.0})

    def test_q6_k_super_scale_multiplies(self):
        scales = [2] * 16
        raw = bytes(128) + bytes(64) + struct.pack("<16b", *scales) + fp16_bytes(0.5)
        values = dequantize(TYPE_IDS["q6_k"], raw, 256)
        np.testing.assert_array_equal(values, np.full(256, -32.0, dtype=np.float32))

    def test_float_types(self):
        ref = np.array([1.5, -2.25, 65504.0, 0.0], dtype=np.float32)
        np.testing.assert_array_equal(dequantize(TYPE_IDS["f32"], ref.tobytes(), 4), ref)
        np.testing.assert_array_equal(
            dequantize(TYPE_IDS["f16"], ref.astype("<f2").tobytes(), 4), ref)
        # BF16 of 1.5 is 0x3FC0, of -2.25 is 0xC010, of 2^16 0x4780, of 1/3-ish 0x3EAB.
        raw = struct.pack("<4H", 0x3FC0, 0xC010, 0x4780, 0x3EAB)
        want = np.array([1.5, -2.25, 65536.0, 0.333984375], dtype=np.float32)
        np.testing.assert_array_equal(dequantize(TYPE_IDS["bf16"], raw, 4), want)


class VectorizedMatchesScalar(unittest.TestCase):
    def test_every_block_type_bit_exact_on_random_blocks(self):
        rng = np.random.default_rng(1234)
        for type_id in sorted(FP16_FIELDS):
            with self.subTest(type_id=type_id):
                n_blocks = 6
                raw = random_blocks(type_id, n_blocks, rng)
                block_size, type_size = TYPE_LAYOUTS[type_id]
                got = dequantize(type_id, raw, n_blocks * block_size)
                want = np.concatenate([
                    scalar_dequant_block(type_id, raw[b * type_size:(b + 1) * type_size])
                    for b in range(n_blocks)])
                self.assertEqual(got.dtype, np.float32)
                np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))

    def test_wrong_byte_count_is_an_error(self):
        with self.assertRaises(GgufError):
            dequantize(TYPE_IDS["q4_k"], bytes(143), 256)
        with self.assertRaises(GgufError):
            dequantize(TYPE_IDS["q8_0"], bytes(34), 33)


class ReaderTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def sample_writer(self, version=3, alignment=None):
        writer = TinyGgufWriter(version=version, alignment=alignment)
        writer.add("general.architecture", 8, "llama")
        writer.add("u8", 0, 200)
        writer.add("i8", 1, -100)
        writer.add("u16", 2, 60000)
        writer.add("i16", 3, -30000)
        writer.add("u32", 4, 4000000000)
        writer.add("i32", 5, -2000000000)
        writer.add("f32", 6, 0.5)
        writer.add("bool", 7, 1)
        writer.add("u64", 10, 2 ** 63 + 5)
        writer.add("i64", 11, -2 ** 62)
        writer.add("f64", 12, 1e-300)
        writer.add("strs", 9, (8, ["a", "", "é"]))
        writer.add("ints", 9, (5, [1, -2, 3]))
        writer.add("nested", 9, (9, [(4, [7, 8]), (4, [])]))
        values = np.arange(64, dtype=np.float32)
        writer.add_tensor("a", 0, [8, 8], values.tobytes())
        writer.add_tensor("b", 1, [64], values.astype("<f2").tobytes())
        return writer, values

    def test_reads_every_value_type_and_tensors(self):
        for version, alignment in ((3, None), (2, None), (3, 64)):
            with self.subTest(version=version, alignment=alignment):
                writer, values = self.sample_writer(version, alignment)
                writer.write(self.path("s.gguf"))
                with GgufFile(self.path("s.gguf")) as gguf:
                    meta = gguf.metadata
                    self.assertEqual(gguf.version, version)
                    self.assertEqual(gguf.alignment, alignment or 32)
                    self.assertEqual(gguf.data_offset % gguf.alignment, 0)
                    self.assertEqual((meta["u8"], meta["i8"], meta["u16"], meta["i16"]),
                                     (200, -100, 60000, -30000))
                    self.assertEqual((meta["u32"], meta["i32"]), (4000000000, -2000000000))
                    self.assertEqual((meta["u64"], meta["i64"]), (2 ** 63 + 5, -2 ** 62))
                    self.assertEqual((meta["f32"], meta["f64"], meta["bool"]),
                                     (0.5, 1e-300, True))
                    self.assertEqual(meta["strs"], ["a", "", "é"])
                    self.assertEqual(list(meta["ints"]), [1, -2, 3])
                    self.assertEqual([list(a) for a in meta["nested"]], [[7, 8], []])
                    self.assertEqual(gguf.tensors["a"].ne, (8, 8))
                    np.testing.assert_array_equal(gguf.tensor("a"), values.reshape(8, 8))
                    np.testing.assert_array_equal(gguf.tensor("b"), values)

    def test_numpy_shape_is_reversed_ne(self):
        writer = TinyGgufWriter()
        # ne = [3, 2]: 2 rows of 3 contiguous elements.
        writer.add_tensor("w", 0, [3, 2], np.arange(6, dtype=np.float32).tobytes())
        writer.write(self.path("w.gguf"))
        with GgufFile(self.path("w.gguf")) as gguf:
            w = gguf.tensor("w")
        np.testing.assert_array_equal(w, [[0, 1, 2], [3, 4, 5]])
        np.testing.assert_array_equal(w @ np.array([1.0, 0, 0]), [0, 3])

    def test_every_truncation_is_a_clean_error(self):
        writer, _ = self.sample_writer()
        data = writer.to_bytes()
        # The last tensor is 128 bytes of data; any shorter file must fail cleanly.
        for length in range(0, len(data) - 1, 3):
            with open(self.path("t.gguf"), "wb") as handle:
                handle.write(data[:length])
            with self.assertRaises(GgufError, msg="length %d" % length):
                GgufFile(self.path("t.gguf")).close()

    def test_corrupted_headers_are_clean_errors(self):
        writer, _ = self.sample_writer()
        data = bytearray(writer.to_bytes())
        cases = {
            "magic": (0, b"GGUX"),
            "version": (4, struct.pack("<I", 1)),
            "tensor count": (8, struct.pack("<Q", 2 ** 60)),
            "kv count": (16, struct.pack("<Q", 2 ** 60)),
        }
        for what, (at, patch) in cases.items():
            with self.subTest(what=what):
                bad = bytearray(data)
                bad[at:at + len(patch)] = patch
                with open(self.path("c.gguf"), "wb") as handle:
                    handle.write(bad)
                with self.assertRaises(GgufError):
                    GgufFile(self.path("c.gguf")).close()
        # Random byte flips: either parses or raises GgufError, nothing else.
        rng = np.random.default_rng(5)
        for _ in range(200):
            bad = bytearray(data)
            for at in rng.integers(0, len(bad), size=4):
                bad[at] = int(rng.integers(0, 256))
            with open(self.path("r.gguf"), "wb") as handle:
                handle.write(bad)
            try:
                GgufFile(self.path("r.gguf")).close()
            except GgufError:
                pass

    def test_unsupported_tensor_type_is_an_error(self):
        writer = TinyGgufWriter()
        writer.add_tensor("x", 10, [256], bytes(84))  # Q2_K: not read by the reference
        writer.write(self.path("q2.gguf"))
        with self.assertRaisesRegex(GgufError, "unsupported type"):
            GgufFile(self.path("q2.gguf"))

    def test_shared_vocab_files(self):
        spm = os.path.join(VOCAB_DIR, "ggml-vocab-llama-spm.gguf")
        if not os.path.exists(spm):
            self.skipTest("no shared vocab files at %s" % VOCAB_DIR)
        with GgufFile(spm) as gguf:
            meta = gguf.metadata
            self.assertEqual(meta["general.architecture"], "llama")
            self.assertEqual(meta["tokenizer.ggml.model"], "llama")
            self.assertEqual(len(meta["tokenizer.ggml.tokens"]), 32000)
            self.assertEqual(meta["tokenizer.ggml.tokens"][1], "<s>")
            self.assertEqual(len(meta["tokenizer.ggml.scores"]), 32000)
            self.assertEqual((meta["tokenizer.ggml.bos_token_id"],
                              meta["tokenizer.ggml.eos_token_id"]), (1, 2))
            self.assertIs(meta["tokenizer.ggml.add_bos_token"], True)
            self.assertEqual(len(gguf.tensors), 0)
        with GgufFile(os.path.join(VOCAB_DIR, "ggml-vocab-bert-bge.gguf")) as gguf:
            self.assertEqual(len(gguf.metadata["tokenizer.ggml.tokens"]), 30522)
            self.assertEqual(gguf.metadata["tokenizer.ggml.seperator_token_id"], 102)
        with GgufFile(os.path.join(VOCAB_DIR, "ggml-vocab-llama-bpe.gguf")) as gguf:
            self.assertEqual(len(gguf.metadata["tokenizer.ggml.tokens"]), 128256)
            self.assertEqual(len(gguf.metadata["tokenizer.ggml.merges"]), 280147)
            self.assertEqual(gguf.metadata["llama.rope.freq_base"], 500000.0)


# ---------------------------------------------------------------------------------------
# Forward pass.

TINY = dict(n_embd=32, n_layer=2, n_ff=64, n_head=4, n_head_kv=2, n_vocab=50)


def write_tiny_model(path, seed=0, tied=False, quant_type=None, n_rot=None):
    """Random llama model; every tensor F32 unless quant_type names a type for the matrices
    (then values are random valid blocks)."""
    cfg = TINY
    rng = np.random.default_rng(seed)
    writer = TinyGgufWriter()
    writer.add("general.architecture", 8, "llama")
    writer.add("llama.embedding_length", 4, cfg["n_embd"])
    writer.add("llama.block_count", 4, cfg["n_layer"])
    writer.add("llama.feed_forward_length", 4, cfg["n_ff"])
    writer.add("llama.attention.head_count", 4, cfg["n_head"])
    writer.add("llama.attention.head_count_kv", 4, cfg["n_head_kv"])
    writer.add("llama.attention.layer_norm_rms_epsilon", 6, 1e-5)
    writer.add("llama.rope.freq_base", 6, 10000.0)
    if n_rot is not None:
        writer.add("llama.rope.dimension_count", 4, n_rot)
    head_dim = cfg["n_embd"] // cfg["n_head"]
    kv_dim = cfg["n_head_kv"] * head_dim

    def matrix(name, n_in, n_out, scale=0.3):
        if quant_type is None:
            values = (rng.normal(size=(n_out, n_in)) * scale).astype(np.float32)
            writer.add_tensor(name, 0, [n_in, n_out], values.tobytes())
        else:
            block_size, _ = TYPE_LAYOUTS[quant_type]
            n_blocks = n_in * n_out // block_size
            writer.add_tensor(name, quant_type, [n_in, n_out],
                              random_blocks(quant_type, n_blocks, rng))

    def vector(name, n):
        values = (1.0 + 0.1 * rng.normal(size=n)).astype(np.float32)
        writer.add_tensor(name, 0, [n], values.tobytes())

    matrix("token_embd.weight", cfg["n_embd"], cfg["n_vocab"], 1.0)
    vector("output_norm.weight", cfg["n_embd"])
    if not tied:
        matrix("output.weight", cfg["n_embd"], cfg["n_vocab"])
    for layer_idx in range(cfg["n_layer"]):
        p = "blk.%d." % layer_idx
        vector(p + "attn_norm.weight", cfg["n_embd"])
        matrix(p + "attn_q.weight", cfg["n_embd"], cfg["n_embd"])
        matrix(p + "attn_k.weight", cfg["n_embd"], kv_dim)
        matrix(p + "attn_v.weight", cfg["n_embd"], kv_dim)
        matrix(p + "attn_output.weight", cfg["n_embd"], cfg["n_embd"])
        vector(p + "ffn_norm.weight", cfg["n_embd"])
        matrix(p + "ffn_gate.weight", cfg["n_embd"], cfg["n_ff"])
        matrix(p + "ffn_up.weight", cfg["n_embd"], cfg["n_ff"])
        matrix(p + "ffn_down.weight", cfg["n_ff"], cfg["n_embd"])
    writer.write(path)


def incremental_forward(model, tokens):
    """Second formulation: one token at a time, KV cache lists, RoPE as complex rotation,
    per-head loops written out. Shares only the weights with LlamaReference.forward."""
    cfg = model.config
    group = cfg.n_head // cfg.n_head_kv
    caches = [([], []) for _ in model.layers]  # per layer: keys, values [head_kv, head_dim]

    def norm(vec, weight):
        return vec * weight / np.sqrt(np.dot(vec, vec) / vec.size + cfg.eps)

    def rotate(head_vec, pos):
        out = head_vec.copy()
        pairs = head_vec[:cfg.n_rot].reshape(-1, 2)
        z = pairs[:, 0] + 1j * pairs[:, 1]
        theta = pos / cfg.freq_base ** (np.arange(0, cfg.n_rot, 2) / cfg.n_rot)
        z = z * np.exp(1j * theta)
        out[:cfg.n_rot] = np.stack([z.real, z.imag], axis=1).reshape(-1)
        return out

    rows = []
    for pos, token in enumerate(tokens):
        x = model.token_embd[token].copy()
        for layer, (keys, values) in zip(model.layers, caches):
            h = norm(x, layer["attn_norm"])
            q = (layer["wq"] @ h).reshape(cfg.n_head, cfg.head_dim)
            k = (layer["wk"] @ h).reshape(cfg.n_head_kv, cfg.head_dim)
            v = (layer["wv"] @ h).reshape(cfg.n_head_kv, cfg.head_dim)
            keys.append(np.array([rotate(k[g], pos) for g in range(cfg.n_head_kv)]))
            values.append(v)
            attn = []
            for head_idx in range(cfg.n_head):
                qh = rotate(q[head_idx], pos)
                kv_idx = head_idx // group
                scores = np.array([qh @ key[kv_idx] for key in keys]) / np.sqrt(cfg.head_dim)
                weights = np.exp(scores - scores.max())
                weights /= weights.sum()
                attn.append(sum(w * val[kv_idx] for w, val in zip(weights, values)))
            x = x + layer["wo"] @ np.concatenate(attn)
            h = norm(x, layer["ffn_norm"])
            gate = layer["w_gate"] @ h
            x = x + layer["w_down"] @ (gate * (1 / (1 + np.exp(-gate))) * (layer["w_up"] @ h))
        rows.append(model.output @ norm(x, model.output_norm))
    return np.array(rows)


class ForwardTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.tokens = [1, 7, 49, 0, 23, 23, 5, 11]

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_batch_matches_token_by_token_formulation(self):
        # n_embd 32 holds 32-element blocks only; K-quant decoding is covered above.
        for variant in ({}, {"n_rot": 4}, {"quant_type": TYPE_IDS["q8_0"]},
                        {"quant_type": TYPE_IDS["q5_1"]}):
            with self.subTest(**variant):
                write_tiny_model(self.path("m.gguf"), seed=3, **variant)
                model = llama_reference.LlamaReference(self.path("m.gguf"))
                batch = model.forward(self.tokens)
                step = incremental_forward(model, self.tokens)
                self.assertEqual(batch.shape, (len(self.tokens), TINY["n_vocab"]))
                np.testing.assert_allclose(batch, step, rtol=1e-11, atol=1e-11)

    def test_partial_rope_leaves_tail_dimensions_alone(self):
        write_tiny_model(self.path("m.gguf"), seed=4, n_rot=4)
        model = llama_reference.LlamaReference(self.path("m.gguf"))
        x = np.random.default_rng(0).normal(size=(3, 2, 8))
        rotated = model.rope(x, np.arange(3))
        np.testing.assert_array_equal(rotated[:, :, 4:], x[:, :, 4:])
        np.testing.assert_array_equal(rotated[0], x[0])  # position 0: identity
        self.assertFalse(np.allclose(rotated[1, :, :4], x[1, :, :4]))

    def test_rope_dot_products_depend_on_relative_position_only(self):
        write_tiny_model(self.path("m.gguf"), seed=4)
        model = llama_reference.LlamaReference(self.path("m.gguf"))
        rng = np.random.default_rng(1)
        q, k = rng.normal(size=(1, 1, 8)), rng.normal(size=(1, 1, 8))

        def dot(pos_q, pos_k):
            return float(np.sum(model.rope(q, np.array([pos_q])) *
                                model.rope(k, np.array([pos_k]))))
        self.assertAlmostEqual(dot(5, 2), dot(13, 10), places=12)
        self.assertNotAlmostEqual(dot(5, 2), dot(5, 3), places=3)

    def test_causal_prefix_rows_do_not_change(self):
        write_tiny_model(self.path("m.gguf"), seed=5)
        model = llama_reference.LlamaReference(self.path("m.gguf"))
        full = model.forward(self.tokens)
        prefix = model.forward(self.tokens[:3])
        np.testing.assert_allclose(full[:3], prefix, rtol=1e-13, atol=1e-13)

    def test_missing_output_weight_ties_to_embeddings(self):
        write_tiny_model(self.path("tied.gguf"), seed=6, tied=True)
        model = llama_reference.LlamaReference(self.path("tied.gguf"))
        self.assertIs(model.output, model.token_embd)
        np.testing.assert_allclose(model.forward(self.tokens[:4]),
                                   incremental_forward(model, self.tokens[:4]), rtol=1e-11)

    def test_cli_prints_one_row_per_token(self):
        write_tiny_model(self.path("m.gguf"), seed=7)
        out = self.path("ref.json")
        self.assertEqual(llama_reference.main(["--model", self.path("m.gguf"),
                                               "--tokens", "1 2 3", "-o", out]), 0)
        rows = compare_logits.load_logits(out, "ref")
        self.assertEqual(rows.shape, (3, TINY["n_vocab"]))
        model = llama_reference.LlamaReference(self.path("m.gguf"))
        np.testing.assert_array_equal(rows, model.forward([1, 2, 3]))  # repr round-trips
        self.assertEqual(llama_reference.main(["--model", self.path("m.gguf"),
                                               "--tokens", "1 50", "-o", out]), 1)

    def test_not_llama_is_rejected(self):
        writer = TinyGgufWriter()
        writer.add("general.architecture", 8, "bert")
        writer.write(self.path("bert.gguf"))
        with self.assertRaisesRegex(GgufError, "not llama"):
            llama_reference.LlamaReference(self.path("bert.gguf"))


class CompareTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def run_compare(self, engine_text, ref_text, tol, last_only=False):
        args = ["--engine", self.write("a.json", engine_text),
                "--reference", self.write("b.json", ref_text), "--tol", str(tol)]
        if last_only:
            args.append("--last-only")
        sink = io.StringIO()
        saved = sys.stdout
        sys.stdout = sink
        try:
            return compare_logits.main(args), sink.getvalue()
        finally:
            sys.stdout = saved

    def test_within_and_beyond_tolerance(self):
        ref = '{"logits": [[3.0, 4.0], [0.0, 0.0]]}'  # ||B|| = 5
        eng = '{"logits": [[3.0, 4.0], [0.0, 0.05]]}'  # ||A-B|| = 0.05 -> 1e-2
        self.assertEqual(self.run_compare(eng, ref, 1.1e-2)[0], 0)
        code, text = self.run_compare(eng, ref, 0.9e-2)
        self.assertEqual(code, 1)
        self.assertIn("rel_l2=1.000e-02", text)
        # The zero reference row with a nonzero engine row is the worst row (infinite).
        self.assertIn("worst row 1 rel=inf", text)

    def test_last_only_ignores_earlier_rows(self):
        ref = '{"logits": [[1.0, 1.0], [3.0, 4.0]]}'
        eng = '{"logits": [[9.0, 9.0], [3.0, 4.0]]}'
        self.assertEqual(self.run_compare(eng, ref, 1e-12)[0], 1)
        self.assertEqual(self.run_compare(eng, ref, 1e-12, last_only=True)[0], 0)
        # Different row counts but same last row: comparable only with --last-only.
        one = '{"logits": [[3.0, 4.0]]}'
        self.assertEqual(self.run_compare(one, ref, 1e-12, last_only=True)[0], 0)
        self.assertEqual(self.run_compare(one, ref, 1e-12)[0], 1)

    def test_bad_inputs_fail_with_a_message(self):
        ref = '{"logits": [[1.0, 2.0]]}'
        cases = {
            "shape mismatch": '{"logits": [[1.0, 2.0, 3.0]]}',
            "has no logits rows": '{"logits": []}',
            "logits rows are empty": '{"logits": [[]]}',
            "non-finite": '{"logits": [[NaN, 2.0]]}',
            "not valid JSON": '{"logits": [[1.0, 2.0]',
            'no "logits" key': '{"rows": [[1.0, 2.0]]}',
            "different lengths": '{"logits": [[1.0, 2.0], [1.0]]}',
            "non-numbers": '{"logits": [["a", 2.0]]}',
        }
        for message, engine in cases.items():
            with self.subTest(message=message):
                code, text = self.run_compare(engine, ref, 1.0)
                self.assertEqual(code, 1)
                self.assertIn(message, text)
        code, text = self.run_compare(ref, '{"logits": [[0.0, 0.0]]}', 1.0)
        self.assertEqual(code, 1)
        self.assertIn("all zero", text)
        code, text = self.run_compare(ref, '{"logits": [[Infinity, 0.0]]}', 1.0)
        self.assertEqual(code, 1)
        self.assertIn("non-finite", text)


if __name__ == "__main__":
    unittest.main()
