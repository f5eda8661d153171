#pragma once
// Matrix-multiplication kernels: the dot products of weight rows (in their GGUF type) with
// activation columns that were first converted to the weight type's partner format.
//
//   weight type                 activation format ("act_type")
//   Q4_0, Q5_0, Q8_0            Q8_0  (fp16 d, 32 x int8)
//   Q4_1, Q5_1                  Q8_1  (fp16 d, fp16 s = d * sum(q), 32 x int8)
//   Q4_K, Q5_K, Q6_K            Q8_K  (f32 d, 256 x int8, 16 x int16 block sums)
//   F32, F16, BF16              F32   (no conversion)
//
// Integer formats let SIMD kernels multiply 8-bit values with integer instructions (maddubs,
// VNNI); the conversion costs one pass over the activations per matmul and, against the F32
// path, adds a relative error of ~1e-3 to a matmul's output.
//
// Every kernel set has a scalar twin (SCALAR level) that defines the exact semantics and is the
// test oracle of the SIMD versions; SIMD results agree with it to float rounding (different
// summation order), not bit for bit.
//
// Continuous batching contract: at one level, the value computed for a (weight row, activation
// column) is bit for bit the same whatever n_cols and whichever columns share the call, so a
// request's output does not depend on the requests batched beside it
// (tests/kernels/dot_column_independence_test.cpp).
//
// Thread-safety: all functions are pure; the tables are immutable after first use.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/tensor_type.h"

namespace souverain::kernels {

enum class KernelLevel { SCALAR, AVX2, AVX512 };

const char* kernel_level_name(KernelLevel level);

// The best level this CPU supports (CPUID via the compiler's builtins), lowered by the
// environment variable SOUVERAIN_KERNELS=scalar|avx2|avx512 when set (never raised above
// what the CPU has).
KernelLevel best_kernel_level();

// The same decision taken afresh (CPUID and the environment read again on every call):
// best_kernel_level() caches its first answer; tests change the environment and call this.
KernelLevel detect_kernel_level();

// Maximum activation columns one dot call handles: the weight row is decoded once and
// multiplied with up to this many columns, which is what makes prefill reuse weights.
inline constexpr int kMaxDotCols = 4;

// out[col_idx] = sum over the n elements of row `w_row` times activation column col_idx, for
// col_idx < n_cols (1 <= n_cols <= kMaxDotCols). Column col_idx starts at
// act + col_idx * act_stride bytes. n is a whole number of the weight type's blocks.
using DotFn = void (*)(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                       float* out);

// Converts n F32 activations (a whole number of act blocks) to the activation format.
using QuantizeActFn = void (*)(const float* x, void* dst, int64_t n);

// Register-blocked matmul of a tile, for prefill: for row_idx < n_rows (weight rows w_stride
// bytes apart from w) and col_idx < n_cols (activation columns act_stride bytes apart from act),
//   out[col_idx * out_stride + row_idx] = the dot of that row and column,
// bit for bit the value `dot` of the same kernel computes for them alone (n_cols = 1): the
// continuous-batching contract extends to it. Weights are decoded once per call into a packed
// panel and reused by all its columns, so calls should cover tens of columns. n_rows and n_cols
// may be anything >= 0. scratch: gemm_scratch_bytes(n, n_cols) bytes, any alignment, not shared
// between concurrent calls.
using GemmFn = void (*)(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,
                        size_t act_stride, int64_t n_cols, float* out, size_t out_stride,
                        void* scratch);
using GemmScratchFn = size_t (*)(int64_t n, int64_t n_cols);

struct DotKernel {
    TensorType weight_type;
    TensorType act_type;         // F32, Q8_0, Q8_1 or Q8_K
    QuantizeActFn quantize_act;  // null when act_type is F32
    DotFn dot;
    // Null where this level has no register-blocked kernel for the type (then: dot per row).
    // Its oracle is `dot` of the same kernel (bit for bit), whose oracle is the scalar twin.
    GemmFn gemm;
    GemmScratchFn gemm_scratch_bytes;
};

// Weights repacked once, at load, into a layout made for one level's SIMD kernel (where a level
// has one for a type): `panel_rows` rows form a panel whose bytes sit together, so that one
// instruction advances every row of the panel and decode streams each panel as one run. The
// layout takes as many bytes as the rows it holds (the last panel is padded with zero rows, and a
// panel may end with one zero block; panel_bytes says how many).
// gemm computes, for rows [0, n_rows) of the panels starting at `panels` and the n_cols >= 1
// columns of act, exactly what DotKernel::gemm and dot compute for them: bit for bit, so a
// model may repack its matrices without changing a single logit. scratch: scratch_bytes(n,
// n_cols) bytes, any alignment, not shared between concurrent calls.
struct PackedKernel {
    int64_t panel_rows;
    size_t (*panel_bytes)(int64_t n);
    // Writes ceil(n_rows / panel_rows) panels of the rows (w_stride bytes apart) to dst.
    void (*pack)(int64_t n, const void* w, size_t w_stride, int64_t n_rows, void* dst);
    void (*gemm)(int64_t n, const void* panels, int64_t n_rows, const void* act, size_t act_stride,
                 int64_t n_cols, float* out, size_t out_stride, void* scratch);
    size_t (*scratch_bytes)(int64_t n, int64_t n_cols);
    // gemm in two steps, for a caller that splits one activation's rows over many calls
    // (decode): prepare derives per-column data from the activations once, into side_bytes(n,
    // n_cols) bytes (any alignment), and gemm_prepared then computes exactly what gemm would.
    // gemm_prepared only reads `side`, so concurrent calls may share it.
    size_t (*side_bytes)(int64_t n, int64_t n_cols);
    void (*prepare)(int64_t n, const void* act, size_t act_stride, int64_t n_cols, void* side);
    void (*gemm_prepared)(int64_t n, const void* panels, int64_t n_rows, const void* act,
                          size_t act_stride, int64_t n_cols, const void* side, float* out,
                          size_t out_stride);
};

// The packed layout of a weight type at a level, or nullptr where the level has none. The
// environment variable SOUVERAIN_REPACK=0 turns repacking off in the model loader (A/B runs).
const PackedKernel* packed_kernel(TensorType weight_type, KernelLevel level);

// The kernel for a weight type at a level (a level the CPU lacks must not be called), or
// nullptr when the weight type has no matmul kernel. Levels without a specialised version of
// a type fall back to the next lower level.
const DotKernel* dot_kernel(TensorType weight_type, KernelLevel level);

// Bytes of n activations in act_type (F32: 4n).
size_t act_row_bytes(TensorType act_type, int64_t n);

// Scalar activation quantizers (also the oracles of any SIMD ones).
void quantize_act_q8_0(const float* x, void* dst, int64_t n);
void quantize_act_q8_1(const float* x, void* dst, int64_t n);
void quantize_act_q8_k(const float* x, void* dst, int64_t n);

}  // namespace souverain::kernels
