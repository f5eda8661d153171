// AVX-512 versions of the attention tile loops (kernels/attention_tile.h); compiled with the
// AVX-512 flags and called only when the CPU has them. head_dim must be a multiple of 16 for
// the vector paths; other sizes take the portable twins.
//
// Scores: the portable loop ends every query-key product with a horizontal sum, as many
// instructions again as the product itself at head_dim 128. Here 16 positions keep their
// products as 16 vectors, and one transposing reduction (15 adds, 14 shuffles) turns them into
// the 16 scores. Accumulation keeps a 64-float slice of the output in registers across all the
// tile's positions, instead of loading and storing it once per position. F16 keys and values
// are widened as they are loaded (vcvtph2ps), with the same sums in the same order as F32.
//
// GCC 12's AVX-512 headers trip its own -Wuninitialized (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>

// Declarations and plain structs only: no inline function of another file is compiled here
// with the AVX-512 flags (ODR note in CMakeLists.txt).
#include "kernels/attention_tile.h"

namespace souverain::kernels {

namespace {

// 16 floats of a row: F32 as they are, F16 widened (exact), so both give the same sums.
__m512 load16(const float* row) {
    return _mm512_loadu_ps(row);
}
__m512 load16(const uint16_t* row) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row)));
}

// Elementwise products of q (its n_vec slices, in registers) and one key, summed over the
// slices: the key's score is the sum of the 16 lanes. F32 [16]
template <typename T>
__m512 partial_dot(const __m512* q, const T* k_row, int64_t n_vec) {
    __m512 sum = _mm512_mul_ps(q[0], load16(k_row));
    for (int64_t vec_idx = 1; vec_idx < n_vec; ++vec_idx)
        sum = _mm512_fmadd_ps(q[vec_idx], load16(k_row + 16 * vec_idx), sum);
    return sum;
}

// The same with q read from memory (any head size): the same sums in the same order.
template <typename T>
__m512 partial_dot(const float* q, const T* k_row, int64_t n_vec) {
    __m512 sum = _mm512_mul_ps(_mm512_loadu_ps(q), load16(k_row));
    for (int64_t vec_idx = 1; vec_idx < n_vec; ++vec_idx)
        sum = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16 * vec_idx), load16(k_row + 16 * vec_idx), sum);
    return sum;
}

// Lane j of the result = the sum of the 16 lanes of part[j].
__m512 transpose_sum16(const __m512* part) {
    __m512 pairs[8];  // 128-bit lane L: [a0+a2, b0+b2, a1+a3, b1+b3] of part 2i (a), 2i+1 (b)
    for (int idx = 0; idx < 8; ++idx) {
        pairs[idx] = _mm512_add_ps(_mm512_unpacklo_ps(part[2 * idx], part[2 * idx + 1]),
                                   _mm512_unpackhi_ps(part[2 * idx], part[2 * idx + 1]));
    }
    __m512 quads[4];  // 128-bit lane L: lane L's sums of parts 4i .. 4i + 3
    for (int idx = 0; idx < 4; ++idx) {
        const __m512d low = _mm512_castps_pd(pairs[2 * idx]);
        const __m512d high = _mm512_castps_pd(pairs[2 * idx + 1]);
        quads[idx] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(low, high)),
                                   _mm512_castpd_ps(_mm512_unpackhi_pd(low, high)));
    }
    // Sum the four 128-bit lanes: result lane k = parts 4k .. 4k + 3.
    const __m512 halves01 = _mm512_add_ps(_mm512_shuffle_f32x4(quads[0], quads[1], 0x88),
                                          _mm512_shuffle_f32x4(quads[0], quads[1], 0xDD));
    const __m512 halves23 = _mm512_add_ps(_mm512_shuffle_f32x4(quads[2], quads[3], 0x88),
                                          _mm512_shuffle_f32x4(quads[2], quads[3], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(halves01, halves23, 0x88),
                         _mm512_shuffle_f32x4(halves01, halves23, 0xDD));
}

// N_VEC: head_dim / 16 as a constant (the common head sizes: q stays in registers and the
// loops unroll), or 0 for any other multiple of 16 (q reloaded per key). Same sums either way.
template <int N_VEC, typename T>
void scores_rows(const float* q, const T* k_rows, size_t row_stride, int64_t n_pos,
                 int64_t head_dim, float scale, float* scores) {
    const int64_t n_vec = N_VEC > 0 ? N_VEC : head_dim / 16;
    __m512 q_fixed[N_VEC > 0 ? N_VEC : 1];
    if constexpr (N_VEC > 0) {
        for (int vec_idx = 0; vec_idx < N_VEC; ++vec_idx)
            q_fixed[vec_idx] = _mm512_loadu_ps(q + 16 * vec_idx);
    }
    const __m512 scale_vec = _mm512_set1_ps(scale);
    for (int64_t first = 0; first < n_pos; first += 16) {
        const int64_t n_here = n_pos - first < 16 ? n_pos - first : 16;
        __m512 part[16];
        for (int64_t pos = 0; pos < 16; ++pos) {
            const T* k_row = k_rows + (first + pos) * row_stride;
            part[pos] = pos >= n_here ? _mm512_setzero_ps()
                        : N_VEC > 0   ? partial_dot(q_fixed, k_row, n_vec)
                                      : partial_dot(q, k_row, n_vec);
        }
        const __mmask16 valid = __mmask16((1u << n_here) - 1);
        _mm512_mask_storeu_ps(scores + first, valid,
                              _mm512_mul_ps(transpose_sum16(part), scale_vec));
    }
}

template <typename T>
void scores_any(const float* q, const T* k_rows, size_t row_stride, int64_t n_pos, int64_t head_dim,
                float scale, float* scores) {
    switch (head_dim / 16) {
        case 4:
            scores_rows<4>(q, k_rows, row_stride, n_pos, head_dim, scale, scores);
            return;
        case 8:
            scores_rows<8>(q, k_rows, row_stride, n_pos, head_dim, scale, scores);
            return;
        default:
            scores_rows<0>(q, k_rows, row_stride, n_pos, head_dim, scale, scores);
            return;
    }
}

// Slices of up to 4 vectors; two sets of sums (even and odd positions) hide the FMA latency,
// and are added at the end.
template <typename T>
void accumulate_rows(float* acc, float correction, const float* weights, const T* v_rows,
                     size_t row_stride, int64_t n_pos, int64_t head_dim) {
    const __m512 correction_vec = _mm512_set1_ps(correction);
    for (int64_t first_dim = 0; first_dim < head_dim; first_dim += 64) {
        const int n_vec = head_dim - first_dim < 64 ? int((head_dim - first_dim) / 16) : 4;
        __m512 even[4], odd[4];
        for (int vec_idx = 0; vec_idx < n_vec; ++vec_idx) {
            even[vec_idx] =
                _mm512_mul_ps(_mm512_loadu_ps(acc + first_dim + 16 * vec_idx), correction_vec);
            odd[vec_idx] = _mm512_setzero_ps();
        }
        const T* v_slice = v_rows + first_dim;
        int64_t pos = 0;
        for (; pos + 2 <= n_pos; pos += 2) {
            const __m512 weight_even = _mm512_set1_ps(weights[pos]);
            const __m512 weight_odd = _mm512_set1_ps(weights[pos + 1]);
            const T* row_even = v_slice + pos * row_stride;
            const T* row_odd = row_even + row_stride;
            for (int vec_idx = 0; vec_idx < n_vec; ++vec_idx) {
                even[vec_idx] =
                    _mm512_fmadd_ps(weight_even, load16(row_even + 16 * vec_idx), even[vec_idx]);
                odd[vec_idx] =
                    _mm512_fmadd_ps(weight_odd, load16(row_odd + 16 * vec_idx), odd[vec_idx]);
            }
        }
        if (pos < n_pos) {
            const __m512 weight = _mm512_set1_ps(weights[pos]);
            const T* row = v_slice + pos * row_stride;
            for (int vec_idx = 0; vec_idx < n_vec; ++vec_idx)
                even[vec_idx] = _mm512_fmadd_ps(weight, load16(row + 16 * vec_idx), even[vec_idx]);
        }
        for (int vec_idx = 0; vec_idx < n_vec; ++vec_idx) {
            _mm512_storeu_ps(acc + first_dim + 16 * vec_idx,
                             _mm512_add_ps(even[vec_idx], odd[vec_idx]));
        }
    }
}

// exp(x) for 16 floats, within 2 ulp of std::exp (tested): x = k ln 2 + r with |r| <= ln 2 / 2,
// exp(r) from a degree-6 polynomial (Cephes' expf coefficients), times 2^k by vscalefps, which
// also rounds tiny results to denormals and zero. Below -104 every result is 0, so x is raised
// to -104 there (keeping k finite); a NaN stays a NaN.
__m512 exp16(__m512 x) {
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);  // NaN in x: max returns x
    const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, k);
}

}  // namespace

TileSoftmax tile_softmax_avx512(float* scores, int64_t n_pos, float running_max) {
    __m512 max_vec = _mm512_set1_ps(running_max);
    for (int64_t first = 0; first < n_pos; first += 16) {
        const int64_t left = n_pos - first;
        const __mmask16 valid = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        max_vec = _mm512_mask_max_ps(max_vec, valid, max_vec,
                                     _mm512_maskz_loadu_ps(valid, scores + first));
    }
    const float max = _mm512_reduce_max_ps(max_vec);
    const __m512 shift = _mm512_set1_ps(max);
    __m512 sum_vec = _mm512_setzero_ps();
    for (int64_t first = 0; first < n_pos; first += 16) {
        const int64_t left = n_pos - first;
        const __mmask16 valid = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        const __m512 weights =
            exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(valid, scores + first), shift));
        _mm512_mask_storeu_ps(scores + first, valid, weights);
        sum_vec = _mm512_mask_add_ps(sum_vec, valid, sum_vec, weights);
    }
    return {max, _mm512_reduce_add_ps(sum_vec)};
}

void tile_scores_avx512(const float* q, const float* k_tile, int64_t n_pos, int64_t head_dim,
                        float scale, float* scores) {
    if (head_dim % 16 != 0) {
        tile_scores_portable(q, k_tile, n_pos, head_dim, scale, scores);
        return;
    }
    scores_any(q, k_tile, size_t(head_dim), n_pos, head_dim, scale, scores);
}

void tile_accumulate_avx512(float* acc, float correction, const float* weights, const float* v_tile,
                            int64_t n_pos, int64_t head_dim) {
    if (head_dim % 16 != 0) {
        tile_accumulate_portable(acc, correction, weights, v_tile, n_pos, head_dim);
        return;
    }
    accumulate_rows(acc, correction, weights, v_tile, size_t(head_dim), n_pos, head_dim);
}

void tile_scores_f16_avx512(const float* q, const uint16_t* k_rows, size_t row_stride,
                            int64_t n_pos, int64_t head_dim, float scale, float* scores) {
    if (head_dim % 16 != 0) {
        tile_scores_f16_portable(q, k_rows, row_stride, n_pos, head_dim, scale, scores);
        return;
    }
    scores_any(q, k_rows, row_stride, n_pos, head_dim, scale, scores);
}

void tile_accumulate_f16_avx512(float* acc, float correction, const float* weights,
                                const uint16_t* v_rows, size_t row_stride, int64_t n_pos,
                                int64_t head_dim) {
    if (head_dim % 16 != 0) {
        tile_accumulate_f16_portable(acc, correction, weights, v_rows, row_stride, n_pos, head_dim);
        return;
    }
    accumulate_rows(acc, correction, weights, v_rows, row_stride, n_pos, head_dim);
}

}  // namespace souverain::kernels
