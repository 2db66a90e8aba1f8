/* The float64 gelu, exact and tanh form, as interleaved lanes (see _lanes64.h): point
 * functions and block loops.  Included by _math.pxd after its generated tables, which it
 * uses: the exact form's polynomials (gelu64_n_poly, gelu64_h_poly) and constants
 * (GELU_POLY_K, GELU_A0_HI/LO), and the tanh form's Taylor table about its derivative's
 * zero (GELU_TANH_BAND).
 *
 * With a = |x|, M(a) = Phi(-a) e^(a^2/2) = N(y)/(a + K) and y = (a - K)/(a + K):
 *   gelu(x)  = x e M        (x <= 0)     x - x e M     (x > 0),    e = e^(-a^2/2)
 *   gelu'(x) = e G          (x < 0)      1 - e G       (x >= 0),   G = H(y)(a - a0)
 * y and 1/(a + K) are double-doubles (fa_gelu64_y), the polynomials' last steps keep their
 * low parts (fa_poly26_dd), e = s(1 + p) is one polynomial and one scale with a^2's low
 * part in the reduced argument (fa_gelu64_expm1_half_sq), and the results are formed with
 * one rounding at the end (README, accuracy: 1.82 ulp forward, 1.79 backward in the
 * dense scans).  Fast range: x >= -GELU64_FAST_MIN_X (gelu_exact_range); a is clamped
 * at 37.5 for the exponential, where 2^n stays normal.
 */
#ifndef FASTACT_LANES64_GELU_H
#define FASTACT_LANES64_GELU_H
#include "_lanes64.h"

/* y = (a - K)/(a + K) as y + *yl, and 1/(a + K) as *r + *rl (a >= 0, finite) */
FA_INLINE double fa_gelu64_y(double a, double *yl, double *r, double *rl) {
    double s = a + GELU_POLY_K;
    double sb = s - a;
    double sl = (a - (s - sb)) + (GELU_POLY_K - sb);          /* s + sl = a + K */
    double t = a - GELU_POLY_K;
    double tb = t - a;
    double tl = (a - (t - tb)) + (-GELU_POLY_K - tb);         /* t + tl = a - K */
    double q = 1.0 / s;
    double y = t * q;
    *yl = (fma(-y, s, t) + (tl - y * sl)) * q;
    *rl = (fma(-q, s, 1.0) - q * sl) * q;
    *r = q;
    return y;
}

/* a clamped at 37.5 for fa_gelu64_expm1_half_sq, where 2^n stays normal (n >= -1015):
   no change for a <= GELU64_FAST_MIN_X; beyond it only x >= 0 reaches the fast path,
   where x (1 - M e) rounds to x and 1 - e G to 1 */
FA_INLINE double fa_gelu64_clamp(double a) {
    return a < 37.5 ? a : 37.5;
}

/* e^(-a^2/2) = *s (1 + p) for 0 <= a <= 37.5: returns p, and *s a normal power of two.
   a^2 = q + ql exactly (fma); -q/2 = n ln2 + r, and the low part joins the reduced
   argument (r - ql/2, still within the polynomial's range) */
FA_INLINE double fa_gelu64_expm1_half_sq(double a, double *s) {
    double q = a * a;
    double ql = fma(a, a, -q);
    double r = fa_reduce_one(-0.5 * q, s);
    return fa_expm1_poly(fma(-0.5, ql, r));
}

/* (each step is done for every lane before the next; the values carried from one step
   to the next are few, so that four lanes of them stay in registers) */
FA_INLINE void fa_gelu64_fwd_lanes(int u, const double *x, double *out) {
    double y[FA_L64_U], yl[FA_L64_U], r[FA_L64_U], rl[FA_L64_U], mh[FA_L64_U], ml[FA_L64_U];
    double p[FA_L64_U], s[FA_L64_U];
    FA_L64_EACH y[k] = fa_gelu64_y(fabs(x[k]), &yl[k], &r[k], &rl[k]);
    FA_L64_EACH {
        double nl;
        double n = gelu64_n_poly(y[k], yl[k], &nl);   /* N = n + nl */
        mh[k] = n * r[k];                                     /* M = N/(a + K) = mh + ml */
        ml[k] = fma(n, r[k], -mh[k]) + fma(n, rl[k], nl * r[k]);
    }
    FA_L64_EACH p[k] = fa_gelu64_expm1_half_sq(fa_gelu64_clamp(fabs(x[k])), &s[k]);   /* e = s (1 + p) */
    FA_L64_EACH {
        /* M e = s (mh + v), v = M (1 + p) - mh (its rounding ~0.3 of mh's ulp) */
        double d = x[k];
        double v = fma(mh[k], p[k], fma(ml[k], p[k], ml[k]));
        double xs = d * s[k];                                  /* exact: s is a power of two */
        /* x <= 0: x M e, one rounding (x = -0 gives -0);  x > 0: x - x M e, mh + v rounded
           once (weighted by M e/(1 - M e) <= 1), then one fma */
        out[k] = d <= 0 ? fma(xs, mh[k], xs * v) : fma(-xs, mh[k] + v, d);
    }
}

FA_INLINE void fa_gelu64_bwd_lanes(int u, const double *dy, const double *x, double *out) {
    double a[FA_L64_U], y[FA_L64_U], yl[FA_L64_U], hh[FA_L64_U], hl[FA_L64_U];
    double p[FA_L64_U], s[FA_L64_U];
    /* a clamped once, for y and H too (beyond the clamp H (a - a0) is bounded, so 1 - e G
       is 1) */
    FA_L64_EACH {
        double r, rl;
        a[k] = fa_gelu64_clamp(fabs(x[k]));
        y[k] = fa_gelu64_y(a[k], &yl[k], &r, &rl);
    }
    FA_L64_EACH {
        double hpl;
        double hp = gelu64_h_poly(y[k], yl[k], &hpl);   /* H = hp + hpl */
        double ah = a[k] - GELU_A0_HI;                        /* a - a0 as ah + ahl */
        double ab = ah - a[k];
        double ahl = ((a[k] - (ah - ab)) + (-GELU_A0_HI - ab)) - GELU_A0_LO;
        hh[k] = ah * hp;                                      /* G = H (a - a0) = hh + hl */
        hl[k] = fma(ah, hp, -hh[k]) + fma(ahl, hp, ah * hpl);
    }
    FA_L64_EACH p[k] = fa_gelu64_expm1_half_sq(a[k], &s[k]);   /* e = s (1 + p) */
    FA_L64_EACH {
        /* e G = s u, u = G (1 + p) rounded once;  x < 0: e G;  x >= 0: 1 - e G (up to 1/2
           at x = 0), one fma */
        double uu = hh[k] + fma(hh[k], p[k], fma(hl[k], p[k], hl[k]));
        out[k] = dy[k] * (x[k] < 0 ? s[k] * uu : fma(-s[k], uu, 1.0));
    }
}

/* ---- tanh form: gelu(x) = x sigmoid(z), z = 2 sqrt(2/pi) x (1 + kappa x^2), for
   |x| <= 20 (gelu_tanh_fwd_hard), z carried as a double-double ---- */

/* (z, x z' and e^-|z|: fa_gelu_tanh_z, fa_gelu_tanh_xdz, fa_gelu_tanh_exp in _lanes64.h) */

/* x sigmoid(z): x/(1 + e) for z >= 0, x e/(1 + e) for z < 0, e = e^-|z| */
FA_INLINE void fa_gelut64_fwd_lanes(int u, const double *x, double *out) {
    double z[FA_L64_U], zlo[FA_L64_U], e[FA_L64_U];
    FA_L64_EACH z[k] = fa_gelu_tanh_z(x[k], &zlo[k]);
    FA_L64_EACH e[k] = fa_gelu_tanh_exp(z[k], zlo[k]);
    FA_L64_EACH out[k] = x[k] * (z[k] < 0 ? e[k] : 1.0) / (1.0 + e[k]);
}

/* the forms of the derivative without branches, operands selected before one
   fa_div_sq_1p: x >= 0: (1 + E + x z' E)/(1 + E)^2;  x < 0: e(1 + x z' + e)/(1 + e)^2,
   1 + x z' a double-double (s + n); |x - r| < 0.3 from the Taylor table about the zero */
FA_INLINE void fa_gelut64_bwd_lanes(int u, const double *dy, const double *x, double *out) {
    double z[FA_L64_U], zlo[FA_L64_U], e[FA_L64_U], q[FA_L64_U];
    FA_L64_EACH z[k] = fa_gelu_tanh_z(x[k], &zlo[k]);
    FA_L64_EACH e[k] = fa_gelu_tanh_exp(z[k], zlo[k]);
    FA_L64_EACH {
        double d = x[k], ek = e[k], alo;
        double zp = 1.5957691216057308 * fma(3.0 * 0.044715, d * d, 1.0);
        double a = fa_gelu_tanh_xdz(d, &alo);
        double sa = 1.0 + a;
        double bb = sa - 1.0;
        double n = ((1.0 - (sa - bb)) + (a - bb)) + alo;
        double num = d >= 0 ? fma(d * zp, ek, 1.0 + ek) : ek * (sa + (n + ek));
        q[k] = fa_div_sq_1p(num, ek);
    }
    FA_L64_EACH {
        double h = (x[k] - GELU_TANH_BAND_SEG_CENTRE[0]) - GELU_TANH_BAND_SEG_CENTRE[1];
        out[k] = dy[k] * (fabs(h) < 0.3 ? fa_poly_about_root(h, GELU_TANH_BAND_SEG_COEF,
                                                             GELU_TANH_BAND_ROOT_C1LO)
                                        : q[k]);
    }
}

/* Only the forwards run as lanes (in cache, one thread, cycles per 8 elements: exact 90-92
   -> 82-84, tanh form 63 -> 47).  The backwards were no faster that way (the exact
   form's 99-103 against 92-97, with two lanes 93-100; the tanh form's 106-108 against
   106-107), so their loops call the point functions one element at a time, as before. */
FA_L64_DEFINE_FWD(fa_gelu64_fwd, fa_gelu64_fwd_lanes, 4, (), (), 1)
FA_L64_DEFINE_BWD_POINT(fa_gelu64_bwd, fa_gelu64_bwd_lanes, (), ())
FA_L64_DEFINE_FWD(fa_gelut64_fwd, fa_gelut64_fwd_lanes, 4, (), (), 1)
FA_L64_DEFINE_BWD_POINT(fa_gelut64_bwd, fa_gelut64_bwd_lanes, (), ())

#endif
