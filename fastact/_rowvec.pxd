# Row kernels of the softmax family and the softmax losses, written with GCC/Clang
# vector extensions: 16 lanes whatever the build (SSE2, AVX2, AVX-512 split them
# into 4, 2 or 1 registers), so every loop is SIMD and the lane order of each sum
# is the same in every build (the results of the SSE2 and AVX-512 builds may still
# differ in the last bit: FMA contraction).  FA_RV is 0 for other compilers: the
# callers then keep their plain loops.
#
# FA_RV_WIDE: the callers use these kernels whole only where the vectors are native,
# in the AVX-512 build.  Without AVX-512, GCC 12 and 13 lower a comparison of 64-byte
# vectors one lane at a time (vcomiss, seta, neg per lane) and keep such vectors in
# memory; the AVX2 build ran the softmax family 7 to 11x slower than the AVX-512 build
# (softmax (128, 1000) float32: 4.40 against 0.53 ns an element).
# FA_RV_HALVES (AVX2 build): the float32 kernels of softmax, log_softmax, logsumexp,
# their backwards and the softmax cross-entropy take each group of 16 lanes as two
# 8-lane vectors, native registers (softmax 4.40 -> 0.80-0.90 ns).  Each lane goes
# through the same operations and each sum keeps its lanes, so the bits are those of
# the AVX-512 build.  Everything else (float64, the BCE with logits, the SSE2 build)
# keeps the plain loops there, which GCC vectorises at the native width, except the
# short-row cross-entropy (16 rows across lanes, FA_RV): still faster than its row
# loop with 16-lane vectors in the SSE2 build.
#
# Groups of rows: the softmax cross-entropy takes rows of up to 16 classes 16 at a
# time across lanes, and (AVX-512 build) rows of 17 to FA_MID_K classes FA_MID_ROWS at
# a time, their finishes (log1p, divisions) in one vectorised loop, as log_softmax
# does with its float32 rows' logs: row by row, those scalar chains were most of the
# time of short rows.  A row's operations are the same
# in or out of a group, so its result does not depend on the rows beside it.
#
# Sums: 16 double lanes (element j of a block of 16 goes to lane j), combined
# pairwise in a fixed order, so a row's result depends only on the row.
#
# e^(x − m) for x <= m (m the row max, finite) is computed scaled by 2^SC (2^32
# for float, 2^500 for double):
#   d = x − m is rounded and TwoSum gives its exact error c (d + c == x − m);
#   d < −LO is raised to −LO with c = 0 (e^−LO is below half the smallest subnormal,
#   so such entries round to 0 in every result and are negligible in a sum >= 1);
#   n = round(d/ln2), r = (d − n ln2) + c (n·ln2_hi exact, d − n·ln2_hi exact by
#   Sterbenz), e^r by a polynomial (|r| <= 0.35; float: a degree-6 minimax fit,
#   5.4e-9 relative, FA_RV_EXPF_C*; double: _vecmath.h's degree-11 fit; both far
#   below an ulp), 2^(n+SC) built from the bits of the
#   rounding shifter t.  With the scale every e' is a normal number (no second
#   rounding for tiny entries), 1/Σe' stays normal, and the rounding of d costs
#   nothing (float32: |x − m| up to 87 would cost 5e-6 relative otherwise).
#   The _near variants drop c, for rows whose finite entries all lie within
#   FA_RV_NEAR = 32 of the max: the rounding of d then costs at most 32 ulps
#   (float32 2e-6, float64 4e-15 relative).
#   NaN x gives NaN (its p is NaN whatever the garbage scale).
#
# Requires GCC >= 12 (__builtin_shufflevector) or Clang; FA_RV is 0 otherwise.

from libc.stdint cimport int64_t

cdef extern from *:
    """
    #if (defined(__GNUC__) && __GNUC__ >= 12) || defined(__clang__)
    #define FA_RV 1
    #if defined(__AVX512F__)
    #define FA_RV_WIDE 1
    #else
    #define FA_RV_WIDE 0
    #endif
    #if defined(__GNUC__) && !defined(__clang__)
    /* vectors are passed between static inline functions only: no ABI is involved
       (GCC reports -Wpsabi at the end of the file, so it is not popped) */
    #pragma GCC diagnostic ignored "-Wpsabi"
    #endif
    #include <stdint.h>
    #include <string.h>
    #include <math.h>
    #include <stdlib.h>
    #include "_vecmath.h"
    #if defined(__AVX512F__) || defined(__AVX2__)
    #include <immintrin.h>
    #endif
    typedef float fa_f16 __attribute__((vector_size(64)));
    typedef int32_t fa_i16 __attribute__((vector_size(64)));
    typedef uint32_t fa_u16 __attribute__((vector_size(64)));
    typedef double fa_d8 __attribute__((vector_size(64)));
    typedef int64_t fa_l8 __attribute__((vector_size(64)));
    typedef uint64_t fa_q8 __attribute__((vector_size(64)));

    static const fa_i16 FA_IOTA16 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const fa_l8 FA_IOTA8 = {0, 1, 2, 3, 4, 5, 6, 7};

    static inline fa_f16 fa_ld_f(const float *p) { fa_f16 v; memcpy(&v, p, sizeof v); return v; }
    static inline void fa_st_f(float *p, fa_f16 v) { memcpy(p, &v, sizeof v); }
    static inline fa_d8 fa_ld_d(const double *p) { fa_d8 v; memcpy(&v, p, sizeof v); return v; }
    static inline void fa_st_d(double *p, fa_d8 v) { memcpy(p, &v, sizeof v); }
    static inline fa_f16 fa_sel_f(fa_i16 k, fa_f16 a, fa_f16 b) {
        return (fa_f16)((k & (fa_i16)a) | (~k & (fa_i16)b));
    }
    static inline fa_d8 fa_sel_d(fa_l8 k, fa_d8 a, fa_d8 b) {
        return (fa_d8)((k & (fa_l8)a) | (~k & (fa_l8)b));
    }
    #if defined(__AVX2__) && !defined(__AVX512F__)
    /* AVX2: the float32 kernels of softmax, log_softmax, logsumexp and the short-row
       cross-entropy take each group of 16 lanes as two 8-lane vectors (lanes 0-7 and
       8-15), one register each: GCC keeps a 16-lane vector in memory without AVX-512
       (see FA_RV_WIDE).  Each lane goes through the same operations and each sum
       keeps its lanes, so the results are those of the 16-lane code. */
    #define FA_RV_HALVES 1
    typedef float fa_f8 __attribute__((vector_size(32)));
    typedef int32_t fa_i8 __attribute__((vector_size(32)));
    typedef uint32_t fa_u8 __attribute__((vector_size(32)));
    typedef float fa_f4 __attribute__((vector_size(16)));
    typedef double fa_d4 __attribute__((vector_size(32)));
    static inline fa_f8 fa_ld_f8(const float *p) { fa_f8 v; memcpy(&v, p, sizeof v); return v; }
    static inline void fa_st_f8(float *p, fa_f8 v) { memcpy(p, &v, sizeof v); }
    static inline fa_f8 fa_sel_f8(fa_i8 k, fa_f8 a, fa_f8 b) {
        return (fa_f8)((k & (fa_i8)a) | (~k & (fa_i8)b));
    }
    #else
    #define FA_RV_HALVES 0
    #endif
    #if FA_RV_HALVES
    static const fa_i8 FA_IOTA8F = {0, 1, 2, 3, 4, 5, 6, 7};
    /* the first n entries of p (none for n <= 0), the rest `pad`: a masked load, which
       reads nothing past them (a buffer filled entry by entry stalls the vector load
       that reads it back) */
    static inline fa_f8 fa_ld_tail_f8(const float *p, Py_ssize_t n, float pad) {
        fa_i8 k = FA_IOTA8F < (int32_t)(n < 8 ? n : 8);
        return fa_sel_f8(k, (fa_f8)_mm256_maskload_ps(p, (__m256i)k), (fa_f8){} + pad);
    }
    /* lanes 0-3 and 4-7 of v in double (intrinsics: from the generic form GCC 12
       converted two lanes at a time) */
    static inline fa_d4 fa_lo4_d(fa_f8 v) {
        return (fa_d4)_mm256_cvtps_pd(_mm256_castps256_ps128((__m256)v));
    }
    static inline fa_d4 fa_hi4_d(fa_f8 v) {
        return (fa_d4)_mm256_cvtps_pd(_mm256_extractf128_ps((__m256)v, 1));
    }
    #endif
    /* lanes from, ..., from + n - 1 of v to p[0..n), by plain scalar stores (the heads
       and tails of rows written by streaming stores; see fa_rv_lsm_bwd_f) */
    static inline void fa_st_lanes_f(float *p, fa_f16 v, Py_ssize_t from, Py_ssize_t n) {
        float b[16];
        Py_ssize_t l;
        memcpy(b, &v, sizeof b);
        #pragma GCC unroll 0
        for (l = 0; l < n; l++) p[l] = b[from + l];
    }
    /* the first n (< 16, or < 8) entries of p, the rest `pad` (tails of rows): masked
       loads and stores where AVX-512 has them, a small buffer otherwise */
    #if defined(__AVX512F__)
    static inline fa_f16 fa_ld_tail_f(const float *p, Py_ssize_t n, float pad) {
        return (fa_f16)_mm512_mask_loadu_ps(_mm512_set1_ps(pad), (__mmask16)((1u << n) - 1), p);
    }
    static inline void fa_st_tail_f(float *p, Py_ssize_t n, fa_f16 v) {
        _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
    }
    static inline fa_d8 fa_ld_tail_d(const double *p, Py_ssize_t n, double pad) {
        return (fa_d8)_mm512_mask_loadu_pd(_mm512_set1_pd(pad), (__mmask8)(n >= 8 ? 0xff : (1u << n) - 1), p);
    }
    static inline void fa_st_tail_d(double *p, Py_ssize_t n, fa_d8 v) {
        _mm512_mask_storeu_pd(p, (__mmask8)(n >= 8 ? 0xff : (1u << n) - 1), (__m512d)v);
    }
    #else
    static inline fa_f16 fa_ld_tail_f(const float *p, Py_ssize_t n, float pad) {
        float b[16]; Py_ssize_t l;
        for (l = 0; l < 16; l++) b[l] = pad;
        for (l = 0; l < n; l++) b[l] = p[l];
        return fa_ld_f(b);
    }
    static inline void fa_st_tail_f(float *p, Py_ssize_t n, fa_f16 v) {
        float b[16]; Py_ssize_t l;
        fa_st_f(b, v);
        for (l = 0; l < n; l++) p[l] = b[l];
    }
    static inline fa_d8 fa_ld_tail_d(const double *p, Py_ssize_t n, double pad) {
        double b[8]; Py_ssize_t l;
        for (l = 0; l < 8; l++) b[l] = pad;
        for (l = 0; l < n && l < 8; l++) b[l] = p[l];
        return fa_ld_d(b);
    }
    static inline void fa_st_tail_d(double *p, Py_ssize_t n, fa_d8 v) {
        double b[8]; Py_ssize_t l;
        fa_st_d(b, v);
        for (l = 0; l < n && l < 8; l++) p[l] = b[l];
    }
    #endif

    /* Streaming (non-temporal) stores of 16 lanes to a 64-byte aligned address, for
       large outputs: the line is written without first being read (a plain store reads
       it, a third stream of memory traffic).  The row kernels do not fence:
       the drivers call fa_sfence once a thread has written its share (a fence per
       row costs ~5%). */
    #if defined(__AVX512F__)
    #define FA_HAVE_NT 1
    static inline void fa_st_nt_f(float *p, fa_f16 v) { _mm512_stream_ps(p, (__m512)v); }
    static inline void fa_st_nt_d(double *p, fa_d8 v) { _mm512_stream_pd(p, (__m512d)v); }
    static inline void fa_sfence(void) { _mm_sfence(); }
    #elif defined(__AVX2__)
    #define FA_HAVE_NT 1
    static inline void fa_st_nt_f(float *p, fa_f16 v) {
        __m256 a, b; memcpy(&a, &v, 32); memcpy(&b, (char *)&v + 32, 32);
        _mm256_stream_ps(p, a); _mm256_stream_ps(p + 8, b);
    }
    static inline void fa_st_nt_d(double *p, fa_d8 v) {
        __m256d a, b; memcpy(&a, &v, 32); memcpy(&b, (char *)&v + 32, 32);
        _mm256_stream_pd(p, a); _mm256_stream_pd(p + 4, b);
    }
    static inline void fa_sfence(void) { _mm_sfence(); }
    #else
    #define FA_HAVE_NT 0
    static inline void fa_st_nt_f(float *p, fa_f16 v) { fa_st_f(p, v); }
    static inline void fa_st_nt_d(double *p, fa_d8 v) { fa_st_d(p, v); }
    static inline void fa_sfence(void) {}
    #endif
    /* elements before p + j is 64-byte aligned (none without streaming stores) */
    static inline Py_ssize_t fa_nt_head(const void *p, Py_ssize_t size, Py_ssize_t K, int nt) {
        Py_ssize_t h = (Py_ssize_t)((64 - ((uintptr_t)p & 63)) & 63) / size;
        return (nt && FA_HAVE_NT) ? (h < K ? h : K) : 0;
    }

    /* The exp passes (compute-bound) read the next row (x + K) into L2, so that the
       next row's max pass (bound by memory) does not wait on it.
       A prefetch never faults: past the last row it is only wasted. */
    #define FA_PREFETCH(p) __builtin_prefetch((p), 0, 2)
    /* The passes that first read a row bound by memory (the backwards' sums) prefetch
       FA_RV_AHEAD bytes ahead of each line they read, and the passes that first write
       a row (y, dx) the line as far ahead for writing; near a row's end that is the
       next row's start.  The address is formed as an integer: past the array a
       prefetch is only wasted.  2 threads, three rounds of alternating processes (a
       build with a run-time switch): softmax_backward (4096, 1000) float32 2.39-2.58
       -> 1.87-2.03 ms, (256, 50000) 8.6-9.1 -> 7.2-7.4; log_softmax 9.5-9.6 -> 8.1-8.2;
       float64 softmax_backward 4.9-5.1 -> 4.3-4.5; in cache alike or faster. */
    #define FA_RV_AHEAD 2048
    #define FA_RV_PF_R(p) __builtin_prefetch((const void *)((uintptr_t)(p) + FA_RV_AHEAD), 0, 3)
    #define FA_RV_PF_W(p) __builtin_prefetch((const void *)((uintptr_t)(p) + FA_RV_AHEAD), 1, 3)
    /* ... except the exp pass of rows longer than this many bytes: it is compute-bound
       and the next pass finds y in L2 (softmax (256, 50000): 6.7 -> 7.1 ms float32,
       15.3 -> 15.9 float64 with the prefetch) */
    #define FA_RV_PF_W_MAX 32768

    /* Σ of 16 lanes, pairwise in a fixed order */
    static inline double fa_lanes16(const double *a) {
        return ((((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])))
                + (((a[8] + a[9]) + (a[10] + a[11])) + ((a[12] + a[13]) + (a[14] + a[15]))));
    }
    /* *lo += lanes 0-7 of v, *hi += lanes 8-15, in double (two registers of 8: a
       vector of 16 doubles would be kept in memory) */
    typedef double fa_d16 __attribute__((vector_size(128)));
    /* lanes 0-7 and 8-15 of v in double (converted whole, then split: GCC then emits one
       conversion per half, and the sums stay in registers) */
    static inline fa_d8 fa_lo_d(fa_f16 v) {
        fa_d16 w = __builtin_convertvector(v, fa_d16);
        return __builtin_shufflevector(w, w, 0, 1, 2, 3, 4, 5, 6, 7);
    }
    static inline fa_d8 fa_hi_d(fa_f16 v) {
        fa_d16 w = __builtin_convertvector(v, fa_d16);
        return __builtin_shufflevector(w, w, 8, 9, 10, 11, 12, 13, 14, 15);
    }
    /* a b + c, rounded once (written out: whether GCC contracts a b + c depends on the
       code around it) */
    static inline fa_d8 fa_fma_d(fa_d8 a, fa_d8 b, fa_d8 c) {
    #if defined(__AVX512F__)
        return (fa_d8)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
    #else
        return a * b + c;                 /* (only the AVX-512 build calls it) */
    #endif
    }
    /* lanes 0-7 from lo and 8-15 from hi, each rounded to float once */
    static inline fa_f16 fa_join_f(fa_d8 lo, fa_d8 hi) {
        fa_d16 w = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        return __builtin_convertvector(w, fa_f16);
    }
    static inline void fa_acc_f(fa_d8 *lo, fa_d8 *hi, fa_f16 v) {
        *lo += fa_lo_d(v);
        *hi += fa_hi_d(v);
    }
    /* fa_lanes16 of lanes 0-7 in lo and 8-15 in hi, a level at a time on vectors (the
       same pairs, so the same sum): a_2k + a_2k+1, then pairs of those, ... */
    typedef double fa_d4v __attribute__((vector_size(32)));
    typedef double fa_d2v __attribute__((vector_size(16)));
    static inline double fa_hsum_d8x2(fa_d8 lo, fa_d8 hi) {
        fa_d8 p = __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14)
                  + __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15);
        fa_d4v q = __builtin_shufflevector(p, p, 0, 2, 4, 6) + __builtin_shufflevector(p, p, 1, 3, 5, 7);
        fa_d2v r = __builtin_shufflevector(q, q, 0, 2) + __builtin_shufflevector(q, q, 1, 3);
        return r[0] + r[1];
    }
    typedef int64_t fa_l4v __attribute__((vector_size(32)));
    static inline int64_t fa_hsum_l8(fa_l8 v) {
        fa_l4v a = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
        return (a[0] + a[1]) + (a[2] + a[3]);
    }
    static inline int64_t fa_hsum_i16(fa_i16 v) {
        return fa_hsum_l8(
            __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), fa_l8)
            + __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), fa_l8));
    }

    /* ---- max and min of 16 lanes without NaN, as a tree of 4 levels: a chain of 16
       dependent compares costs about 60 cycles, most of the time of a row of 20 to 60
       entries.  Max and min are exact, so the order changes no value; for a max of
       zeros of both signs it may change the sign of the zero returned, which no caller's
       result depends on (x - m and x == m see -0 and +0 alike). ---- */
    #define FA_DEF_TREE16(NAME, T, CMP) \
    static inline T NAME(const T *a) { \
        T b[8]; int l; \
        for (l = 0; l < 8; l++) b[l] = a[l + 8] CMP a[l] ? a[l + 8] : a[l]; \
        for (l = 0; l < 4; l++) b[l] = b[l + 4] CMP b[l] ? b[l + 4] : b[l]; \
        for (l = 0; l < 2; l++) b[l] = b[l + 2] CMP b[l] ? b[l + 2] : b[l]; \
        return b[1] CMP b[0] ? b[1] : b[0]; \
    }
    FA_DEF_TREE16(fa_tree_max16_f, float, >)
    FA_DEF_TREE16(fa_tree_min16_f, float, <)
    /* the same trees on vectors, a shuffle and a select a level: 16 float lanes, or
       lanes 0-7 and 8-15 of doubles in lo and hi */
    #define FA_DEF_VTREE_F(NAME, CMP) \
    static inline float NAME(fa_f16 v) { \
        fa_f16 u = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7); \
        v = fa_sel_f(u CMP v, u, v); \
        u = __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11); \
        v = fa_sel_f(u CMP v, u, v); \
        u = __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13); \
        v = fa_sel_f(u CMP v, u, v); \
        u = __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14); \
        v = fa_sel_f(u CMP v, u, v); \
        return v[0]; \
    }
    #define FA_DEF_VTREE_D(NAME, CMP) \
    static inline double NAME(fa_d8 lo, fa_d8 hi) { \
        fa_d8 v = fa_sel_d(hi CMP lo, hi, lo), u; \
        u = __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3); \
        v = fa_sel_d(u CMP v, u, v); \
        u = __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5); \
        v = fa_sel_d(u CMP v, u, v); \
        u = __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6); \
        v = fa_sel_d(u CMP v, u, v); \
        return v[0]; \
    }
    FA_DEF_VTREE_F(fa_vmax16_f, >)
    FA_DEF_VTREE_F(fa_vmin16_f, <)
    FA_DEF_VTREE_D(fa_vmax8x2_d, >)
    FA_DEF_VTREE_D(fa_vmin8x2_d, <)

    /* ---- running max and min of a row's blocks, NaN ignored: acc = v > acc ? v : acc
       is one vmaxps (MAXPS returns its second operand unless the first is greater, so
       a NaN v keeps acc); the min also skips -inf.  The select form compiled to a
       compare, a masked xor and an xor, a chain of 5 to 6 cycles a block: on AMD Zen 5
       the max-min pass of softmax was 45% of its time on (32, 1024) float32 rows in
       cache.  The callers keep two chains of each and combine them at the end. ---- */
    #if defined(__AVX512F__)
    static inline fa_f16 fa_run_max_f(fa_f16 v, fa_f16 acc) {
        return (fa_f16)_mm512_max_ps((__m512)v, (__m512)acc);
    }
    static inline fa_f16 fa_run_min_f(fa_f16 v, fa_f16 mn) {     /* v > -inf only */
        __mmask16 k = _mm512_cmp_ps_mask((__m512)v, _mm512_set1_ps(-INFINITY), _CMP_GT_OQ);
        return (fa_f16)_mm512_mask_min_ps((__m512)mn, k, (__m512)v, (__m512)mn);
    }
    static inline fa_d8 fa_run_max_d(fa_d8 v, fa_d8 acc) {
        return (fa_d8)_mm512_max_pd((__m512d)v, (__m512d)acc);
    }
    static inline fa_d8 fa_run_min_d(fa_d8 v, fa_d8 mn) {
        __mmask8 k = _mm512_cmp_pd_mask((__m512d)v, _mm512_set1_pd(-INFINITY), _CMP_GT_OQ);
        return (fa_d8)_mm512_mask_min_pd((__m512d)mn, k, (__m512d)v, (__m512d)mn);
    }
    #else
    static inline fa_f16 fa_run_max_f(fa_f16 v, fa_f16 acc) { return fa_sel_f(v > acc, v, acc); }
    static inline fa_f16 fa_run_min_f(fa_f16 v, fa_f16 mn) {
        return fa_sel_f((v < mn) & (v > -INFINITY), v, mn);
    }
    static inline fa_d8 fa_run_max_d(fa_d8 v, fa_d8 acc) { return fa_sel_d(v > acc, v, acc); }
    static inline fa_d8 fa_run_min_d(fa_d8 v, fa_d8 mn) {
        return fa_sel_d((v < mn) & (v > -INFINITY), v, mn);
    }
    #endif
    #if FA_RV_HALVES
    static inline fa_f8 fa_run_max_f8(fa_f8 v, fa_f8 acc) {
        return (fa_f8)_mm256_max_ps((__m256)v, (__m256)acc);
    }
    static inline fa_f8 fa_run_min_f8(fa_f8 v, fa_f8 mn) {
        __m256 ok = _mm256_cmp_ps((__m256)v, _mm256_set1_ps(-INFINITY), _CMP_GT_OQ);
        return (fa_f8)_mm256_blendv_ps((__m256)mn, _mm256_min_ps((__m256)v, (__m256)mn), ok);
    }
    #endif

    /* ---- log-softmax backward's first pass: S = Σ dy in double, returned, and the max of
       y (NaN ignored) in *ymax, in one pass over the row.  S is summed in the order of
       _softmax.pyx's scalar lanes (entry j in lane j % 16, the tail in lane 0, the lanes
       combined pairwise), so it has the same bits as the loop it replaces. ---- */
    static inline double fa_rv_sum_max_f(const float *dy, const float *y, Py_ssize_t K,
                                         float *ymax) {
        double s[16];
        float m = -INFINITY, t;
        Py_ssize_t j = 0;
    #if FA_RV_HALVES
        int l;
        float a[16];
        fa_d4 q[4] = {{0}, {0}, {0}, {0}};
        fa_f8 c0 = (fa_f8){} - INFINITY, c1 = c0, v8;
        for (; j + 16 <= K; j += 16) {
            FA_RV_PF_R(dy + j); FA_RV_PF_R(y + j);
            v8 = fa_ld_f8(dy + j); q[0] += fa_lo4_d(v8); q[1] += fa_hi4_d(v8);
            v8 = fa_ld_f8(dy + j + 8); q[2] += fa_lo4_d(v8); q[3] += fa_hi4_d(v8);
            c0 = fa_run_max_f8(fa_ld_f8(y + j), c0);
            c1 = fa_run_max_f8(fa_ld_f8(y + j + 8), c1);
        }
        for (l = 0; l < 4; l++) memcpy(s + 4 * l, &q[l], 32);
        for (; j < K; j++) { s[0] += (double)dy[j]; m = y[j] > m ? y[j] : m; }
        memcpy(a, &c0, 32); memcpy(a + 8, &c1, 32);
        t = fa_tree_max16_f(a);
    #else
        fa_d8 lo = {}, hi = {};
        fa_f16 acc = (fa_f16){} - INFINITY;
        for (; j + 16 <= K; j += 16) {
            FA_RV_PF_R(dy + j); FA_RV_PF_R(y + j);
            fa_acc_f(&lo, &hi, fa_ld_f(dy + j));
            acc = fa_run_max_f(fa_ld_f(y + j), acc);
        }
        memcpy(s, &lo, 64); memcpy(s + 8, &hi, 64);
        for (; j < K; j++) { s[0] += (double)dy[j]; m = y[j] > m ? y[j] : m; }
        t = fa_vmax16_f(acc);
    #endif
        *ymax = t > m ? t : m;
        return fa_lanes16(s);
    }
    /* ---- max of a row, NaN ignored (-inf for an empty or all-NaN row), and *lo = the
       least entry above -inf (+inf if none).  The tail goes through the vector lanes
       padded with NaN, which neither compare takes. ---- */
    static inline float fa_rv_maxmin_f(const float *x, Py_ssize_t K, float *lo) {
        Py_ssize_t j = 0;
    #if FA_RV_HALVES
        float a[16], b[16];
        fa_f8 acc0 = (fa_f8){} - INFINITY, acc1 = acc0, mn0 = (fa_f8){} + INFINITY, mn1 = mn0, v;
        for (; j < K; j += 16) {
            v = j + 16 <= K ? fa_ld_f8(x + j) : fa_ld_tail_f8(x + j, K - j, NAN);
            acc0 = fa_run_max_f8(v, acc0);
            mn0 = fa_run_min_f8(v, mn0);
            v = j + 16 <= K ? fa_ld_f8(x + j + 8) : fa_ld_tail_f8(x + j + 8, K - j - 8, NAN);
            acc1 = fa_run_max_f8(v, acc1);
            mn1 = fa_run_min_f8(v, mn1);
        }
        memcpy(a, &acc0, 32); memcpy(a + 8, &acc1, 32);
        memcpy(b, &mn0, 32); memcpy(b + 8, &mn1, 32);
        *lo = fa_tree_min16_f(b);
        return fa_tree_max16_f(a);
    #else
        fa_f16 a0 = (fa_f16){} - INFINITY, a1 = a0, n0 = (fa_f16){} + INFINITY, n1 = n0, v;
        for (; j + 32 <= K; j += 32) {
            v = fa_ld_f(x + j);
            a0 = fa_run_max_f(v, a0); n0 = fa_run_min_f(v, n0);
            v = fa_ld_f(x + j + 16);
            a1 = fa_run_max_f(v, a1); n1 = fa_run_min_f(v, n1);
        }
        for (; j < K; j += 16) {
            v = j + 16 <= K ? fa_ld_f(x + j) : fa_ld_tail_f(x + j, K - j, NAN);
            a0 = fa_run_max_f(v, a0); n0 = fa_run_min_f(v, n0);
        }
        *lo = fa_vmin16_f(fa_run_min_f(n1, n0));
        return fa_vmax16_f(fa_run_max_f(a1, a0));
    #endif
    }
    static inline double fa_rv_maxmin_d(const double *x, Py_ssize_t K, double *lo) {
        fa_d8 a0 = (fa_d8){} - INFINITY, a1 = a0, n0 = (fa_d8){} + INFINITY, n1 = n0, v;
        Py_ssize_t j = 0;
        for (; j < K; j += 16) {
            v = j + 8 <= K ? fa_ld_d(x + j) : fa_ld_tail_d(x + j, K - j, NAN);
            a0 = fa_run_max_d(v, a0); n0 = fa_run_min_d(v, n0);
            if (j + 8 >= K) break;
            v = j + 16 <= K ? fa_ld_d(x + j + 8) : fa_ld_tail_d(x + j + 8, K - j - 8, NAN);
            a1 = fa_run_max_d(v, a1); n1 = fa_run_min_d(v, n1);
        }
        *lo = fa_vmin8x2_d(n0, n1);
        return fa_vmax8x2_d(a0, a1);
    }

    /* ---- e^(x - m) 2^SC (see the comment above) ---- */
    #define FA_RV_SC_F 32
    #define FA_RV_LO_F 109.0f
    /* e^d 2^32 from d (<= 0, >= -LO, or NaN) and a small correction c of d */
    #define FA_RV_SHIFT_F (0x1.8p23f + (127 + FA_RV_SC_F))   /* bits(t) = .. + n + 127 + SC */
    /* without the TwoSum (the _near form below): the rounding of d = x - m costs |d|
       2^-24 relative; the callers use it for rows whose finite entries lie within
       FA_RV_NEAR of the max */
    #define FA_RV_NEAR 32.0
    /* max(d, lo), NaN d kept: one vmaxps where AVX-512 has it (it returns its second
       operand when either is NaN) */
    static inline fa_f16 fa_clamp_lo_f(fa_f16 d, float lo) {
    #if defined(__AVX512F__)
        return (fa_f16)_mm512_max_ps(_mm512_set1_ps(lo), (__m512)d);
    #else
        return fa_sel_f(d < lo, (fa_f16){} + lo, d);
    #endif
    }
    #if FA_RV_HALVES
    static inline fa_f8 fa_clamp_lo_f8(fa_f8 d, float lo) {
        return fa_sel_f8(d < lo, (fa_f8){} + lo, d);
    }
    #endif
    /* e^r 2^(n+SC), with t the shifted n (its low bits hold n + 127 + SC); then
       e^(d + c) 2^SC; then e^(x - m) 2^SC with the TwoSum of x - m.  Written once as a
       macro for a vector type VF (its int types VI, VU, select SEL and clamp CLAMP)
       and SUFfix: 16 lanes, and 8 lanes (one AVX2 register) in the AVX2 build. */
    /* e^r = 1 + r + r^2 (C2 + C3 r + ... + C6 r^4) on |r| <= ln2/2: a minimax fit of
       the relative error (Lawson's iteration on 4000 Chebyshev points against mpmath,
       the coefficients rounded to float): 5.4e-9 at most, against 7.3e-9 for the
       degree-7 Taylor polynomial it replaced, with one multiply-add fewer (a C harness
       of the exp-sum loop on Zen 5: 9.4 -> 8.6 cycles per 16 entries) */
    #define FA_RV_EXPF_C2 0x1.fffffep-2f
    #define FA_RV_EXPF_C3 0x1.555492p-3f
    #define FA_RV_EXPF_C4 0x1.555682p-5f
    #define FA_RV_EXPF_C5 0x1.1239fep-7f
    #define FA_RV_EXPF_C6 0x1.6bd8e6p-10f
    #define FA_DEF_RV_EXP_F(SUF, VF, VI, VU, SEL, CLAMP) \
    static inline VF fa_rv_exp_scale_f##SUF(VF t, VF r) { \
        VF s = (VF)((VU)t << 23); \
        VF p = (VF){} + FA_RV_EXPF_C6; \
        p = p * r + FA_RV_EXPF_C5; \
        p = p * r + FA_RV_EXPF_C4; \
        p = p * r + FA_RV_EXPF_C3; \
        p = p * r + FA_RV_EXPF_C2; \
        p = p * r + 1.0f; \
        p = p * r + 1.0f; \
        return p * s; \
    } \
    static inline VF fa_rv_exp_core_f##SUF(VF d, VF c) { \
        VF t = d * FA_LOG2E_F + FA_RV_SHIFT_F; \
        VF n = t - FA_RV_SHIFT_F; \
        VF r = (d - n * FA_LN2_HI_F) + (c - n * FA_LN2_LO_F); \
        return fa_rv_exp_scale_f##SUF(t, r); \
    } \
    static inline VF fa_rv_exp_f##SUF(VF x, VF m) { \
        VF d = x - m; \
        VF bb = d - x; \
        VF c = (x - (d - bb)) + (-m - bb); \
        VI k = d < -FA_RV_LO_F;                /* also d = -inf; false for NaN */ \
        d = SEL(k, (VF){} - FA_RV_LO_F, d); \
        c = SEL(k, (VF){}, c); \
        return fa_rv_exp_core_f##SUF(d, c); \
    } \
    static inline VF fa_rv_exp_near_f##SUF(VF x, VF m) { \
        VF d = CLAMP(x - m, -FA_RV_LO_F); \
        VF t = d * FA_LOG2E_F + FA_RV_SHIFT_F; \
        VF n = t - FA_RV_SHIFT_F; \
        VF r = (d - n * FA_LN2_HI_F) - n * FA_LN2_LO_F; \
        return fa_rv_exp_scale_f##SUF(t, r); \
    }
    FA_DEF_RV_EXP_F(, fa_f16, fa_i16, fa_u16, fa_sel_f, fa_clamp_lo_f)
    #if FA_RV_HALVES
    FA_DEF_RV_EXP_F(8, fa_f8, fa_i8, fa_u8, fa_sel_f8, fa_clamp_lo_f8)
    #endif
    /* e^d 2^32 for d <= 0 exact (no TwoSum) */
    static inline fa_f16 fa_rv_exp0_f(fa_f16 d) {
        d = fa_sel_f(d < -FA_RV_LO_F, (fa_f16){} - FA_RV_LO_F, d);
        return fa_rv_exp_core_f(d, (fa_f16){});
    }
    #define FA_RV_SC_D 500
    #define FA_RV_ISC_F 0x1p-32
    #define FA_RV_ISC_D 0x1p-500
    #define FA_RV_LO_D 746.0
    static inline fa_d8 fa_rv_exp_core_d(fa_d8 d, fa_d8 c) {
        const double shift = 0x1.8p52 + (1023 + FA_RV_SC_D);
        fa_d8 t = d * FA_LOG2E + shift;
        fa_d8 n = t - shift;
        fa_d8 r = (d - n * FA_LN2_HI) + (c - n * FA_LN2_LO);
        fa_d8 s = (fa_d8)((fa_q8)t << 52);
        fa_d8 p = (fa_d8){} + FA_EXPM1_P_LEAD;
        FA_EXPM1_P_STEPS(p, r);
        p = p * r + 1.0;
        p = p * r + 1.0;
        return p * s;
    }
    static inline fa_d8 fa_rv_exp_d(fa_d8 x, fa_d8 m) {
        fa_d8 d = x - m;
        fa_d8 bb = d - x;
        fa_d8 c = (x - (d - bb)) + (-m - bb);
        fa_l8 k = d < -FA_RV_LO_D;
        d = fa_sel_d(k, (fa_d8){} - FA_RV_LO_D, d);
        c = fa_sel_d(k, (fa_d8){}, c);
        return fa_rv_exp_core_d(d, c);
    }
    static inline fa_d8 fa_rv_exp_near_d(fa_d8 x, fa_d8 m) {
    #if defined(__AVX512F__)
        fa_d8 d = (fa_d8)_mm512_max_pd(_mm512_set1_pd(-FA_RV_LO_D), (__m512d)(x - m));
    #else
        fa_d8 d = x - m;
        d = fa_sel_d(d < -FA_RV_LO_D, (fa_d8){} - FA_RV_LO_D, d);
    #endif
        return fa_rv_exp_core_d(d, (fa_d8){});
    }

    /* A block of 16 of the float32 exp-sum below: e' = e^(v - m) 2^SC, stored to e
       unless NULL; with cnt the maxima are counted into *nmax and left out of the
       returned lanes.  The tail takes the n < 16 entries at x (padded with m) and
       returns only their lanes.  The paired log_softmax kernel (fa_rv_expsum_shift_f)
       runs the same blocks, so a row's sum is the same bits either way. */
    static inline __attribute__((always_inline)) fa_f16 fa_rv_exp_block_f(
            fa_f16 v, float *e, fa_f16 vm, float m, int cnt, int exact, fa_i16 *nmax) {
        fa_f16 ev = exact ? fa_rv_exp_f(v, vm) : fa_rv_exp_near_f(v, vm);
        if (e) fa_st_f(e, ev);
        if (cnt) { fa_i16 keep = v == m; *nmax -= keep; ev = fa_sel_f(keep, (fa_f16){}, ev); }
        return ev;
    }
    static inline __attribute__((always_inline)) fa_f16 fa_rv_exp_tail_f(
            const float *x, float *e, Py_ssize_t n, fa_f16 vm, float m, int cnt, int exact,
            fa_i16 *nmax) {
        fa_f16 v = fa_ld_tail_f(x, n, m);
        fa_f16 ev = exact ? fa_rv_exp_f(v, vm) : fa_rv_exp_near_f(v, vm);
        fa_i16 keep = FA_IOTA16 < (int32_t)n;
        if (e) fa_st_tail_f(e, n, ev);
        if (cnt) { *nmax -= keep & (v == m); keep &= ~(v == m); }
        return fa_sel_f(keep, ev, (fa_f16){});
    }
    /* ---- e'_j = e^(x_j - m) 2^SC written to e (unless NULL); returns Σ e'_j 2^-SC.
       With cnt != NULL the maxima (x_j == m, exactly 2^SC each) are left out of the sum
       and counted into *cnt instead. ---- */
    static inline __attribute__((always_inline)) double fa_rv_expsum_f(const float *x, float *e, Py_ssize_t K, float m,
                                        int64_t *cnt, int exact) {
    #if FA_RV_HALVES
        /* lanes 0-7 and 8-15 of each group of 16 as two 8-lane vectors; acc[q] sums
           lanes 4q .. 4q+3, nm[h] counts the maxima of half h */
        fa_f8 vm = (fa_f8){} + m, v, ev;
        fa_d4 acc[4] = {{0}, {0}, {0}, {0}};
        fa_i8 nm[2] = {{0}, {0}}, keep;
        float xt[16], et[16];
        double sums[16];
        int32_t ci[8];
        int64_t c = 0;
        Py_ssize_t j = 0, h, l;
        int pfw = e && K <= FA_RV_PF_W_MAX / 4;
        for (; j + 16 <= K; j += 16) {
            FA_PREFETCH(x + K + j);
            if (pfw) FA_RV_PF_W(e + j);
            for (h = 0; h < 2; h++) {
                v = fa_ld_f8(x + j + 8 * h);
                ev = exact ? fa_rv_exp_f8(v, vm) : fa_rv_exp_near_f8(v, vm);
                if (e) fa_st_f8(e + j + 8 * h, ev);
                if (cnt) { keep = v == m; nm[h] -= keep; ev = fa_sel_f8(keep, (fa_f8){}, ev); }
                acc[2 * h] += fa_lo4_d(ev);
                acc[2 * h + 1] += fa_hi4_d(ev);
            }
        }
        if (j < K) {                /* the tail, padded with m (as fa_ld_tail_f) */
            for (l = 0; l < 16; l++) xt[l] = l < K - j ? x[j + l] : m;
            for (h = 0; h < 2; h++) {
                v = fa_ld_f8(xt + 8 * h);
                ev = exact ? fa_rv_exp_f8(v, vm) : fa_rv_exp_near_f8(v, vm);
                fa_st_f8(et + 8 * h, ev);
                keep = FA_IOTA8F + (int32_t)(8 * h) < (int32_t)(K - j);
                if (cnt) { nm[h] -= keep & (v == m); keep &= ~(v == m); }
                ev = fa_sel_f8(keep, ev, (fa_f8){});
                acc[2 * h] += fa_lo4_d(ev);
                acc[2 * h + 1] += fa_hi4_d(ev);
            }
            if (e) for (l = 0; l < K - j; l++) e[j + l] = et[l];
        }
        if (cnt) {
            for (h = 0; h < 2; h++) { memcpy(ci, &nm[h], 32); for (l = 0; l < 8; l++) c += ci[l]; }
            *cnt = c;
        }
        for (h = 0; h < 4; h++) memcpy(sums + 4 * h, &acc[h], 32);
        return fa_lanes16(sums) * 0x1p-32;
    #else
        fa_f16 vm = (fa_f16){} + m;
        fa_d8 a0 = {}, a1 = {};
        fa_i16 nmax = {};
        Py_ssize_t j = 0;
        int pfw = e && K <= FA_RV_PF_W_MAX / 4;
        /* two blocks of 16 a step, their e' added in float before the sum in double
           (one rounding, at most 2^-24 of the pair: Σe' within 2^-24 relative, far
           below the exps' own error): the float-to-double conversions were a third of
           this loop's time on AMD Zen 5 (a C harness of the loop, one core in cache:
           exp and store 7.1 cycles per 16 entries, with the sum in double 12.6).
           Whole rows, (32, 1024) in cache, one thread: softmax 27.7 -> 24.6 cycles per
           16 entries, log_softmax 26.0 -> 23.3; 2 threads, (4096, 1000): softmax
           0.85-0.87 -> 0.78-0.79 ms, log_softmax 0.83-0.84 -> 0.74-0.76, the
           cross-entropy with gradient 0.98-0.99 -> 0.92-0.97; the largest errors
           against float64 unchanged (2048 rows of 1000 at three scales) */
        for (; j + 32 <= K; j += 32) {
            FA_PREFETCH(x + K + j);
            FA_PREFETCH(x + K + j + 16);
            if (pfw) { FA_RV_PF_W(e + j); FA_RV_PF_W(e + j + 16); }
            fa_f16 ev = fa_rv_exp_block_f(fa_ld_f(x + j), e ? e + j : NULL, vm, m, cnt != NULL, exact, &nmax);
            fa_f16 ev2 = fa_rv_exp_block_f(fa_ld_f(x + j + 16), e ? e + j + 16 : NULL, vm, m, cnt != NULL,
                                           exact, &nmax);
            fa_acc_f(&a0, &a1, ev + ev2);
        }
        for (; j + 16 <= K; j += 16) {
            FA_PREFETCH(x + K + j);
            if (pfw) FA_RV_PF_W(e + j);
            fa_acc_f(&a0, &a1, fa_rv_exp_block_f(fa_ld_f(x + j), e ? e + j : NULL, vm, m, cnt != NULL,
                                                 exact, &nmax));
        }
        if (j < K)
            fa_acc_f(&a0, &a1, fa_rv_exp_tail_f(x + j, e ? e + j : NULL, K - j, vm, m, cnt != NULL, exact,
                                                &nmax));
        if (cnt) *cnt = fa_hsum_i16(nmax);
        return fa_hsum_d8x2(a0, a1) * 0x1p-32;
    #endif
    }
    static inline __attribute__((always_inline)) double fa_rv_expsum_d(const double *x, double *e, Py_ssize_t K, double m,
                                        int64_t *cnt, int exact) {
        fa_d8 vm = (fa_d8){} + m;
        fa_d8 a0 = {}, a1 = {}, v, ev;
        fa_l8 nmax = {}, keep;
        Py_ssize_t j = 0, h;
        int pfw = e && K <= FA_RV_PF_W_MAX / 8;
        for (; j + 16 <= K; j += 16) {
            FA_PREFETCH(x + K + j);
            FA_PREFETCH(x + K + j + 8);
            if (pfw) { FA_RV_PF_W(e + j); FA_RV_PF_W(e + j + 8); }
            v = fa_ld_d(x + j);
            ev = exact ? fa_rv_exp_d(v, vm) : fa_rv_exp_near_d(v, vm);
            if (e) fa_st_d(e + j, ev);
            if (cnt) { keep = v == m; nmax -= keep; ev = fa_sel_d(keep, (fa_d8){}, ev); }
            a0 += ev;
            v = fa_ld_d(x + j + 8);
            ev = exact ? fa_rv_exp_d(v, vm) : fa_rv_exp_near_d(v, vm);
            if (e) fa_st_d(e + j + 8, ev);
            if (cnt) { keep = v == m; nmax -= keep; ev = fa_sel_d(keep, (fa_d8){}, ev); }
            a1 += ev;
        }
        for (h = 0; j < K; j += 8, h++) {      /* the tail: lanes 0-7, then 8-15 */
            v = fa_ld_tail_d(x + j, K - j, m);
            ev = exact ? fa_rv_exp_d(v, vm) : fa_rv_exp_near_d(v, vm);
            if (e) fa_st_tail_d(e + j, K - j < 8 ? K - j : 8, ev);
            keep = FA_IOTA8 < (int64_t)(K - j);
            if (cnt) { nmax -= keep & (v == m); keep &= ~(v == m); }
            ev = fa_sel_d(keep, ev, (fa_d8){});
            if (h == 0) a0 += ev; else a1 += ev;
        }
        if (cnt) *cnt = fa_hsum_l8(nmax);
        return fa_hsum_d8x2(a0, a1) * 0x1p-500;
    }

    /* ---- y = a·y ---- */
    static inline void fa_rv_scale_f(float *y, Py_ssize_t K, float a) {
        Py_ssize_t j = 0;
    #if FA_RV_HALVES
        for (; j + 8 <= K; j += 8) fa_st_f8(y + j, fa_ld_f8(y + j) * a);
    #else
        for (; j + 16 <= K; j += 16) fa_st_f(y + j, fa_ld_f(y + j) * a);
    #endif
        for (; j < K; j++) y[j] *= a;
    }
    static inline void fa_rv_scale_d(double *y, Py_ssize_t K, double a) {
        Py_ssize_t j = 0;
        for (; j + 8 <= K; j += 8) fa_st_d(y + j, fa_ld_d(y + j) * a);
        for (; j < K; j++) y[j] *= a;
    }

    /* ---- softmax of a row with finite max m: y = e' / Σe' (Σ e^(x-m) >= 1) ---- */
    /* ---- out_j = e_j a (out_t = gt if t >= 0); e may be out itself unless nt ---- */
    static inline void fa_rv_scale_out_f(const float *e, float *out, Py_ssize_t K, float a,
                                         Py_ssize_t t, float gt, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(out, 4, K, nt);
        for (; j < h; j++) out[j] = j == t ? gt : e[j] * a;
    #if FA_RV_HALVES
        for (; j + 8 <= K; j += 8) {
            fa_f8 v8 = fa_ld_f8(e + j) * a;
            if (t >= j && t < j + 8) v8 = fa_sel_f8(FA_IOTA8F == (int32_t)(t - j), (fa_f8){} + gt, v8);
            if (nt) _mm256_stream_ps(out + j, (__m256)v8); else fa_st_f8(out + j, v8);
        }
    #else
        for (; j + 16 <= K; j += 16) {
            fa_f16 v = fa_ld_f(e + j) * a;
            if (t >= j && t < j + 16) v = fa_sel_f(FA_IOTA16 == (int32_t)(t - j), (fa_f16){} + gt, v);
            if (nt && FA_HAVE_NT) fa_st_nt_f(out + j, v); else fa_st_f(out + j, v);
        }
    #endif
        for (; j < K; j++) out[j] = j == t ? gt : e[j] * a;
    }
    static inline void fa_rv_scale_out_d(const double *e, double *out, Py_ssize_t K, double a,
                                         Py_ssize_t t, double gt, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(out, 8, K, nt);
        fa_d8 v;
        for (; j < h; j++) out[j] = j == t ? gt : e[j] * a;
        for (; j + 8 <= K; j += 8) {
            v = fa_ld_d(e + j) * a;
            if (t >= j && t < j + 8) v = fa_sel_d(FA_IOTA8 == (int64_t)(t - j), (fa_d8){} + gt, v);
            if (nt && FA_HAVE_NT) fa_st_nt_d(out + j, v); else fa_st_d(out + j, v);
        }
        for (; j < K; j++) out[j] = j == t ? gt : e[j] * a;
    }

    /* ---- softmax of a row with finite max m: y = e' / Σe' (Σ e^(x-m) >= 1); with nt
       (a large output) and a row of at most FA_SCRATCH bytes, e' goes to a scratch row
       on the stack and y is written once, by streaming stores.  Longer rows write e'
       into y and scale it there: on AMD Zen 5 (2 threads, 51 MB of float32 rows,
       alternating processes) the scratch row cost 8 to 15% for rows of 8 KB and more
       (softmax (256, 50000): 2.93-3.07 against 2.55-2.74 ms; (1563, 8192): 2.66-2.70
       against 2.40-2.41; (6250, 2048): 2.65 against 2.56) and still gained 2% at 4 KB
       ((4096, 1000) float32; float64, 8 KB rows: 4% lost). ---- */
    #define FA_SCRATCH 4096
    static inline void fa_rv_softmax_f(const float *x, float *y, Py_ssize_t K, float m, int exact,
                                       int nt) {
        float e[FA_SCRATCH / 4];
        double s;
        if (nt && FA_HAVE_NT && K <= FA_SCRATCH / 4) {
            s = exact ? fa_rv_expsum_f(x, e, K, m, NULL, 1) : fa_rv_expsum_f(x, e, K, m, NULL, 0);
            fa_rv_scale_out_f(e, y, K, (float)(0x1p-32 / s), -1, 0.0f, 1);
        } else {
            s = exact ? fa_rv_expsum_f(x, y, K, m, NULL, 1) : fa_rv_expsum_f(x, y, K, m, NULL, 0);
            fa_rv_scale_f(y, K, (float)(0x1p-32 / s));
        }
    }
    static inline void fa_rv_softmax_d(const double *x, double *y, Py_ssize_t K, double m, int exact,
                                       int nt) {
        double e[FA_SCRATCH / 8];
        double s;
        if (nt && FA_HAVE_NT && K <= FA_SCRATCH / 8) {
            s = exact ? fa_rv_expsum_d(x, e, K, m, NULL, 1) : fa_rv_expsum_d(x, e, K, m, NULL, 0);
            fa_rv_scale_out_d(e, y, K, 0x1p-500 / s, -1, 0.0, 1);
        } else {
            s = exact ? fa_rv_expsum_d(x, y, K, m, NULL, 1) : fa_rv_expsum_d(x, y, K, m, NULL, 0);
            fa_rv_scale_d(y, K, 0x1p-500 / s);
        }
    }

    /* ---- y = (x - m) - c (log_softmax; both terms <= 0 for c >= 0: no cancellation) ---- */
    /* a block of 16 of fa_rv_shift_f, streamed with nt (also the paired kernel's,
       fa_rv_expsum_shift_f) */
    static inline __attribute__((always_inline)) void fa_rv_shift_block_f(const float *x, float *y, float m,
                                                                        float c, int nt) {
        if (!nt) FA_RV_PF_W(y);
        fa_f16 v = (fa_ld_f(x) - m) - c;
        if (nt && FA_HAVE_NT) fa_st_nt_f(y, v); else fa_st_f(y, v);
    }
    static inline void fa_rv_shift_f(const float *x, float *y, Py_ssize_t K, float m, float c, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(y, 4, K, nt);
        for (; j < h; j++) y[j] = (x[j] - m) - c;
    #if FA_RV_HALVES
        for (; j + 8 <= K; j += 8) {
            if (!nt) FA_RV_PF_W(y + j);
            fa_f8 v8 = (fa_ld_f8(x + j) - m) - c;
            if (nt) _mm256_stream_ps(y + j, (__m256)v8); else fa_st_f8(y + j, v8);
        }
    #else
        for (; j + 16 <= K; j += 16) fa_rv_shift_block_f(x + j, y + j, m, c, nt);
    #endif
        for (; j < K; j++) y[j] = (x[j] - m) - c;
    }
    static inline void fa_rv_shift_d(const double *x, double *y, Py_ssize_t K, double m, double c, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(y, 8, K, nt);
        for (; j < h; j++) y[j] = (x[j] - m) - c;
        for (; j + 8 <= K; j += 8) {
            if (!nt) FA_RV_PF_W(y + j);
            fa_d8 v = (fa_ld_d(x + j) - m) - c;
            if (nt && FA_HAVE_NT) fa_st_nt_d(y + j, v); else fa_st_d(y + j, v);
        }
        for (; j < K; j++) y[j] = (x[j] - m) - c;
    }

    /* ---- log_softmax of long float32 rows, two rows at a time (AVX-512 build): the
       exp-sum of row x (fa_rv_expsum_f with e = NULL and the maxima counted) and, in the
       same loop, the last pass of the row before it, yp = (xp - mp) - cp
       (fa_rv_shift_f), a block of 16 of each per step.  One row after the other, the
       exp-sum was compute-bound with no memory traffic (its row was in L2) and the
       shift pass was the reverse; side by side the one hides the other.  Each row's
       operations are those of the two functions, in the same order: the same bits. ---- */
    static inline __attribute__((always_inline)) double fa_rv_expsum_shift_f(
            const float *x, Py_ssize_t K, float m, int64_t *cnt, int exact,
            const float *xp, float *yp, float mp, float cp, int nt) {
    #if FA_RV_WIDE
        fa_f16 vm = (fa_f16){} + m;
        fa_d8 a0 = {}, a1 = {};
        fa_i16 nmax = {};
        Py_ssize_t j = 0, js = 0, h = fa_nt_head(yp, 4, K, nt);
        for (; js < h; js++) yp[js] = (xp[js] - mp) - cp;
        /* fa_rv_expsum_f's blocks, two a step, each step beside two of the shift's */
        for (; j + 32 <= K; j += 32) {
            int q;
            FA_PREFETCH(x + K + j);
            FA_PREFETCH(x + K + j + 16);
            fa_f16 ev = fa_rv_exp_block_f(fa_ld_f(x + j), NULL, vm, m, 1, exact, &nmax);
            fa_f16 ev2 = fa_rv_exp_block_f(fa_ld_f(x + j + 16), NULL, vm, m, 1, exact, &nmax);
            fa_acc_f(&a0, &a1, ev + ev2);
            for (q = 0; q < 2 && js + 16 <= K; q++, js += 16) fa_rv_shift_block_f(xp + js, yp + js, mp, cp, nt);
        }
        for (; j + 16 <= K; j += 16) {
            FA_PREFETCH(x + K + j);
            fa_acc_f(&a0, &a1, fa_rv_exp_block_f(fa_ld_f(x + j), NULL, vm, m, 1, exact, &nmax));
            if (js + 16 <= K) { fa_rv_shift_block_f(xp + js, yp + js, mp, cp, nt); js += 16; }
        }
        if (j < K) fa_acc_f(&a0, &a1, fa_rv_exp_tail_f(x + j, NULL, K - j, vm, m, 1, exact, &nmax));
        for (; js + 16 <= K; js += 16) fa_rv_shift_block_f(xp + js, yp + js, mp, cp, nt);
        for (; js < K; js++) yp[js] = (xp[js] - mp) - cp;
        *cnt = fa_hsum_i16(nmax);
        return fa_hsum_d8x2(a0, a1) * 0x1p-32;
    #else
        fa_rv_shift_f(xp, yp, K, mp, cp, nt);
        return fa_rv_expsum_f(x, NULL, K, m, cnt, exact);
    #endif
    }

    /* ---- Σ a_j b_j in double (float products are exact in double) ---- */
    static inline double fa_rv_dot_f(const float *a, const float *b, Py_ssize_t K) {
    #if FA_RV_HALVES
        fa_d4 acc[4] = {{0}, {0}, {0}, {0}};
        fa_f8 u, v;
        float ub[16], vb[16];
        double sums[16];
        Py_ssize_t j = 0, h, l;
        for (; j + 16 <= K; j += 16) {
            FA_RV_PF_R(a + j); FA_RV_PF_R(b + j);
            u = fa_ld_f8(a + j); v = fa_ld_f8(b + j);
            acc[0] += fa_lo4_d(u) * fa_lo4_d(v);
            acc[1] += fa_hi4_d(u) * fa_hi4_d(v);
            u = fa_ld_f8(a + j + 8); v = fa_ld_f8(b + j + 8);
            acc[2] += fa_lo4_d(u) * fa_lo4_d(v);
            acc[3] += fa_hi4_d(u) * fa_hi4_d(v);
        }
        if (j < K) {                /* the tail, padded with zeros */
            for (l = 0; l < 16; l++) { ub[l] = l < K - j ? a[j + l] : 0.0f; vb[l] = l < K - j ? b[j + l] : 0.0f; }
            for (h = 0; h < 2; h++) {
                u = fa_ld_f8(ub + 8 * h); v = fa_ld_f8(vb + 8 * h);
                acc[2 * h] += fa_lo4_d(u) * fa_lo4_d(v);
                acc[2 * h + 1] += fa_hi4_d(u) * fa_hi4_d(v);
            }
        }
        for (h = 0; h < 4; h++) memcpy(sums + 4 * h, &acc[h], 32);
        return fa_lanes16(sums);
    #else
        fa_d8 a0 = {}, a1 = {};
        fa_f16 u, v;
        Py_ssize_t j = 0;
        for (;; j += 16) {
            if (j + 16 <= K) { FA_RV_PF_R(a + j); FA_RV_PF_R(b + j); u = fa_ld_f(a + j); v = fa_ld_f(b + j); }
            else if (j < K) { u = fa_ld_tail_f(a + j, K - j, 0.0f); v = fa_ld_tail_f(b + j, K - j, 0.0f); }
            else break;
            a0 += fa_lo_d(u) * fa_lo_d(v);
            a1 += fa_hi_d(u) * fa_hi_d(v);
        }
        return fa_hsum_d8x2(a0, a1);
    #endif
    }
    static inline double fa_rv_dot_d(const double *a, const double *b, Py_ssize_t K) {
        fa_d8 a0 = {}, a1 = {};
        Py_ssize_t j = 0;
        for (; j + 16 <= K; j += 16) {
            FA_RV_PF_R(a + j); FA_RV_PF_R(b + j); FA_RV_PF_R(a + j + 8); FA_RV_PF_R(b + j + 8);
            a0 += fa_ld_d(a + j) * fa_ld_d(b + j);
            a1 += fa_ld_d(a + j + 8) * fa_ld_d(b + j + 8);
        }
        if (j < K) a0 += fa_ld_tail_d(a + j, K - j, 0.0) * fa_ld_tail_d(b + j, K - j, 0.0);
        if (j + 8 < K) a1 += fa_ld_tail_d(a + j + 8, K - j - 8, 0.0) * fa_ld_tail_d(b + j + 8, K - j - 8, 0.0);
        return fa_hsum_d8x2(a0, a1);
    }

    /* ---- dx = y (dy - dot), dot = dh + dl (float32: dh = dot rounded, dl its rest);
       dy - dh is exact when dy is near dh (Sterbenz) and otherwise |dy - dh| is not
       small next to dl, so ((dy - dh) - dl) has a relative error of about 2^-23. ---- */
    static inline void fa_rv_bwd_f(const float *dy, const float *y, float *dx, Py_ssize_t K,
                                   float dh, float dl, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(dx, 4, K, nt);
        for (; j < h; j++) dx[j] = y[j] * ((dy[j] - dh) - dl);
    #if FA_RV_HALVES
        for (; j + 8 <= K; j += 8) {
            if (!nt) FA_RV_PF_W(dx + j);
            fa_f8 v8 = fa_ld_f8(y + j) * ((fa_ld_f8(dy + j) - dh) - dl);
            if (nt) _mm256_stream_ps(dx + j, (__m256)v8); else fa_st_f8(dx + j, v8);
        }
    #else
        for (; j + 16 <= K; j += 16) {
            if (!nt) FA_RV_PF_W(dx + j);
            fa_f16 v = fa_ld_f(y + j) * ((fa_ld_f(dy + j) - dh) - dl);
            if (nt && FA_HAVE_NT) fa_st_nt_f(dx + j, v); else fa_st_f(dx + j, v);
        }
    #endif
        for (; j < K; j++) dx[j] = y[j] * ((dy[j] - dh) - dl);
    }
    /* ---- log-softmax backward of one float32 row, dx = dy - e^y S, S = Σ dy = sh + sl,
       for rows whose y (log-probabilities) are <= FA_RV_LSM_YMAX (or NaN): e^y from the
       scaled exp (y below -109 gives 0, as e^y rounds to there), then
       (dy - e sh) - e sl, the first product exact inside an fma, so dx is rounded about
       twice on top of e^y's ~1 ulp.  Head and tail lanes go through the same vector
       code (masked), so an element's bits do not depend on its position. ---- */
    #define FA_RV_LSM_YMAX 60.0f      /* e^y 2^32 stays finite */
    static inline fa_f16 fa_rv_lsm_bwd_v(fa_f16 d, fa_f16 y, float sh, float sl, fa_i16 *big) {
        fa_f16 e = fa_rv_exp_core_f(fa_clamp_lo_f(y, -FA_RV_LO_F), (fa_f16){}) * (float)FA_RV_ISC_F;
        *big |= y > FA_RV_LSM_YMAX;
        return (d - e * sh) - e * sl;
    }
    #if FA_RV_HALVES
    static inline fa_f8 fa_rv_lsm_bwd_v8(fa_f8 d, fa_f8 y, float sh, float sl, fa_i8 *big) {
        fa_f8 e = fa_rv_exp_core_f8(fa_clamp_lo_f8(y, -FA_RV_LO_F), (fa_f8){}) * (float)FA_RV_ISC_F;
        *big |= y > FA_RV_LSM_YMAX;
        return (d - e * sh) - e * sl;
    }
    /* n < 16 entries (head or tail) through a buffer, as the masked 16-lane form */
    static inline void fa_rv_lsm_bwd_part8(const float *dy, const float *y, float *dx,
                                           Py_ssize_t n, float sh, float sl, fa_i8 *big) {
        float db[16], yb[16], ob[16];
        Py_ssize_t l;
        for (l = 0; l < 16; l++) { db[l] = l < n ? dy[l] : 0.0f; yb[l] = l < n ? y[l] : 0.0f; }
        fa_st_f8(ob, fa_rv_lsm_bwd_v8(fa_ld_f8(db), fa_ld_f8(yb), sh, sl, big));
        fa_st_f8(ob + 8, fa_rv_lsm_bwd_v8(fa_ld_f8(db + 8), fa_ld_f8(yb + 8), sh, sl, big));
        for (l = 0; l < n; l++) dx[l] = ob[l];
    }
    #endif
    /* returns 1 when some y is above FA_RV_LSM_YMAX: dx is then not the answer (the caller
       rewrites it from the inputs, or checked y beforehand when dx is one of them) */
    static inline int fa_rv_lsm_bwd_f(const float *dy, const float *y, float *dx, Py_ssize_t K,
                                      float sh, float sl, int nt) {
        Py_ssize_t j = fa_nt_head(dx, 4, K, nt);
        int32_t b[16]; int l, any = 0;
    #if FA_RV_HALVES
        fa_i8 big8 = {};
        fa_f8 v8;
        if (j > 0) fa_rv_lsm_bwd_part8(dy, y, dx, j, sh, sl, &big8);
        for (; j + 8 <= K; j += 8) {
            if (!nt) FA_RV_PF_W(dx + j);
            v8 = fa_rv_lsm_bwd_v8(fa_ld_f8(dy + j), fa_ld_f8(y + j), sh, sl, &big8);
            if (nt) _mm256_stream_ps(dx + j, (__m256)v8); else fa_st_f8(dx + j, v8);
        }
        if (j < K) fa_rv_lsm_bwd_part8(dy + j, y + j, dx + j, K - j, sh, sl, &big8);
        memcpy(b, &big8, 32);
        for (l = 0; l < 8; l++) any |= b[l];
        return any != 0;
    #else
        fa_f16 v;
        fa_i16 big = {};
        /* a row of 16 or more: its head (before the first aligned line, with nt) and tail
           are the vectors of its first and last 16 entries, their own entries stored one
           by one.  Masked stores into lines not in cache cost 50% on AMD Zen 5:
           (32768, 128) float32, dx 16 bytes off a line, one thread 1.50 ms, aligned 1.01
           (the same loop without head or tail). */
        if (j > 0) {
            if (K >= 16) {
                v = fa_rv_lsm_bwd_v(fa_ld_f(dy), fa_ld_f(y), sh, sl, &big);
                fa_st_lanes_f(dx, v, 0, j);
            } else {
                v = fa_rv_lsm_bwd_v(fa_ld_tail_f(dy, j, 0.0f), fa_ld_tail_f(y, j, 0.0f), sh, sl, &big);
                fa_st_tail_f(dx, j, v);
            }
        }
        for (; j + 16 <= K; j += 16) {
            if (!nt) FA_RV_PF_W(dx + j);
            v = fa_rv_lsm_bwd_v(fa_ld_f(dy + j), fa_ld_f(y + j), sh, sl, &big);
            if (nt && FA_HAVE_NT) fa_st_nt_f(dx + j, v); else fa_st_f(dx + j, v);
        }
        if (j < K) {
            if (K >= 16) {
                v = fa_rv_lsm_bwd_v(fa_ld_f(dy + K - 16), fa_ld_f(y + K - 16), sh, sl, &big);
                fa_st_lanes_f(dx + j, v, 16 - (K - j), K - j);
            } else {
                v = fa_rv_lsm_bwd_v(fa_ld_tail_f(dy + j, K - j, 0.0f), fa_ld_tail_f(y + j, K - j, 0.0f),
                                    sh, sl, &big);
                fa_st_tail_f(dx + j, K - j, v);
            }
        }
        memcpy(b, &big, sizeof b);
        for (l = 0; l < 16; l++) any |= b[l];
        return any != 0;
    #endif
    }
    static inline void fa_rv_bwd_d(const double *dy, const double *y, double *dx, Py_ssize_t K,
                                   double dot, int nt) {
        Py_ssize_t j = 0, h = fa_nt_head(dx, 8, K, nt);
        for (; j < h; j++) dx[j] = y[j] * (dy[j] - dot);
        for (; j + 8 <= K; j += 8) {
            if (!nt) FA_RV_PF_W(dx + j);
            fa_d8 v = fa_ld_d(y + j) * (fa_ld_d(dy + j) - dot);
            if (nt && FA_HAVE_NT) fa_st_nt_d(dx + j, v); else fa_st_d(dx + j, v);
        }
        for (; j < K; j++) dx[j] = y[j] * (dy[j] - dot);
    }

    /* ---- softmax cross-entropy of one row with class index t, no label smoothing,
       finite max m (the long-row path of _sce_index_row in _losses.pyx):
         s' = Σ_{x_j<m} e^(x_j-m) + (#max - 1), term = w_t ((m - x_t) + log1p(s')),
         g_j = gs w_t e^(x_j-m)/s (s = 1 + s'), g_t = gs w_t (p_t - 1) with p_t - 1 = -s'/s
         when x_t is the max (no cancellation).  g may be NULL; with nt and a row of at most
         FA_SCRATCH bytes the e' go to a scratch row and g is written once by streaming
         stores (as in fa_rv_softmax_f). ---- */
    static inline double fa_rv_sce_row_f(const float *x, int64_t t, double wt, float *g,
                                         Py_ssize_t K, float m, int exact, double gs, int nt) {
        float buf[FA_SCRATCH / 4];
        float *e = g ? ((nt && FA_HAVE_NT && K <= FA_SCRATCH / 4) ? buf : g) : NULL;
        int64_t nmax = 0;
        double sp = exact ? fa_rv_expsum_f(x, e, K, m, &nmax, 1) : fa_rv_expsum_f(x, e, K, m, &nmax, 0);
        double L, s, xt = x[t], term;
        sp += (double)(nmax - 1);
        L = fa_log1p(sp);
        s = 1.0 + sp;
        term = wt * (((double)m - xt) + L);
        if (g) {
            double pt = e[t] * 0x1p-32 / s;
            float gt = (float)(gs * wt * (xt == m ? -sp / s : pt - 1.0));
            fa_rv_scale_out_f(e, g, K, (float)(gs * wt / s * 0x1p-32), t, gt, e != g);
        }
        return term;
    }
    static inline double fa_rv_sce_row_d(const double *x, int64_t t, double wt, double *g,
                                         Py_ssize_t K, double m, int exact, double gs, int nt) {
        double buf[FA_SCRATCH / 8];
        double *e = g ? ((nt && FA_HAVE_NT && K <= FA_SCRATCH / 8) ? buf : g) : NULL;
        int64_t nmax = 0;
        double sp = exact ? fa_rv_expsum_d(x, e, K, m, &nmax, 1) : fa_rv_expsum_d(x, e, K, m, &nmax, 0);
        double L, s, xt = x[t], term;
        sp += (double)(nmax - 1);
        L = fa_log1p(sp);
        s = 1.0 + sp;
        term = wt * ((m - xt) + L);
        if (g) {
            double pt = e[t] * 0x1p-500 / s;
            double gt = gs * wt * (xt == m ? -sp / s : pt - 1.0);
            fa_rv_scale_out_d(e, g, K, gs * wt / s * 0x1p-500, t, gt, e != g);
        }
        return term;
    }

    /* ---- softmax cross-entropy with class indices, no label smoothing, for nr <= 8
       rows of 16 < K <= FA_MID_K classes: each row's max and exp-sum as in
       fa_rv_sce_row_f, then the finishes of the nr rows (log1p, the divisions, the
       target's gradient) in one loop that GCC vectorises, then each row's scaling.
       Row by row, the scalar log1p and divisions were a chain of about 150 cycles, half
       of a row's time at K = 24.  The same operations per row as fa_rv_sce_row_f, so
       the same bits.  Rows whose target is `ignore` get term 0 and a zero gradient;
       returns the mask of rows left to the row loop (a non-finite max). ---- */
    #define FA_MID_ROWS 8
    #define FA_MID_K 256
    /* a row's max (to *m) and s' = Σ_{x_j<m} e^(x_j-m) + (#max - 1) (to *sp), the e'
       to e unless NULL, with the TwoSum of x - m only for rows far from their max
       (as _vmax and _vlog_norm in _softmax.pyx); 0 for a row whose max is not finite */
    #define FA_DEF_ROW_SP(SUF, T, MAXV) \
    static inline int fa_rv_row_sp##SUF(const T *x, T *e, Py_ssize_t K, T *m, double *sp) { \
        T lo; \
        int64_t nmax = 0; \
        *m = fa_rv_maxmin##SUF(x, K, &lo); \
        if (!(*m > -MAXV && *m < MAXV)) return 0; \
        *sp = (*m - lo <= FA_RV_NEAR) ? fa_rv_expsum##SUF(x, e, K, *m, &nmax, 0) \
                                      : fa_rv_expsum##SUF(x, e, K, *m, &nmax, 1); \
        *sp += (double)(nmax - 1); \
        return 1; \
    }
    FA_DEF_ROW_SP(_f, float, 3.4028235e38f)
    FA_DEF_ROW_SP(_d, double, 1.7976931348623157e308)
    #define FA_DEF_SCE_MID(SUF, T, ISC) \
    static inline int fa_rv_sce_mid_rows##SUF(const T *x, const int64_t *t, const T *w, T *g, \
                                              Py_ssize_t nr, Py_ssize_t K, int64_t ignore, \
                                              double gs, int nt, double *term) { \
        T buf[FA_MID_ROWS * FA_MID_K], *e[FA_MID_ROWS]; \
        double spb[FA_MID_ROWS], mb[FA_MID_ROWS], wb[FA_MID_ROWS], xtb[FA_MID_ROWS]; \
        double etb[FA_MID_ROWS], tmb[FA_MID_ROWS], ab[FA_MID_ROWS], gtb[FA_MID_ROWS]; \
        Py_ssize_t r, j; \
        int bad = 0; \
        for (r = 0; r < FA_MID_ROWS; r++) { \
            const T *xr = x + r * K; \
            T m; \
            spb[r] = mb[r] = wb[r] = xtb[r] = etb[r] = 0.0; \
            e[r] = NULL; \
            if (r >= nr || t[r] == ignore) continue; \
            if (g) e[r] = (nt && FA_HAVE_NT) ? buf + r * K : g + r * K; \
            if (!fa_rv_row_sp##SUF(xr, e[r], K, &m, &spb[r])) { bad |= 1 << r; continue; } \
            mb[r] = m; \
            wb[r] = w[t[r]]; \
            xtb[r] = xr[t[r]]; \
            if (g) etb[r] = e[r][t[r]]; \
        } \
        for (r = 0; r < FA_MID_ROWS; r++) { \
            double sp = spb[r], L = fa_log1p(sp), s = 1.0 + sp, wt = wb[r], xt = xtb[r]; \
            double pt = etb[r] * ISC / s; \
            tmb[r] = wt * ((mb[r] - xt) + L); \
            ab[r] = gs * wt / s * ISC; \
            gtb[r] = gs * wt * (xt == mb[r] ? -sp / s : pt - 1.0); \
        } \
        for (r = 0; r < nr; r++) { \
            if (t[r] == ignore) { \
                term[r] = 0.0; \
                if (g) for (j = 0; j < K; j++) g[r * K + j] = 0; \
            } else if (!((bad >> r) & 1)) { \
                term[r] = tmb[r]; \
                if (g) fa_rv_scale_out##SUF(e[r], g + r * K, K, (T)ab[r], t[r], (T)gtb[r], \
                                            e[r] != g + r * K); \
            } \
        } \
        return bad; \
    }
    FA_DEF_SCE_MID(_f, float, 0x1p-32)
    FA_DEF_SCE_MID(_d, double, 0x1p-500)
    /* ---- log_softmax of nr <= FA_MID_ROWS float32 rows of K <= FA_MID_K entries: each
       row's max and sum as in _log_softmax_row (_softmax.pyx), the nr logs (fa_log1p,
       as there) in one vectorised loop, then each row's shift.  Returns the mask of
       rows left to the row loop (a non-finite max). ---- */
    static inline int fa_rv_log_softmax_mid_rows_f(const float *x, float *y, Py_ssize_t nr,
                                                   Py_ssize_t K, int nt) {
        double spb[FA_MID_ROWS], lnb[FA_MID_ROWS];
        float mb[FA_MID_ROWS];
        Py_ssize_t r;
        int bad = 0;
        for (r = 0; r < FA_MID_ROWS; r++) {
            spb[r] = 0.0;
            mb[r] = 0.0f;
            if (r < nr && !fa_rv_row_sp_f(x + r * K, NULL, K, &mb[r], &spb[r])) bad |= 1 << r;
        }
        for (r = 0; r < FA_MID_ROWS; r++) lnb[r] = fa_log1p(spb[r]);
        for (r = 0; r < nr; r++)
            if (!((bad >> r) & 1)) fa_rv_shift_f(x + r * K, y + r * K, K, mb[r], (float)lnb[r], nt);
        return bad;
    }
    /* ---- Short rows in lanes: nr <= 16 rows of K <= 16 classes transposed into
       xb[j][l] (row l in lane l).  Per lane: the max m (to mb), e'_j = e^(x_j - m) 2^SC
       (to eb[j]) and s' = Σ_{x_j<m} e^(x_j-m) + (#max - 1) in double, summed in class
       order (to sp).  Returns the mask of rows whose max is not finite: the kernels
       below write nothing for them and the caller runs them through the row loop, so
       a row's result never depends on the rows that share its group. ---- */
    static inline int fa_rv_lanes_softmax_f(float xb[16][16], Py_ssize_t K, Py_ssize_t nr,
                                            float eb[16][16], float *mb, double *sp) {
    #if FA_RV_HALVES
        fa_f8 v, m, ev;
        fa_i8 cnt, k;
        fa_d4 s0, s1;
        double lo[4], hi[4];
        int32_t nm[8];
        Py_ssize_t l, j, h;
        int bad = 0;
        for (h = 0; h < 16; h += 8) {
            m = (fa_f8){} - INFINITY;
            for (j = 0; j < K; j++) { v = fa_ld_f8(xb[j] + h); m = fa_sel_f8(v > m, v, m); }
            fa_st_f8(mb + h, m);
            cnt = (fa_i8){};
            s0 = (fa_d4){};
            s1 = (fa_d4){};
            for (j = 0; j < K; j++) {
                v = fa_ld_f8(xb[j] + h);
                ev = fa_rv_exp_f8(v, m);
                fa_st_f8(eb[j] + h, ev);
                k = v == m;
                cnt -= k;
                ev = fa_sel_f8(k, (fa_f8){}, ev);
                s0 += fa_lo4_d(ev);
                s1 += fa_hi4_d(ev);
            }
            memcpy(lo, &s0, 32); memcpy(hi, &s1, 32); memcpy(nm, &cnt, 32);
            for (l = 0; l < 8; l++) sp[h + l] = (l < 4 ? lo[l] : hi[l - 4]) * 0x1p-32 + (double)(nm[l] - 1);
        }
        for (l = 0; l < nr; l++) if (!(fabsf(mb[l]) <= 3.4028235e38f)) bad |= 1 << l;
        return bad;
    #else
        fa_f16 v, m = (fa_f16){} - INFINITY, ev;
        fa_d8 s0 = {}, s1 = {};
        fa_i16 cnt = {}, k;
        double lo[8], hi[8];
        int32_t nm[16];
        Py_ssize_t l, j;
        int bad = 0;
        for (j = 0; j < K; j++) { v = fa_ld_f(xb[j]); m = fa_sel_f(v > m, v, m); }
        fa_st_f(mb, m);
        for (l = 0; l < nr; l++) if (!(fabsf(mb[l]) <= 3.4028235e38f)) bad |= 1 << l;
        for (j = 0; j < K; j++) {
            v = fa_ld_f(xb[j]);
            ev = fa_rv_exp_f(v, m);
            fa_st_f(eb[j], ev);
            k = v == m;
            cnt -= k;
            fa_acc_f(&s0, &s1, fa_sel_f(k, (fa_f16){}, ev));
        }
        memcpy(lo, &s0, 64); memcpy(hi, &s1, 64); memcpy(nm, &cnt, 64);
        for (l = 0; l < 16; l++) sp[l] = (l < 8 ? lo[l] : hi[l - 8]) * 0x1p-32 + (double)(nm[l] - 1);
        return bad;
    #endif
    }
    static inline int fa_rv_lanes_softmax_d(double xb[16][16], Py_ssize_t K, Py_ssize_t nr,
                                            double eb[16][16], double *mb, double *sp) {
        /* lanes 0-7 and 8-15 are two registers */
        fa_d8 v, m[2], ev, s[2] = {{0}, {0}};
        fa_l8 cnt[2] = {{0}, {0}}, k;
        double sb[16];
        int64_t nm[16];
        Py_ssize_t l, j, h;
        int bad = 0;
        for (h = 0; h < 2; h++) {
            m[h] = (fa_d8){} - INFINITY;
            for (j = 0; j < K; j++) { v = fa_ld_d(xb[j] + 8 * h); m[h] = fa_sel_d(v > m[h], v, m[h]); }
            fa_st_d(mb + 8 * h, m[h]);
        }
        for (l = 0; l < nr; l++) if (!(fabs(mb[l]) <= 1.7976931348623157e308)) bad |= 1 << l;
        for (h = 0; h < 2; h++)
            for (j = 0; j < K; j++) {
                v = fa_ld_d(xb[j] + 8 * h);
                ev = fa_rv_exp_d(v, m[h]);
                fa_st_d(eb[j] + 8 * h, ev);
                k = v == m[h];
                cnt[h] -= k;
                s[h] += fa_sel_d(k, (fa_d8){}, ev);
            }
        fa_st_d(sb, s[0]); fa_st_d(sb + 8, s[1]);
        memcpy(nm, &cnt[0], 64); memcpy(nm + 8, &cnt[1], 64);
        for (l = 0; l < 16; l++) sp[l] = sb[l] * 0x1p-500 + (double)(nm[l] - 1);
        return bad;
    }

    /* ---- Short float32 rows, up to FA_LANE_K = 128 entries (the backwards up to
       FA_LANE_K_BWD = 64), 16 rows at a time, a row in one to eight registers (AVX-512
       build).  One at a time through the general row kernels such rows were all passes,
       tails and horizontal sums (about 100 cycles a row at K = 16: softmax, log_softmax,
       softmax_backward and log_softmax_backward at 0.56, 0.44, 0.41 and 0.26x
       PyTorch's speed).  Here each step is a loop over the group's rows with a short
       body (one row's whole chain at a time left the core waiting on latency), the
       per-row finish (the divisions or log1p's) is one vectorised loop over the group,
       and the outputs are packed into full stores.  Per row, with m the max and
       e'_j = e^(x_j - m) 2^SC (the TwoSum form, fa_rv_exp_f):
         s' = Σ_{x_j<m} e'_j 2^-SC + (#max - 1), summed in double
         softmax:              y_j = e'_j a,  a = 2^-SC / (1 + s') rounded to float
         log_softmax:          y_j = (x_j - m) - c,  c = log1p(s') rounded to float
         softmax_backward:     dx_j = y_j ((dy_j - dh) - dl),  dh + dl = Σ dy_j y_j
         log_softmax_backward: dx_j = (dy_j - e_j sh) - e_j sl,  e_j = e^(y_j),
                               sh + sl = Σ dy_j
       the row kernels' forms (the sums' order differs, so the bits may differ from a
       longer row's; every row of such a K goes this way, alone or not, on any thread).
       Rows with an entry that is not finite (forwards), a huge or NaN dot or sum, or a y
       above FA_RV_LSM_YMAX (log_softmax_backward) are left to the row loop: the
       returned mask. ---- */
    /* the forwards up to 128 entries (8 registers), the backwards up to 64: longer rows
       measured faster through the row kernels there (2 threads, float32, against
       PyTorch's time, rows alone / 16 at a time: softmax_backward (32768, 128) 1.10-1.24x
       / 0.78x, log_softmax_backward 0.68x / 0.61x; log_softmax 0.83-0.87x / 1.04x,
       softmax 1.04x / 1.13x) */
    #define FA_LANE_K 128
    #define FA_LANE_K_BWD 64
    #if FA_RV_WIDE
    static inline __mmask16 fa_lane_mask(Py_ssize_t n) { return (__mmask16)((1u << n) - 1u); }   /* n <= 16 */
    /* a register's 16 float lanes as 8 double lanes: lanes 0-7 and 8-15 */
    static inline __m512d fa_lane_lo8_d(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
    static inline __m512d fa_lane_hi8_d(__m512 v) {
        return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    }
    /* the 16 lanes (under k) summed into 8 double lanes: lanes 0-7 + lanes 8-15 */
    static inline __m512d fa_lane_sum8_d(__m512 v, __mmask16 k) {
        v = _mm512_maskz_mov_ps(k, v);
        return _mm512_add_pd(fa_lane_lo8_d(v), fa_lane_hi8_d(v));
    }
    /* Σ a_j b_j of two registers into 8 double lanes (float products are exact in double) */
    static inline __m512d fa_lane_dot8_d(__m512 a, __m512 b) {
        return _mm512_add_pd(_mm512_mul_pd(fa_lane_lo8_d(a), fa_lane_lo8_d(b)),
                             _mm512_mul_pd(fa_lane_hi8_d(a), fa_lane_hi8_d(b)));
    }
    /* Σ of 8 double lanes, halves first */
    static inline double fa_hsum8_d(__m512d s) {
        __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1));
        __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    }
    /* Σ of a register's 16 float lanes (under k) in double */
    static inline double fa_lane_sum_d(__m512 v, __mmask16 k) { return fa_hsum8_d(fa_lane_sum8_d(v, k)); }
    /* A row's 16 lanes from p: a plain load where 16 entries are there to read (the
       lanes past the row are ignored), a masked one at the end of the data.  Lanes are
       selected with and/or on a vector mask, never a k-mask that GCC would fold into
       a masked load: on Zen 5 masked loads and stores of rows that stream from memory
       were most of their time (softmax_backward (262144, 16) float32, 2 threads: 1.55
       ms with them, 0.46 without). */
    static inline __m512 fa_lane_load(const float *p, __mmask16 k, int plain) {
        return plain ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(k, p);
    }
    static inline __m512 fa_lane_vmask(Py_ssize_t K) {
        return _mm512_castsi512_ps(_mm512_maskz_set1_epi32(fa_lane_mask(K), -1));
    }
    /* lanes of a where lm is set, of b elsewhere */
    static inline __m512 fa_lane_blend(__m512 lm, __m512 a, __m512 b) {
        return _mm512_or_ps(_mm512_and_ps(lm, a), _mm512_andnot_ps(lm, b));
    }
    static inline void fa_lane_store(float *p, __mmask16 k, __m512 v) {
        if (k == 0xffff) _mm512_storeu_ps(p, v); else _mm512_mask_storeu_ps(p, k, v);
    }
    /* Rows of K entries packed into full 16-lane stores: each row's K lanes join the
       pending ones (permutes), every full vector goes out by one plain store, and the
       last partial one by one masked store. */
    typedef struct { __m512 acc; int fill; float *out; } fa_pack;
    static inline void fa_pack_start(fa_pack *p, float *out) {
        p->acc = _mm512_setzero_ps(); p->fill = 0; p->out = out;
    }
    static inline void fa_pack_put(fa_pack *p, __m512 o, Py_ssize_t K) {
        const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        __m512i f = _mm512_set1_epi32(p->fill);
        /* lane i < fill keeps acc[i]; lane i >= fill takes o[i - fill] (index 16 + i - fill) */
        __m512i idx = _mm512_mask_add_epi32(iota, _mm512_cmpge_epi32_mask(iota, f), _mm512_sub_epi32(iota, f),
                                            _mm512_set1_epi32(16));
        __m512 acc = _mm512_permutex2var_ps(p->acc, idx, o);
        int nf = p->fill + (int)K;
        if (nf >= 16) {
            _mm512_storeu_ps(p->out, acc);
            p->out += 16;
            /* o's entries past those stored: lane i takes o[16 - fill + i] */
            acc = _mm512_permutexvar_ps(_mm512_add_epi32(iota, _mm512_set1_epi32(16 - p->fill)), o);
            nf -= 16;
        }
        p->acc = acc;
        p->fill = nf;
    }
    static inline void fa_pack_end(fa_pack *p) {
        if (p->fill) _mm512_mask_storeu_ps(p->out, (__mmask16)((1u << p->fill) - 1u), p->acc);
    }
    /* The group's rows from buf (row r at buf + 16 G r, its K entries first) to out:
       packed into full stores, or, when some rows are left to the row loop (bad), the
       others one by one, so that those rows' inputs stay as they are for in-place
       calls.  The backwards write through it; the forwards pack as they compute (their
       results first stored to a buffer and written by this cost 2 to 3%: softmax and
       log_softmax (262144, 16) and (65536, 64) float32, one thread) */
    static inline __attribute__((always_inline)) void fa_lane_write_rows(
            float *out, const float *buf, Py_ssize_t nr, Py_ssize_t K, const int G, int bad) {
        const int KL = (int)(K - 16 * (G - 1));
        const __mmask16 kl = fa_lane_mask(KL);
        Py_ssize_t r;
        int g;
        fa_pack pk;
        fa_pack_start(&pk, out);
        for (r = 0; r < nr; r++)
            for (g = 0; g < G; g++) {
                __mmask16 k = g < G - 1 ? 0xffff : kl;
                __m512 o = _mm512_loadu_ps(buf + 16 * G * r + 16 * g);
                if (bad) {
                    if (!((bad >> r) & 1)) fa_lane_store(out + r * K + 16 * g, k, o);
                } else {
                    fa_pack_put(&pk, o, g < G - 1 ? 16 : KL);
                }
            }
        if (!bad) fa_pack_end(&pk);
    }
    /* Rows of up to 16 entries, one register: the general forms below with G = 1
       measured slower (float32, (262144, 16), 2 threads: softmax 1.35 against 1.04 ms,
       softmax_backward 0.58-0.61 against 0.53-0.55) */
    static inline int fa_rv_softmax_lanes1(const float *x, float *y, Py_ssize_t nr,
                                           Py_ssize_t K, Py_ssize_t avail, int log) {
        float eb[16][16], mb[16], c[16];
        double spb[16];
        __mmask16 k = fa_lane_mask(K);
        __m512 lm = fa_lane_vmask(K);
        Py_ssize_t r;
        int bad = 0;
        fa_pack pk;
        float vb[16][16];
        __mmask16 mxb[16];
        /* in stages over the group's rows, each a short loop body whose iterations
           overlap (one row's whole chain at a time left the core waiting on latency) */
        for (r = 0; r < 16; r++) { spb[r] = 0.0; mb[r] = 0.0f; }
        for (r = 0; r < nr; r++) {
            __m512 v = fa_lane_load(x + r * K, k, r * K + 16 <= avail);
            __mmask16 fin = _mm512_mask_cmp_ps_mask(k, _mm512_abs_ps(v), _mm512_set1_ps(3.4028235e38f), _CMP_LE_OQ);
            if (fin != k) bad |= 1 << r;
            _mm512_storeu_ps(vb[r], v);
            mb[r] = _mm512_mask_reduce_max_ps(k, v);
        }
        for (r = 0; r < nr; r++) {
            __m512 v = _mm512_loadu_ps(vb[r]), vm = _mm512_set1_ps(mb[r]);
            _mm512_storeu_ps(eb[r], (__m512)fa_rv_exp_f((fa_f16)fa_lane_blend(lm, v, vm), (fa_f16)vm));
            mxb[r] = _mm512_mask_cmp_ps_mask(k, v, vm, _CMP_EQ_OQ);
        }
        for (r = 0; r < nr; r++)
            spb[r] = fa_lane_sum_d(_mm512_loadu_ps(eb[r]), k & ~mxb[r]) * 0x1p-32
                     + (double)(__builtin_popcount((unsigned)mxb[r]) - 1);
        for (r = 0; r < 16; r++)
            c[r] = log ? (float)fa_log1p(spb[r]) : (float)(0x1p-32 / (1.0 + spb[r]));
        fa_pack_start(&pk, y);
        for (r = 0; r < nr; r++) {
            __m512 o = log ? _mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(vb[r]), _mm512_set1_ps(mb[r])),
                                           _mm512_set1_ps(c[r]))
                           : _mm512_mul_ps(_mm512_loadu_ps(eb[r]), _mm512_set1_ps(c[r]));
            if (bad) {          /* a row left to the row loop: the others one by one */
                if (!((bad >> r) & 1)) fa_lane_store(y + r * K, k, o);
            } else {
                fa_pack_put(&pk, o, K);
            }
        }
        if (!bad) fa_pack_end(&pk);
        return bad;
    }
    static inline int fa_rv_softmax_bwd_lanes1(const float *dy, const float *y, float *dx,
                                               Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail) {
        __mmask16 k = fa_lane_mask(K);
        __m512 lm = fa_lane_vmask(K);
        float ob[16][16];
        Py_ssize_t r;
        int bad = 0;
        float db[16][16], yb[16][16];
        double dotb[16];
        for (r = 0; r < nr; r++) {      /* in stages, as in fa_rv_softmax_lanes_f */
            int in = r * K + 16 <= avail;
            __m512 d = _mm512_and_ps(lm, fa_lane_load(dy + r * K, k, in));
            __m512 v = _mm512_and_ps(lm, fa_lane_load(y + r * K, k, in));
            _mm512_storeu_ps(db[r], d);
            _mm512_storeu_ps(yb[r], v);
            dotb[r] = fa_hsum8_d(fa_lane_dot8_d(d, v));
        }
        for (r = 0; r < nr; r++) {
            double dot = dotb[r];
            if (!(fabs(dot) <= 1e37)) bad |= 1 << r;
            float dh = (float)dot, dl = (float)(dot - dh);
            _mm512_storeu_ps(ob[r], _mm512_mul_ps(_mm512_loadu_ps(yb[r]),
                                                  _mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(db[r]), _mm512_set1_ps(dh)),
                                                                _mm512_set1_ps(dl))));
        }
        fa_lane_write_rows(dx, &ob[0][0], nr, K, 1, bad);
        return bad;
    }

    /* (G a constant in each call of the dispatchers below, so the loops over a row's
       registers unroll: with G a variable, K = 16 rows lost half their speed) */
    static inline __attribute__((always_inline)) int fa_rv_softmax_lanes_g(
            const float *x, float *y, Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail, int log,
            const int G) {
        /* a row is G = ceil(K/16) registers, the last one's first KL lanes its own */
        float vb[16][16 * G], eb[16][16 * G], mb[16], c[16];
        double spb[16];
        const int KL = (int)(K - 16 * (G - 1));
        const __mmask16 kl = fa_lane_mask(KL);
        const __m512 lml = fa_lane_vmask(KL);
        Py_ssize_t r;
        int bad = 0, g;
        fa_pack pk;
        /* in stages over the group's rows, each a short loop body whose iterations
           overlap (one row's whole chain at a time left the core waiting on latency) */
        for (r = 0; r < 16; r++) { spb[r] = 0.0; mb[r] = 0.0f; }
        for (r = 0; r < nr; r++) {
            __m512 mx = _mm512_set1_ps(-INFINITY);
            int fin = 1;
            for (g = 0; g < G; g++) {
                __mmask16 k = g < G - 1 ? 0xffff : kl;
                __m512 v = fa_lane_load(x + r * K + 16 * g, k, r * K + 16 * g + 16 <= avail);
                fin &= _mm512_mask_cmp_ps_mask(k, _mm512_abs_ps(v), _mm512_set1_ps(3.4028235e38f),
                                               _CMP_LE_OQ) == k;
                _mm512_storeu_ps(vb[r] + 16 * g, v);
                mx = _mm512_mask_max_ps(mx, k, mx, v);
            }
            if (!fin) bad |= 1 << r;
            mb[r] = _mm512_reduce_max_ps(mx);
        }
        for (r = 0; r < nr; r++) {
            __m512 vm = _mm512_set1_ps(mb[r]);
            for (g = 0; g < G; g++) {
                __m512 v = _mm512_loadu_ps(vb[r] + 16 * g);
                if (g == G - 1) v = fa_lane_blend(lml, v, vm);
                _mm512_storeu_ps(eb[r] + 16 * g, (__m512)fa_rv_exp_f((fa_f16)v, (fa_f16)vm));
            }
        }
        for (r = 0; r < nr; r++) {
            __m512 vm = _mm512_set1_ps(mb[r]);
            __m512d s = _mm512_setzero_pd();
            int cnt = 0;
            for (g = 0; g < G; g++) {
                __mmask16 k = g < G - 1 ? 0xffff : kl;
                __mmask16 mxk = _mm512_mask_cmp_ps_mask(k, _mm512_loadu_ps(vb[r] + 16 * g), vm, _CMP_EQ_OQ);
                s = _mm512_add_pd(s, fa_lane_sum8_d(_mm512_loadu_ps(eb[r] + 16 * g), k & ~mxk));
                cnt += __builtin_popcount((unsigned)mxk);
            }
            spb[r] = fa_hsum8_d(s) * 0x1p-32 + (double)(cnt - 1);
        }
        for (r = 0; r < 16; r++)
            c[r] = log ? (float)fa_log1p(spb[r]) : (float)(0x1p-32 / (1.0 + spb[r]));
        fa_pack_start(&pk, y);
        for (r = 0; r < nr; r++) {
            __m512 cv = _mm512_set1_ps(c[r]), mv = _mm512_set1_ps(mb[r]);
            for (g = 0; g < G; g++) {
                __mmask16 k = g < G - 1 ? 0xffff : kl;
                __m512 o = log ? _mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(vb[r] + 16 * g), mv), cv)
                               : _mm512_mul_ps(_mm512_loadu_ps(eb[r] + 16 * g), cv);
                if (bad) {      /* a row left to the row loop: the others one by one */
                    if (!((bad >> r) & 1)) fa_lane_store(y + r * K + 16 * g, k, o);
                } else {
                    fa_pack_put(&pk, o, g < G - 1 ? 16 : KL);
                }
            }
        }
        if (!bad) fa_pack_end(&pk);
        return bad;
    }
    /* The backwards, from dy and y (lsm: log_softmax_backward, y the log-probabilities):
         softmax_backward:     dx_j = y_j ((dy_j - dh) - dl),  dh + dl = Σ dy_j y_j
         log_softmax_backward: dx_j = (dy_j - e_j sh) - e_j sl,  e_j = e^(y_j),
                               sh + sl = Σ dy_j (fa_rv_lsm_bwd_v's operations)
       the sums in double; rows with a huge or NaN sum, or (lsm) a y above
       FA_RV_LSM_YMAX, are left to the row loop */
    static inline __attribute__((always_inline)) int fa_rv_bwd_lanes_g(
            const float *dy, const float *y, float *dx, Py_ssize_t nr, Py_ssize_t K,
            Py_ssize_t avail, const int G, const int lsm) {
        float db[16][16 * G], yb[16][16 * G];
        double sb[16];
        const int KL = (int)(K - 16 * (G - 1));
        const __mmask16 kl = fa_lane_mask(KL);
        const __m512 lml = fa_lane_vmask(KL);
        Py_ssize_t r;
        int bad = 0, g;
        for (r = 0; r < nr; r++) {      /* in stages, as in fa_rv_softmax_lanes_f */
            __m512d s = _mm512_setzero_pd();
            __mmask16 big = 0;
            for (g = 0; g < G; g++) {
                __mmask16 k = g < G - 1 ? 0xffff : kl;
                int in = r * K + 16 * g + 16 <= avail;
                __m512 d = fa_lane_load(dy + r * K + 16 * g, k, in);
                __m512 v = fa_lane_load(y + r * K + 16 * g, k, in);
                if (g == G - 1) { d = _mm512_and_ps(lml, d); v = _mm512_and_ps(lml, v); }
                _mm512_storeu_ps(db[r] + 16 * g, d);
                _mm512_storeu_ps(yb[r] + 16 * g, v);
                if (lsm) {
                    big |= _mm512_cmp_ps_mask(v, _mm512_set1_ps(FA_RV_LSM_YMAX), _CMP_GT_OQ);
                    s = _mm512_add_pd(s, fa_lane_sum8_d(d, 0xffff));
                } else {
                    s = _mm512_add_pd(s, fa_lane_dot8_d(d, v));
                }
            }
            sb[r] = fa_hsum8_d(s);
            if (big || !(fabs(sb[r]) <= 1e37)) bad |= 1 << r;
        }
        for (r = 0; r < nr; r++) {
            float sh = (float)sb[r], sl = (float)(sb[r] - sh);
            for (g = 0; g < G; g++) {
                fa_f16 d = (fa_f16)_mm512_loadu_ps(db[r] + 16 * g), v = (fa_f16)_mm512_loadu_ps(yb[r] + 16 * g);
                if (lsm) {
                    fa_f16 e = fa_rv_exp_core_f(fa_clamp_lo_f(v, -FA_RV_LO_F), (fa_f16){}) * (float)FA_RV_ISC_F;
                    _mm512_storeu_ps(db[r] + 16 * g, (__m512)((d - e * sh) - e * sl));
                } else {
                    _mm512_storeu_ps(db[r] + 16 * g, (__m512)(v * ((d - sh) - sl)));
                }
            }
        }
        fa_lane_write_rows(dx, &db[0][0], nr, K, G, bad);
        return bad;
    }
    #endif
    static inline int fa_rv_softmax_lanes_f(const float *x, float *y, Py_ssize_t nr,
                                            Py_ssize_t K, Py_ssize_t avail, int log) {
    #if FA_RV_WIDE
        switch ((K + 15) / 16) {
        case 1: return fa_rv_softmax_lanes1(x, y, nr, K, avail, log);
        case 2: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 2);
        case 3: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 3);
        case 4: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 4);
        case 5: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 5);
        case 6: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 6);
        case 7: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 7);
        default: return fa_rv_softmax_lanes_g(x, y, nr, K, avail, log, 8);
        }
    #else
        return -1;
    #endif
    }
    static inline int fa_rv_softmax_bwd_lanes_f(const float *dy, const float *y, float *dx,
                                                Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail) {
    #if FA_RV_WIDE
        switch ((K + 15) / 16) {
        case 1: return fa_rv_softmax_bwd_lanes1(dy, y, dx, nr, K, avail);
        case 2: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 2, 0);
        case 3: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 3, 0);
        case 4: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 4, 0);
        default: return (1 << nr) - 1;         /* K > FA_LANE_K_BWD: the row loop */
        }
    #else
        return -1;
    #endif
    }

    static inline int fa_rv_lsm_bwd_lanes_f(const float *dy, const float *y, float *dx,
                                            Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail) {
    #if FA_RV_WIDE
        switch ((K + 15) / 16) {
        case 1: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 1, 1);
        case 2: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 2, 1);
        case 3: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 3, 1);
        case 4: return fa_rv_bwd_lanes_g(dy, y, dx, nr, K, avail, 4, 1);
        default: return (1 << nr) - 1;         /* K > FA_LANE_K_BWD: the row loop */
        }
    #else
        return -1;
    #endif
    }

    /* ---- softmax cross-entropy with class indices and no label smoothing for
       nr <= 16 rows of K <= 16 classes at once, row l in lane l (short rows would
       otherwise be all tail).  Per row, as the long-row kernel:
         m = max x, s' = Σ_{x_j<m} e^(x_j-m) + (#max - 1), L = log1p(s'), s = 1 + s',
         term = w_t ((m - x_t) + L),  grad_j = gs w_t (e_j/s - δ_jt),
       with e_t/s - 1 formed as -s'/s when x_t is the max (no cancellation).  Rows whose
       target is `ignore` get term 0 and a zero gradient.  Returns the mask of rows
       left to the row loop (see fa_rv_lanes_softmax_f). ---- */
    static inline int fa_rv_sce_rows_f(const float *x, const int64_t *t, const float *w, float *g,
                                       Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs,
                                       double *term) {
        float xb[16][16], eb[16][16], mb[16], a[16], gt[16];
        double spb[16], wb[16], xtb[16], etb[16], tmb[16];
        Py_ssize_t l, j;
        int bad;
        for (l = 0; l < 16; l++)
            for (j = 0; j < K; j++) xb[j][l] = l < nr ? x[l * K + j] : 0.0f;
        bad = fa_rv_lanes_softmax_f(xb, K, nr, eb, mb, spb);
        /* each lane's target entries (0 for lanes without a row, an ignored target or a
           row left to the row loop: their results below are not used) */
        for (l = 0; l < 16; l++) {
            int64_t tl = l < nr ? t[l] : ignore;
            int live = tl != ignore && !((bad >> l) & 1);
            if (tl == ignore) bad &= ~(1 << l);
            wb[l] = live ? (double)w[tl] : 0.0;
            xtb[l] = live ? (double)xb[tl][l] : 0.0;
            etb[l] = live ? (double)eb[tl][l] : 0.0;
        }
        /* the per-row finish, one lane per row: a loop GCC vectorises (the log1p and
           the divisions were most of the time of these rows when done row by row) */
        for (l = 0; l < 16; l++) {
            double sp = spb[l], L = fa_log1p(sp), s = 1.0 + sp, wt = wb[l], xt = xtb[l];
            double pt = etb[l] * 0x1p-32 / s;
            tmb[l] = wt * (((double)mb[l] - xt) + L);
            a[l] = (float)(gs * wt / s * 0x1p-32);
            gt[l] = (float)(gs * wt * (xt == mb[l] ? -sp / s : pt - 1.0));
        }
        for (l = 0; l < nr; l++) {
            if (t[l] == ignore) term[l] = 0.0;
            else if (!((bad >> l) & 1)) term[l] = tmb[l];
        }
        if (!g) return bad;
        {
    #if FA_RV_HALVES
            fa_f8 v0 = fa_ld_f8(a), v1 = fa_ld_f8(a + 8);
            for (j = 0; j < K; j++) {
                fa_st_f8(eb[j], fa_ld_f8(eb[j]) * v0);
                fa_st_f8(eb[j] + 8, fa_ld_f8(eb[j] + 8) * v1);
            }
    #else
            fa_f16 v = fa_ld_f(a);
            for (j = 0; j < K; j++) fa_st_f(eb[j], fa_ld_f(eb[j]) * v);
    #endif
        }
        for (l = 0; l < nr; l++) {
            float *gr = g + l * K;
            if (t[l] == ignore) { for (j = 0; j < K; j++) gr[j] = 0.0f; continue; }
            if ((bad >> l) & 1) continue;
            for (j = 0; j < K; j++) gr[j] = eb[j][l];
            gr[t[l]] = gt[l];
        }
        return bad;
    }
    static inline int fa_rv_sce_rows_d(const double *x, const int64_t *t, const double *w, double *g,
                                       Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs,
                                       double *term) {
        /* fa_rv_sce_rows_f in double */
        double xb[16][16], eb[16][16], mb[16], a[16], gt[16], spb[16];
        double wb[16], xtb[16], etb[16], tmb[16];
        Py_ssize_t l, j, h;
        int bad;
        for (l = 0; l < 16; l++)
            for (j = 0; j < K; j++) xb[j][l] = l < nr ? x[l * K + j] : 0.0;
        bad = fa_rv_lanes_softmax_d(xb, K, nr, eb, mb, spb);
        for (l = 0; l < 16; l++) {
            int64_t tl = l < nr ? t[l] : ignore;
            int live = tl != ignore && !((bad >> l) & 1);
            if (tl == ignore) bad &= ~(1 << l);
            wb[l] = live ? w[tl] : 0.0;
            xtb[l] = live ? xb[tl][l] : 0.0;
            etb[l] = live ? eb[tl][l] : 0.0;
        }
        for (l = 0; l < 16; l++) {
            double sp = spb[l], L = fa_log1p(sp), sl = 1.0 + sp, wt = wb[l], xt = xtb[l];
            double pt = etb[l] * 0x1p-500 / sl;
            tmb[l] = wt * ((mb[l] - xt) + L);
            a[l] = gs * wt / sl * 0x1p-500;
            gt[l] = gs * wt * (xt == mb[l] ? -sp / sl : pt - 1.0);
        }
        for (l = 0; l < nr; l++) {
            if (t[l] == ignore) term[l] = 0.0;
            else if (!((bad >> l) & 1)) term[l] = tmb[l];
        }
        if (!g) return bad;
        for (j = 0; j < K; j++)
            for (h = 0; h < 2; h++) fa_st_d(eb[j] + 8 * h, fa_ld_d(eb[j] + 8 * h) * fa_ld_d(a + 8 * h));
        for (l = 0; l < nr; l++) {
            double *gr = g + l * K;
            if (t[l] == ignore) { for (j = 0; j < K; j++) gr[j] = 0.0; continue; }
            if ((bad >> l) & 1) continue;
            for (j = 0; j < K; j++) gr[j] = eb[j][l];
            gr[t[l]] = gt[l];
        }
        return bad;
    }

    /* ---- softmax cross-entropy with a probability target y for nr <= 16 rows of
       K <= 16 classes at once, row l in lane l.  Per row, as _sce_prob_row in _losses:
         c_j = w_j ((1 - eps) y_j + eps/K) (in double),  m = max x,
         s' = Σ_{x_j<m} e^(x_j-m) + (#max - 1),  L = log1p(s'),  s = 1 + s',
         term = Σ_{c_j != 0} c_j (m - x_j) + L Σ_j c_j,  grad_j = gs (e_j Σc / s - c_j);
       sums in double in class order, explicit fmas (GCC would otherwise contract them
       differently in a vectorised loop body and its scalar remainder, and a row's bits
       would depend on where it lands).  Returns the mask of rows left to the row loop.
       The sums of c are taken in a second pass over the transposed rows (in L1). ---- */
    /* Y += c, D += c (m - x) where c != 0, over the 16 lanes of one class (x, m: the
       class's row of xb and the lanes' maxima, in double) */
    static inline void fa_rv_prob_sums(const double *c, fa_d8 x0, fa_d8 x1, fa_d8 m0, fa_d8 m1,
                                       fa_d8 *Y, fa_d8 *D) {
        fa_d8 c0 = fa_ld_d(c), c1 = fa_ld_d(c + 8);
        Y[0] += c0; Y[1] += c1;
        D[0] += fa_sel_d(c0 != 0.0, c0 * (m0 - x0), (fa_d8){});
        D[1] += fa_sel_d(c1 != 0.0, c1 * (m1 - x1), (fa_d8){});
    }
    static inline int fa_rv_sce_prob_rows_f(const float *x, const float *y, const float *w,
                                            float *g, Py_ssize_t nr, Py_ssize_t K, double keep,
                                            double eps_k, double gs, double *term) {
        float xb[16][16], eb[16][16], mb[16];
        double cb[16][16], spb[16], Y[16], D[16], a[16];
        fa_d8 Yv[2] = {{0}, {0}}, Dv[2] = {{0}, {0}}, m0, m1;
        fa_f16 v;
        Py_ssize_t l, j;
        int bad;
        for (l = 0; l < 16; l++)
            for (j = 0; j < K; j++) {
                xb[j][l] = l < nr ? x[l * K + j] : 0.0f;
                cb[j][l] = l < nr ? (keep * (double)y[l * K + j] + eps_k) * (double)w[j] : 0.0;
            }
        bad = fa_rv_lanes_softmax_f(xb, K, nr, eb, mb, spb);
        v = fa_ld_f(mb); m0 = fa_lo_d(v); m1 = fa_hi_d(v);
        for (j = 0; j < K; j++) {
            v = fa_ld_f(xb[j]);
            fa_rv_prob_sums(cb[j], fa_lo_d(v), fa_hi_d(v), m0, m1, Yv, Dv);
        }
        fa_st_d(Y, Yv[0]); fa_st_d(Y + 8, Yv[1]); fa_st_d(D, Dv[0]); fa_st_d(D + 8, Dv[1]);
        for (l = 0; l < nr; l++) {
            double L = fa_log1p(spb[l]), s = 1.0 + spb[l];
            if ((bad >> l) & 1) continue;
            term[l] = Y[l] != 0.0 ? fma(Y[l], L, D[l]) : D[l];
            a[l] = gs * Y[l] / s * 0x1p-32;
        }
        if (!g) return bad;
        for (l = 0; l < nr; l++) {
            float *gr = g + l * K;
            if ((bad >> l) & 1) continue;
            for (j = 0; j < K; j++) gr[j] = (float)fma((double)eb[j][l], a[l], -(gs * cb[j][l]));
        }
        return bad;
    }
    static inline int fa_rv_sce_prob_rows_d(const double *x, const double *y, const double *w,
                                            double *g, Py_ssize_t nr, Py_ssize_t K, double keep,
                                            double eps_k, double gs, double *term) {
        /* fa_rv_sce_prob_rows_f in double */
        double xb[16][16], eb[16][16], mb[16], cb[16][16], spb[16], Y[16], D[16], a[16];
        fa_d8 Yv[2] = {{0}, {0}}, Dv[2] = {{0}, {0}}, m0, m1;
        Py_ssize_t l, j;
        int bad;
        for (l = 0; l < 16; l++)
            for (j = 0; j < K; j++) {
                xb[j][l] = l < nr ? x[l * K + j] : 0.0;
                cb[j][l] = l < nr ? (keep * y[l * K + j] + eps_k) * w[j] : 0.0;
            }
        bad = fa_rv_lanes_softmax_d(xb, K, nr, eb, mb, spb);
        m0 = fa_ld_d(mb); m1 = fa_ld_d(mb + 8);
        for (j = 0; j < K; j++)
            fa_rv_prob_sums(cb[j], fa_ld_d(xb[j]), fa_ld_d(xb[j] + 8), m0, m1, Yv, Dv);
        fa_st_d(Y, Yv[0]); fa_st_d(Y + 8, Yv[1]); fa_st_d(D, Dv[0]); fa_st_d(D + 8, Dv[1]);
        for (l = 0; l < nr; l++) {
            double L = fa_log1p(spb[l]), sl = 1.0 + spb[l];
            if ((bad >> l) & 1) continue;
            term[l] = Y[l] != 0.0 ? fma(Y[l], L, D[l]) : D[l];
            a[l] = gs * Y[l] / sl * 0x1p-500;
        }
        if (!g) return bad;
        for (l = 0; l < nr; l++) {
            double *gr = g + l * K;
            if ((bad >> l) & 1) continue;
            for (j = 0; j < K; j++) gr[j] = fma(eb[j][l], a[l], -(gs * cb[j][l]));
        }
        return bad;
    }

    /* ---- binary cross-entropy with logits, float32, n contiguous elements (as
       _bce_logits_point in _losses.pyx): a = |z|, e = e^-a, L = log1p(e),
       σ(-a) = e/(1+e), lw = 1 + (pw - 1) t (pw = NULL: pos_weight 1, lw = 1),
         z >= 0: term = (1-t) a + lw L,  grad = (1-t) - lw σ(-a)
         z <  0: term = pw t a + lw L,   grad = lw σ(-a) - pw t
       (a zero coefficient times a = inf counts 0).  One division: q = 1/(1+e) gives
       σ(-a) = e q (refined); log1p(e) = e + e^2 Q(e), fa_log1pf_unit's polynomial (no
       reduction or division; ~0.7 ulp).  Element i of the run adds to acc[i % 16]; lo
       (terms) and g (grad times gs) may be NULL. ---- */
    static inline fa_f16 fa_rv_log1p01_f(fa_f16 e) {     /* log(1 + e), 0 <= e <= 1 */
        fa_f16 p = (fa_f16){} + FA_LOG1PF_Q_LEAD;           /* fa_log1pf_unit's e + e^2 Q(e) */
        FA_LOG1PF_Q_STEPS(p, e);
        return e + (e * e) * p;
    }
    /* term and gradient (times gsf) of 16 elements: z, tt, w as loaded (w = 1 without
       pos_weight) */
    static inline __attribute__((always_inline)) void
    fa_bce_logits_terms_f(fa_f16 z, fa_f16 tt, fa_f16 w, int has_pw, float gsf, fa_f16 *term, fa_f16 *gr) {
        fa_f16 a = (fa_f16)((fa_i16)z & 0x7fffffff);          /* |z| */
        fa_f16 e = fa_rv_exp0_f(-a) * (float)FA_RV_ISC_F;
        fa_f16 u = 1.0f + e;
        fa_f16 q = 1.0f / u;
        fa_f16 sg = e * q;
        /* one Newton step with the exact residual e - sg (1 + e) = (e - sg u) - sg (e - (u - 1)):
           σ(-a) within about half an ulp, as the gradient may cancel against t */
        sg = sg + ((e - sg * u) - sg * (e - (u - 1.0f))) * q;
        fa_f16 L = fa_rv_log1p01_f(e);
        fa_i16 pos = z >= 0.0f;
        fa_f16 lw = has_pw ? 1.0f + (w - 1.0f) * tt : (fa_f16){} + 1.0f;
        fa_f16 c = fa_sel_f(pos, 1.0f - tt, w * tt);
        fa_f16 lin = fa_sel_f(c != 0.0f, c * a, (fa_f16){});   /* NaN z: L is NaN */
        *term = lin + lw * L;
        *gr = fa_sel_f(pos, c - lw * sg, lw * sg - c) * gsf;
    }
    /* The same for FA_BCEL_U vectors (128 elements), each step done for all of them
       before the next: the operations of fa_bce_logits_terms_f, fa_rv_exp0_f and
       fa_rv_log1p01_f written out step by step, so the same values (the tests compare
       the two paths).  One vector's chain (exponential, division and Newton step, the
       logarithm's polynomial) is ~90 cycles long: one vector a step (or four, one after
       another) took 42 cycles per 16 elements in cache, one thread, the FMA ports
       mostly idle; interleaved, 2 vectors 35, 4 31.5, 6 27, 8 25.7 (constants and
       vectors spill from 8 on, and the loads are cheap). */
    #define FA_BCEL_U 8
    #define FA_BCEL_EACH _Pragma("GCC unroll 8") for (j = 0; j < FA_BCEL_U; j++)
    #define FA_BCEL_HORNER(p, t, c) FA_BCEL_EACH p[j] = p[j] * t[j] + (c);
    static inline __attribute__((always_inline)) void
    fa_bce_logits_terms_u_f(const fa_f16 *z, const fa_f16 *tt, const fa_f16 *w, int has_pw, float gsf,
                            fa_f16 *term, fa_f16 *gr) {
        fa_f16 a[FA_BCEL_U], d[FA_BCEL_U], tb[FA_BCEL_U], r[FA_BCEL_U], p[FA_BCEL_U], e[FA_BCEL_U];
        fa_f16 u[FA_BCEL_U], q[FA_BCEL_U], sg[FA_BCEL_U], L[FA_BCEL_U];
        int j;
        FA_BCEL_EACH a[j] = (fa_f16)((fa_i16)z[j] & 0x7fffffff);
        /* e = e^-a 2^32 2^-32: fa_rv_exp0_f, fa_rv_exp_core_f and fa_rv_exp_scale_f */
        FA_BCEL_EACH { d[j] = -a[j]; d[j] = fa_sel_f(d[j] < -FA_RV_LO_F, (fa_f16){} - FA_RV_LO_F, d[j]); }
        FA_BCEL_EACH tb[j] = d[j] * FA_LOG2E_F + FA_RV_SHIFT_F;
        FA_BCEL_EACH {
            fa_f16 nn = tb[j] - FA_RV_SHIFT_F;
            r[j] = (d[j] - nn * FA_LN2_HI_F) + ((fa_f16){} - nn * FA_LN2_LO_F);
        }
        FA_BCEL_EACH p[j] = (fa_f16){} + FA_RV_EXPF_C6;
        FA_BCEL_HORNER(p, r, FA_RV_EXPF_C5) FA_BCEL_HORNER(p, r, FA_RV_EXPF_C4)
        FA_BCEL_HORNER(p, r, FA_RV_EXPF_C3) FA_BCEL_HORNER(p, r, FA_RV_EXPF_C2)
        FA_BCEL_HORNER(p, r, 1.0f) FA_BCEL_HORNER(p, r, 1.0f)
        FA_BCEL_EACH e[j] = (p[j] * (fa_f16)((fa_u16)tb[j] << 23)) * (float)FA_RV_ISC_F;
        FA_BCEL_EACH { u[j] = 1.0f + e[j]; q[j] = 1.0f / u[j]; }
        FA_BCEL_EACH {
            sg[j] = e[j] * q[j];
            sg[j] = sg[j] + ((e[j] - sg[j] * u[j]) - sg[j] * (e[j] - (u[j] - 1.0f))) * q[j];
        }
        /* L = log1p(e): fa_rv_log1p01_f */
        FA_BCEL_EACH L[j] = (fa_f16){} + FA_LOG1PF_Q_LEAD;
        FA_LOG1PF_Q_REST(FA_BCEL_HORNER, L, e)
        FA_BCEL_EACH L[j] = e[j] + (e[j] * e[j]) * L[j];
        FA_BCEL_EACH {
            fa_i16 pos = z[j] >= 0.0f;
            fa_f16 lw = has_pw ? 1.0f + (w[j] - 1.0f) * tt[j] : (fa_f16){} + 1.0f;
            fa_f16 c = fa_sel_f(pos, 1.0f - tt[j], w[j] * tt[j]);
            fa_f16 lin = fa_sel_f(c != 0.0f, c * a[j], (fa_f16){});
            term[j] = lin + lw * L[j];
            gr[j] = fa_sel_f(pos, c - lw * sg[j], lw * sg[j] - c) * gsf;
        }
    }
    static inline void fa_rv_bce_logits_f(const float *x, const float *t, const float *pw,
                                          float *lo, float *g, Py_ssize_t n, double gs,
                                          double *acc, int nt) {
        /* streaming stores where the output is 64-byte aligned (then every block of 16 is) */
        int ntl = nt && FA_HAVE_NT && lo && !((uintptr_t)lo & 63);
        int ntg = nt && FA_HAVE_NT && g && !((uintptr_t)g & 63);
        fa_d8 a0, a1;
        fa_f16 z, tt, w, term, gr;
        fa_f16 zs[FA_BCEL_U], ts[FA_BCEL_U], ws[FA_BCEL_U], terms[FA_BCEL_U], grs[FA_BCEL_U];
        fa_i16 keep;
        float gsf = (float)gs;
        Py_ssize_t i = 0;
        int j;
        memcpy(&a0, acc, 64); memcpy(&a1, acc + 8, 64);
        for (; i + 16 * FA_BCEL_U <= n; i += 16 * FA_BCEL_U) {
            FA_BCEL_EACH {
                zs[j] = fa_ld_f(x + i + 16 * j); ts[j] = fa_ld_f(t + i + 16 * j);
                ws[j] = pw ? fa_ld_f(pw + i + 16 * j) : (fa_f16){} + 1.0f;
            }
            fa_bce_logits_terms_u_f(zs, ts, ws, pw != NULL, gsf, terms, grs);
            FA_BCEL_EACH {
                if (ntl) fa_st_nt_f(lo + i + 16 * j, terms[j]); else if (lo) fa_st_f(lo + i + 16 * j, terms[j]);
                if (ntg) fa_st_nt_f(g + i + 16 * j, grs[j]); else if (g) fa_st_f(g + i + 16 * j, grs[j]);
                fa_acc_f(&a0, &a1, terms[j]);
            }
        }
        for (; i < n; i += 16) {
            Py_ssize_t r = n - i < 16 ? n - i : 16;
            if (r == 16) { z = fa_ld_f(x + i); tt = fa_ld_f(t + i); w = pw ? fa_ld_f(pw + i) : (fa_f16){} + 1.0f; }
            else {
                z = fa_ld_tail_f(x + i, r, 0.0f); tt = fa_ld_tail_f(t + i, r, 0.0f);
                w = pw ? fa_ld_tail_f(pw + i, r, 1.0f) : (fa_f16){} + 1.0f;
            }
            fa_bce_logits_terms_f(z, tt, w, pw != NULL, gsf, &term, &gr);
            if (r == 16) {
                if (ntl) fa_st_nt_f(lo + i, term); else if (lo) fa_st_f(lo + i, term);
                if (ntg) fa_st_nt_f(g + i, gr); else if (g) fa_st_f(g + i, gr);
                fa_acc_f(&a0, &a1, term);
            } else {
                if (lo) fa_st_tail_f(lo + i, r, term);
                if (g) fa_st_tail_f(g + i, r, gr);
                keep = FA_IOTA16 < (int32_t)r;
                fa_acc_f(&a0, &a1, fa_sel_f(keep, term, (fa_f16){}));
            }
        }
        memcpy(acc, &a0, 64); memcpy(acc + 8, &a1, 64);
        if (ntl || ntg) fa_sfence();
    }

    /* ---- mean squared error over a run: term (x - y)^2, grad 2(x - y) gs (gs holds the 2),
       d = x - y in double (exact for float32 data), each output rounded once; element i
       adds d^2 to acc[i % 16] (as _mse_block of _losses.pyx, whose loop the other builds
       run: the same operations, so the same bits).  A run of inputs from L3 or memory
       (pf) prefetches x's and y's lines FA_RV_AHEAD bytes ahead, and a large output (nt)
       goes out by streaming stores.  lo (terms) and g may be NULL.  The body is written
       once and instantiated for each case (constant flags), so that no loop tests them. ---- */
    #define FA_MSE_ST_F(p, v, ntc) do { if (ntc) fa_st_nt_f(p, v); else fa_st_f(p, v); } while (0)
    #define FA_MSE_ST_D(p, v, ntc) do { if (ntc) fa_st_nt_d(p, v); else fa_st_d(p, v); } while (0)
    #if defined(__AVX512F__)
    /* 8 doubles rounded to float and stored (ntc: p is 32-byte aligned) */
    #define FA_MSE_ST_F8(p, v, ntc)                                                    \
        do {                                                                           \
            __m256 f8_ = _mm512_cvtpd_ps((__m512d)(v));                                 \
            if (ntc) _mm256_stream_ps(p, f8_); else _mm256_storeu_ps(p, f8_);          \
        } while (0)
    #endif
    static inline __attribute__((always_inline)) Py_ssize_t
    fa_mse_full_f(const float *x, const float *y, float *lo, float *g, Py_ssize_t n, double gs,
                  fa_d8 *a0, fa_d8 *a1, const int has_lo, const int has_g, const int nt, const int pf) {
        Py_ssize_t i;
        for (i = 0; i + 16 <= n; i += 16) {
            if (pf) { FA_RV_PF_R(x + i); FA_RV_PF_R(y + i); }
    #if defined(__AVX512F__)
            /* each half of 8 loaded, converted and stored on its own: a conversion from
               memory and no extract or insert (the 16-lane form's, two of each a step,
               took the float32 loss with its gradient from 7.1 to 6.5 cycles per 16
               elements in L2 and L3) */
            fa_d8 d0 = (fa_d8)_mm512_cvtps_pd(_mm256_loadu_ps(x + i)) - (fa_d8)_mm512_cvtps_pd(_mm256_loadu_ps(y + i));
            fa_d8 d1 = (fa_d8)_mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8))
                       - (fa_d8)_mm512_cvtps_pd(_mm256_loadu_ps(y + i + 8));
            if (has_lo) {
                fa_d8 t0 = d0 * d0, t1 = d1 * d1;
                *a0 += t0; *a1 += t1;
                FA_MSE_ST_F8(lo + i, t0, nt); FA_MSE_ST_F8(lo + i + 8, t1, nt);
            } else {
                *a0 = fa_fma_d(d0, d0, *a0); *a1 = fa_fma_d(d1, d1, *a1);
            }
            if (has_g) { FA_MSE_ST_F8(g + i, d0 * gs, nt); FA_MSE_ST_F8(g + i + 8, d1 * gs, nt); }
    #else
            fa_f16 xv = fa_ld_f(x + i), yv = fa_ld_f(y + i);
            fa_d8 d0 = fa_lo_d(xv) - fa_lo_d(yv), d1 = fa_hi_d(xv) - fa_hi_d(yv);
            if (has_lo) {
                fa_d8 t0 = d0 * d0, t1 = d1 * d1;
                *a0 += t0; *a1 += t1;
                FA_MSE_ST_F(lo + i, fa_join_f(t0, t1), nt);
            } else {
                *a0 = fa_fma_d(d0, d0, *a0); *a1 = fa_fma_d(d1, d1, *a1);
            }
            if (has_g) FA_MSE_ST_F(g + i, fa_join_f(d0 * gs, d1 * gs), nt);
    #endif
        }
        return i;
    }
    static inline __attribute__((always_inline)) Py_ssize_t
    fa_mse_full_d(const double *x, const double *y, double *lo, double *g, Py_ssize_t n, double gs,
                  fa_d8 *a0, fa_d8 *a1, const int has_lo, const int has_g, const int nt, const int pf) {
        Py_ssize_t i;
        for (i = 0; i + 16 <= n; i += 16) {
            if (pf) { FA_RV_PF_R(x + i); FA_RV_PF_R(x + i + 8); FA_RV_PF_R(y + i); FA_RV_PF_R(y + i + 8); }
            fa_d8 d0 = fa_ld_d(x + i) - fa_ld_d(y + i), d1 = fa_ld_d(x + i + 8) - fa_ld_d(y + i + 8);
            if (has_lo) {
                fa_d8 t0 = d0 * d0, t1 = d1 * d1;
                *a0 += t0; *a1 += t1;
                FA_MSE_ST_D(lo + i, t0, nt); FA_MSE_ST_D(lo + i + 8, t1, nt);
            } else {
                *a0 = fa_fma_d(d0, d0, *a0); *a1 = fa_fma_d(d1, d1, *a1);
            }
            if (has_g) { FA_MSE_ST_D(g + i, d0 * gs, nt); FA_MSE_ST_D(g + i + 8, d1 * gs, nt); }
        }
        return i;
    }
    /* the full steps with each flag a constant: has_lo and has_g from lo and g, then nt,
       then pf (nt means nothing without an output) */
    #define FA_MSE_PF(full, A, L, G, NT, pf) (pf ? full(FA_MSE_UNPAREN A, L, G, NT, 1) : full(FA_MSE_UNPAREN A, L, G, NT, 0))
    #define FA_MSE_NT(full, A, L, G, nt, pf) (nt ? FA_MSE_PF(full, A, L, G, 1, pf) : FA_MSE_PF(full, A, L, G, 0, pf))
    #define FA_MSE_CASES(full, A, lo, g, nt, pf)                                           \
        (lo ? (g ? FA_MSE_NT(full, A, 1, 1, nt, pf) : FA_MSE_NT(full, A, 1, 0, nt, pf))   \
            : (g ? FA_MSE_NT(full, A, 0, 1, nt, pf) : FA_MSE_PF(full, A, 0, 0, 0, pf)))
    #define FA_MSE_UNPAREN(...) __VA_ARGS__
    static inline void fa_rv_mse_f(const float *x, const float *y, float *lo, float *g, Py_ssize_t n,
                                   double gs, double *acc, int nt, int pf) {
        /* streaming stores where the outputs are 64-byte aligned (then every step's are) */
        int ntc = nt && FA_HAVE_NT && (!lo || !((uintptr_t)lo & 63)) && (!g || !((uintptr_t)g & 63));
        fa_d8 a0, a1;
        memcpy(&a0, acc, 64); memcpy(&a1, acc + 8, 64);
        Py_ssize_t i = FA_MSE_CASES(fa_mse_full_f, (x, y, lo, g, n, gs, &a0, &a1), lo, g, ntc, pf);
        if (i < n) {                                  /* the tail: lanes past it add 0 */
            Py_ssize_t r = n - i;
            fa_f16 xv = fa_ld_tail_f(x + i, r, 0.0f), yv = fa_ld_tail_f(y + i, r, 0.0f);
            fa_d8 d0 = fa_lo_d(xv) - fa_lo_d(yv), d1 = fa_hi_d(xv) - fa_hi_d(yv);
            if (lo) {
                fa_d8 t0 = d0 * d0, t1 = d1 * d1;
                a0 += t0; a1 += t1;
                fa_st_tail_f(lo + i, r, fa_join_f(t0, t1));
            } else {
                a0 = fa_fma_d(d0, d0, a0); a1 = fa_fma_d(d1, d1, a1);
            }
            if (g) fa_st_tail_f(g + i, r, fa_join_f(d0 * gs, d1 * gs));
        }
        memcpy(acc, &a0, 64); memcpy(acc + 8, &a1, 64);
        if (ntc) fa_sfence();
    }
    static inline void fa_rv_mse_d(const double *x, const double *y, double *lo, double *g, Py_ssize_t n,
                                   double gs, double *acc, int nt, int pf) {
        int ntc = nt && FA_HAVE_NT && (!lo || !((uintptr_t)lo & 63)) && (!g || !((uintptr_t)g & 63));
        fa_d8 a0, a1;
        memcpy(&a0, acc, 64); memcpy(&a1, acc + 8, 64);
        Py_ssize_t i = FA_MSE_CASES(fa_mse_full_d, (x, y, lo, g, n, gs, &a0, &a1), lo, g, ntc, pf);
        if (i < n) {
            Py_ssize_t r = n - i, r0 = r < 8 ? r : 8, r1 = r - r0;
            fa_d8 d0 = fa_ld_tail_d(x + i, r0, 0.0) - fa_ld_tail_d(y + i, r0, 0.0);
            fa_d8 d1 = r1 ? fa_ld_tail_d(x + i + 8, r1, 0.0) - fa_ld_tail_d(y + i + 8, r1, 0.0) : (fa_d8){};
            if (lo) {
                fa_d8 t0 = d0 * d0, t1 = d1 * d1;
                a0 += t0; a1 += t1;
                fa_st_tail_d(lo + i, r0, t0);
                if (r1) fa_st_tail_d(lo + i + 8, r1, t1);
            } else {
                a0 = fa_fma_d(d0, d0, a0); a1 = fa_fma_d(d1, d1, a1);
            }
            if (g) {
                fa_st_tail_d(g + i, r0, d0 * gs);
                if (r1) fa_st_tail_d(g + i + 8, r1, d1 * gs);
            }
        }
        memcpy(acc, &a0, 64); memcpy(acc + 8, &a1, 64);
        if (ntc) fa_sfence();
    }
    #else
    #define FA_RV 0
    #define FA_RV_WIDE 0
    #define FA_RV_HALVES 0
    #define FA_RV_ISC_F 0.0
    #define FA_RV_NEAR 0.0
    #define FA_SCRATCH 0
    static inline void fa_sfence(void) {}
    #define FA_RV_ISC_D 0.0
    static inline float fa_rv_maxmin_f(const float *x, Py_ssize_t K, float *lo) { return 0; }
    static inline double fa_rv_maxmin_d(const double *x, Py_ssize_t K, double *lo) { return 0; }
    static inline double fa_rv_expsum_f(const float *x, float *e, Py_ssize_t K, float m, int64_t *cnt, int exact) { return 0; }
    static inline double fa_rv_expsum_d(const double *x, double *e, Py_ssize_t K, double m, int64_t *cnt, int exact) { return 0; }
    static inline void fa_rv_scale_f(float *y, Py_ssize_t K, float a) {}
    static inline void fa_rv_scale_d(double *y, Py_ssize_t K, double a) {}
    static inline void fa_rv_scale_out_f(const float *e, float *out, Py_ssize_t K, float a, Py_ssize_t t, float gt, int nt) {}
    static inline void fa_rv_scale_out_d(const double *e, double *out, Py_ssize_t K, double a, Py_ssize_t t, double gt, int nt) {}
    static inline void fa_rv_softmax_f(const float *x, float *y, Py_ssize_t K, float m, int exact, int nt) {}
    static inline void fa_rv_softmax_d(const double *x, double *y, Py_ssize_t K, double m, int exact, int nt) {}
    static inline void fa_rv_shift_f(const float *x, float *y, Py_ssize_t K, float m, float c, int nt) {}
    static inline double fa_rv_expsum_shift_f(const float *x, Py_ssize_t K, float m, int64_t *cnt, int exact,
            const float *xp, float *yp, float mp, float cp, int nt) { return 0; }
    static inline void fa_rv_shift_d(const double *x, double *y, Py_ssize_t K, double m, double c, int nt) {}
    static inline double fa_rv_dot_f(const float *a, const float *b, Py_ssize_t K) { return 0; }
    #define FA_LANE_K 0
    #define FA_LANE_K_BWD 0
    static inline int fa_rv_softmax_lanes_f(const float *x, float *y, Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail, int log) { return -1; }
    static inline int fa_rv_softmax_bwd_lanes_f(const float *dy, const float *y, float *dx, Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail) { return -1; }
    static inline int fa_rv_lsm_bwd_lanes_f(const float *dy, const float *y, float *dx, Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail) { return -1; }
    static inline double fa_rv_dot_d(const double *a, const double *b, Py_ssize_t K) { return 0; }
    static inline void fa_rv_bwd_f(const float *dy, const float *y, float *dx, Py_ssize_t K, float dh, float dl, int nt) {}
    static inline void fa_rv_bwd_d(const double *dy, const double *y, double *dx, Py_ssize_t K, double dot, int nt) {}
    #define FA_RV_LSM_YMAX 0.0f
    static inline double fa_rv_sum_max_f(const float *dy, const float *y, Py_ssize_t K, float *ymax) { return 0; }
    static inline int fa_rv_lsm_bwd_f(const float *dy, const float *y, float *dx, Py_ssize_t K, float sh, float sl, int nt) { return 1; }
    static inline int fa_rv_sce_rows_f(const float *x, const int64_t *t, const float *w, float *g, Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs, double *term) { return -1; }
    static inline int fa_rv_sce_prob_rows_f(const float *x, const float *y, const float *w, float *g, Py_ssize_t nr, Py_ssize_t K, double keep, double eps_k, double gs, double *term) { return -1; }
    static inline void fa_rv_bce_logits_f(const float *x, const float *t, const float *pw, float *lo, float *g, Py_ssize_t n, double gs, double *acc, int nt) {}
    static inline void fa_rv_mse_f(const float *x, const float *y, float *lo, float *g, Py_ssize_t n, double gs, double *acc, int nt, int pf) {}
    static inline void fa_rv_mse_d(const double *x, const double *y, double *lo, double *g, Py_ssize_t n, double gs, double *acc, int nt, int pf) {}
    static inline double fa_rv_sce_row_f(const float *x, int64_t t, double wt, float *g, Py_ssize_t K, float m, int exact, double gs, int nt) { return 0; }
    static inline double fa_rv_sce_row_d(const double *x, int64_t t, double wt, double *g, Py_ssize_t K, double m, int exact, double gs, int nt) { return 0; }
    #define FA_MID_ROWS 8
    #define FA_MID_K 0
    static inline int fa_rv_sce_mid_rows_f(const float *x, const int64_t *t, const float *w, float *g, Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs, int nt, double *term) { return -1; }
    static inline int fa_rv_sce_mid_rows_d(const double *x, const int64_t *t, const double *w, double *g, Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs, int nt, double *term) { return -1; }
    static inline int fa_rv_log_softmax_mid_rows_f(const float *x, float *y, Py_ssize_t nr, Py_ssize_t K, int nt) { return -1; }
    static inline int fa_rv_sce_rows_d(const double *x, const int64_t *t, const double *w, double *g, Py_ssize_t nr, Py_ssize_t K, int64_t ignore, double gs, double *term) { return -1; }
    static inline int fa_rv_sce_prob_rows_d(const double *x, const double *y, const double *w, double *g, Py_ssize_t nr, Py_ssize_t K, double keep, double eps_k, double gs, double *term) { return -1; }
    #endif
    """
    const bint FA_RV
    const bint FA_RV_WIDE       # FA_RV, and the vectors are native (AVX-512 build)
    const bint FA_RV_HALVES     # AVX2 build: the float32 softmax row kernels in two halves
    const double FA_RV_ISC_F     # 2^-32: e' = e^(x-m) 2^32
    const double FA_RV_ISC_D     # 2^-500
    const double FA_RV_NEAR      # rows within this of their max skip the TwoSum
    float fa_rv_maxmin_f(const float* x, Py_ssize_t K, float* lo) noexcept nogil
    double fa_rv_maxmin_d(const double* x, Py_ssize_t K, double* lo) noexcept nogil
    double fa_rv_expsum_f(const float* x, float* e, Py_ssize_t K, float m, int64_t* cnt, bint exact) noexcept nogil
    double fa_rv_expsum_d(const double* x, double* e, Py_ssize_t K, double m, int64_t* cnt, bint exact) noexcept nogil
    void fa_rv_scale_f(float* y, Py_ssize_t K, float a) noexcept nogil
    void fa_rv_scale_d(double* y, Py_ssize_t K, double a) noexcept nogil
    void fa_rv_scale_out_f(const float* e, float* out, Py_ssize_t K, float a, Py_ssize_t t, float gt,
                           bint nt) noexcept nogil
    void fa_rv_scale_out_d(const double* e, double* out, Py_ssize_t K, double a, Py_ssize_t t, double gt,
                           bint nt) noexcept nogil
    void fa_rv_softmax_f(const float* x, float* y, Py_ssize_t K, float m, bint exact, bint nt) noexcept nogil
    void fa_rv_softmax_d(const double* x, double* y, Py_ssize_t K, double m, bint exact, bint nt) noexcept nogil
    void fa_rv_shift_f(const float* x, float* y, Py_ssize_t K, float m, float c, bint nt) noexcept nogil
    const Py_ssize_t FA_LANE_K      # forward rows of up to this many entries go 16 at a time
    const Py_ssize_t FA_LANE_K_BWD  # backward rows likewise
    int fa_rv_softmax_lanes_f(const float* x, float* y, Py_ssize_t nr, Py_ssize_t K, Py_ssize_t avail,
                              bint log) noexcept nogil
    int fa_rv_softmax_bwd_lanes_f(const float* dy, const float* y, float* dx, Py_ssize_t nr,
                                  Py_ssize_t K, Py_ssize_t avail) noexcept nogil
    int fa_rv_lsm_bwd_lanes_f(const float* dy, const float* y, float* dx, Py_ssize_t nr,
                              Py_ssize_t K, Py_ssize_t avail) noexcept nogil
    double fa_rv_expsum_shift_f(const float* x, Py_ssize_t K, float m, int64_t* cnt, bint exact,
                                const float* xp, float* yp, float mp, float cp, bint nt) noexcept nogil
    void fa_rv_shift_d(const double* x, double* y, Py_ssize_t K, double m, double c, bint nt) noexcept nogil
    double fa_rv_dot_f(const float* a, const float* b, Py_ssize_t K) noexcept nogil
    double fa_rv_dot_d(const double* a, const double* b, Py_ssize_t K) noexcept nogil
    void fa_rv_bwd_f(const float* dy, const float* y, float* dx, Py_ssize_t K, float dh, float dl,
                     bint nt) noexcept nogil
    int fa_rv_sce_rows_f(const float* x, const int64_t* t, const float* w, float* g, Py_ssize_t nr,
                         Py_ssize_t K, int64_t ignore, double gs, double* term) noexcept nogil
    int fa_rv_sce_prob_rows_f(const float* x, const float* y, const float* w, float* g,
                              Py_ssize_t nr, Py_ssize_t K, double keep, double eps_k, double gs,
                              double* term) noexcept nogil
    int fa_rv_sce_prob_rows_d(const double* x, const double* y, const double* w, double* g,
                              Py_ssize_t nr, Py_ssize_t K, double keep, double eps_k, double gs,
                              double* term) noexcept nogil
    double fa_rv_sce_row_f(const float* x, int64_t t, double wt, float* g, Py_ssize_t K, float m,
                           bint exact, double gs, bint nt) noexcept nogil
    double fa_rv_sce_row_d(const double* x, int64_t t, double wt, double* g, Py_ssize_t K, double m,
                           bint exact, double gs, bint nt) noexcept nogil
    int fa_rv_sce_rows_d(const double* x, const int64_t* t, const double* w, double* g, Py_ssize_t nr,
                         Py_ssize_t K, int64_t ignore, double gs, double* term) noexcept nogil
    const Py_ssize_t FA_MID_ROWS  # rows of one call of fa_rv_sce_mid_rows
    const Py_ssize_t FA_MID_K     # the most classes it takes (0: no row kernels)
    int fa_rv_sce_mid_rows_f(const float* x, const int64_t* t, const float* w, float* g, Py_ssize_t nr,
                             Py_ssize_t K, int64_t ignore, double gs, bint nt, double* term) noexcept nogil
    int fa_rv_sce_mid_rows_d(const double* x, const int64_t* t, const double* w, double* g, Py_ssize_t nr,
                             Py_ssize_t K, int64_t ignore, double gs, bint nt, double* term) noexcept nogil
    int fa_rv_log_softmax_mid_rows_f(const float* x, float* y, Py_ssize_t nr, Py_ssize_t K,
                                     bint nt) noexcept nogil
    void fa_rv_bce_logits_f(const float* x, const float* t, const float* pw, float* lo, float* g,
                            Py_ssize_t n, double gs, double* acc, bint nt) noexcept nogil
    void fa_rv_mse_f(const float* x, const float* y, float* lo, float* g, Py_ssize_t n, double gs,
                     double* acc, bint nt, bint pf) noexcept nogil
    void fa_rv_mse_d(const double* x, const double* y, double* lo, double* g, Py_ssize_t n, double gs,
                     double* acc, bint nt, bint pf) noexcept nogil
    void fa_rv_bwd_d(const double* dy, const double* y, double* dx, Py_ssize_t K, double dot,
                     bint nt) noexcept nogil
    const float FA_RV_LSM_YMAX
    double fa_rv_sum_max_f(const float* dy, const float* y, Py_ssize_t K, float* ymax) noexcept nogil
    int fa_rv_lsm_bwd_f(const float* dy, const float* y, float* dx, Py_ssize_t K, float sh,
                         float sl, bint nt) noexcept nogil
    const Py_ssize_t FA_SCRATCH  # bytes of the stack scratch row of the streaming paths
    void fa_sfence() noexcept nogil   # orders this thread's streaming stores before later stores


from fastact._common cimport floating

cdef inline bint row_kernels_for(const floating* x) noexcept nogil:
    """Whether rows of x's dtype take the row kernels above (see FA_RV_WIDE and
    FA_RV_HALVES): both dtypes in the AVX-512 build, float32 in the AVX2 build."""
    if floating is float:
        return FA_RV_WIDE or FA_RV_HALVES
    else:
        return FA_RV_WIDE
