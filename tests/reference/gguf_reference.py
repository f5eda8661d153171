"""Independent GGUF reader and NumPy dequantizers (the oracle side of the logits check).

This module shares no code with the C++ engine on purpose: it is written from the GGUF and
ggml block-layout descriptions only, so that a misreading in one implementation is caught by
the other. Standard library and NumPy only (Debian's /usr/bin/python3 with python3-numpy).

Contracts:
- GgufFile(path) parses a GGUF v2/v3 file and raises GgufError (one-line message naming the
  file and the fault) on anything malformed; every count, length and offset is checked
  against the file size before it is used.
- dequantize(type_id, raw, n_elements) returns float32 values exactly as ggml's scalar
  dequantizers produce them (same float32 operation order), vectorized over blocks.
- GgufFile.tensor(name) returns a float64 array in NumPy order: a tensor with
  ne = [n_in, n_out] comes back with shape (n_out, n_in), so that y = W @ x.
"""

import mmap
import struct

import numpy as np

__all__ = [
    "GgufError",
    "GgufFile",
    "TensorInfo",
    "TYPE_IDS",
    "TYPE_NAMES",
    "TYPE_LAYOUTS",
    "dequantize",
    "tensor_nbytes",
]

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32

# ggml type id -> name as llama.cpp prints it.
TYPE_NAMES = {
    0: "f32",
    1: "f16",
    2: "q4_0",
    3: "q4_1",
    6: "q5_0",
    7: "q5_1",
    8: "q8_0",
    12: "q4_K",
    13: "q5_K",
    14: "q6_K",
    30: "bf16",
}
TYPE_IDS = {name.lower(): type_id for type_id, name in TYPE_NAMES.items()}

# ggml type id -> (elements per block, bytes per block).
TYPE_LAYOUTS = {
    0: (1, 4),
    1: (1, 2),
    30: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
}

# GGUF metadata value types: id -> (name, struct format or None for compound types).
_SCALAR_FORMATS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<B",  # bool, stored as one byte
    10: "<Q",
    11: "<q",
    12: "<d",
}
_NUMPY_DTYPES = {
    0: "<u1",
    1: "<i1",
    2: "<u2",
    3: "<i2",
    4: "<u4",
    5: "<i4",
    6: "<f4",
    7: "<u1",
    10: "<u8",
    11: "<i8",
    12: "<f8",
}
_TYPE_STRING = 8
_TYPE_ARRAY = 9
_TYPE_BOOL = 7

# Caps that keep a hostile header from making us loop or allocate without bound; each
# is also checked against the bytes actually left in the file.
_MAX_DIMS = 4
_MAX_ARRAY_NESTING = 4


class GgufError(Exception):
    """A file that does not follow the GGUF format (or uses a type we do not read)."""


class TensorInfo:
    """One entry of the tensor table. ne[0] is the contiguous (row) dimension."""

    __slots__ = ("name", "type_id", "ne", "offset", "nbytes")

    def __init__(self, name, type_id, ne, offset, nbytes):
        self.name = name
        self.type_id = type_id
        self.ne = ne  # tuple of ints, GGUF order (fastest-varying first)
        self.offset = offset  # relative to the data section
        self.nbytes = nbytes

    @property
    def n_elements(self):
        count = 1
        for dim in self.ne:
            count *= dim
        return count

    @property
    def type_name(self):
        return TYPE_NAMES.get(self.type_id, "type%d" % self.type_id)

    def __repr__(self):
        return "TensorInfo(%s, %s, ne=%s)" % (self.name, self.type_name, list(self.ne))


def tensor_nbytes(type_id, ne):
    """Bytes of a tensor of this type and shape; GgufError if the shape does not fit."""
    if type_id not in TYPE_LAYOUTS:
        raise GgufError("unsupported tensor type id %d" % type_id)
    block_size, type_size = TYPE_LAYOUTS[type_id]
    if ne[0] % block_size != 0:
        raise GgufError(
            "row length %d is not a multiple of the %s block size %d"
            % (ne[0], TYPE_NAMES[type_id], block_size)
        )
    n_rows = 1
    for dim in ne[1:]:
        n_rows *= dim
    return (ne[0] // block_size) * type_size * n_rows


class _Cursor:
    """Bounds-checked little-endian reads over a bytes-like object."""

    def __init__(self, buf, origin):
        self.buf = buf
        self.pos = 0
        self.origin = origin

    def need(self, n_bytes, what):
        if n_bytes < 0 or self.pos + n_bytes > len(self.buf):
            raise GgufError(
                "%s: truncated while reading %s at offset %d (need %d bytes, file has %d)"
                % (self.origin, what, self.pos, n_bytes, len(self.buf))
            )

    def unpack(self, fmt, what):
        size = struct.calcsize(fmt)
        self.need(size, what)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self, what):
        length = self.unpack("<Q", what + " length")
        self.need(length, what)
        raw = bytes(self.buf[self.pos : self.pos + length])
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            # Token texts may hold partial UTF-8 sequences; keep them lossless.
            return raw.decode("utf-8", errors="surrogateescape")


class GgufFile:
    """A parsed GGUF file: metadata dict, tensor table, and tensor data access.

    Ownership: keeps the file memory-mapped until close() (or garbage collection);
    raw tensor bytes returned by raw_tensor() are copies and outlive the file.
    """

    def __init__(self, path):
        self.path = str(path)
        with open(self.path, "rb") as handle:
            size = handle.seek(0, 2)
            if size == 0:
                raise GgufError("%s: empty file" % self.path)
            self._mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.file_size = size
        self.metadata = {}
        self.metadata_types = {}  # key -> GGUF value type id (arrays: (9, elem type))
        self.tensors = {}  # name -> TensorInfo, in file order (dicts keep insertion order)
        self._parse(_Cursor(self._mmap, self.path))

    def close(self):
        if self._mmap is not None:
            self._mmap.close()
            self._mmap = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- parsing ----

    def _parse(self, cur):
        cur.need(4, "magic")
        magic = bytes(cur.buf[0:4])
        if magic != GGUF_MAGIC:
            raise GgufError("%s: not a GGUF file (magic %r)" % (self.path, magic))
        cur.pos = 4
        self.version = cur.unpack("<I", "version")
        if self.version not in (2, 3):
            raise GgufError("%s: unsupported GGUF version %d" % (self.path, self.version))
        n_tensors = cur.unpack("<Q", "tensor count")
        n_kv = cur.unpack("<Q", "metadata count")
        # Every kv needs at least 12 bytes and every tensor info at least 28: reject counts
        # that the file cannot possibly hold before looping over them.
        if n_kv * 12 > self.file_size or n_tensors * 28 > self.file_size:
            raise GgufError(
                "%s: counts too large for the file (%d tensors, %d keys)"
                % (self.path, n_tensors, n_kv)
            )
        for kv_idx in range(n_kv):
            key = cur.string("key #%d" % kv_idx)
            value_type = cur.unpack("<I", "type of " + key)
            value, type_tag = self._read_value(cur, value_type, key, 0)
            self.metadata[key] = value
            self.metadata_types[key] = type_tag

        alignment = self.metadata.get("general.alignment", DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise GgufError("%s: bad general.alignment %r" % (self.path, alignment))
        self.alignment = alignment

        infos = []
        for tensor_idx in range(n_tensors):
            name = cur.string("tensor name #%d" % tensor_idx)
            n_dims = cur.unpack("<I", "n_dims of " + name)
            if n_dims == 0 or n_dims > _MAX_DIMS:
                raise GgufError("%s: tensor %s has %d dims" % (self.path, name, n_dims))
            ne = tuple(cur.unpack("<Q", "shape of " + name) for _ in range(n_dims))
            if any(dim <= 0 for dim in ne):
                raise GgufError("%s: tensor %s has shape %s" % (self.path, name, list(ne)))
            type_id = cur.unpack("<I", "type of " + name)
            offset = cur.unpack("<Q", "offset of " + name)
            if type_id not in TYPE_LAYOUTS:
                raise GgufError(
                    "%s: tensor %s has unsupported type id %d" % (self.path, name, type_id)
                )
            try:
                nbytes = tensor_nbytes(type_id, ne)
            except GgufError as err:
                raise GgufError("%s: tensor %s: %s" % (self.path, name, err)) from None
            if name in self.tensors:
                raise GgufError("%s: duplicate tensor name %s" % (self.path, name))
            info = TensorInfo(name, type_id, ne, offset, nbytes)
            self.tensors[name] = info
            infos.append(info)

        self.data_offset = (cur.pos + alignment - 1) // alignment * alignment
        for info in infos:
            if info.offset % alignment != 0:
                raise GgufError(
                    "%s: tensor %s offset %d not aligned to %d"
                    % (self.path, info.name, info.offset, alignment)
                )
            end = self.data_offset + info.offset + info.nbytes
            if end > self.file_size:
                raise GgufError(
                    "%s: tensor %s data [%d, %d) runs past the end of the file (%d bytes)"
                    % (self.path, info.name, self.data_offset + info.offset, end, self.file_size)
                )

    def _read_value(self, cur, value_type, key, depth):
        """Returns (value, type tag) of one metadata value."""
        if value_type in _SCALAR_FORMATS:
            value = cur.unpack(_SCALAR_FORMATS[value_type], key)
            if value_type == _TYPE_BOOL:
                value = bool(value)
            return value, value_type
        if value_type == _TYPE_STRING:
            return cur.string(key), value_type
        if value_type == _TYPE_ARRAY:
            if depth >= _MAX_ARRAY_NESTING:
                raise GgufError("%s: %s: arrays nested too deep" % (self.path, key))
            elem_type = cur.unpack("<I", "array type of " + key)
            count = cur.unpack("<Q", "array count of " + key)
            if elem_type in _NUMPY_DTYPES:
                dtype = np.dtype(_NUMPY_DTYPES[elem_type])
                cur.need(count * dtype.itemsize, key + " array data")
                values = np.frombuffer(cur.buf, dtype=dtype, count=count, offset=cur.pos).copy()
                cur.pos += count * dtype.itemsize
                if elem_type == _TYPE_BOOL:
                    values = values.astype(bool)
                return values, (_TYPE_ARRAY, elem_type)
            if elem_type in (_TYPE_STRING, _TYPE_ARRAY):
                # Each element takes at least 8 bytes (a length or a nested header).
                cur.need(count * 8, key + " array data")
                values = [self._read_value(cur, elem_type, key, depth + 1)[0] for _ in range(count)]
                return values, (_TYPE_ARRAY, elem_type)
            raise GgufError("%s: %s: unknown array element type %d" % (self.path, key, elem_type))
        raise GgufError("%s: %s: unknown value type %d" % (self.path, key, value_type))

    # ---- tensor access ----

    def raw_tensor(self, name):
        """The tensor's bytes (a copy), as stored."""
        info = self.tensors.get(name)
        if info is None:
            raise KeyError(name)
        start = self.data_offset + info.offset
        return bytes(self._mmap[start : start + info.nbytes])

    def tensor(self, name, dtype=np.float64):
        """Dequantized tensor in NumPy order (reversed ne), as `dtype` (default float64)."""
        info = self.tensors.get(name)
        if info is None:
            raise KeyError(name)
        values = dequantize(info.type_id, self.raw_tensor(name), info.n_elements)
        return values.astype(dtype, copy=False).reshape(tuple(reversed(info.ne)))


# ---- dequantizers ----
# Each takes a (n_blocks, type_size) uint8 array and returns float32 (n_blocks, block_size).
# The float32 operation order follows ggml's scalar code so results match it bit for bit.


def _f16(blocks, offset):
    """fp16 field at byte `offset` of every block, as float32 column (n_blocks, 1)."""
    return blocks[:, offset : offset + 2].copy().view("<f2").astype(np.float32)


def _dequant_q4_0(blocks):
    d = _f16(blocks, 0)
    qs = blocks[:, 2:18]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int32) - 8
    return q.astype(np.float32) * d


def _dequant_q4_1(blocks):
    d = _f16(blocks, 0)
    m = _f16(blocks, 2)
    qs = blocks[:, 4:20]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1)
    return q.astype(np.float32) * d + m


def _q5_high_bits(qh_bytes):
    """qh as 4 little-endian bytes -> (n_blocks, 32) array of bit j << 4, for j = 0..31."""
    qh = qh_bytes.copy().view("<u4").astype(np.uint32)  # (n_blocks, 1)
    bit_idx = np.arange(32, dtype=np.uint32)
    return (((qh >> bit_idx) & 1) << 4).astype(np.int32)


def _q5_low_nibbles(qs):
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int32)


def _dequant_q5_0(blocks):
    d = _f16(blocks, 0)
    q = (_q5_low_nibbles(blocks[:, 6:22]) | _q5_high_bits(blocks[:, 2:6])) - 16
    return q.astype(np.float32) * d


def _dequant_q5_1(blocks):
    d = _f16(blocks, 0)
    m = _f16(blocks, 2)
    q = _q5_low_nibbles(blocks[:, 8:24]) | _q5_high_bits(blocks[:, 4:8])
    return q.astype(np.float32) * d + m


def _dequant_q8_0(blocks):
    d = _f16(blocks, 0)
    q = blocks[:, 2:34].copy().view(np.int8)
    return q.astype(np.float32) * d


def _k_scales_mins(scales):
    """12 packed bytes -> (sc, m), each (n_blocks, 8) of 6-bit values, sub-blocks 0..7."""
    scales = scales.astype(np.int32)
    sc = np.empty((scales.shape[0], 8), dtype=np.int32)
    m = np.empty((scales.shape[0], 8), dtype=np.int32)
    sc[:, 0:4] = scales[:, 0:4] & 63
    m[:, 0:4] = scales[:, 4:8] & 63
    sc[:, 4:8] = (scales[:, 8:12] & 0x0F) | ((scales[:, 0:4] >> 6) << 4)
    m[:, 4:8] = (scales[:, 8:12] >> 4) | ((scales[:, 4:8] >> 6) << 4)
    return sc, m


def _k_combine(d, dmin, sc, m, q):
    """x = (d*sc)*q - dmin*m with q (n_blocks, 8, 32) per sub-block; float32 like ggml."""
    d_sub = d * sc.astype(np.float32)  # (n_blocks, 8)
    m_sub = dmin * m.astype(np.float32)
    out = d_sub[:, :, None] * q.astype(np.float32) - m_sub[:, :, None]
    return out.reshape(q.shape[0], 256)


def _dequant_q4_k(blocks):
    d = _f16(blocks, 0)
    dmin = _f16(blocks, 2)
    sc, m = _k_scales_mins(blocks[:, 4:16])
    qs = blocks[:, 16:144].reshape(-1, 4, 32)  # chunk c uses qs[32c .. 32c+31]
    # Sub-block 2c: low nibbles of chunk c; sub-block 2c+1: high nibbles.
    q = np.stack([qs & 0x0F, qs >> 4], axis=2).reshape(-1, 8, 32)
    return _k_combine(d, dmin, sc, m, q)


def _dequant_q5_k(blocks):
    d = _f16(blocks, 0)
    dmin = _f16(blocks, 2)
    sc, m = _k_scales_mins(blocks[:, 4:16])
    qh = blocks[:, 16:48].astype(np.int32)  # (n_blocks, 32): bit s of qh[l] -> sub-block s
    qs = blocks[:, 48:176].reshape(-1, 4, 32)
    low = np.stack([qs & 0x0F, qs >> 4], axis=2).reshape(-1, 8, 32).astype(np.int32)
    sub_idx = np.arange(8, dtype=np.int32)[None, :, None]
    high = ((qh[:, None, :] >> sub_idx) & 1) << 4
    return _k_combine(d, dmin, sc, m, low | high)


def _dequant_q6_k(blocks):
    n_blocks = blocks.shape[0]
    ql = blocks[:, 0:128].reshape(n_blocks, 2, 64).astype(np.int32)  # per half h
    qh = blocks[:, 128:192].reshape(n_blocks, 2, 32).astype(np.int32)
    scales = blocks[:, 192:208].copy().view(np.int8).astype(np.float32).reshape(n_blocks, 2, 8)
    d = _f16(blocks, 208).reshape(n_blocks, 1, 1)
    # Within a half, the 128 outputs are 4 quarters of 32 (l = 0..31):
    #   quarter 0: low nibble of ql[l],    qh bits 0-1
    #   quarter 1: low nibble of ql[l+32], qh bits 2-3
    #   quarter 2: high nibble of ql[l],   qh bits 4-5
    #   quarter 3: high nibble of ql[l+32], qh bits 6-7
    ql_lo, ql_hi = ql[:, :, 0:32], ql[:, :, 32:64]
    quarters = [
        (ql_lo & 0x0F) | (((qh >> 0) & 3) << 4),
        (ql_hi & 0x0F) | (((qh >> 2) & 3) << 4),
        (ql_lo >> 4) | (((qh >> 4) & 3) << 4),
        (ql_hi >> 4) | (((qh >> 6) & 3) << 4),
    ]
    q = np.stack(quarters, axis=2) - 32  # (n_blocks, 2, 4, 32)
    # Output l of quarter k in half h uses scale sc'[l // 16 + 2k]: 8 groups of 16 per half.
    q = q.reshape(n_blocks, 2, 8, 16).astype(np.float32)
    scale = d * scales  # (n_blocks, 2, 8): d * sc first, as ggml does
    return (scale[:, :, :, None] * q).reshape(n_blocks, 256)


_BLOCK_DEQUANTIZERS = {
    2: _dequant_q4_0,
    3: _dequant_q4_1,
    6: _dequant_q5_0,
    7: _dequant_q5_1,
    8: _dequant_q8_0,
    12: _dequant_q4_k,
    13: _dequant_q5_k,
    14: _dequant_q6_k,
}


def dequantize(type_id, raw, n_elements):
    """float32 array of n_elements decoded from raw bytes of ggml type `type_id`."""
    if type_id not in TYPE_LAYOUTS:
        raise GgufError("unsupported tensor type id %d" % type_id)
    block_size, type_size = TYPE_LAYOUTS[type_id]
    if n_elements % block_size != 0:
        raise GgufError(
            "%d elements is not a whole number of %s blocks" % (n_elements, TYPE_NAMES[type_id])
        )
    n_blocks = n_elements // block_size
    if len(raw) != n_blocks * type_size:
        raise GgufError(
            "%s: %d elements need %d bytes, got %d"
            % (TYPE_NAMES[type_id], n_elements, n_blocks * type_size, len(raw))
        )
    buf = np.frombuffer(raw, dtype=np.uint8)
    if type_id == 0:
        return buf.view("<f4").astype(np.float32)
    if type_id == 1:
        return buf.view("<f2").astype(np.float32)
    if type_id == 30:
        # BF16 is the upper half of an f32: widen by shifting into the high 16 bits.
        return (buf.view("<u2").astype(np.uint32) << 16).view(np.float32)
    blocks = buf.reshape(n_blocks, type_size)
    return _BLOCK_DEQUANTIZERS[type_id](blocks).reshape(n_elements)
