// AVX2 (+ FMA, F16C) dot kernels of the float types: F32, F16 and BF16 weight rows against F32
// activation columns. Semantics: the scalar twins (kernels/generic/dot_float_scalar.cpp), up to
// the order of the float additions (these kernels sum in lanes of several accumulators).
//
// Weights are widened exactly (F16 with vcvtph2ps, BF16 by a 16-bit shift) and multiplied with
// FMA; the kernels are bound by memory bandwidth, so the only concern is to keep enough
// independent accumulators in flight.
//
// Compiled with -mavx2 -mfma -mf16c; helpers stay in the anonymous namespace (ODR note in
// CMakeLists.txt).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

constexpr int LANES = 8;
// Vectors per main-loop step.
constexpr int STEP_VECTORS = 4;

float horizontal_sum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

// Weight formats: BYTES per element and the widening of 8 elements to float.
struct F32Weights {
    static constexpr size_t BYTES = 4;
    static __m256 load8(const uint8_t* p) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    }
};
struct F16Weights {
    static constexpr size_t BYTES = 2;
    static __m256 load8(const uint8_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
};
struct BF16Weights {
    static constexpr size_t BYTES = 2;
    static __m256 load8(const uint8_t* p) {
        const __m256i wide =
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
    }
};

__m256 load8_act(const uint8_t* p) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
}

template <int NCOLS, typename Weights>
void dot_float(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    // Four accumulators per column whatever the column count (FMA latency; a column's sums must
    // not depend on the columns beside it, dot.h): so at most two columns per pass (8 of the 16
    // registers), see dot_float_cols.
    constexpr int N_ACC = 4;
    const uint8_t* w = static_cast<const uint8_t*>(w_row);
    const uint8_t* act_cols[NCOLS];
    __m256 acc[NCOLS][N_ACC];  // F32 [8] lane partial sums
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        for (int acc_idx = 0; acc_idx < N_ACC; ++acc_idx)
            acc[col_idx][acc_idx] = _mm256_setzero_ps();
    }
    int64_t elem_idx = 0;
    for (; elem_idx + STEP_VECTORS * LANES <= n; elem_idx += STEP_VECTORS * LANES) {
        for (int vec_idx = 0; vec_idx < STEP_VECTORS; ++vec_idx) {
            const int64_t first = elem_idx + vec_idx * LANES;
            const __m256 weights = Weights::load8(w + first * Weights::BYTES);
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                __m256& sum = acc[col_idx][vec_idx % N_ACC];
                sum = _mm256_fmadd_ps(weights, load8_act(act_cols[col_idx] + first * 4), sum);
            }
        }
    }
    for (; elem_idx + LANES <= n; elem_idx += LANES) {
        const __m256 weights = Weights::load8(w + elem_idx * Weights::BYTES);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            acc[col_idx][0] = _mm256_fmadd_ps(weights, load8_act(act_cols[col_idx] + elem_idx * 4),
                                              acc[col_idx][0]);
        }
    }
    if (elem_idx < n) {
        // The last 1..7 elements, copied into zero-padded buffers so that nothing is read past
        // the row or the columns.
        const size_t n_tail = size_t(n - elem_idx);
        uint8_t w_tail[LANES * 4] = {};
        std::memcpy(w_tail, w + elem_idx * Weights::BYTES, n_tail * Weights::BYTES);
        const __m256 weights = Weights::load8(w_tail);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            uint8_t act_tail[LANES * 4] = {};
            std::memcpy(act_tail, act_cols[col_idx] + elem_idx * 4, n_tail * 4);
            acc[col_idx][0] = _mm256_fmadd_ps(weights, load8_act(act_tail), acc[col_idx][0]);
        }
    }
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        __m256 total = acc[col_idx][0];
        for (int acc_idx = 1; acc_idx < N_ACC; ++acc_idx)
            total = _mm256_add_ps(total, acc[col_idx][acc_idx]);
        out[col_idx] = horizontal_sum(total);
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
            dot_float<2, Weights>(n, w_row, act, act_stride, out);
            return dot_float<1, Weights>(n, static_cast<const uint8_t*>(w_row),
                                         static_cast<const uint8_t*>(act) + 2 * act_stride,
                                         act_stride, out + 2);
        default:
            dot_float<2, Weights>(n, w_row, act, act_stride, out);
            return dot_float<2, Weights>(n, w_row, static_cast<const uint8_t*>(act) + 2 * act_stride,
                                         act_stride, out + 2);
    }
}

}  // namespace

void dot_f32_f32_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                      float* out) {
    dot_float_cols<F32Weights>(n, w_row, act, act_stride, n_cols, out);
}

void dot_f16_f32_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                      float* out) {
    dot_float_cols<F16Weights>(n, w_row, act, act_stride, n_cols, out);
}

void dot_bf16_f32_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                       float* out) {
    dot_float_cols<BF16Weights>(n, w_row, act, act_stride, n_cols, out);
}

}  // namespace souverain::kernels
