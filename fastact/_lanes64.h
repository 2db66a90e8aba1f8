/* float64 kernels written as interleaved lanes: a point function over u elements at
 * once, each step done for every element before the next step.
 *
 * Why.  The float64 kernels with an exponential and a division are bound by latency,
 * not by arithmetic: one element's path (reduction, Estrin polynomial, the division,
 * the corrections) is about 100 cycles long, the loop over an array is about 85
 * instructions per 8 elements, and the out-of-order window holds about two such
 * iterations, so the two 512-bit FMA ports of a Cascade Lake core sit idle most of the
 * time (the float64 silu backward: 52 floating-point instructions per 8 elements in
 * 66 cycles, where the ports could issue them in 26).  A loop over
 *
 *     fa_X_lanes(4, ...)  on elements i, i + q, i + 2q, i + 3q  (q = a quarter chunk)
 *
 * is vectorised by GCC over i as before, but each step of its body is now four
 * independent vector instructions in a row, so four dependency chains advance
 * together (the float32 table kernels of _table32.h overlap theirs the same way, by
 * hand).  The operations on each element are those of fa_X_lanes(1, ...), in the same
 * order: the results are the same bits whichever way an element goes.
 *
 * FA_L64_EACH unrolls the loop over the u lanes (GCC and Clang read the pragma), so
 * the lane arrays become registers.
 */
#ifndef FASTACT_LANES64_H
#define FASTACT_LANES64_H
#include <stddef.h>
#include "_vecmath.h"

/* the most lanes a kernel runs (the size of the lane arrays) */
#define FA_L64_U 8
/* The block functions stay out of line: one call per block of the Cython loops (256
   elements, or the drivers' 64-element prefetching steps), and each lane loop is
   vectorised on its own (the first version, inlined into the Cython loops, was not). */
#if defined(__GNUC__)
#define FA_BLOCK_FN static __attribute__((noinline))
#else
#define FA_BLOCK_FN static
#endif
#define FA_L64_EACH _Pragma("GCC unroll 8") for (int k = 0; k < u; k++)

/* a/(1 + e)^2 for 0 <= e <= 1, with (1 + e)^2 carried as a double-double D + Dlo
   (1 + e = d + dlo exactly, fast two-sum), so the whole quotient is rounded about once.
   Dlo/D is below 2^-51 relative: 1/D to 1.5% (a cubic in e) keeps its correction within
   0.03 ulp, without a second division. */
FA_INLINE double fa_div_sq_1p(double a, double e) {
    double d = 1.0 + e;
    double dlo = (1.0 - d) + e;
    double D = d * d;
    double Dlo = fma(d, d, -D) + 2.0 * d * dlo;
    double q = a / D;
    double inv_D = fma(fma(fma(-0.6563149978317371, e, 1.7052884083078017), e,
                           -1.7971017506868847), e, 0.994498527761517);
    return q - q * (Dlo * inv_D);
}

/* a/(q + qlo)^2 with the square carried as a double-double: one rounding for a/Q and a
   tiny first-order correction for Q's low part. */
FA_INLINE double fa_div_sq_dd(double a, double q, double qlo) {
    double Q = q * q;
    double Qlo = fma(q, q, -Q) + 2.0 * q * qlo;
    double r = a / Q;
    return r - r * (Qlo / Q);
}

/* c[0] + c[1] x + ... + c[n-1] x^(n-1) (Horner; unrolled, and so vectorised, for the
   constant n of each caller) */
FA_INLINE double fa_horner(double x, const double *c, int n) {
    double r = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        r = fma(r, x, c[i]);
    return r;
}

/* (c1 + c1lo) h + q h^2, the polynomials about a zero below: the leading term a
   double-double ((c1 + c1lo) h exactly, then one rounding), so the sum keeps its
   relative precision at small h */
FA_INLINE double fa_about_zero(double h, double c1, double c1lo, double q) {
    double ph = c1 * h;
    double pl = fma(c1, h, -ph) + c1lo * h;
    return ph + (pl + (q * h) * h);
}

/* c[1] h + c[2] h^2 + ... + c[25] h^25 for a 26-term Taylor table about a zero (c[0] =
   0), the rest after the leading term Horner in two halves of 12 terms */
FA_INLINE double fa_poly_about_root(double h, const double *c, double c1lo) {
    double h2 = h * h;
    double h4 = h2 * h2;
    return fa_about_zero(h, c[1], c1lo, fma((h4 * h4) * h4, fa_horner(h, c + 14, 12),
                                            fa_horner(h, c + 2, 12)));
}

/* c[1] h + c[2] h^2 + ... + c[18] h^18 for a 19-term fit about a zero (c[0] = 0; the
   MISH_BAND table of _math.pxd, a fit over |h| <= 1/2: BAND_FITS of the tests), the rest
   after the leading term Horner in two halves (8 and 9 terms) */
FA_INLINE double fa_band_poly19(double h, const double *c, double c1lo) {
    double h2 = h * h;
    double h4 = h2 * h2;
    return fa_about_zero(h, c[1], c1lo, fma(h4 * h4, fa_horner(h, c + 10, 9),
                                            fa_horner(h, c + 2, 8)));
}

/* ---- the tanh-form gelu's z, for the float64 kernels (_lanes64_gelu.h) and the
   careful scalar path (_math.pxd) ---- */

/* 2 sqrt(2/pi) x (1 + c x^2) as a double-double (|x| <= 40), c = ch + cl (a double and
   the low part of the decimal constant).  The factor 2 is in the constant 2 sqrt(2/pi)
   (hi and lo both doubled: exact), not two multiplies at the end: the same bits, and in
   cache the float64 tanh-form gelu forward 22.0 -> 21.1 cycles per 8 elements. */
FA_INLINE double fa_gelu_tanh_cubic(double x, double ch, double cl, double *lo) {
    double w = x * x;
    double wlo = fma(x, x, -w);
    double p = ch * w;
    double plo = fma(ch, w, -p) + (ch * wlo + cl * w);
    double v = 1.0 + p;                      /* two-sum: v + vlo = 1 + p */
    double bb = v - 1.0;
    double vlo = ((1.0 - (v - bb)) + (p - bb)) + plo;
    double t = 1.5957691216057308 * x;       /* 2 sqrt(2/pi) x as t + tlo */
    double tlo = fma(1.5957691216057308, x, -t) + -9.96930880911092e-17 * x;
    double u = t * v;
    *lo = fma(t, v, -u) + (t * vlo + tlo * v);
    return u;
}

/* z = 2 sqrt(2/pi) x (1 + kappa x^2) as z + *zlo, kappa = 0.044715 */
FA_INLINE double fa_gelu_tanh_z(double x, double *zlo) {
    return fa_gelu_tanh_cubic(x, 0.044715, 2.1960211427085595e-18, zlo);
}

/* x z' = 2 sqrt(2/pi) x (1 + 3 kappa x^2) as a double-double */
FA_INLINE double fa_gelu_tanh_xdz(double x, double *lo) {
    return fa_gelu_tanh_cubic(x, 0.134145, 1.3526957332032908e-17, lo);
}

/* e^-|z + zlo| for |z| <= 603 (|x| <= 20): 2^n is one normal factor, and zlo joins the
   reduced argument (r -+ zlo stays within the polynomial's range): e = s(1 + p) rounded
   once */
FA_INLINE double fa_gelu_tanh_exp(double z, double zlo) {
    double s;
    double r = fa_reduce_one(-fabs(z), &s);
    return fma(s, fa_expm1_poly(r + (z < 0 ? zlo : -zlo)), s);
}

/* ---- silu forward, float64: x e/(1 + e) (x < 0) or x/(1 + e) (x >= 0), e = e^-|x|, for
   x >= -700 (silu_fwd_hard).  For x < 0 the roundings of e, x e, 1 + e and the quotient
   pass on whole (about 4.6 units of 2^-53 at worst, which for a result just below a
   power of two is over 4 ulp; 2.76 measured).  e's rounding error is exact
   (fa_exp_inrange_dd) and joins x e in one fma, which leaves 3.6 units.  -|x| is
   clamped at -700 (2^n stays normal): x > 700 gives x/(1 + e^-700) = x, and NaN x stays
   NaN (x over anything). ---- */
FA_INLINE void fa_silu64_fwd_lanes(int u, const double *x, double *out) {
    double e[FA_L64_U], el[FA_L64_U];
    FA_L64_EACH e[k] = fa_exp_inrange_dd(fabs(x[k]) < 700.0 ? -fabs(x[k]) : -700.0, &el[k]);
    FA_L64_EACH out[k] = (x[k] < 0 ? fma(x[k], e[k], x[k] * el[k]) : x[k]) / (1.0 + e[k]);
}

/* ---- silu backward, float64: dy silu'(x), silu'(x) = sigma(x)(1 + x(1 - sigma(x))),
   for -700 <= x <= 700 (exp_tails_range sends the rest to the careful scalar path).
     x >= 0, E = e^-x:  (1 + E + xE)/(1 + E)^2
     x < 0,  e = e^x:   e n/(1 + e)^2,  n = 1 + x + e
   n vanishes at r = -1 - W(1/e) = -1.27846454276107379...; near it (-2.5 < x < -0.625)
   1 + x + e^x = h + e^r expm1(h), h = x - r, and e^x = e^r e^h.  One reduction and one
   polynomial serve both (argument h in that band, -|x| outside it: e^arg = s(1 + p),
   e^arg - 1 = s p + (s - 1), s = 2^k), so e = c(1 + p) with c = e^r s or s (exact: s
   is a power of two; e^r rounds to a double within 0.05 ulp) is rounded once.
   For x < 0, e n passes e's error, n's and the product's on whole, and 1 + x rounds for
   x > -1/2: counted, that bound passed 4 ulp (3.16 measured at x = -0.56487 among
   80,000 points of [-0.625, 0)).  So e's rounding error el (exact: c - e is, by
   Sterbenz) joins the product in one fma, and 1 + x is a fast two-sum whose low part
   is added to e first: at most 2.76 ulp in the scans.
   (The band is tested as one comparison of doubles, |x + 1.5625| < 0.9375, kept as a
   double: an int flag made GCC vectorise 16 lanes at a time, two registers per double,
   which spills.) ---- */
#define FA_SILU_ROOT_HI (-1.2784645427610737)
#define FA_SILU_ROOT_LO (-1.0946994183093437e-16)
#define FA_SILU_E_ROOT 0.2784645427610738

FA_INLINE void fa_silu64_bwd_lanes(int u, const double *dy, const double *x, double *out) {
    double h[FA_L64_U], w[FA_L64_U], arg[FA_L64_U], s[FA_L64_U], p[FA_L64_U];
    double c[FA_L64_U], e[FA_L64_U], el[FA_L64_U], sx[FA_L64_U], n[FA_L64_U], num[FA_L64_U];
    FA_L64_EACH {
        h[k] = (x[k] - FA_SILU_ROOT_HI) - FA_SILU_ROOT_LO;
        w[k] = fabs(x[k] + 1.5625);
        arg[k] = w[k] < 0.9375 ? h[k] : -fabs(x[k]);
    }
    FA_L64_EACH p[k] = fa_expm1_poly(fa_reduce_one(arg[k], &s[k]));
    FA_L64_EACH {
        c[k] = w[k] < 0.9375 ? FA_SILU_E_ROOT * s[k] : s[k];
        e[k] = fma(c[k], p[k], c[k]);
    }
    FA_L64_EACH {
        el[k] = fma(c[k], p[k], c[k] - e[k]);
        sx[k] = 1.0 + x[k];
        n[k] = w[k] < 0.9375 ? fma(FA_SILU_E_ROOT, fma(s[k], p[k], s[k] - 1.0), h[k])
                             : sx[k] + (e[k] + ((1.0 - sx[k]) + x[k]));
    }
    FA_L64_EACH num[k] = x[k] >= 0 ? fma(e[k], x[k], 1.0 + e[k]) : fma(e[k], n[k], el[k] * n[k]);
    FA_L64_EACH out[k] = dy[k] * fa_div_sq_1p(num[k], e[k]);
}

/* ---- mish forward, float64: x tanh(softplus(x)), for |x| <= 700 (exp_tails_range).
   x >= 0, E = e^-x: x(1 + 2E)/(1 + 2E + 2E^2);  x < 0, e = e^x: x n/(2 + n), n = e(2 + e).
   For x < 0 (n/(2 + n) ~ e) every rounding passes on whole, and five of them (e, 2 + e,
   e(2 + e), x n, the quotient) reached 3.86 ulp (x = -2.0762, among 150,000 points of
   [-40, 0]; their bound passes 4).  So: e as e + el (its rounding error, exact),
   n = 2e + e^2 in one rounding, 2 + n and x n with their exact errors, and 1/den from
   one division with its exact residual: n's rounding and the last fma's are left, 2.21
   ulp at most over those points.  mish(x) has x's sign, and copysign keeps mish(-0) =
   -0, which the final sum would make +0. ---- */
FA_INLINE void fa_mish64_fwd_lanes(int u, const double *x, double *out) {
    double e[FA_L64_U], el[FA_L64_U], num[FA_L64_U], den[FA_L64_U], denl[FA_L64_U];
    double xn[FA_L64_U], q[FA_L64_U];
    FA_L64_EACH e[k] = fa_exp_inrange_dd(-fabs(x[k]), &el[k]);
    FA_L64_EACH {
        double d = x[k], ek = e[k];
        double n = fma(ek, ek, fma(2.0 * el[k], 1.0 + ek, 2.0 * ek));
        double p1 = fma(2.0, ek, 1.0);
        num[k] = d >= 0 ? p1 : n;
        den[k] = d >= 0 ? fma(2.0 * ek, ek, p1) : 2.0 + n;
        denl[k] = d >= 0 ? 0.0 : (2.0 - den[k]) + n;          /* fast two-sum: n <= 3 */
        xn[k] = d * num[k];
    }
    FA_L64_EACH q[k] = 1.0 / den[k];
    FA_L64_EACH {
        double d = x[k];
        double rem = fma(-denl[k], q[k], fma(-q[k], den[k], 1.0));   /* 1/(den + denl) = q (1 + rem) */
        out[k] = copysign(fma(xn[k], q[k], fma(xn[k], rem, fma(d, num[k], -xn[k])) * q[k]), d);
    }
}

/* ---- mish backward, float64: dy mish'(x), for -700 <= x <= 50 (mish_bwd_range):
   e = e^-|x|, one numerator over one square, operands selected before one division:
     x >= 0: ((1 + 2E) D + 4x E^2 (1 + E))/D^2,  D = 1 + 2E + 2E^2
     x < 0:  e((2 + e) q + 4x(1 + e))/q^2,        q = 2 + e(2 + e), a double-double
   and, for |x - r| < 1/2 about its zero r = -1.19..., a 19-term polynomial fitted over
   that band (the centre r as a double-double, the coefficients, the slope's low part;
   within 0.15 x 2^-53 of mish' before rounding; it replaced a 26-term Taylor table: in
   cache 44.3 -> 38.6 cycles per 8 elements), where the numerator's cancellation would
   pass e's rounding on enlarged. ---- */
/* the numerators of mish' over a common square (e = e^-|x|: E for x >= 0, e^x for x < 0):
     x >= 0: *pos/D^2, *pos = (1 + 2E) D + 4x E^2 (1 + E), *D = 1 + 2E + 2E^2
     x < 0:  *neg/q^2, *neg = e((2 + e) q + 4x(1 + e)),  q = 2 + e(2 + e)
   (the float32 kernel takes them too, with its own e and q) */
FA_INLINE void fa_mish_deriv_terms(double d, double e, double *pos, double *neg, double *D) {
    double n = fma(2.0, e, 1.0);
    *D = fma(2.0 * e, e, n);
    *pos = fma(n, *D, 4.0 * d * e * e * (1.0 + e));
    *neg = e * fma(e, (6.0 + 4.0 * d) + e * (4.0 + e), 4.0 * (1.0 + d));
}

/* mish' off the band about its zero, one value a lane (dy not applied) */
FA_INLINE void fa_mish64_bwd_q_lanes(int u, const double *x, double *q) {
    /* (each lane's operands are selected as soon as they are formed, so that few values
       are live from one step to the next: four lanes of all of them spilled) */
    double e[FA_L64_U], num[FA_L64_U], den[FA_L64_U], denlo[FA_L64_U];
    FA_L64_EACH e[k] = fa_exp_inrange(-fabs(x[k]));
    FA_L64_EACH {
        double d = x[k], ek = e[k], pos, neg, D;
        fa_mish_deriv_terms(d, ek, &pos, &neg, &D);
        /* q = 2 + e(2 + e): 2 + e = t + tlo, e t = nn + nlo, 2 + nn = qq + qlo */
        double t = 2.0 + ek;
        double nn = ek * t;
        double tlo = (2.0 - t) + ek;
        double nlo = fma(ek, t, -nn) + ek * tlo;
        double qq = 2.0 + nn;
        double qlo = ((2.0 - qq) + nn) + nlo;
        num[k] = d >= 0 ? pos : neg;
        den[k] = d >= 0 ? D : qq;
        denlo[k] = d >= 0 ? 0.0 : qlo;
    }
    FA_L64_EACH q[k] = fa_div_sq_dd(num[k], den[k], denlo[k]);
}

/* h = x - r, r = centre[0] + centre[1] (the band is |h| < 1/2) */
FA_INLINE double fa_mish64_band_h(double x, const double *centre) {
    return (x - centre[0]) - centre[1];
}

FA_INLINE void fa_mish64_bwd_lanes(int u, const double *dy, const double *x, double *out,
                                   const double *centre, const double *coef, double c1lo) {
    double q[FA_L64_U];
    fa_mish64_bwd_q_lanes(u, x, q);
    FA_L64_EACH {
        double h = fa_mish64_band_h(x[k], centre);
        out[k] = dy[k] * (fabs(h) < 0.5 ? fa_band_poly19(h, coef, c1lo) : q[k]);
    }
}


/* FA_L64_DEFINE_FWD(name, LANES, U, PARAMS, ARGS, PF) and FA_L64_DEFINE_BWD(...) write,
   for a lanes function LANES(u, [dy,] x, out ARGS) run as U lanes:
   - the point function: double name(x PARAMS) or name(dy, x PARAMS), one element;
   - the block function name_block(x, y, m PARAMS) or name_block(dy, x, dx, m PARAMS): the
     fast part of a block of m elements.
   PARAMS, ARGS: the kernel's extra parameters (its tables) and the names passed on, in
   parentheses, each with a leading comma, or ().  PF: whether the block prefetches
   (FA_L64_PREFETCH below: 1, or fa_l64_mish_prefetch).
   The block function runs each chunk of U parts of FA_L64_PART elements as U
   interleaved lanes (lane k takes element i of part k), and the rest one element at a
   time.  The chunk's inputs are copied first (to L1, where they are), so the lanes
   read arrays that cannot overlap the output and GCC tests no aliasing (reading the
   arrays in place, with a variable quarter, it wanted 38 run-time alias tests, over
   its limit of 10, and left the loop scalar); the chunk is small, 16 U elements: with
   four lanes 512 bytes, 8 lines of each array, one prefetch step (FA_L64_PREFETCH,
   below).  Four lanes suit most kernels; the mish forward, the shortest of them with a
   division, runs eight (in cache, Python calls on 16,384 elements, cycles per 8: 27.7
   -> 24.1; 16M on one thread, alternating processes, 14.6 -> 13.7 ms).  Eight lanes
   made the others slower (silu backward 29.2 -> 30.3, mish backward 42.7 -> 44.5),
   as did six (32.9, 45.7).  Without a hardware fma (the baseline
   x86-64 build) each fma is a libm call and the lanes only cost (8% slower there): one
   element at a time. */
#define FA_L64_PART 16
#define FA_L64_UNPAREN(...) __VA_ARGS__
/* element i of each part of chunk a, and back */
#define FA_L64_GATHER_INTO(v, a, i) FA_L64_EACH (v)[k] = (a)[k * FA_L64_PART + (i)]
#define FA_L64_SCATTER(a, i, o) FA_L64_EACH (a)[k * FA_L64_PART + (i)] = (o)[k]

/* Software prefetch of a chunk's lines in each array (2U: 8 with four lanes), 4 KB ahead
   (FA_PREFETCH_LINES of _vecmath.h), as the table kernels do.  This replaced the drivers' prefetch in steps of
   64 elements (PREFETCHED in _activations.pyx.tp, round 18): 16M float64 elements, one
   thread, silu backward 51-63 -> 48-53 ms, mish 44-48 -> 38-43. */
#define FA_L64_PREFETCH(p, U, rw) FA_PREFETCH_LINES(p, 2 * (U), rw)

/* Whether the float64 mish kernels (forward and backward) take that prefetch: 1, or 0
   on the CPUs of _common.NO_MISH64_PREFETCH_CPUS, where they measured faster without
   it (the hardware prefetcher keeps up with their long steps, and a chunk's burst of
   16 to 32 prefetches only queued ahead of its loads).  Set once when the module is
   imported (_activations.pyx.tp), before any kernel runs; the bits are the same either
   way.  The other lanes kernels keep theirs: the silu forward, the cheapest, took 1.3
   to 2x as long without it on the same CPU. */
static int fa_l64_mish_prefetch = 1;
FA_INLINE void fa_l64_set_mish_prefetch(int on) { fa_l64_mish_prefetch = on != 0; }
FA_INLINE int fa_l64_mish_prefetch_on(void) { return fa_l64_mish_prefetch; }

/* chunks of U parts of FA_L64_PART elements from c on, as U lanes (the block functions'
   loops; c is left at the first element not done).  FIRST, a parenthesized statement
   or (), runs at the start of each chunk (the *_upto functions' check, which may
   return c); the backward's AFTER_COPY runs once a chunk after its inputs are in xc and
   dyc (the float64 mish backward's band packing).  PF: whether a chunk prefetches (an
   expression: 1, or fa_l64_mish_prefetch). */
#define FA_L64_FWD_CHUNKS(LANES, U, ARGS, PF, FIRST)                                       \
    for (; c + FA_L64_PART * (U) <= m; c += FA_L64_PART * (U)) {                         \
        double xc[FA_L64_PART * (U)];                                                    \
        FA_L64_UNPAREN FIRST                                                             \
        if (PF) { FA_L64_PREFETCH(x + c, U, 0); FA_L64_PREFETCH(y + c, U, 1); }          \
        for (i = 0; i < FA_L64_PART * (U); i++)                                          \
            xc[i] = x[c + i];                                                            \
        for (i = 0; i < FA_L64_PART; i++) {                                              \
            double xs[U], o[U]; const int u = (U);                                       \
            FA_L64_GATHER_INTO(xs, xc, i);                                               \
            LANES(U, xs, o FA_L64_UNPAREN ARGS);                                         \
            FA_L64_SCATTER(y + c, i, o);                                                 \
        }                                                                                \
    }
#define FA_L64_BWD_CHUNKS(LANES, U, ARGS, AFTER_COPY, PF, FIRST)                           \
    for (; c + FA_L64_PART * (U) <= m; c += FA_L64_PART * (U)) {                         \
        double xc[FA_L64_PART * (U)], dyc[FA_L64_PART * (U)];                            \
        FA_L64_UNPAREN FIRST                                                             \
        if (PF) {                                                                        \
            FA_L64_PREFETCH(x + c, U, 0); FA_L64_PREFETCH(dy + c, U, 0);                 \
            FA_L64_PREFETCH(dx + c, U, 1);                                               \
        }                                                                                \
        for (i = 0; i < FA_L64_PART * (U); i++) {                                        \
            xc[i] = x[c + i];                                                            \
            dyc[i] = dy[c + i];                                                          \
        }                                                                                \
        FA_L64_UNPAREN AFTER_COPY                                                        \
        for (i = 0; i < FA_L64_PART; i++) {                                              \
            double xs[U], ys[U], o[U]; const int u = (U);                                \
            FA_L64_GATHER_INTO(xs, xc, i); FA_L64_GATHER_INTO(ys, dyc, i);               \
            LANES(U, ys, xs, o FA_L64_UNPAREN ARGS);                                     \
            FA_L64_SCATTER(dx + c, i, o);                                                \
        }                                                                                \
    }

/* name_upto(x, y, m, lo, hi PARAMS) and name_upto(dy, x, dx, m, lo, hi PARAMS): the block
   function's chunks of U lanes over the whole rest of an array, up to the first chunk
   holding an x outside [lo, hi] (lo < 0 < hi) or a NaN; returns the number of elements
   done: up to that chunk, or to the end of the last whole chunk (what is left, less than
   a chunk, goes to the loop's blocks too).  Each chunk is checked before
   it writes, so the output may be an input; the loops of _activations.pyx.tp (UPTO64)
   take a block from there by the check pass and come back.  AVX-512 builds (FA_UPTO64;
   elsewhere they return 0 and the loops take every block by the check pass). */
#if FA_UPTO64
#define FA_L64_UPTO_CHECK                                                                 \
    (if (fa_any_outside_run(x + c, FA_L64_PART * u_, blo, bhi)) return c;)
#define FA_L64_DEFINE_FWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)                           \
FA_BLOCK_FN ptrdiff_t name##_upto(const double *x, double *y, ptrdiff_t m, double lo,     \
                                  double hi FA_L64_UNPAREN PARAMS) {                     \
    const __m512i blo = fa_bits8(lo), bhi = fa_bits8(hi);                                \
    const int u_ = (U);                                                                  \
    ptrdiff_t c = 0, i;                                                                  \
    FA_L64_FWD_CHUNKS(LANES, U, ARGS, PF, FA_L64_UPTO_CHECK)                             \
    return c;                                                                            \
}
#define FA_L64_DEFINE_BWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)                           \
FA_BLOCK_FN ptrdiff_t name##_upto(const double *dy, const double *x, double *dx,         \
                                  ptrdiff_t m, double lo, double hi FA_L64_UNPAREN PARAMS) { \
    const __m512i blo = fa_bits8(lo), bhi = fa_bits8(hi);                                \
    const int u_ = (U);                                                                  \
    ptrdiff_t c = 0, i;                                                                  \
    FA_L64_BWD_CHUNKS(LANES, U, ARGS, (), PF, FA_L64_UPTO_CHECK)                         \
    return c;                                                                            \
}
#else
#define FA_L64_DEFINE_FWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)                           \
FA_INLINE ptrdiff_t name##_upto(const double *x, double *y, ptrdiff_t m, double lo,       \
                                double hi FA_L64_UNPAREN PARAMS) {                       \
    (void)x; (void)y; (void)m; (void)lo; (void)hi;                                       \
    return 0;                                                                            \
}
#define FA_L64_DEFINE_BWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)                           \
FA_INLINE ptrdiff_t name##_upto(const double *dy, const double *x, double *dx,           \
                                ptrdiff_t m, double lo, double hi FA_L64_UNPAREN PARAMS) { \
    (void)dy; (void)x; (void)dx; (void)m; (void)lo; (void)hi;                            \
    return 0;                                                                            \
}
#endif

/* (a kernel of more than four lanes runs what is left of a block, 64 elements or more,
   as four lanes before the elements one at a time) */
#define FA_L64_DEFINE_FWD(name, LANES, U, PARAMS, ARGS, PF)                                \
FA_INLINE double name(double x FA_L64_UNPAREN PARAMS) {                                   \
    double out;                                                                          \
    LANES(1, &x, &out FA_L64_UNPAREN ARGS);                                              \
    return out;                                                                          \
}                                                                                        \
FA_BLOCK_FN void name##_block(const double *x, double *y, ptrdiff_t m FA_L64_UNPAREN PARAMS) { \
    ptrdiff_t c = 0, i;                                                                  \
    if (FA_HAS_HW_FMA) {                                                                 \
        FA_L64_FWD_CHUNKS(LANES, U, ARGS, PF, ())                                        \
        if ((U) > 4) { FA_L64_FWD_CHUNKS(LANES, 4, ARGS, PF, ()) }                       \
    }                                                                                    \
    for (i = c; i < m; i++)                                                              \
        y[i] = name(x[i] FA_L64_UNPAREN ARGS);                                           \
}                                                                                        \
FA_L64_DEFINE_FWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)

/* the point function alone (for a backward whose loop stays one element at a time) */
#define FA_L64_DEFINE_BWD_POINT(name, LANES, PARAMS, ARGS)                                 \
FA_INLINE double name(double dy, double x FA_L64_UNPAREN PARAMS) {                        \
    double out;                                                                          \
    LANES(1, &dy, &x, &out FA_L64_UNPAREN ARGS);                                         \
    return out;                                                                          \
}

#define FA_L64_DEFINE_BWD(name, LANES, U, PARAMS, ARGS, PF)                                \
FA_L64_DEFINE_BWD_POINT(name, LANES, PARAMS, ARGS)                                         \
FA_BLOCK_FN void name##_block(const double *dy, const double *x, double *dx,             \
                              ptrdiff_t m FA_L64_UNPAREN PARAMS) {                       \
    ptrdiff_t c = 0, i;                                                                  \
    if (FA_HAS_HW_FMA) {                                                                 \
        FA_L64_BWD_CHUNKS(LANES, U, ARGS, (), PF, ())                                    \
        if ((U) > 4) { FA_L64_BWD_CHUNKS(LANES, 4, ARGS, (), PF, ()) }                   \
    }                                                                                    \
    for (i = c; i < m; i++)                                                              \
        dx[i] = name(dy[i], x[i] FA_L64_UNPAREN ARGS);                                   \
}                                                                                        \
FA_L64_DEFINE_BWD_UPTO(name, LANES, U, PARAMS, ARGS, PF)

FA_L64_DEFINE_FWD(fa_silu64_fwd, fa_silu64_fwd_lanes, 4, (), (), 1)
FA_L64_DEFINE_BWD(fa_silu64_bwd, fa_silu64_bwd_lanes, 4, (), (), 1)
FA_L64_DEFINE_FWD(fa_mish64_fwd, fa_mish64_fwd_lanes, 8, (), (), fa_l64_mish_prefetch)
#if defined(__AVX512F__) && FA_HAS_HW_FMA
/* ---- mish backward, float64, AVX-512 block: the band about the zero for its elements
   only.  The lanes above evaluate the band's polynomial (fa_band_poly19, about 24
   operations on the FMA pipes) for every element and keep it for those in the band
   (|x - r| < 1/2: 12% of 3 N(0, 1) inputs); in cache that was 14 of the kernel's 38
   cycles per 8 elements.  Here each chunk of 64 elements (FA_L64_BWD_CHUNKS) runs the
   lanes without the band, and vcompresspd gathers the band's h and dy (and
   their places) into short arrays, whose polynomial runs as whole vectors and whose
   results overwrite those places: the same operations on each element as the lanes
   function's (the point function fa_mish64_bwd, which the rest of a block and the tests
   take), so the same bits.  In cache (C loop over blocks of 256): 38.4 -> 31.5 cycles
   per 8 elements (the lanes without the band: 24.5; the packing costs about 4, three
   vcompresspd a vector); Python calls 42.5 -> 37; 16M on one thread, alternating
   processes, 23.7 -> 19.4 ms.  (With int counters the packing lost half of that under
   CPython's -fwrapv, which keeps int indices from being widened.) ---- */
#include <immintrin.h>
FA_INLINE void fa_mish64_bwd_off_band_lanes(int u, const double *dy, const double *x, double *out) {
    double q[FA_L64_U];
    fa_mish64_bwd_q_lanes(u, x, q);
    FA_L64_EACH out[k] = dy[k] * q[k];
}
FA_L64_DEFINE_BWD_POINT(fa_mish64_bwd, fa_mish64_bwd_lanes,
                        (, const double *centre, const double *coef, double c1lo), (, centre, coef, c1lo))
/* the band's packed elements: dx[at[j]] = db[j] band(hb[j]), for j < nb (the last
   vector is filled out with zeros: the arrays hold 8 entries past nb) */
FA_INLINE void fa_mish64_band_flush(double *hb, double *db, const ptrdiff_t *at, ptrdiff_t nb,
                                    double *dx, const double *coef, double c1lo) {
    _mm512_storeu_pd(hb + nb, _mm512_setzero_pd());
    _mm512_storeu_pd(db + nb, _mm512_setzero_pd());
    for (ptrdiff_t j = 0; j < nb; j += 8) {
        double o[8];
        for (int k = 0; k < 8; k++)
            o[k] = db[j + k] * fa_band_poly19(hb[j + k], coef, c1lo);
        for (ptrdiff_t k = 0; k < 8 && j + k < nb; k++)
            dx[at[j + k]] = o[k];
    }
}
/* the band's elements among the n of a chunk (xc, dyc: its inputs, c: its place in the
   block), packed onto hb, db and at from nb on: h, dy and place, by vcompresspd (each
   step stores a whole vector, so the arrays need 8 entries past the last); returns
   the new nb */
FA_INLINE ptrdiff_t fa_mish64_band_pack(const double *xc, const double *dyc, ptrdiff_t n, ptrdiff_t c,
                                        const double *centre, double *hb, double *db, ptrdiff_t *at,
                                        ptrdiff_t nb) {
    const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    for (ptrdiff_t i = 0; i < n; i += 8) {
        __m512d h = _mm512_sub_pd(_mm512_sub_pd(_mm512_loadu_pd(xc + i), _mm512_set1_pd(centre[0])),
                                  _mm512_set1_pd(centre[1]));
        __mmask8 in = _mm512_cmp_pd_mask(_mm512_abs_pd(h), _mm512_set1_pd(0.5), _CMP_LT_OQ);
        _mm512_storeu_pd(hb + nb, _mm512_maskz_compress_pd(in, h));
        _mm512_storeu_pd(db + nb, _mm512_maskz_compress_pd(in, _mm512_loadu_pd(dyc + i)));
        _mm512_storeu_si512((void *)(at + nb),
                            _mm512_maskz_compress_epi64(in, _mm512_add_epi64(iota, _mm512_set1_epi64(c + i))));
        nb += __builtin_popcount((unsigned)in);
    }
    return nb;
}
/* The chunks of the block function and of its _upto form (FA_L64_DEFINE_BWD_UPTO's), one
   loop: with check 1 (a constant) each chunk's x is tested first and the function
   returns c at the first one outside [blo, bhi] (fa_any_outside_run); the packed band
   is flushed once it holds flush_at elements or more and before returning.  Returns c,
   the first element not done. */
FA_INLINE ptrdiff_t fa_mish64_bwd_chunks(const double *dy, const double *x, double *dx, ptrdiff_t m,
                                         const double *centre, const double *coef, double c1lo,
                                         const int check, __m512i blo, __m512i bhi,
                                         const int flush_at) {
    enum { CH = FA_L64_PART * 4, NB = 256 };
    ptrdiff_t c = 0, i;
    /* the band's h, dy and places, packed (8 spare; flush_at <= NB - CH + 1 keeps a chunk
       within them) */
    double hb[NB + 8], db[NB + 8];
    ptrdiff_t at[NB + 8];
    ptrdiff_t nb = 0;
    FA_L64_BWD_CHUNKS(fa_mish64_bwd_off_band_lanes, 4, (), (
        if (nb >= flush_at) {
            fa_mish64_band_flush(hb, db, at, nb, dx, coef, c1lo);
            nb = 0;
        }
        nb = fa_mish64_band_pack(xc, dyc, CH, c, centre, hb, db, at, nb);
    ), fa_l64_mish_prefetch, (
        if (check && fa_any_outside_run(x + c, CH, blo, bhi)) {
            fa_mish64_band_flush(hb, db, at, nb, dx, coef, c1lo);
            return c;
        }
    ))
    fa_mish64_band_flush(hb, db, at, nb, dx, coef, c1lo);
    return c;
}
/* the block function: flushed when a chunk might not fit (NB - CH + 1), which the
   drivers' blocks of 256 never need; the rest one element at a time */
FA_BLOCK_FN void fa_mish64_bwd_block(const double *dy, const double *x, double *dx, ptrdiff_t m,
                                     const double *centre, const double *coef, double c1lo) {
    ptrdiff_t i, c = fa_mish64_bwd_chunks(dy, x, dx, m, centre, coef, c1lo, 0, _mm512_setzero_si512(),
                                          _mm512_setzero_si512(), 256 - FA_L64_PART * 4 + 1);
    for (i = c; i < m; i++)
        dx[i] = fa_mish64_bwd(dy[i], x[i], centre, coef, c1lo);
}
/* (its _upto form: flushed every 32 elements, about a block's worth: flushed only when
   the arrays might overflow, every 1,600 elements or so, the results went back to lines
   of dx that had left L1, and the backward took 24.1 ms on 16M elements against the
   blocks' 19.6; this way 18.6) */
FA_BLOCK_FN ptrdiff_t fa_mish64_bwd_upto(const double *dy, const double *x, double *dx, ptrdiff_t m,
                                         double lo, double hi, const double *centre,
                                         const double *coef, double c1lo) {
    return fa_mish64_bwd_chunks(dy, x, dx, m, centre, coef, c1lo, 1, fa_bits8(lo), fa_bits8(hi), 32);
}
#else
FA_L64_DEFINE_BWD(fa_mish64_bwd, fa_mish64_bwd_lanes, 4,
                  (, const double *centre, const double *coef, double c1lo), (, centre, coef, c1lo),
                  fa_l64_mish_prefetch)
#endif

#endif
