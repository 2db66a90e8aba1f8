/* Branch-free elementary functions that compilers vectorise.
 *
 * Every function here is straight-line code (selects instead of branches, no
 * libm calls, bit tricks through memcpy), so a loop over an array of them
 * compiles to SIMD code for whatever instruction set the module is built for
 * (GCC needs -fno-trapping-math for loops with compares; setup.py passes it).
 * They are the building blocks of the activation kernels (_math.pxd).
 *
 * Measured accuracy (max error against a higher-precision reference):
 *   fa_exp     1.05 ulp   (40M random doubles, half in [-800, 800], half in [-40, 40],
 *                          long double ref; 1.02 with the degree-13 Taylor form)
 *   fa_exp_lean  < 2^-31 relative (for float32 results; -700 <= x <= 0)
 *   fa_expm1   2.05 ulp   (same; at x = 0.3468, where s p + (s - 1) cancels; 1.80 with
 *                          the Taylor form; 1.20 for x <= 0, elu's and selu's
 *                          arguments; NaN, +-inf, +-0, overflow, -1 limit exact)
 *   fa_log1p   2.02 ulp   (40M doubles in [-1, 1e308])
 *   fa_log     (same kernel as fa_log1p; subnormals scaled by 2^54)
 *   fa_expf    1.06 ulp   (every finite float32, double reference)
 *   fa_expm1f  1.65 ulp   (every finite float32, double reference)
 *   fa_log1pf  2.02 ulp   (every float32 >= -1, double reference)
 *   fa_logf    0.76 ulp   (every positive float32, double reference)
 * (python -m fastact accuracy measures the activations built on them.)
 *
 * Range reduction: x = n ln2 + r, |r| <= ln2/2, n = round(x log2 e) by the
 * 1.5*2^52 shifter trick (the integer n sits in the low mantissa bits of t),
 * ln2 split in a hi part with trailing zeros (n*hi exact) and a lo part.
 * e^r - 1 is a polynomial: a degree-11 minimax fit in double (within 0.23 x 2^-53
 * relative on |r| <= 0.347), degree 7 Taylor in float (< 6e-9).  2^n is applied as two
 * factors 2^(n/2) 2^(n-n/2) so that subnormal results round once and n = 1024
 * overflows to inf instead of wrapping the exponent field.
 */
#ifndef FASTACT_VECMATH_H
#define FASTACT_VECMATH_H
#include <stddef.h>
#include <stdint.h>
#include <math.h>     /* fma */
#include <string.h>
/* Always inlined: a call left in a loop stops its vectorisation, and GCC's
   inlining budget runs out in the large generated kernel modules. */
#if defined(__GNUC__)
#define FA_INLINE static inline __attribute__((always_inline))
#else
#define FA_INLINE static inline
#endif
/* 1 where fma() is one instruction; the baseline x86-64 build has none (glibc then
   calls a routine per fma), so fma-heavy fast paths leave it the careful path. */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define FA_HAS_HW_FMA 1
#else
#define FA_HAS_HW_FMA 0
#endif
/* Software prefetch of `lines` 64-byte lines from FA_PF_AHEAD_BYTES past p (rw 0: to
   read, 1: to write), for the block kernels whose steps are compute-bound with long
   dependency chains: the out-of-order window then holds few loads and the hardware
   prefetcher falls behind on arrays in memory (measurements where each kernel family
   uses it: _table32.h, _table64.h, _lanes64.h).  The address is formed as an integer:
   past the end of the array a prefetch is only wasted. */
#define FA_PF_AHEAD_BYTES 4096
#define FA_PREFETCH_LINES(p, lines, rw)                                                   \
    do {                                                                                  \
        for (int pf_ = 0; pf_ < (lines); pf_++)                                           \
            __builtin_prefetch((const void *)((uintptr_t)(p) + FA_PF_AHEAD_BYTES          \
                                              + 64 * pf_), rw, 3);                        \
    } while (0)

FA_INLINE double fa_bits_to_double(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
FA_INLINE uint64_t fa_double_to_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
FA_INLINE float fa_bits_to_float(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
FA_INLINE uint32_t fa_float_to_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

/* ---------------- double ---------------- */

/* P(r) ~ (e^r - 1 - r)/r^2 = c0 + c1 r + ... + c9 r^9, its coefficients written once
   here.  A minimax fit for the relative error of e^r - 1 = r + r^2 P(r) on |r| <=
   ln2/2 (Remez in mpmath, c0 and c1 rounded to double before the rest were refit):
   within 0.23 x 2^-53 with the coefficients as stored, against 0.11 for the degree-13
   Taylor polynomial it replaced, with two multiply-adds fewer (the float64 kernels 2
   to 4% faster in cache: the exact gelu 33.1 -> 32.0 cycles per 8 elements, softplus
   26.5 -> 25.5, the silu backward 29.3 -> 28.2).  tests/test_activations.py::
   test_expm1_polynomial checks them against mpmath (expm1_poly_fit regenerates them).
   fa_expm1_poly evaluates it by Estrin's scheme; the vector row kernels (_rowvec.pxd,
   GCC vector types) by Horner: p = FA_EXPM1_P_LEAD, then FA_EXPM1_P_STEPS(p, r). */
#define FA_EXPM1_P_C0 0x1.0000000000005p-1
#define FA_EXPM1_P_C1 0x1.55555555554d5p-3
#define FA_EXPM1_P_C2 0x1.5555555551ddfp-5
#define FA_EXPM1_P_C3 0x1.111111113a5b3p-7
#define FA_EXPM1_P_C4 0x1.6c16c1805a57ep-10
#define FA_EXPM1_P_C5 0x1.a01a00990d74ep-13
#define FA_EXPM1_P_C6 0x1.a019a28c1e8a5p-16
#define FA_EXPM1_P_C7 0x1.71e0c09b44ae6p-19
#define FA_EXPM1_P_C8 0x1.28a6f089cfe1bp-22
#define FA_EXPM1_P_C9 0x1.aa7c2a699182bp-26
#define FA_EXPM1_P_LEAD FA_EXPM1_P_C9
#define FA_EXPM1_P_STEPS(p, r) ( \
    (p) = (p) * (r) + FA_EXPM1_P_C8, (p) = (p) * (r) + FA_EXPM1_P_C7, \
    (p) = (p) * (r) + FA_EXPM1_P_C6, (p) = (p) * (r) + FA_EXPM1_P_C5, \
    (p) = (p) * (r) + FA_EXPM1_P_C4, (p) = (p) * (r) + FA_EXPM1_P_C3, \
    (p) = (p) * (r) + FA_EXPM1_P_C2, (p) = (p) * (r) + FA_EXPM1_P_C1, \
    (p) = (p) * (r) + FA_EXPM1_P_C0)
FA_INLINE double fa_expm1_poly(double r) {
    /* P by Estrin's scheme, ending in two Horner steps in r^2 (so the last roundings
       are fma's onto the leading terms, as in Horner's): a dependency chain of 6
       operations instead of Horner's 11, so that more loop iterations are in flight
       (float64 silu backward, tanh and silu forwards, tanh-form gelu and mish backwards
       13 to 28% faster in cache) */
    double r2 = r * r, r4 = r2 * r2;
    double q0 = FA_EXPM1_P_C1 * r + FA_EXPM1_P_C0;
    double q1 = FA_EXPM1_P_C3 * r + FA_EXPM1_P_C2;
    double q2 = FA_EXPM1_P_C5 * r + FA_EXPM1_P_C4;
    double q3 = FA_EXPM1_P_C7 * r + FA_EXPM1_P_C6;
    double a = (FA_EXPM1_P_C9 * r + FA_EXPM1_P_C8) * r4 + (q3 * r2 + q2);    /* c4 ... c9 */
    double p = (a * r2 + q1) * r2 + q0;                      /* two Horner steps in r^2 last */
    return r + r2 * p;
}
#define FA_LN2_HI 0x1.62e42fee00000p-1
#define FA_LN2_LO 0x1.a39ef35793c76p-33
#define FA_LOG2E 0x1.71547652b82fep0
#define FA_SHIFT 0x1.8p52

/* x = n ln2 + r with |r| <= ln2/2; returns r, n as double and the two scale factors
   s1 * s2 = 2^n (split so subnormal results round once and 2^1024 overflows cleanly) */
FA_INLINE double fa_reduce_clamped(double xc, double *n_out, double *s1, double *s2) {
    double t = xc * FA_LOG2E + FA_SHIFT;
    double n = t - FA_SHIFT;
    int64_t ni = (int64_t)(fa_double_to_bits(t) & 0xfffffffffffffULL) - (int64_t)(1ULL << 51);
    int64_t h = ni >> 1;
    *s1 = fa_bits_to_double((uint64_t)(h + 1023) << 52);
    *s2 = fa_bits_to_double((uint64_t)(ni - h + 1023) << 52);
    *n_out = n;
    return (xc - n * FA_LN2_HI) - n * FA_LN2_LO;
}
FA_INLINE double fa_reduce(double x, double *n_out, double *s1, double *s2) {
    double xc = x < -800.0 ? -800.0 : (x > 800.0 ? 800.0 : x);   /* NaN passes */
    return fa_reduce_clamped(xc, n_out, s1, s2);
}
/* fa_reduce with 2^n as one factor *s, for an x already clamped so that 2^n is a
   normal number (|x| <= 700; NaN passes): returns r */
FA_INLINE double fa_reduce_one(double xc, double *s) {
    double t = xc * FA_LOG2E + FA_SHIFT;
    double n = t - FA_SHIFT;
    int64_t ni = (int64_t)(fa_double_to_bits(t) & 0xfffffffffffffULL) - (int64_t)(1ULL << 51);
    *s = fa_bits_to_double((uint64_t)(ni + 1023) << 52);
    return (xc - n * FA_LN2_HI) - n * FA_LN2_LO;
}
/* e^x = hi + *lo for results in the normal range (x in [-708, 709]): the sum 1 + p(r)
   is kept as a double-double, so hi + lo is within ~0.35 ulp (reduction and
   truncation) instead of fa_exp's rounded 1 ulp.  2^n scales both parts exactly. */
FA_INLINE double fa_exp_dd_clamped(double xc, double *lo) {
    double n, s1, s2;
    double r = fa_reduce_clamped(xc, &n, &s1, &s2);
    double p = fa_expm1_poly(r);
    double h = 1.0 + p;
    *lo = (((1.0 - h) + p) * s1) * s2;        /* fast two-sum: |p| < 1 */
    return (h * s1) * s2;
}
FA_INLINE double fa_exp_dd(double x, double *lo) {
    return fa_exp_dd_clamped(x < -800.0 ? -800.0 : (x > 800.0 ? 800.0 : x), lo);
}
FA_INLINE double fa_exp_dd_nonpos(double x, double *lo) {     /* x <= 0 (see fa_exp_nonpos) */
    return fa_exp_dd_clamped(x < -800.0 ? -800.0 : x, lo);
}
/* e^x for kernels that compute float32 data in double, for -700 <= x <= 0 with no
   clamp (callers whose argument is bounded, or whose hard-input test sends the rest
   to the scalar path; other x give garbage here); NaN passes.  Relative error below
   2^-31 (Taylor degree 8: truncation 2.0e-10 on |r| <= ln2/2, far below a float32
   ulp), 2^n applied as one normal factor.  Five multiply-adds fewer than fa_exp, and
   no split scale. */
FA_INLINE double fa_exp_lean_inrange(double x) {
    double s;
    double r = fa_reduce_one(x, &s);
    double p = 0x1.a01a01a01a01ap-16;                     /* 1/8! ... 1/2 */
    p = p * r + 0x1.a01a01a01a01ap-13;
    p = p * r + 0x1.6c16c16c16c17p-10;
    p = p * r + 0x1.1111111111111p-7;
    p = p * r + 0x1.5555555555555p-5;
    p = p * r + 0x1.5555555555555p-3;
    p = p * r + 0.5;
    return fma(s, r + (r * r) * p, s);
}
/* fa_exp_lean_inrange for any x <= 0 (every caller passes -|t| or -t^2/2): clamped
   below at -700.  One clamp only, and none where it cannot act: GCC gives each
   clamped lane its constant result by masked blends even then (a second clamp at
   +700 made the float32 mish, silu backward and tanh-form gelu loops 7 to 13%
   slower). */
FA_INLINE double fa_exp_lean(double x) {
    return fa_exp_lean_inrange(x < -700.0 ? -700.0 : x);
}
/* e^x rounded: the high part of fa_exp_dd (the low part is dead code once inlined) */
FA_INLINE double fa_exp(double x) {
    double lo;
    return fa_exp_dd(x, &lo);
}
/* fa_exp without a clamp, for -700 <= x <= 700 (callers whose hard-input test sends
   the rest to the scalar path; other x give garbage there).  The result is normal there,
   so 2^n is one factor (fa_reduce_one) and s(1 + p) is rounded once by an fma: the same
   bits as fa_exp, with the split scale's integer operations and a multiply fewer (the
   float64 mish forward and backward take their e^-|x| here). */
FA_INLINE double fa_exp_inrange(double x) {
    double s;
    double p = fa_expm1_poly(fa_reduce_one(x, &s));
    return fma(s, p, s);
}
/* fa_exp_inrange and, in *lo, that fma's rounding error, exactly (s - e is exact by
   Sterbenz: e/s = 1 + p lies in [0.7, 1.42]): e^x = e + *lo to the polynomial's and
   the reduction's accuracy, for kernels that pass e's error on whole (float64 mish and
   silu forwards) */
FA_INLINE double fa_exp_inrange_dd(double x, double *lo) {
    double s;
    double p = fa_expm1_poly(fa_reduce_one(x, &s));
    double e = fma(s, p, s);
    *lo = fma(s, p, s - e);
    return e;
}
/* fa_exp for x <= 0 (callers pass -|t|), with the one clamp that can act: a second,
   dead one makes GCC blend constant results into the clamped lanes (see fa_exp_lean) */
FA_INLINE double fa_exp_nonpos(double x) {
    double lo;
    return fa_exp_dd_nonpos(x, &lo);
}
FA_INLINE double fa_expm1(double x) {
    double n, s1, s2;
    double r = fa_reduce(x, &n, &s1, &s2);
    double p = fa_expm1_poly(r);
    double s = s1 * s2;
    double small = s * p + (s - 1.0);          /* exact-ish for moderate n */
    double large = ((1.0 + p) * s1) * s2 - 1.0; /* n near overflow */
    double res = n > 1000.0 ? large : small;
    res = (n == 0.0) ? p : res;
    return (x == 0.0) ? x : res;     /* keeps the sign of -0 */
}
/* e^x - 1 for x <= 0 or NaN (tanh's argument): fa_expm1 without what only positive
   arguments need.  Below -40 the result rounds to -1 (e^-40 < 2^-54), so x is clamped
   there and 2^n (n >= -58) is one normal factor; s p + (s - 1) is already p for n = 0.
   Equal to fa_expm1 for every such x. */
FA_INLINE double fa_expm1_nonpos(double x) {
    double xc = x < -40.0 ? -40.0 : x;      /* NaN passes */
    double s;
    double p = fa_expm1_poly(fa_reduce_one(xc, &s));
    return s * p + (s - 1.0);
}

/* The exponent k of the logs, as the integer type the vector unit converts to double:
   int64 with AVX-512DQ (vcvtqq2pd), int32 otherwise (AVX2 and SSE2 convert only int32,
   so an int64 k made GCC convert lane by lane: fa_log 4.3 -> 2.2 ns an element with
   AVX2; with AVX-512 the int32 form costs 10% in GCC 12).  The same values either way. */
#if defined(__AVX512DQ__)
#define FA_LOG_EXP_T int64_t
#else
#define FA_LOG_EXP_T int32_t
#endif

/* log(u) + c/u for a positive normal u (fdlibm's scheme, branch-free):
   u = 2^k (1+f), f in [sqrt(2)/2-1, sqrt(2)-1), log(1+f) = f - hfsq + s (hfsq + R(s^2)),
   s = f/(2+f); c is a small correction (the rounding error of u) added to the result,
   kadj a power of two by which u was scaled up. */
FA_INLINE double fa_log_reduced(double u, double c, double kadj) {
    uint64_t ub = fa_double_to_bits(u);
    /* move the mantissa into [sqrt(2)/2, sqrt(2)) */
    uint64_t hx = (ub >> 32) + (0x3ff00000u - 0x3fe6a09eu);
    FA_LOG_EXP_T k = (FA_LOG_EXP_T)(hx >> 20) - 1023;
    hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
    double m = fa_bits_to_double((hx << 32) | (ub & 0xffffffffu));
    double f = m - 1.0;
    double hfsq = 0.5 * f * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    double t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    double R = t2 + t1;
    double dk = (double)k - kadj;
    return dk * FA_LN2_HI - ((hfsq - (s * (hfsq + R) + (dk * FA_LN2_LO + c))) - f);
}

/* Edge values of the logs by bit masks, not by a chain of selects.  GCC 13 turns
   `res = (x == inf) ? x : res; res = (x < 0) ? NaN : res; ...` (related compares of
   one x) into branches, and the loop around it is then not vectorised: the float32
   binary cross-entropy took 11 ns an element instead of 1.4 (AVX-512), on GCC 13.3
   and not on GCC 12.  Masks are plain arithmetic, so there is nothing to thread.  (One
   select between the result and an edge value was as fast in a bare loop, but not in
   the losses, which clamp the log at -100: GCC 13 threads that clamp through it.)
   m_x, m_nan, m_ninf: all-ones where the result is x itself, NaN, -inf (disjoint). */
#define FA_NAN_BITS_F 0x7fc00000u
#define FA_NINF_BITS_F 0xff800000u
#define FA_NAN_BITS_D 0x7ff8000000000000ull
#define FA_NINF_BITS_D 0xfff0000000000000ull
FA_INLINE float fa_edges_f(float res, float x, uint32_t m_x, uint32_t m_nan, uint32_t m_ninf) {
    uint32_t r = fa_float_to_bits(res) & ~(m_x | m_nan | m_ninf);
    r |= (m_x & fa_float_to_bits(x)) | (m_nan & FA_NAN_BITS_F) | (m_ninf & FA_NINF_BITS_F);
    return fa_bits_to_float(r);
}
FA_INLINE double fa_edges_d(double res, double x, uint64_t m_x, uint64_t m_nan, uint64_t m_ninf) {
    uint64_t r = fa_double_to_bits(res) & ~(m_x | m_nan | m_ninf);
    r |= (m_x & fa_double_to_bits(x)) | (m_nan & FA_NAN_BITS_D) | (m_ninf & FA_NINF_BITS_D);
    return fa_bits_to_double(r);
}
#define FA_MASK32(c) (-(uint32_t)(c))
#define FA_MASK64(c) (-(uint64_t)(c))

/* log(1+x): u = 1+x rounded, with the correction c/u for that rounding. */
FA_INLINE double fa_log1p(double x) {
    double u = 1.0 + x;
    /* k: the exponent of u once its mantissa is moved into [sqrt(2)/2, sqrt(2)) */
    FA_LOG_EXP_T k = (FA_LOG_EXP_T)(((fa_double_to_bits(u) >> 32) + (0x3ff00000u - 0x3fe6a09eu)) >> 20) - 1023;
    double c = (k < 54) ? ((k >= 1) ? 1.0 - (u - x) : x - (u - 1.0)) / u : 0.0;
    double res = fa_log_reduced(u, c, 0.0);
    /* edges: +inf, NaN and +-0 give x (the sign of -0 kept), x < -1 NaN, -1 -inf */
    return fa_edges_d(res, x, FA_MASK64((x == 1.0/0.0) | (x != x) | (x == 0.0)),
                      FA_MASK64(x < -1.0), FA_MASK64(x == -1.0));
}

/* log(1+x) for 0 <= x <= 1 or NaN (log1p(e^-|x|) of softplus, log σ and the BCE with
   logits), without a reduction or a division: x + x^2 Q(x),
   Q(x) = (log1p(x) - x)/x^2 a degree-20 polynomial in
   u = 2x - 1 (Chebyshev interpolation, within 0.56 x 2^-53 of Q with the coefficients
   rounded to double; tests/test_activations.py::test_log1p_unit_polynomial checks them
   in mpmath).  The leading x is exact and |x^2 Q| <= 0.31 < log1p(x)/2, so Q's error
   reaches the result shrunk.  Replaced the fdlibm-style form (division, ~25 operations):
   softplus float64 2.52 -> 1.74 ulp over 3M sampled inputs and 3.2 -> 2.2 ns an element
   in a C loop (AVX-512). */
/* Q's coefficients, lowest degree first */
static const double FA_LOG1P_Q[21] = {
    -0x1.833704d019ed0p-2, 0x1.6f0d7bd624bcdp-4, -0x1.7ddf1fe86aa8bp-6,
    0x1.a279c04c81491p-8, -0x1.da348248c136cp-10, 0x1.131116f660a62p-11,
    -0x1.44ba45b9d5f97p-13, 0x1.84905221be439p-15, -0x1.d5fb02e8e4f0bp-17,
    0x1.1ebcbf79b310ep-18, -0x1.60737227c7dc1p-20, 0x1.b3f52ec039017p-22,
    -0x1.0f08dfdc87d0bp-23, 0x1.51de3a7ee466ep-25, -0x1.a7ba1ffdb4dcbp-27,
    0x1.11ce2880d86a2p-28, -0x1.59d76729768ccp-30, 0x1.5b243c1b4b1a6p-32,
    -0x1.b7b60cffcd11fp-34, 0x1.2d368f35340b8p-34, -0x1.80d9a3ccbf91fp-36
};
FA_INLINE double fa_log1p_unit(double x) {
    /* Q by Estrin's scheme for the degrees 2 to 20 (a dependency chain of about 7
       operations instead of Horner's 20), then two Horner steps, so that the last
       roundings fall on the leading terms as in Horner's */
    const double *c = FA_LOG1P_Q;
    double u = 2.0 * x - 1.0;
    double u2 = u * u, u4 = u2 * u2, u8 = u4 * u4, u16 = u8 * u8;
    double a0 = c[3] * u + c[2], a1 = c[5] * u + c[4], a2 = c[7] * u + c[6];
    double a3 = c[9] * u + c[8], a4 = c[11] * u + c[10], a5 = c[13] * u + c[12];
    double a6 = c[15] * u + c[14], a7 = c[17] * u + c[16], a8 = c[19] * u + c[18];
    double b0 = a1 * u2 + a0, b1 = a3 * u2 + a2, b2 = a5 * u2 + a4, b3 = a7 * u2 + a6;
    double b4 = c[20] * u2 + a8;
    double d0 = b1 * u4 + b0, d1 = b3 * u4 + b2;
    double e = b4 * u16 + (d1 * u8 + d0);
    double q = (e * u + c[1]) * u + c[0];
    return x + (x * x) * q;
}

/* log(x); subnormal x is scaled by 2^54 first. */
FA_INLINE double fa_log(double x) {
    int tiny = x < 0x1p-1022;
    double res = fa_log_reduced(tiny ? x * 0x1p54 : x, 0.0, tiny ? 54.0 : 0.0);
    /* edges: +inf and NaN give x, x < 0 NaN, +-0 -inf */
    return fa_edges_d(res, x, FA_MASK64((x == 1.0/0.0) | (x != x)), FA_MASK64(x < 0.0),
                      FA_MASK64(x == 0.0));
}

/* ---------------- float ---------------- */
#define FA_LN2_HI_F 0x1.62ep-1f
#define FA_LN2_LO_F 0x1.0bfbe8p-15f
#define FA_LOG2E_F 0x1.715476p0f
#define FA_SHIFT_F 0x1.8p23f
/* the float polynomial, as FA_EXPM1_P_* */
#define FA_EXPM1F_P_LEAD 0x1.a01a02p-13f
#define FA_EXPM1F_P_STEPS(p, r) ( \
    (p) = (p) * (r) + 0x1.6c16c2p-10f, (p) = (p) * (r) + 0x1.111112p-7f, \
    (p) = (p) * (r) + 0x1.555556p-5f, (p) = (p) * (r) + 0x1.555556p-3f, \
    (p) = (p) * (r) + 0.5f)
FA_INLINE float fa_expm1_polyf(float r) {
    float p = FA_EXPM1F_P_LEAD;
    FA_EXPM1F_P_STEPS(p, r);
    return r + (r * r) * p;
}
FA_INLINE float fa_reducef_clamped(float xc, float *n_out, float *s1, float *s2) {
    float t = xc * FA_LOG2E_F + FA_SHIFT_F;
    float n = t - FA_SHIFT_F;
    int32_t ni = (int32_t)(fa_float_to_bits(t) & 0x7fffffu) - (int32_t)(1u << 22);
    int32_t h = ni >> 1;
    *s1 = fa_bits_to_float((uint32_t)(h + 127) << 23);
    *s2 = fa_bits_to_float((uint32_t)(ni - h + 127) << 23);
    *n_out = n;
    return (xc - n * FA_LN2_HI_F) - n * FA_LN2_LO_F;
}
FA_INLINE float fa_reducef(float x, float *n_out, float *s1, float *s2) {
    return fa_reducef_clamped(x < -160.0f ? -160.0f : (x > 160.0f ? 160.0f : x), n_out, s1, s2);
}
FA_INLINE float fa_expf_clamped(float xc) {
    float n, s1, s2;
    float r = fa_reducef_clamped(xc, &n, &s1, &s2);
    return ((1.0f + fa_expm1_polyf(r)) * s1) * s2;
}
FA_INLINE float fa_expf(float x) {
    return fa_expf_clamped(x < -160.0f ? -160.0f : (x > 160.0f ? 160.0f : x));
}
/* fa_expf for x <= 0, one clamp (as fa_exp_nonpos) */
FA_INLINE float fa_expf_nonpos(float x) {
    return fa_expf_clamped(x < -160.0f ? -160.0f : x);
}
FA_INLINE float fa_expm1f(float x) {
    float n, s1, s2;
    float r = fa_reducef(x, &n, &s1, &s2);
    float p = fa_expm1_polyf(r);
    float s = s1 * s2;
    float small = s * p + (s - 1.0f);
    float large = ((1.0f + p) * s1) * s2 - 1.0f;
    float res = n > 120.0f ? large : small;
    res = (n == 0.0f) ? p : res;
    return (x == 0.0f) ? x : res;    /* keeps the sign of -0 */
}

/* as fa_expm1_nonpos, in float: clamped at -20 (e^-20 < 2^-25), n >= -29 */
FA_INLINE float fa_expm1f_nonpos(float x) {
    float xc = x < -20.0f ? -20.0f : x;
    float t = xc * FA_LOG2E_F + FA_SHIFT_F;
    float n = t - FA_SHIFT_F;
    int32_t ni = (int32_t)(fa_float_to_bits(t) & 0x7fffffu) - (int32_t)(1u << 22);
    float s = fa_bits_to_float((uint32_t)(ni + 127) << 23);
    float p = fa_expm1_polyf((xc - n * FA_LN2_HI_F) - n * FA_LN2_LO_F);
    return s * p + (s - 1.0f);
}

#define FA_LN2_HI_LOGF 6.9313812256e-01f  /* 0x3f317180 */
#define FA_LN2_LO_LOGF 9.0580006145e-06f  /* 0x3717f7d1 */
/* log(1 + f) + k ln2 + c for the reduced f (float32 form of fa_log_reduced) */
FA_INLINE float fa_logf_reduced(float f, float dk, float c) {
    float hfsq = 0.5f * f * f;
    float s = f / (2.0f + f);
    float z = s * s;
    float w = z * z;
    float t1 = w * (0.40000972152f + w * 0.24279078841f);
    float t2 = z * (0.66666662693f + w * 0.28498786688f);
    float R = t2 + t1;
    return dk * FA_LN2_HI_LOGF - ((hfsq - (s * (hfsq + R) + (dk * FA_LN2_LO_LOGF + c))) - f);
}
/* log(1+x) in float (the same fdlibm scheme as fa_log1p with FreeBSD's float
   coefficients): max 2.02 ulp over every float32 x >= -1 (double reference). */
FA_INLINE float fa_log1pf(float x) {
    float u = 1.0f + x;
    uint32_t ix = fa_float_to_bits(u) + (0x3f800000u - 0x3f3504f3u);
    int32_t k = (int32_t)(ix >> 23) - 127;
    float m = fa_bits_to_float((ix & 0x007fffffu) + 0x3f3504f3u);
    float c = (k < 25) ? ((k >= 1) ? 1.0f - (u - x) : x - (u - 1.0f)) / u : 0.0f;
    float res = fa_logf_reduced(m - 1.0f, (float)k, c);
    return fa_edges_f(res, x, FA_MASK32((x == 1.0f/0.0f) | (x != x) | (x == 0.0f)),
                      FA_MASK32(x < -1.0f), FA_MASK32(x == -1.0f));
}

/* log(x) in float (fa_log's scheme: the mantissa moved into [sqrt(2)/2, sqrt(2)),
   subnormals scaled by 2^23 first); edges as logf: +inf, 0 -> -inf, x < 0 and NaN
   -> NaN.  Max 0.76 ulp over every positive float32 (double reference). */
FA_INLINE float fa_logf(float x) {
    int tiny = x < 0x1p-126f;
    uint32_t ix = fa_float_to_bits(tiny ? x * 0x1p23f : x) + (0x3f800000u - 0x3f3504f3u);
    float dk = (float)((int32_t)(ix >> 23) - 127) - (tiny ? 23.0f : 0.0f);
    float m = fa_bits_to_float((ix & 0x007fffffu) + 0x3f3504f3u);
    float res = fa_logf_reduced(m - 1.0f, dk, 0.0f);
    return fa_edges_f(res, x, FA_MASK32((x == 1.0f/0.0f) | (x != x)), FA_MASK32(x < 0.0f),
                      FA_MASK32(x == 0.0f));
}

/* log(1+x) for 0 <= x <= 1 or NaN, in float, without a reduction or a division:
   x + x^2 Q(x), Q(x) = (log1p(x) - x)/x^2 a degree-9 polynomial (float coefficients,
   fitted for the least maximum relative error on [0, 1] and rounded one at a time, the
   higher ones refitted; within 0.17 x 2^-24 of Q, checked in mpmath by
   tests/test_activations.py::test_log1pf_unit_polynomial).  The leading x is exact and
   |x^2 Q| <= 0.31 < log1p(x)/2, so Q's error and x^2's rounding reach the result
   shrunk: ~0.5 ulp plus ~0.2.  Replaced the fdlibm-style form (reduction, division,
   2.02 ulp); softplus float32 went from 2.61 to 1.79 ulp (every 7th float32) and from
   1.11 to 0.60 ns an element in a C loop (AVX-512). */
#define FA_LOG1PF_Q_LEAD 0x1.7ce2a8p-9f
/* the Horner steps after the leading coefficient, X(p, t, c) for each c in turn (the
   kernels that run several vectors a step apply them to all their vectors at once) */
#define FA_LOG1PF_Q_REST(X, p, t) \
    X(p, t, -0x1.218fe4p-6f) X(p, t, 0x1.9bd81cp-5f) X(p, t, -0x1.7a978ap-4f) \
    X(p, t, 0x1.0c4578p-3f) X(p, t, -0x1.4fac4ap-3f) X(p, t, 0x1.98d3e4p-3f) \
    X(p, t, -0x1.fff27ap-3f) X(p, t, 0x1.55552cp-2f) X(p, t, -0x1p-1f)
#define FA_HORNER_STEP_(p, t, c) (p) = (p) * (t) + (c),
#define FA_LOG1PF_Q_STEPS(p, t) (FA_LOG1PF_Q_REST(FA_HORNER_STEP_, p, t) (void)0)
FA_INLINE float fa_log1pf_unit(float x) {
    float q = FA_LOG1PF_Q_LEAD;
    FA_LOG1PF_Q_STEPS(q, x);
    return x + (x * x) * q;
}

/* c0 + c1 Y + p Y^2 at Y = y + yl (a double-double argument), c1 = c1h + c1l and
   c0 = c0h + c0l double-doubles: the last two Horner steps of a long polynomial, as
   hi + *lo.  hi is the plain Horner value (one fma each step); *lo carries the low
   parts and yl to first order ((c1 + 2 y p) yl, as c1h yl + 2 y yl p), for the caller
   to apply where it next multiplies (the gelu kernels' M = N/(a + K) and H (a - a0)),
   so that no addition is rounded before the last fma.  About 0.5 ulp of the Horner
   rounding of the last step plus that of the one before, times y, remain.  (Carrying
   both steps' product and sum errors as double-doubles took it to ~0.5 ulp but put
   some 15 dependent operations after the polynomial: the float64 gelu ran 1.3x slower
   in cache.) */
FA_INLINE double fa_horner_tail2(double p, double y, double yl, double c1h, double c1l,
                                 double c0h, double c0l, double *lo) {
    *lo = fma(2.0 * y * yl, p, fma(c1l, y, fma(c1h, yl, c0l)));
    return fma(fma(p, y, c1h), y, c0h);
}

/* c[0] + c[1] Y + ... + c[26] Y^26 at Y = y + yl, c[0] and c[1] double-doubles with
   low parts c01lo[0], c01lo[1]: the float64 gelu polynomials (their coefficients are
   generated; see _math.pxd).  Estrin's scheme for the degrees 4 to 26 (a dependency
   chain of about 6 operations instead of 22 Horner steps), then two Horner steps for
   c[3], c[2] and fa_horner_tail2, so that the last roundings fall on the leading terms;
   returns hi, and *lo as fa_horner_tail2. */
FA_INLINE double fa_poly26_dd(const double *c, const double *c01lo, double y, double yl,
                              double *lo) {
    double y2 = y * y, y4 = y2 * y2, y8 = y4 * y4, y16 = y8 * y8;
    double a0 = c[5] * y + c[4], a1 = c[7] * y + c[6], a2 = c[9] * y + c[8];
    double a3 = c[11] * y + c[10], a4 = c[13] * y + c[12], a5 = c[15] * y + c[14];
    double a6 = c[17] * y + c[16], a7 = c[19] * y + c[18], a8 = c[21] * y + c[20];
    double a9 = c[23] * y + c[22], a10 = c[25] * y + c[24];
    double b0 = a1 * y2 + a0, b1 = a3 * y2 + a2, b2 = a5 * y2 + a4;
    double b3 = a7 * y2 + a6, b4 = a9 * y2 + a8, b5 = c[26] * y2 + a10;
    double d0 = b1 * y4 + b0, d1 = b3 * y4 + b2, d2 = b5 * y4 + b4;
    double e = d2 * y16 + (d1 * y8 + d0);                   /* c[4] ... c[26] */
    double p = (e * y + c[3]) * y + c[2];
    return fa_horner_tail2(p, y, yl, c[1], c01lo[1], c[0], c01lo[0], lo);
}


/* Whether any of x[0..n) lies outside [lo, hi] or is NaN: the check pass of the fix-up
   loops whose marks are an input range (the gelu, the mish and the silu backward:
   _math.pxd's any_outside).  With AVX-512, a running min, max and unordered test per
   vector: in a C loop over the float64 gelu's blocks of 256 (16,384 elements in
   cache), the kernel and this check took 31.3 cycles per 8 elements, the kernel alone
   30.1, and the kernel with the generic loop (a compare pair and a blend into an
   integer accumulator per vector) 33.7.  Otherwise the plain loop. */
#if defined(__AVX512F__)
#include <immintrin.h>
/* one definition for both dtypes: T the element, V its vector, M its mask, W lanes, S
   the intrinsics' suffix */
#define FA_DEF_OUTSIDE(name, T, V, M, W, S)                                               \
    FA_INLINE int name(const T *x, ptrdiff_t n, T lo, T hi) {                             \
        V mn = _mm512_set1_##S(hi), mx = _mm512_set1_##S(lo);                             \
        M nan = 0;                                                                        \
        ptrdiff_t i = 0;                                                                  \
        for (; i + W <= n; i += W) {                                                      \
            V v = _mm512_loadu_##S(x + i);                                                \
            mn = _mm512_min_##S(mn, v);                                                   \
            mx = _mm512_max_##S(mx, v);                                                   \
            nan |= _mm512_cmp_##S##_mask(v, v, _CMP_UNORD_Q);                             \
        }                                                                                 \
        if (i < n) {                                                                      \
            M m = (M)((1u << (n - i)) - 1u);                                              \
            V v = _mm512_maskz_loadu_##S(m, x + i);                                       \
            mn = _mm512_mask_min_##S(mn, m, mn, v);                                       \
            mx = _mm512_mask_max_##S(mx, m, mx, v);                                       \
            nan |= _mm512_mask_cmp_##S##_mask(m, v, v, _CMP_UNORD_Q);                     \
        }                                                                                 \
        return nan != 0 || _mm512_cmp_##S##_mask(mn, _mm512_set1_##S(lo), _CMP_LT_OQ) != 0 \
               || _mm512_cmp_##S##_mask(mx, _mm512_set1_##S(hi), _CMP_GT_OQ) != 0;      \
    }
FA_DEF_OUTSIDE(fa_outside_d, double, __m512d, __mmask8, 8, pd)
FA_DEF_OUTSIDE(fa_outside_f, float, __m512, __mmask16, 16, ps)
/* The same test folded into the float64 kernels that check as they go (the *_upto
   block functions of _table64.h and _lanes64.h, FA_UPTO64): for lo < 0 < hi, an x above
   hi (+inf, a NaN with the sign bit clear) has bits(x) > bits(hi) as signed integers,
   and one below lo (-inf, a NaN with the sign bit set) bits(x) > bits(lo) as unsigned
   ones; no other x has either.  So the signed and the unsigned maximum of the bits of a
   step's inputs, integer operations off the FMA pipes, and two compares decide it
   (lanes loaded as +0 under a mask are inside).  Their loops skip the check pass over
   each block of 256 (the float64 gelu on 16M elements, one thread: 17.2 -> 16.2 ms). */
#if defined(__AVX512DQ__)
#define FA_UPTO64 1
#else
#define FA_UPTO64 0
#endif
FA_INLINE __m512i fa_bits8(double v) { return _mm512_set1_epi64((long long)fa_double_to_bits(v)); }
/* whether any lane of x[0..k) lies outside, blo and bhi the bits of lo and hi */
FA_INLINE int fa_any_outside_vecs(const __m512d *x, int k, __m512i blo, __m512i bhi) {
    __m512i s = _mm512_castpd_si512(x[0]), q = s;
    for (int j = 1; j < k; j++) {
        s = _mm512_max_epi64(s, _mm512_castpd_si512(x[j]));
        q = _mm512_max_epu64(q, _mm512_castpd_si512(x[j]));
    }
    return (_mm512_cmpgt_epi64_mask(s, bhi) | _mm512_cmpgt_epu64_mask(q, blo)) != 0;
}
/* the same over x[0..n), n a positive multiple of the lanes W of a vector: one
   definition for both dtypes (B the bits of a lane: the maxima of B-bit integers) */
#define FA_DEF_ANY_OUTSIDE_RUN(name, T, W, B)                                              \
    FA_INLINE int name(const T *x, ptrdiff_t n, __m512i blo, __m512i bhi) {               \
        __m512i s = _mm512_loadu_si512((const void *)x), q = s;                           \
        for (ptrdiff_t i = W; i < n; i += W) {                                            \
            __m512i v = _mm512_loadu_si512((const void *)(x + i));                        \
            s = _mm512_max_epi##B(s, v);                                                  \
            q = _mm512_max_epu##B(q, v);                                                  \
        }                                                                                 \
        return (_mm512_cmpgt_epi##B##_mask(s, bhi) | _mm512_cmpgt_epu##B##_mask(q, blo)) != 0; \
    }
FA_DEF_ANY_OUTSIDE_RUN(fa_any_outside_run, double, 8, 64)
FA_DEF_ANY_OUTSIDE_RUN(fa_any_outside_run_f, float, 16, 32)
/* the float32 forms: blo and bhi the bits of (float)lo and (float)hi as 32-bit integers,
   and the test of one vector */
FA_INLINE __m512i fa_bits16(double v) {
    float f = (float)v;
    int32_t b;
    memcpy(&b, &f, 4);
    return _mm512_set1_epi32(b);
}
FA_INLINE int fa_any_outside_vec_f(__m512 x, __m512i blo, __m512i bhi) {
    __m512i v = _mm512_castps_si512(x);
    return (_mm512_cmpgt_epi32_mask(v, bhi) | _mm512_cmpgt_epu32_mask(v, blo)) != 0;
}
/* The marks of a block that has some: each place i < n where x[i] lies outside [lo, hi]
   or is NaN goes to at[], its value to v[], in order; returns their number.  One
   compare pair a vector and a loop over the set bits of its mask: the fix-up loops'
   scalar checks per sub-block of 16 and their compaction took about 350 cycles a
   marked block (the float32 tanh-form gelu forward, whose inputs below -10 are marked:
   one in 2,300 of 3 N(0, 1), 0.55 of its 6.1 ms at 16M on one thread). */
#define FA_DEF_MARKS(name, T, V, M, W, S)                                                 \
    FA_INLINE int name(const T *x, ptrdiff_t n, T lo, T hi, int *at, T *v) {              \
        int nh = 0;                                                                       \
        for (ptrdiff_t i = 0; i < n; i += W) {                                            \
            M valid = n - i >= W ? (M)~0u : (M)((1u << (n - i)) - 1u);                    \
            V xv = _mm512_maskz_loadu_##S(valid, x + i);                                  \
            M in = _mm512_mask_cmp_##S##_mask(valid, xv, _mm512_set1_##S(lo), _CMP_GE_OQ)  \
                   & _mm512_cmp_##S##_mask(xv, _mm512_set1_##S(hi), _CMP_LE_OQ);           \
            unsigned out = (unsigned)(M)(valid & ~in);                                    \
            while (out) {                                                                 \
                int k = __builtin_ctz(out);                                               \
                out &= out - 1u;                                                          \
                at[nh] = (int)i + k;                                                      \
                v[nh] = x[i + k];                                                         \
                nh++;                                                                     \
            }                                                                             \
        }                                                                                 \
        return nh;                                                                        \
    }
FA_DEF_MARKS(fa_marks_d, double, __m512d, __mmask8, 8, pd)
FA_DEF_MARKS(fa_marks_f, float, __m512, __mmask16, 16, ps)
#else
#define FA_DEF_OUTSIDE(name, T)                                                           \
    FA_INLINE int name(const T *x, ptrdiff_t n, T lo, T hi) {                             \
        int bad = 0;                                                                      \
        for (ptrdiff_t i = 0; i < n; i++)                                                 \
            bad |= !(lo <= x[i] && x[i] <= hi);                                           \
        return bad;                                                                       \
    }
FA_DEF_OUTSIDE(fa_outside_d, double)
FA_DEF_OUTSIDE(fa_outside_f, float)
#define FA_DEF_MARKS(name, T)                                                             \
    FA_INLINE int name(const T *x, ptrdiff_t n, T lo, T hi, int *at, T *v) {              \
        int nh = 0;                                                                       \
        for (ptrdiff_t i = 0; i < n; i++) {                                               \
            at[nh] = (int)i;                                                              \
            v[nh] = x[i];                                                                 \
            nh += !(lo <= x[i] && x[i] <= hi);                                            \
        }                                                                                 \
        return nh;                                                                        \
    }
FA_DEF_MARKS(fa_marks_d, double)
FA_DEF_MARKS(fa_marks_f, float)
#define FA_UPTO64 0
#endif

#endif  /* FASTACT_VECMATH_H */
