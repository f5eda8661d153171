// AVX-512 dot kernels of the float types: F32, F16 and BF16 weight rows against F32 activation
// columns. Semantics: the scalar twins (kernels/generic/dot_float_scalar.cpp), up to the order of
// the float additions (these kernels sum in lanes of several accumulators).
//
// Weights are widened exactly (F16 with vcvtph2ps, BF16 by zero-extending to 32 bits and
// shifting left by 16) and multiplied with FMA. vdpbf16ps is not used: it needs BF16
// activations, and rounding them would change the result for no gain, since these kernels are
// bound by memory bandwidth. The last n % 16 elements use masked loads (nothing is read past a
// row or a column).
//
// Compiled with the AVX-512 flags; helpers stay in the anonymous namespace (ODR note in
// CMakeLists.txt).
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves, which its own
// -Wuninitialized flags wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

constexpr int LANES = 16;
// Vectors per main-loop step.
constexpr int STEP_VECTORS = 4;

// Weight formats: BYTES per element and the widening of 16 elements (the first n_valid of them
// in load_partial, zero beyond) to float.
struct F32Weights {
    static constexpr size_t BYTES = 4;
    static __m512 load(const uint8_t* p) { return _mm512_loadu_ps(p); }
    static __m512 load_partial(const uint8_t* p, __mmask16 valid) {
        return _mm512_maskz_loadu_ps(valid, p);
    }
};
struct F16Weights {
    static constexpr size_t BYTES = 2;
    static __m512 load(const uint8_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static __m512 load_partial(const uint8_t* p, __mmask16 valid) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(valid, p));
    }
};
struct BF16Weights {
    static constexpr size_t BYTES = 2;
    static __m512 widen(__m256i bits) {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
    }
    static __m512 load(const uint8_t* p) {
        return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static __m512 load_partial(const uint8_t* p, __mmask16 valid) {
        return widen(_mm256_maskz_loadu_epi16(valid, p));
    }
};

template <int NCOLS, typename Weights>
void dot_float(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    // Four accumulators per column whatever the column count: a column's sums must not depend
    // on the columns beside it (continuous batching, dot.h), and 4 x 4 fit the 32 registers.
    constexpr int N_ACC = 4;
    const uint8_t* w = static_cast<const uint8_t*>(w_row);
    const uint8_t* act_cols[NCOLS];
    __m512 acc[NCOLS][N_ACC];  // F32 [16] lane partial sums
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        for (int acc_idx = 0; acc_idx < N_ACC; ++acc_idx)
            acc[col_idx][acc_idx] = _mm512_setzero_ps();
    }
    int64_t elem_idx = 0;
    for (; elem_idx + STEP_VECTORS * LANES <= n; elem_idx += STEP_VECTORS * LANES) {
        for (int vec_idx = 0; vec_idx < STEP_VECTORS; ++vec_idx) {
            const int64_t first = elem_idx + vec_idx * LANES;
            const __m512 weights = Weights::load(w + first * Weights::BYTES);
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                __m512& sum = acc[col_idx][vec_idx % N_ACC];
                sum = _mm512_fmadd_ps(weights, _mm512_loadu_ps(act_cols[col_idx] + first * 4), sum);
            }
        }
    }
    for (; elem_idx < n; elem_idx += LANES) {
        const int64_t n_valid = n - elem_idx < LANES ? n - elem_idx : LANES;
        const __mmask16 valid = __mmask16((1u << n_valid) - 1);
        const __m512 weights = Weights::load_partial(w + elem_idx * Weights::BYTES, valid);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            const __m512 x = _mm512_maskz_loadu_ps(valid, act_cols[col_idx] + elem_idx * 4);
            acc[col_idx][0] = _mm512_fmadd_ps(weights, x, acc[col_idx][0]);
        }
    }
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        __m512 total = acc[col_idx][0];
        for (int acc_idx = 1; acc_idx < N_ACC; ++acc_idx)
            total = _mm512_add_ps(total, acc[col_idx][acc_idx]);
        out[col_idx] = _mm512_reduce_add_ps(total);
    }
}

template <typename Weights>
void dot_float_cols(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                    float* out) {
    switch (n_cols) {
        case 1:
            return dot_float<1, Weights>(n, w_row, act, act_stride, out);
        case 2:
            return dot_float<2, Weights>(n, w_row, act, act_stride, out);
        case 3:
            return dot_float<3, Weights>(n, w_row, act, act_stride, out);
        default:
            return dot_float<4, Weights>(n, w_row, act, act_stride, out);
    }
}

}  // namespace

void dot_f32_f32_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    dot_float_cols<F32Weights>(n, w_row, act, act_stride, n_cols, out);
}

void dot_f16_f32_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    dot_float_cols<F16Weights>(n, w_row, act, act_stride, n_cols, out);
}

void dot_bf16_f32_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                         int n_cols, float* out) {
    dot_float_cols<BF16Weights>(n, w_row, act, act_stride, n_cols, out);
}

}  // namespace souverain::kernels
