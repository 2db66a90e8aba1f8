# Shared inline math: single-point, branch-light, nogil functions used by every
# kernel family.  Each stable form is chosen so that no intermediate overflows
# and no subtraction cancels; the comments give the formula and the reason.
#
# Convention: the double versions are the reference implementations.  float32
# kernels evaluate them in double and round once, which keeps float32 results
# within 1 ulp of the correctly rounded value -- except where a float32 form in
# float arithmetic was measured over every float32 (the fast paths below, and the
# compensated hard_tanh, hard_sigmoid and hard_swish forms with a hardware fma).
#
# Naming: <activation>_fwd(x, params...) is the forward value; <activation>_bwd(dy, s, params...)
# is dx given the upstream gradient dy and the saved tensor s (the forward
# output y for sigmoid/tanh, the forward input x for every other activation).

from libc.math cimport exp, expm1, log, log1p, fabs, sqrt, erf, erfc, nextafterf, INFINITY
from libc.math cimport tanh as c_tanh
from fastact._common cimport floating


# ---------------------------------------------------------------------------
# scalar helpers (double)
# ---------------------------------------------------------------------------

cdef inline double log1pexp(double x) noexcept nogil:
    """log(1 + e^x), the softplus, without overflow and without losing small values.

    x <= -37        : e^x < 1e-16, so log1p(e^x) == e^x to double precision
    -37 < x <= 18   : log1p(exp(x)) is accurate (exp cannot overflow)
    18 < x <= 33.3  : x + log1p(e^-x) == x + e^-x (the e^-2x/2 term is below half an ulp of x)
    x > 33.3        : e^-x is below half an ulp of x, so the result is x (also x = +inf, NaN)
    """
    if x <= -37.0:
        return exp(x)
    if x <= 18.0:
        return log1p(exp(x))
    if x <= 33.3:
        return x + exp(-x)
    return x


cdef inline double sigmoid_d(double x) noexcept nogil:
    """1/(1+e^-x).  Only e^-|x| is ever formed, so nothing overflows; for x < 0
    the form e^x/(1+e^x) keeps full relative precision of the tiny tail."""
    cdef double e
    if x >= 0.0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)              # also NaN -> NaN, -inf -> 0
    return e / (1.0 + e)


cdef inline double log_sigmoid_d(double x) noexcept nogil:
    """log(sigmoid(x)) = -log1pexp(-x): exact 0 limit for x -> +inf, x for x -> -inf."""
    return -log1pexp(-x)


# ---------------------------------------------------------------------------
# activations: point functions, both dtypes (float32 evaluated in double)
# ---------------------------------------------------------------------------

cdef inline floating sigmoid_fwd(floating x) noexcept nogil:
    return <floating>sigmoid_d(x)


cdef inline floating sigmoid_bwd(floating dy, floating y) noexcept nogil:
    # dy * y * (1 - y); 1 - y is exact for y in [1/2, 1] (Sterbenz)
    return <floating>(<double>dy * (<double>y * (1.0 - <double>y)))


cdef inline floating tanh_fwd(floating x) noexcept nogil:
    return <floating>c_tanh(x)


cdef inline floating tanh_bwd(floating dy, floating y) noexcept nogil:
    # dy * (1 - y^2) written as (1 - y)(1 + y): 1 - y*y cancels when |y| -> 1,
    # while 1 - y and 1 + y are exact there (Sterbenz)
    return <floating>(<double>dy * ((1.0 - <double>y) * (1.0 + <double>y)))


cdef inline floating relu_fwd(floating x) noexcept nogil:
    # max(x, 0); NaN stays NaN (x < 0 is false for NaN), -0 stays -0 (as PyTorch)
    return <floating>0.0 if x < 0 else x


cdef inline floating relu_bwd(floating dy, floating x) noexcept nogil:
    # dy where x > 0, 0 where x <= 0 (PyTorch's derivative at the kink); NaN x gives NaN
    if x > 0:
        return dy
    if x <= 0:
        return <floating>0.0
    return x


# ---------------------------------------------------------------------------
# row max over a contiguous row (softmax family, losses)
# ---------------------------------------------------------------------------

cdef enum:
    ROW_MAX_LANES = 16      # the loop below steps by the literal 16


cdef inline floating row_max(const floating* x, Py_ssize_t k) noexcept nogil:
    """max of the row ignoring NaN (NaN is propagated later by the row's sum); -inf if
    every entry is -inf or NaN, or k == 0.  16 independent lanes in the row's dtype: a
    max is exact, so any lane count gives the same result, and the compiler can
    vectorise the lanes (a single running max is a chain it must keep in order)."""
    cdef floating acc[ROW_MAX_LANES]
    cdef floating v, m
    cdef Py_ssize_t j, l, nfull = k - k % ROW_MAX_LANES
    for l in range(ROW_MAX_LANES):
        acc[l] = -INFINITY
    for j in range(0, nfull, 16):
        for l in range(ROW_MAX_LANES):
            v = x[j + l]
            acc[l] = v if v > acc[l] else acc[l]
    for j in range(nfull, k):
        v = x[j]
        acc[0] = v if v > acc[0] else acc[0]
    m = acc[0]
    for l in range(1, ROW_MAX_LANES):
        m = acc[l] if acc[l] > m else m
    return m


# ===========================================================================
# The other activations of SPEC section 2 (relu6 ... hard_tanh)
# ===========================================================================
#
# Accuracy design (SPEC: float64 within 4 ulp of the exact value for every
# finite input, float32 within 4 ulp of the exact value rounded to float32):
# * each function is written once for double (<name>_d, <name>_deriv_d); the
#   float32 kernels evaluate the double version and round once.
# * forms that do not cancel: expm1 for elu/selu; e(2+e)/(2+2e+e^2) for
#   tanh(softplus(x)); x*sigmoid(2u) for the tanh-form gelu; erfc (not 1+erf)
#   for the exact gelu, with its asymptotic series in the far tail; log1pexp
#   for softplus and log_sigmoid.
# * an exponent such as beta*x or 2*sqrt(2/pi)*(x + 0.044715 x^3) that is large
#   in magnitude passes its own rounding error, times its size, into e^(.); such
#   exponents are carried as a double-double z + zlo (the lo part from fma) and
#   zlo is applied as a first-order correction.
# * results that are subnormal or near it while e^(.) itself has underflowed
#   (x e^x for x < -708, ...) use e^(.) scaled by 2^128 (exp_dd_scaled) and are
#   rescaled once with ldexp, so they are rounded only once.
# * derivatives that cross zero (silu, mish, both gelus) are evaluated near the
#   root from a Taylor polynomial about the root, where the direct formula would
#   cancel.
#
# Parameters arrive as doubles.  NaN inputs give NaN in forward and backward.

from libc.math cimport fma, ldexp, copysign
from fastact._vecmath cimport (FA_SILU_ROOT_HI, FA_SILU_ROOT_LO, FA_SILU_E_ROOT, fa_div_sq_1p, fa_silu64_bwd,
                               fa_div_sq_dd, fa_horner, fa_mish_deriv_terms, fa_mish64_bwd,
                               fa_gelu_tanh_z, fa_gelu_tanh_xdz, fa_mish64_fwd, fa_silu64_fwd)

cdef inline double exp_dd_scaled(double hi, double lo, int* e2) noexcept nogil:
    """m with e^(hi + lo) = m * 2^e2; m stays normal while e^(hi + lo) is subnormal.

    hi <= ~700 finite or -inf, lo the low part of a double-double (|lo| <= ulp(hi),
    finite).  For hi < -700, e^(hi + 128 ln 2) is formed instead: hi + 128*LN2_HI
    is exact (LN2_HI has 21 trailing zero bits, hi a multiple of 2^-42), and the
    rest, 128*LN2_LO (ln 2 = LN2_HI + LN2_LO), joins lo:
    hi + lo = (hi + 128 LN2_HI) + (lo + 128 LN2_LO) - 128 ln 2.
    e^lo = 1 + expm1(lo) keeps lo's second-order term.
    """
    cdef double e
    if hi < -700.0:
        lo = lo + 128.0 * 1.90821492927058770002e-10
        e = exp(hi + 128.0 * 6.93147180369123816490e-01)
        e2[0] = -128
        return fma(e, expm1(lo), e)
    e2[0] = 0
    e = exp(hi)
    return fma(e, lo, e)


cdef inline double div_sq_dd(double a, double q, double qlo) noexcept nogil:
    """a/(q + qlo)^2, rounded about once (fa_div_sq_dd, _lanes64.h)."""
    return fa_div_sq_dd(a, q, qlo)


cdef inline double div_sq_1p(double a, double e) noexcept nogil:
    """a/(1 + e)^2 for 0 <= e <= 1, rounded about once (fa_div_sq_1p, _lanes64.h)."""
    return fa_div_sq_1p(a, e)


cdef inline double horner(double x, const double* c, int n) noexcept nogil:
    """c[0] + c[1] x + ... + c[n-1] x^(n-1) (fa_horner, _lanes64.h)."""
    return fa_horner(x, c, n)


# --- relu6, leaky_relu, hard_tanh, hard_sigmoid, hard_swish (piecewise) -------

cdef inline floating relu6_fwd(floating x) noexcept nogil:
    # min(max(x, 0), 6); NaN stays NaN, -0 stays -0
    if x >= 6:
        return <floating>6.0
    if x < 0:
        return <floating>0.0
    return x


cdef inline floating relu6_bwd(floating dy, floating x) noexcept nogil:
    # dy where 0 < x < 6, else 0 (PyTorch: 0 at both kinks)
    if 0 < x < 6:
        return dy
    if x != x:
        return x
    return <floating>0.0


cdef inline floating leaky_relu_fwd(floating x, double slope) noexcept nogil:
    # x if x > 0 else slope*x (one rounding of the exact product).  (The float32
    # times_double form measured the same: these kernels run at memory speed.)
    if x > 0:
        return x
    return <floating>(slope * <double>x)


cdef inline floating leaky_relu_bwd(floating dy, floating x, double slope) noexcept nogil:
    # dy if x > 0 else slope*dy (PyTorch: slope at x == 0)
    if x > 0:
        return dy
    if x <= 0:
        return <floating>(slope * <double>dy)
    return x


cdef inline float float_at_or_above(double v) noexcept nogil:
    """The least float32 >= v (v not NaN), so that for every float32 x, x < v exactly
    when x < float_at_or_above(v): bounds given as doubles are compared in float32
    (twice the lanes of double compares; the call is hoisted out of the loop)."""
    cdef float f = <float>v
    return nextafterf(f, INFINITY) if <double>f < v else f


cdef inline float float_at_or_below(double v) noexcept nogil:
    """The greatest float32 <= v (v not NaN): x > v exactly when x > this."""
    return -float_at_or_above(-v)


cdef inline floating hard_tanh_fwd(floating x, double lo, double hi) noexcept nogil:
    # clip(x, lo, hi); NaN stays NaN.  float32 compares against the float32 bounds
    # that decide them the same way (float_at_or_above).
    if floating is float:
        if x < float_at_or_above(lo):
            return <float>lo
        if x > float_at_or_below(hi):
            return <float>hi
        return x
    else:
        if x < lo:
            return lo
        if x > hi:
            return hi
        return x


cdef inline floating hard_tanh_bwd(floating dy, floating x, double lo, double hi) noexcept nogil:
    # dy where lo < x < hi, else 0 (PyTorch: 0 at both bounds)
    cdef bint inside
    if floating is float:
        inside = float_at_or_below(lo) < x < float_at_or_above(hi)
    else:
        inside = lo < x < hi
    if inside:
        return dy
    if x != x:
        return x
    return <floating>0.0


cdef inline double div6(double t) noexcept nogil:
    """t/6 without a division (vectorised divisions are slow): t (1/6), corrected by its
    remainder t - 6q, which fma gives exactly; the result is the rounded quotient."""
    cdef double q = t * (1.0 / 6.0)
    return fma(fma(-6.0, q, t), 1.0 / 6.0, q)


cdef inline double div6_for(floating like, double t) noexcept nogil:
    """t/6 for a result of like's dtype.  float64: div6.  float32 (t exact in double with
    at most ~50 significant bits, a float32 times a float32 plus 3): t (1/6) is within
    1.5 2^-53 of t/6, while t/6 is either exactly halfway between two float32s or at
    least 2^-50 (relative) from every such midpoint, so rounding to float32 gives the
    correctly rounded t/6 except that an exact tie may go to either neighbour (both
    0.5 ulp away); two fewer operations in kernels that are otherwise memory bound."""
    if floating is float:
        return t * (1.0 / 6.0)
    else:
        return div6(t)


cdef inline float div6_f(float t, float tl) noexcept nogil:
    """(t + tl)/6 in float arithmetic, tl a correction below ulp(t): q = t (1/6), then
    q + ((t - 6q) + tl)/6, where t - 6q is exact (fma): rounded about once.  An
    infinite t gives q.  Needs a hardware fma to be fast."""
    cdef float sixth = <float>(1.0 / 6.0)
    cdef float q = t * sixth
    cdef float r = fmaf(fmaf(<float>-6.0, q, t) + tl, sixth, q)
    return r if r == r else q


cdef inline floating hard_sigmoid_fwd(floating x) noexcept nogil:
    # clip((x + 3)/6, 0, 1); x + 3 is exact near -3 (Sterbenz) where x/6 + 1/2 would cancel;
    # float32 with a hardware fma: x + 3 = s + se (Fast2Sum, |x| < 3), then div6_f
    cdef float s
    if x <= -3:
        return <floating>0.0
    if x >= 3:
        return <floating>1.0
    if floating is float:
        if FA_HAS_HW_FMA:
            s = x + <float>3.0
            return div6_f(s, (<float>3.0 - s) + x)
    return <floating>div6_for(x, <double>x + 3.0)


cdef inline floating hard_sigmoid_bwd(floating dy, floating x) noexcept nogil:
    # dy/6 where -3 < x < 3, else 0 (PyTorch: 0 at +-3)
    if -3 < x < 3:
        return <floating>div6_for(x, <double>dy)
    if x != x:
        return x
    return <floating>0.0


cdef inline float hard_swish_mid_f(float x) noexcept nogil:
    """x(x + 3)/6 for float32 -3 < x < 3 in float arithmetic, rounded about once:
    x + 3 = s + se (Fast2Sum, |x| < 3), x(x + 3) = p + pl (p = fl(x s), pl = the exact
    error of that product, by fma, plus x se), then div6_f(p, pl).  Needs a hardware
    fma to be fast."""
    cdef float three = 3.0
    cdef float s = x + three
    cdef float se = (three - s) + x
    cdef float p = x * s
    return div6_f(p, fmaf(x, s, -p) + x * se)


cdef inline floating hard_swish_fwd(floating x) noexcept nogil:
    # x*clip((x + 3)/6, 0, 1) = x(x + 3)/6 on (-3, 3); the limit 0 for x -> -inf.
    # On (-3, 3) the result has x's sign: copysign keeps it for x = -0, which the
    # fma steps of the divisions by 6 turn into +0
    cdef double d = x
    if x <= -3:
        return <floating>(-0.0)
    if x >= 3:
        return x
    if floating is float:
        if FA_HAS_HW_FMA:
            return copysign_of(hard_swish_mid_f(x), x)
    return copysign_of(<floating>div6_for(x, d * (d + 3.0)), x)


cdef inline floating hard_swish_bwd(floating dy, floating x) noexcept nogil:
    # PyTorch: 0 for x <= -3, (2x + 3)/6 for -3 < x < 3, 1 for x >= 3.
    # 2x + 3 is exact near the zero at -1.5 (Sterbenz), unlike x/3 + 1/2.
    cdef double d = x
    if x <= -3:
        return <floating>0.0
    if x < 3:
        return <floating>div6_for(x, <double>dy * (2.0 * d + 3.0))
    if x >= 3:
        return dy
    return x


# --- softsign -----------------------------------------------------------------

cdef inline floating softsign_fwd(floating x) noexcept nogil:
    # x/(1 + |x|); +-1 at +-inf (the limit)
    cdef double d = x
    if fabs(d) > 1.7976931348623157e308:
        return <floating>copysign(1.0, d)
    return <floating>(d / (1.0 + fabs(d)))


cdef inline floating softsign_bwd(floating dy, floating x) noexcept nogil:
    # dy/(1 + |x|)^2, divided twice so that (1 + |x|)^2 cannot overflow for huge x
    cdef double a = 1.0 + fabs(<double>x)
    return <floating>(<double>dy / a / a)


# --- elu, selu ------------------------------------------------------------------

cdef inline floating elu_fwd(floating x, double alpha) noexcept nogil:
    # x if x >= 0 else alpha(e^x - 1); expm1 keeps full relative precision near 0;
    # x >= 0 takes -0 too: elu(-0) = -0 whatever alpha's sign (as PyTorch)
    if x >= 0:
        return x
    return <floating>(alpha * expm1(<double>x))


cdef inline floating elu_bwd(floating dy, floating x, double alpha) noexcept nogil:
    # dy if x > 0 else dy*alpha*e^x (PyTorch: alpha at x == 0)
    if x > 0:
        return dy
    if x <= 0:
        return <floating>(<double>dy * (alpha * exp(<double>x)))
    return x


# SELU constants (PyTorch's) and their product, each rounded once from the exact value
cdef inline double selu_scale() noexcept nogil:
    return 1.0507009873554805


cdef inline double selu_scale_alpha() noexcept nogil:
    return 1.7580993408473768


cdef inline floating selu_fwd(floating x) noexcept nogil:
    # scale*x if x >= 0 else scale*alpha*(e^x - 1) (selu(-0) = -0)
    if x >= 0:
        return <floating>(selu_scale() * <double>x)
    return <floating>(selu_scale_alpha() * expm1(<double>x))


cdef inline floating selu_bwd(floating dy, floating x) noexcept nogil:
    # dy*scale if x > 0 else dy*scale*alpha*e^x (PyTorch: scale*alpha at 0)
    if x > 0:
        return <floating>(<double>dy * selu_scale())
    if x <= 0:
        return <floating>(<double>dy * (selu_scale_alpha() * exp(<double>x)))
    return x


# --- softplus, log_sigmoid -----------------------------------------------------------

cdef inline double softplus_d(double x, double beta, double threshold) noexcept nogil:
    """log(1 + e^(beta x))/beta, and x where beta*x > threshold (PyTorch).

    beta*x = z + zlo exactly (fma); log1pexp(z + zlo) = log1pexp(z) + zlo*sigmoid(z),
    which matters for beta != 1 when z is very negative (relative error |z|*ulp)."""
    cdef double z = beta * x
    cdef double zlo, m
    cdef int k
    if z > threshold or z > 1.7976931348623157e308:
        return x
    if z != z:
        return z
    if z < -700.0:
        if z < -1.7976931348623157e308:
            return 0.0 / beta
        zlo = fma(beta, x, -z)
        m = exp_dd_scaled(z, zlo, &k)        # softplus(z) = e^z here
        return ldexp(m / beta, k)
    zlo = fma(beta, x, -z)
    return (log1pexp(z) + zlo * sigmoid_d(z)) / beta


cdef inline double softplus_deriv_d(double x, double beta, double threshold) noexcept nogil:
    """sigmoid(beta x) (PyTorch: 1 where beta*x > threshold), with beta*x = z + zlo."""
    cdef double z = beta * x
    cdef double zlo, s
    cdef int k
    if z > threshold or z > 1.7976931348623157e308:
        return 1.0
    if z != z:
        return z
    if z < -700.0:
        if z < -1.7976931348623157e308:
            return 0.0
        zlo = fma(beta, x, -z)
        s = exp_dd_scaled(z, zlo, &k)        # sigmoid(z) = e^z here
        return ldexp(s, k)
    zlo = fma(beta, x, -z)
    s = sigmoid_d(z)
    return fma(zlo * s, sigmoid_d(-z), s)              # sigmoid' = sigmoid(z) sigmoid(-z)


cdef inline floating softplus_fwd(floating x, double beta, double threshold) noexcept nogil:
    return <floating>softplus_d(x, beta, threshold)


cdef inline floating softplus_bwd(floating dy, floating x, double beta, double threshold) noexcept nogil:
    cdef double z = beta * <double>x
    if z > threshold:
        return dy                # PyTorch passes dy through unchanged in the linear part
    return <floating>(<double>dy * softplus_deriv_d(x, beta, threshold))


cdef inline floating log_sigmoid_fwd(floating x) noexcept nogil:
    # -log(1 + e^-x): 0 limit for x -> +inf (as -e^-x), x for x -> -inf
    return <floating>log_sigmoid_d(x)


cdef inline floating log_sigmoid_bwd(floating dy, floating x) noexcept nogil:
    # dy*sigmoid(-x) = dy(1 - sigmoid(x)) without the cancellation of 1 - sigmoid(x)
    return <floating>(<double>dy * sigmoid_d(-<double>x))


# --- silu, mish ----------------------------------------------------------------------

cdef inline double silu_d(double x) noexcept nogil:
    """x*sigmoid(x).  x >= 0: x/(1 + e^-x); x < 0: x e/(1 + e), e = e^x, so the
    tail keeps full relative precision; below -700 x e^x is formed from a scaled e^x."""
    cdef double e
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        return x / (1.0 + exp(-x))
    if x >= -700.0:
        e = exp(x)
        return x * e / (1.0 + e)
    if x < -1.7976931348623157e308:
        return -0.0                          # the limit at -inf
    e = exp_dd_scaled(x, 0.0, &k)            # e^x/(1 + e^x) == e^x here
    return ldexp(x * e, k)


cdef inline double silu_root_offset(double x) noexcept nogil:
    """h = x - r for the zero r = -1 - W(1/e) = -1.27846454276107379... of 1 + x + e^x,
    r as a double-double: x minus its high part is exact near r (Sterbenz), so h keeps
    its relative precision there."""
    return (x - FA_SILU_ROOT_HI) - FA_SILU_ROOT_LO


cdef inline double silu_e_root() noexcept nogil:
    """e^r = -(1 + r) = 0.27846454276107379..., rounded to a double (within 0.05 ulp)."""
    return FA_SILU_E_ROOT


cdef inline double silu_deriv_d(double x) noexcept nogil:
    """sigmoid(x)(1 + x(1 - sigmoid(x))).
    x >= 0, E = e^-x:  (1 + E + xE)/(1 + E)^2                 (no cancellation)
    x < 0,  e = e^x:   e(1 + x + e)/(1 + e)^2
    1 + x + e vanishes at r = -1 - W(1/e); since e^r = -(1 + r) exactly,
    1 + x + e^x = h + e^r expm1(h) with h = x - r (r as a double-double), whose
    two terms share a sign, so the zero is resolved to full relative precision."""
    cdef double e, n, h
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        if x > 50.0:
            return 1.0
        e = exp(-x)
        return div_sq_1p(fma(e, x, 1.0 + e), e)
    if x >= -700.0:
        e = exp(x)
        if -2.5 < x < -0.625:
            h = silu_root_offset(x)
            n = fma(silu_e_root(), expm1(h), h)
        else:
            n = (1.0 + x) + e
        return div_sq_1p(e * n, e)
    if x < -1.7976931348623157e308:
        return -0.0
    e = exp_dd_scaled(x, 0.0, &k)            # e^x (1 + x) here
    return ldexp(e * (1.0 + x), k)


cdef inline floating silu_fwd(floating x) noexcept nogil:
    return <floating>silu_d(x)


cdef inline floating silu_bwd(floating dy, floating x) noexcept nogil:
    return <floating>(<double>dy * silu_deriv_d(x))


cdef inline double mish_d(double x) noexcept nogil:
    """x tanh(softplus(x)).  With e = e^x, tanh(log(1 + e)) = n/(2 + n), n = e(2 + e):
    no cancellation and no overflow for x < 0.  For x >= 0, with E = e^-x,
    the same ratio is (1 + 2E)/(1 + 2E + 2E^2)."""
    cdef double e, n
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        e = exp(-x)
        n = fma(2.0, e, 1.0)
        return x * n / fma(2.0 * e, e, n)
    if x >= -700.0:
        e = exp(x)
        n = e * (2.0 + e)
        return x * n / (2.0 + n)
    if x < -1.7976931348623157e308:
        return -0.0
    e = exp_dd_scaled(x, 0.0, &k)            # tanh(softplus(x)) == e^x here
    return ldexp(x * e, k)


cdef inline double mish_deriv_d(double x) noexcept nogil:
    """t + x s (1 - t^2), t = tanh(softplus(x)), s = sigmoid(x) (PyTorch's formula), as
    x >= 0, E = e^-x, D = 1 + 2E + 2E^2:  (1 + 2E)/D + 4x E^2 (1 + E)/D^2
    x < 0,  e = e^x, q = 2 + e(2 + e):    e((2 + e) q + 4x(1 + e))/q^2
    and from piecewise Taylor polynomials around its zero near -1.19."""
    cdef double e, n, q, t, tlo, nlo, qlo
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        if x > 50.0:
            return 1.0
        e = exp(-x)
        n = fma(2.0, e, 1.0)
        q = fma(2.0 * e, e, n)
        return n / q + 4.0 * x * e * e * (1.0 + e) / (q * q)
    if x >= -700.0:
        if MISH_SEG_A <= x < MISH_SEG_B:
            return seg_poly(x, MISH_SEG_A, MISH_SEG_W, MISH_SEG_CENTRE, MISH_SEG_COEF, MISH_SEG_N)
        # (2 + e) q + 4x(1 + e) = 4(1 + x) + e(6 + 4x + e(4 + e)); 1 + x is exact for
        # x <= -1/2, so away from the zero only e's own rounding enters
        e = exp(x)
        # q = 2 + e(2 + e) as a double-double: 2 + e = t + tlo, e t = n + nlo, 2 + n = q + qlo
        t = 2.0 + e
        tlo = (2.0 - t) + e
        n = e * t
        nlo = fma(e, t, -n) + e * tlo
        q = 2.0 + n
        qlo = ((2.0 - q) + n) + nlo
        return div_sq_dd(e * fma(e, (6.0 + 4.0 * x) + e * (4.0 + e), 4.0 * (1.0 + x)), q, qlo)
    if x < -1.7976931348623157e308:
        return -0.0
    e = exp_dd_scaled(x, 0.0, &k)            # e^x (1 + x) here
    return ldexp(e * (1.0 + x), k)


cdef inline floating mish_fwd(floating x) noexcept nogil:
    return <floating>mish_d(x)


cdef inline floating mish_bwd(floating dy, floating x) noexcept nogil:
    return <floating>(<double>dy * mish_deriv_d(x))


cdef enum:
    # x <= -GELU_ASYMPTOTIC_X: Mills' series (18 terms reach 1e-19 there) instead of erfc
    GELU_ASYMPTOTIC_X = 12
    # float64 data below -GELU64_FAST_MIN_X take the careful path (near-subnormal results)
    GELU64_FAST_MIN_X = 37


# --- gelu (exact) ----------------------------------------------------------------------
# Phi(x) = erfc(-x/sqrt2)/2, phi(x) = e^(-x^2/2)/sqrt(2 pi).  For x < 0 the argument
# t = -x/sqrt2 of erfc is carried as t + tlo (erfc(t) has relative condition ~2t^2);
# for x <= -GELU_ASYMPTOTIC_X, Mills' series Phi(x) = phi(x)/|x| * A(1/x^2),
# A(r) = 1 - r + 3r^2 - 15r^3 + ..., is used instead of erfc (accurate there and it
# keeps the tail exact through the subnormal range).

cdef inline double gelu_mills_a(double r) noexcept nogil:
    """A(r) = sum_k (-1)^k (2k-1)!! r^k = 1 - r(1 - 3r(1 - 5r(1 - ...))), r = 1/x^2 <= 1/144."""
    cdef double a = 1.0
    cdef int j
    for j in range(35, 0, -2):
        a = fma(-j * r, a, 1.0)
    return a


cdef inline double gelu_phi_scaled(double x, int* k) noexcept nogil:
    """phi(x) * 2^-k with x^2 carried exactly as a double-double."""
    cdef double q = x * x
    cdef double qlo = fma(x, x, -q)
    cdef double m = exp_dd_scaled(-0.5 * q, -0.5 * qlo, k)
    return fma(m, 0.3989422804014327, m * -2.49232720227773e-17)


cdef inline double gelu_erfc_neg(double x) noexcept nogil:
    """erfc(-x/sqrt2) for x < 0, t = -x/sqrt2 = t + tlo, erfc(t + tlo) = erfc(t) - tlo 2/sqrt(pi) e^(-t^2)."""
    cdef double t = -x * 0.7071067811865476
    cdef double tlo = fma(-x, 0.7071067811865476, -t) + -x * -4.833646656726457e-17
    return erfc(t) - tlo * 1.1283791670955126 * exp(-t * t)


cdef inline double gelu_d(double x) noexcept nogil:
    """x Phi(x) = (x/2) erfc(-x/sqrt2) (erfc, not 1 + erf, so the x < 0 tail does not cancel)."""
    cdef double m
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        return x * (0.5 * erfc(-x * 0.7071067811865476))
    if x > -GELU_ASYMPTOTIC_X:
        return x * (0.5 * gelu_erfc_neg(x))
    if x < -40.0:
        return -0.0                          # below every subnormal (and the limit at -inf)
    m = gelu_phi_scaled(x, &k)               # x Phi(x) = -phi(x) A(1/x^2)
    return ldexp(-m * gelu_mills_a(1.0 / (x * x)), k)


cdef inline double gelu_deriv_d(double x) noexcept nogil:
    """Phi(x) + x phi(x).  On [-3, -0.05] (zero at -0.75) the two terms cancel, so
    piecewise Taylor polynomials are used there; far left, with Mills' series,
    Phi + x phi = x phi(x) B(1/x^2), B = 1 - r A(r)."""
    cdef double m, r
    cdef int k
    if x != x:
        return x
    if x > 40.0:
        return 1.0
    if x >= 0.0:
        return fma(x, gelu_phi_scaled(x, &k), 0.5 * erfc(-x * 0.7071067811865476))
    if GELU_SEG_A <= x < GELU_SEG_B:
        return seg_poly(x, GELU_SEG_A, GELU_SEG_W, GELU_SEG_CENTRE, GELU_SEG_COEF, GELU_SEG_N)
    if x > -GELU_ASYMPTOTIC_X:
        return fma(x, gelu_phi_scaled(x, &k), 0.5 * gelu_erfc_neg(x))
    if x < -40.0:
        return -0.0
    m = gelu_phi_scaled(x, &k)
    r = 1.0 / (x * x)
    return ldexp(x * m * fma(-r, gelu_mills_a(r), 1.0), k)


# --- gelu (tanh form, PyTorch's): 0.5 x (1 + tanh(u)) = x sigmoid(2u),
# u = sqrt(2/pi)(x + 0.044715 x^3) with the constants taken exactly.

cdef inline double gelu_tanh_z(double x, double* zlo) noexcept nogil:
    """z = 2u = 2 sqrt(2/pi) x (1 + kappa x^2) as a double-double z + zlo (|x| <= 40)."""
    return fa_gelu_tanh_z(x, zlo)


cdef inline double gelu_tanh_xdz(double x, double* lo) noexcept nogil:
    """x z' = 2 sqrt(2/pi) x (1 + 3 kappa x^2) as a double-double (|x| <= 40)."""
    return fa_gelu_tanh_xdz(x, lo)


cdef inline double gelu_tanh_d(double x) noexcept nogil:
    """x sigmoid(z), z = 2u: x/(1 + e^-z) for x >= 0, x e/(1 + e) with e = e^(z + zlo)
    for x < 0 (the naive 0.5x(1 + tanh u) cancels to 0 there)."""
    cdef double z, zlo, e
    cdef int k
    if x != x:
        return x
    if x >= 0.0:
        if x > 20.0:
            return x
        z = gelu_tanh_z(x, &zlo)
        return x / (1.0 + exp(-z))
    if x < -40.0:
        return -0.0
    z = gelu_tanh_z(x, &zlo)
    e = exp_dd_scaled(z, zlo, &k)
    if k == 0:
        return x * e / (1.0 + e)
    return ldexp(x * e, k)


cdef inline double gelu_tanh_deriv_d(double x) noexcept nogil:
    """sigmoid(z) + x sigmoid(z)(1 - sigmoid(z)) z', z' = 2 sqrt(2/pi)(1 + 3 kappa x^2):
    x >= 0, E = e^-z:  (1 + E + x z' E)/(1 + E)^2
    x < 0,  e = e^z:   e(1 + e + x z')/(1 + e)^2
    and from piecewise Taylor polynomials around its zero near -0.75."""
    cdef double z, zlo, e, zp, a, alo, s, bb, n
    cdef int k
    if x != x:
        return x
    if x > 20.0:
        return 1.0
    if x < -40.0:
        return -0.0
    if GELU_TANH_SEG_A <= x < GELU_TANH_SEG_B:
        return seg_poly(x, GELU_TANH_SEG_A, GELU_TANH_SEG_W, GELU_TANH_SEG_CENTRE,
                        GELU_TANH_SEG_COEF, GELU_TANH_SEG_N)
    z = gelu_tanh_z(x, &zlo)
    zp = 1.5957691216057308 * fma(3.0 * 0.044715, x * x, 1.0)
    if x >= 0.0:
        e = exp(-z)
        return div_sq_1p(fma(x * zp, e, 1.0 + e), e)
    # 1 + x z' + e, with x z' = a + alo and 1 + a = s + its error (two-sum): only e's
    # rounding is left, and it is small next to the sum away from the zero
    a = gelu_tanh_xdz(x, &alo)
    s = 1.0 + a
    bb = s - 1.0
    n = ((1.0 - (s - bb)) + (a - bb)) + alo
    e = exp_dd_scaled(z, zlo, &k)
    if k == 0:
        return div_sq_1p(e * (s + (n + e)), e)
    return ldexp(e * (s + n), k)


# --- piecewise Taylor polynomials for the derivatives that cross zero ------------------
# [A, B] is cut into segments of width W; each segment holds N Taylor coefficients of
# the derivative about its centre (a double-double, c[0] + c[1]).  The segment that
# holds the zero r is centred on r itself with first coefficient 0, so g = h P(h) and
# the relative precision holds down to h -> 0; h = x - c[0] is exact there (Sterbenz).
# The tables are generated with mpmath at 90 digits by generate_taylor_tables() in
# tests/test_activations.py (`python tests/test_activations.py --regen` rewrites the
# block below); the tests check the tables and the derivatives against mpmath on
# both sides of every zero.

cdef inline double seg_poly(double x, double a, double w, const double* centre,
                            const double* coef, int n) noexcept nogil:
    """The piecewise polynomial at x, for a <= x < a + (number of segments)*w."""
    cdef int k = <int>((x - a) / w)
    cdef double h = (x - centre[2 * k]) - centre[2 * k + 1]
    return horner(h, coef + k * n, n)


# BEGIN GENERATED TAYLOR TABLES
cdef extern from *:
    """
    #if defined(__GNUC__)
    #define FASTACT_UNUSED __attribute__((unused))
    #else
    #define FASTACT_UNUSED
    #endif
    static const double GELU_SEG_CENTRE[30] FASTACT_UNUSED = {-2.9517915246935647, 0.0, -2.751791524693565, 0.0, -2.5517915246935647, 0.0, -2.3517915246935646, 0.0, -2.151791524693565, 0.0, -1.9517915246935647, 0.0, -1.7517915246935645, 0.0, -1.5517915246935647, 0.0, -1.3517915246935646, 0.0, -1.1517915246935648, 0.0, -0.9517915246935647, 0.0, -0.7517915246935645, 1.4956759177009883e-17, -0.5517915246935645, 0.0, -0.35179152469356456, 0.0, -0.1517915246935646, 0.0};
    static const double GELU_SEG_COEF[300] FASTACT_UNUSED = {-0.013520284209076867, -0.034340897576127356, -0.03558362021168991, -0.016136185544440945, 0.0012118732208308515, 0.005407092858850463, 0.002657358294330037, 0.00027346147005823974, -0.0002758860362320246, -0.0001274919659852496, -8.001957910744761e-06, 1.0507175504782046e-05, 3.3507288780459404e-06, -1.0052658203932507e-07, -2.7806484971518804e-07, -4.811242511603308e-08, 9.511781021124872e-09, 4.66001374690053e-09, 2.1175491186026356e-10, -2.2495341509003866e-10, -0.021937055951154392, -0.05042345781800005, -0.044476854016145255, -0.012568995409850486, 0.008253851571239758, 0.008676029858894367, 0.0026445958023421394, -0.0003528534841441751, -0.0005033502839713881, -0.00011478968028209352, 2.3244212060903474e-05, 1.7337504837788384e-05, 1.9390934423465952e-06, -1.0206731338915376e-06, -3.512961098805879e-07, 7.465566487706982e-09, 2.4608621579175388e-08, 3.548887475923344e-09, -8.957655096482502e-10, -3.269618397386517e-10, -0.03388522775361016, -0.06938408188777558, -0.04928309709389497, -0.002101720610042046, 0.01835722406805689, 0.011306908356278124, 0.0015201727641415996, -0.001291678241292609, -0.0006441972633378718, -2.8132455108542372e-05, 6.362854752559692e-05, 1.783693996247307e-05, -1.888784176088472e-06, -1.852199002727782e-06, -1.970440011552014e-07, 9.771361232179832e-08, 2.878707562674699e-08, -1.7250693808437737e-09, -1.9323296185467814e-09, -1.6560663753575933e-10, -0.04971711290972034, -0.08866936697032218, -0.045207198494949107, 0.017266125392129038, 0.03014220920331143, 0.01175746706272516, -0.0010047201329840389, -0.002293092279908437, -0.0005590471666357621, 0.0001328318560257273, 9.343800873993557e-05, 7.202670843087605e-06, -6.988026350423092e-06, -1.8766252383902078e-06, 2.1503721938930928e-07, 1.6726159561715606e-07, 1.05391827448243e-08, -8.931974431157407e-09, -1.7918691309545284e-09, 2.7101660727448885e-10, -0.06906925032339539, -0.10362471095951792, -0.02671324823602007, 0.04578455289276503, 0.04059879756111865, 0.008409602216925709, -0.004719911506064638, -0.002904751274402706, -0.0001485059367979861, 0.0003213002481837349, 8.70499042441587e-05, -1.442518558530595e-05, -1.046459471533346e-05, -5.631382204561913e-07, 7.113640569875744e-07, 1.4299428448184895e-07, -2.7743632449002903e-08, -1.2426444276129435e-08, 1.2856902979981017e-10, 7.019098125998758e-10, -0.09042913633503737, -0.10745979650316201, 0.011041056770056701, 0.08070877242562588, 0.04536054030718234, 0.0003104468189733839, -0.008710485418468562, -0.002606417580233695, 0.0005591106403242943, 0.0004450994379042693, 2.765897450040322e-05, -3.896184093151056e-05, -8.923662326190821e-06, 1.8592698038423164e-06, 9.429444757947374e-07, -7.95844252130878e-09, -6.343644347142542e-08, -6.8430076144510856e-09, 2.965167801362531e-09, 6.847704083908822e-10, -0.11076169614998714, -0.09192212444309734, 0.07015232792873828, 0.11559418354774385, 0.03979566238398646, -0.01199031782152591, -0.011431105690550052, -0.0010669331132128928, 0.0013525227436681235, 0.0004017145994644833, -7.589281547411103e-05, -5.194199342335264e-05, -8.805590255592499e-07, 4.165045041795807e-06, 5.941330666126232e-07, -2.2515898625832148e-07, -6.419871878401198e-08, 7.322018653187596e-09, 4.473009838340379e-09, 1.0076954888230637e-11, -0.12535617988317088, -0.04883463099435182, 0.14782165390293348, 0.14077211950185933, 0.020814380616990914, -0.025924603100232257, -0.011173170103891914, 0.0015755461098323814, 0.001871550090562839, 0.00013917127865852993, -0.000182255641939025, -3.99041578239495e-05, 1.1124419055192169e-05, 4.635263752543609e-06, -3.283292843374847e-07, -3.62706351224865e-07, -1.374181355864491e-08, 2.1261111084265236e-08, 2.6487381790401804e-09, -9.574929811300315e-10, -0.12805974590681735, 0.02762479549815906, 0.23495223620224362, 0.14538829706879905, -0.011160348959827891, -0.0371581865053453, -0.006844127468783477, 0.0045777060852940895, 0.0017519511197463629, -0.00028857458903122277, -0.0002309467404300166, -4.932656677871188e-07, 2.06652854975834e-05, 2.217381475991551e-06, -1.3578155126496104e-06, -2.805892835159812e-07, 6.594251282519635e-08, 2.2703342112687567e-08, -2.139834417710163e-09, -1.4077320844420073e-09, -0.11200371327641112, 0.13838697062935487, 0.31640355894333766, 0.12078752547116081, -0.050961750200024476, -0.04081759169133891, 0.0012565128205549243, 0.006748728244423789, 0.0008331600991352115, -0.0007135944142017431, -0.00017480737225556196, 5.156389825001927e-05, 2.0700230613290605e-05, -2.3893576155362888e-06, -1.7751195780124533e-06, 3.1566418995468404e-08, 1.197232811090986e-07, 6.212019713118867e-09, -6.599616384334322e-09, -7.456490769717639e-10, -0.07079830846738872, 0.2774910845005533, 0.37345650025246574, 0.06428090893803426, -0.08907335491498033, -0.03342382113662255, 0.011108382337723982, 0.006918526214044493, -0.0006828227936070618, -0.0009171789553714042, -1.4935597439142981e-05, 8.885890870024757e-05, 8.49408519827559e-06, -6.686162271199274e-06, -1.106221678499036e-06, 4.0242656213090895e-07, 9.73055295349582e-08, -1.9487883075757884e-08, -6.725443039316347e-09, 7.377329414113305e-10, 0.0, 0.4314939923140469, 0.388284982990552, -0.018199676398671087, -0.1140082332972217, -0.014771522148244337, 0.019421679838189067, 0.004539228379125415, -0.002239538068073497, -0.0007448268386746817, 0.00018633974623233514, 8.615947861116571e-05, -1.121438018842664e-05, -7.74846130700372e-06, 4.3284506257392273e-07, 5.702764979242107e-07, -1.6044265494246427e-09, -3.5459866461783865e-08, -1.396942086426202e-09, 1.90319840501314e-09, 0.10149875530673672, 0.580896666457772, 0.34931377065518654, -0.11199702191788298, -0.11613377192152106, 0.011211410753555149, 0.02284231268077072, 0.00010413037276863164, -0.003143027573698413, -0.00021074053142178885, 0.00032978769970197497, 3.754517481728764e-05, -2.7784304846588087e-05, -4.283982873585937e-06, 1.9435340831746635e-06, 3.7531644789544403e-07, -1.154568724098494e-07, -2.706282032011474e-08, 5.912857948427246e-09, 1.667555172296898e-09, 0.230573891986775, 0.7035995215872798, 0.25568358980431927, -0.1968158106460628, -0.09154377883185989, 0.03728650437120604, 0.019440924681243213, -0.004899181369224947, -0.0029025521911113113, 0.00047897989784120604, 0.00033264302070372403, -3.620403197382165e-05, -3.086384061739507e-05, 2.1327418279382793e-06, 2.402445930369433e-06, -9.401804512117271e-08, -1.6092241747358533e-07, 2.4786518661980324e-09, 9.453315086646807e-09, 3.915276390285472e-11, 0.3798132494040621, 0.7796587985552249, 0.11903523297736229, -0.25234898465936484, -0.04426598410231382, 0.05532197101761145, 0.00975774223136526, -0.008560797098466402, -0.0015125373154288204, 0.0010142223772283676, 0.0001800699280608096, -9.705165965917512e-05, -1.736863499600695e-05, 7.778717829827137e-06, 1.4066550320244512e-06, -5.359684695991353e-07, -9.812367120962875e-08, 3.236945282370459e-08, 6.009052125948859e-09, -1.7395113464547857e-09};
    #define GELU_SEG_A (-3.0517915246935647)
    #define GELU_SEG_B (-0.05179152469356474)
    #define GELU_SEG_W (0.2)
    #define GELU_SEG_N 20
    #define GELU_ROOT_C1LO (2.7308688141129613e-17)
    static const double GELU_TANH_SEG_CENTRE[8] FASTACT_UNUSED = {-0.9524614220710163, 0.0, -0.7524614220710163, 3.635560509207687e-17, -0.5524614220710162, 0.0, -0.35246142207101616, 0.0};
    static const double GELU_TANH_SEG_COEF[80] FASTACT_UNUSED = {-0.07062882389596908, 0.27697683141595586, 0.3714041622123033, 0.06590853135920458, -0.087219832736881, -0.0349377110228376, 0.010295239866374071, 0.007621040814664606, -0.00046248520322835857, -0.0011415640861083451, -5.846325985051647e-05, 0.00014746025928636305, 1.7288882461398864e-05, -1.9756039467083175e-05, -3.3989201322419947e-06, 2.839609073314792e-06, 7.082103212553262e-07, -3.894874502235155e-07, -1.4410685736215864e-07, 4.524689068262881e-08, 0.0, 0.4304000910248585, 0.38751844613578895, -0.01578285352184803, -0.11394448308095899, -0.01661932834305256, 0.019682309459833118, 0.005261059254921912, -0.0024227318458750974, -0.0009274420230205449, 0.00026392764052681053, 0.00012425227802639782, -3.4956171694436116e-05, -1.5950896871645105e-05, 5.918611710894005e-06, 2.4335516344299543e-06, -9.898647747433667e-07, -4.3102482988029016e-07, 1.4157556987729473e-07, 7.520740909289922e-08, 0.10126818422596491, 0.5797742279858215, 0.34987550630435693, -0.11019033025441155, -0.11758604702593108, 0.010170933411658046, 0.023815774155313194, 0.0003578299844355235, -0.0034859985140792025, -0.00020159881208518923, 0.00041972490177795034, 1.1485913978043693e-05, -4.955301483613217e-05, 5.262517932822503e-06, 7.038336382765115e-06, -1.8081052428965944e-06, -1.202065786216306e-06, 3.4843878480301354e-07, 2.0766223367220288e-07, -5.1495107756309654e-08, 0.23015316426213092, 0.7028657319727322, 0.2569220232812777, -0.19642314088494134, -0.09341838760830529, 0.037481777712700656, 0.02041690285577192, -0.005112777043351148, -0.0031141194691124753, 0.0005857071276787551, 0.0003352406110979149, -7.580762414929303e-05, -1.9438614963743024e-05, 1.3769490339983028e-05, -1.5030270963325867e-06, -2.8531077143004977e-06, 6.630143132192738e-07, 5.40922128109853e-07, -1.2480828794590909e-07, -8.792949039610652e-08};
    #define GELU_TANH_SEG_A (-1.0524614220710162)
    #define GELU_TANH_SEG_B (-0.2524614220710162)
    #define GELU_TANH_SEG_W (0.2)
    #define GELU_TANH_SEG_N 20
    #define GELU_TANH_ROOT_C1LO (2.028254970529195e-17)
    static const double MISH_SEG_CENTRE[10] FASTACT_UNUSED = {-1.592431214515495, 0.0, -1.3924312145154953, 0.0, -1.1924312145154952, -4.8484829848031044e-17, -0.9924312145154951, 0.0, -0.7924312145154951, 0.0};
    static const double MISH_SEG_COEF[100] FASTACT_UNUSED = {-0.07707618968155693, 0.12666952069345766, 0.1436790155661281, 0.05383244478847438, 0.0022922137934450405, -0.006788118183253871, -0.003376426301256746, -0.0006258107496675522, 0.00015609272153423577, 0.00015179884754653222, 4.9157086039465575e-05, 3.0731411837409826e-06, -4.792864353601176e-06, -2.5401284849741434e-06, -5.443162236108166e-07, 6.925490121173392e-08, 9.7027196237889e-08, 3.448869654053898e-08, 3.5228446450035694e-09, -2.573532042823101e-09, -0.045563193636929324, 0.19061332282390253, 0.17590067999536851, 0.05237938437716002, -0.006672717670413826, -0.011260981177734978, -0.003959100705813601, -0.00011017443627301239, 0.0005169326014229466, 0.0002452224668166159, 3.6706349254631506e-05, -1.7625000771258693e-05, -1.2773610361421252e-05, -3.2038513348486883e-06, 3.201304371925249e-07, 5.655750315006411e-07, 2.0181952381732026e-07, 1.2546238305822486e-08, -2.0941509136987302e-08, -1.0572160149949535e-08, 0.0, 0.2669479140495345, 0.20473126408010586, 0.04190782104360987, -0.020271822716684245, -0.01582112656173338, -0.0033606849270232685, 0.0010924055409445854, 0.0009898181021289196, 0.00025412936386191073, -4.1961496031696126e-05, -5.582891567360688e-05, -1.72992708103044e-05, 9.427361327376651e-07, 2.9088199364912223e-06, 1.071676702702074e-06, 2.6879417855557728e-08, -1.4117255919499382e-07, -6.174424363104907e-08, -5.460186173028381e-09, 0.06187639982210797, 0.35308823468062517, 0.22367359799282557, 0.01890439117509278, -0.037683201592129685, -0.01844686031216949, -0.0005752759852259765, 0.0029681645655759243, 0.0012853595005157862, 2.0214904542259864e-05, -0.00020263799615668874, -8.36945819244945e-05, -6.347115248162449e-07, 1.300071206217308e-05, 5.183372308634548e-06, -3.255253846018135e-09, -8.00790173427754e-07, -3.088578664981785e-07, 2.9332437965763107e-09, 4.785476640570056e-08, 0.14152603414275788, 0.44347311964853414, 0.22450494192994103, -0.018523945104936795, -0.05550243858899939, -0.01608279065578765, 0.004953168819267029, 0.004816615299500097, 0.0008523384119262038, -0.0005522497098762422, -0.00035088190502165483, -3.0920810640315245e-05, 4.911913139679138e-05, 2.2844696873862523e-05, -1.1677118453330714e-07, -3.849775673706315e-06, -1.3418090934751534e-06, 1.5947255129425197e-07, 2.749450497075185e-07, 7.041174469816519e-08};
    #define MISH_SEG_A (-1.6924312145154952)
    #define MISH_SEG_B (-0.6924312145154952)
    #define MISH_SEG_W (0.2)
    #define MISH_SEG_N 20
    #define MISH_ROOT_C1LO (1.5332816617135587e-17)
    static const double MISH_NEAR_SEG_CENTRE[2] FASTACT_UNUSED = {-1.1924312145154952, -4.8484829848031044e-17};
    static const double MISH_NEAR_SEG_COEF[8] FASTACT_UNUSED = {0.0, 0.2669479140495345, 0.20473126408010586, 0.04190782104360987, -0.020271822716684245, -0.01582112656173338, -0.0033606849270232685, 0.0010924055409445854};
    #define MISH_NEAR_SEG_A (-1.2549312145154952)
    #define MISH_NEAR_SEG_B (-1.1299312145154952)
    #define MISH_NEAR_SEG_W (0.125)
    #define MISH_NEAR_SEG_N 8
    #define MISH_NEAR_ROOT_C1LO (1.5332816617135587e-17)
    static const double MISH_BAND_SEG_CENTRE[2] FASTACT_UNUSED = {-1.1924312145154952, -4.8484829848031044e-17};
    static const double MISH_BAND_SEG_COEF[19] FASTACT_UNUSED = {0.0, 0.2669479140495345, 0.20473126408010586, 0.041907821043609884, -0.020271822716684273, -0.015821126561734972, -0.0033606849270181103, 0.001092405541035307, 0.0009898181018402213, 0.0002541293615090444, -4.196148878022473e-05, -5.582888275632195e-05, -1.729936733864232e-05, 9.424680672660414e-07, 2.9095480443782168e-06, 1.0729762768823977e-06, 2.3758643310217108e-08, -1.4483201952748164e-07, -5.4689696411590135e-08};
    #define MISH_BAND_SEG_A (-1.6924312145154952)
    #define MISH_BAND_SEG_B (-0.6924312145154952)
    #define MISH_BAND_SEG_W (1.0)
    #define MISH_BAND_SEG_N 19
    #define MISH_BAND_ROOT_C1LO (1.5332816617135587e-17)
    static const double GELU_TANH_BAND_SEG_CENTRE[2] FASTACT_UNUSED = {-0.7524614220710163, 3.635560509207687e-17};
    static const double GELU_TANH_BAND_SEG_COEF[26] FASTACT_UNUSED = {0.0, 0.4304000910248585, 0.38751844613578895, -0.01578285352184803, -0.11394448308095899, -0.01661932834305256, 0.019682309459833118, 0.005261059254921912, -0.0024227318458750974, -0.0009274420230205449, 0.00026392764052681053, 0.00012425227802639782, -3.4956171694436116e-05, -1.5950896871645105e-05, 5.918611710894005e-06, 2.4335516344299543e-06, -9.898647747433667e-07, -4.3102482988029016e-07, 1.4157556987729473e-07, 7.520740909289922e-08, -1.6978217459781023e-08, -1.196180847972441e-08, 1.7637802707907564e-09, 1.744987137846621e-09, -1.708811216951738e-10, -2.433873557833449e-10};
    #define GELU_TANH_BAND_SEG_A (-1.0524614220710162)
    #define GELU_TANH_BAND_SEG_B (-0.45246142207101625)
    #define GELU_TANH_BAND_SEG_W (0.6)
    #define GELU_TANH_BAND_SEG_N 26
    #define GELU_TANH_BAND_ROOT_C1LO (2.028254970529195e-17)
    """
    const double GELU_SEG_CENTRE[30]
    const double GELU_SEG_COEF[300]
    const double GELU_SEG_A
    const double GELU_SEG_B
    const double GELU_SEG_W
    const int GELU_SEG_N
    const double GELU_ROOT_C1LO
    const double GELU_TANH_SEG_CENTRE[8]
    const double GELU_TANH_SEG_COEF[80]
    const double GELU_TANH_SEG_A
    const double GELU_TANH_SEG_B
    const double GELU_TANH_SEG_W
    const int GELU_TANH_SEG_N
    const double GELU_TANH_ROOT_C1LO
    const double MISH_SEG_CENTRE[10]
    const double MISH_SEG_COEF[100]
    const double MISH_SEG_A
    const double MISH_SEG_B
    const double MISH_SEG_W
    const int MISH_SEG_N
    const double MISH_ROOT_C1LO
    const double MISH_NEAR_SEG_CENTRE[2]
    const double MISH_NEAR_SEG_COEF[8]
    const double MISH_NEAR_SEG_A
    const double MISH_NEAR_SEG_B
    const double MISH_NEAR_SEG_W
    const int MISH_NEAR_SEG_N
    const double MISH_NEAR_ROOT_C1LO
    const double MISH_BAND_SEG_CENTRE[2]
    const double MISH_BAND_SEG_COEF[19]
    const double MISH_BAND_SEG_A
    const double MISH_BAND_SEG_B
    const double MISH_BAND_SEG_W
    const int MISH_BAND_SEG_N
    const double MISH_BAND_ROOT_C1LO
    const double GELU_TANH_BAND_SEG_CENTRE[2]
    const double GELU_TANH_BAND_SEG_COEF[26]
    const double GELU_TANH_BAND_SEG_A
    const double GELU_TANH_BAND_SEG_B
    const double GELU_TANH_BAND_SEG_W
    const int GELU_TANH_BAND_SEG_N
    const double GELU_TANH_BAND_ROOT_C1LO
# END GENERATED TAYLOR TABLES


# BEGIN GENERATED GELU POLYNOMIALS
cdef extern from * nogil:
    """
    #include "_vecmath.h"   /* FA_INLINE, fa_poly26_dd */
    FA_INLINE double gelu_n_poly(double y) {
        double p = 1.4760270715309262e-05;
        p = p * y + -1.6130458619230923e-05;
        p = p * y + -0.00021852913392205134;
        p = p * y + 0.0001463213393420261;
        p = p * y + 0.001628302148183387;
        p = p * y + -0.0034838833072029056;
        p = p * y + -0.007540089275867972;
        p = p * y + 0.0603971433621339;
        p = p * y + -0.18652184694964802;
        p = p * y + 0.38713737287032096;
        p = p * y + -0.6078966423727435;
        p = p * y + 0.7552851306397184;
        return p;
    }
    FA_INLINE double gelu_h_poly(double y) {
        double p = 1.6463539474921334e-05;
        p = p * y + 1.380605552655863e-05;
        p = p * y + -0.00018539597225723822;
        p = p * y + 0.00015612580586625045;
        p = p * y + 0.0017882040862632076;
        p = p * y + -0.00950522403675441;
        p = p * y + 0.028083371153590882;
        p = p * y + -0.06046291873348268;
        p = p * y + 0.10336589768386978;
        p = p * y + -0.4622112442369266;
        return p;
    }
    static const double GELU64_N[27] FASTACT_UNUSED = {0.7552851304157515, -0.6078966419718921, 0.3871374007422145, -0.18652185795965484, 0.06039657489094323, -0.00754018896682524, -0.003479692367605836, 0.001630818459394586, 0.00013334431578740138, -0.00023109495324019437, -1.908289705282615e-06, 3.514479478753355e-05, 7.168479446346122e-07, -5.920586519556891e-06, -6.30389723047222e-07, 1.0225604158296038e-06, 2.73568947907429e-07, -1.5650236461993108e-07, -8.838447972307542e-08, 1.4630727405651178e-08, 2.2833760070320686e-08, 1.4329918401088586e-09, -4.570686464153346e-09, -8.546521899880137e-10, 6.325195377466802e-10, 1.1754789914807725e-10, -4.4952047212573956e-11};
    static const double GELU64_N_LO[2] FASTACT_UNUSED = {-2.215263915481483e-17, -4.235936308279525e-17};
    FA_INLINE double gelu64_n_poly(double y, double yl, double* lo) {
        return fa_poly26_dd(GELU64_N, GELU64_N_LO, y, yl, lo);
    }
    static const double GELU64_H[27] FASTACT_UNUSED = {-0.4622112440495753, 0.10336589852195696, -0.060462936767851194, 0.028083359953044583, -0.009504950375090823, 0.0017882605413474734, 0.00015461331272611915, -0.00018577577622396285, 1.7477214980186395e-05, 1.8034950819804662e-05, -3.538900515239395e-06, -2.216790153998942e-06, 4.921500092044741e-07, 3.4951122233992554e-07, -5.230236962840128e-08, -6.351253301686258e-08, 5.099519527308678e-10, 1.1628071013631732e-08, 2.1042764744171357e-09, -1.8663634647060702e-09, -8.460966634009337e-10, 2.1393716705543634e-10, 2.1681489920150566e-10, -9.178339154915264e-12, -3.6900530787316374e-11, -9.457690891263988e-13, 3.207080163470202e-12};
    static const double GELU64_H_LO[2] FASTACT_UNUSED = {5.6662121056299014e-18, -9.64534728867863e-19};
    FA_INLINE double gelu64_h_poly(double y, double yl, double* lo) {
        return fa_poly26_dd(GELU64_H, GELU64_H_LO, y, yl, lo);
    }
    #define GELU_POLY_K 4.0
    #define GELU32_AMAX 15.0
    #define GELU_A0_HI 0.7517915246935645
    #define GELU_A0_LO -1.4956759177009883e-17
    """
    double gelu_n_poly(double y)
    double gelu_h_poly(double y)
    double gelu64_n_poly(double y, double yl, double* lo)
    double gelu64_h_poly(double y, double yl, double* lo)
    const double GELU_POLY_K
    const double GELU32_AMAX
    const double GELU_A0_HI
    const double GELU_A0_LO
# END GENERATED GELU POLYNOMIALS

# the float64 exact gelu as interleaved lanes: after the block above, whose polynomials
# and constants it uses
cdef extern from "_lanes64_gelu.h" nogil:
    double fa_gelu64_fwd(double x)
    double fa_gelu64_bwd(double dy, double x)
    void fa_gelu64_fwd_block(const double* x, double* y, Py_ssize_t n)
    double fa_gelut64_fwd(double x)
    double fa_gelut64_bwd(double dy, double x)
    void fa_gelut64_fwd_block(const double* x, double* y, Py_ssize_t n)
    Py_ssize_t fa_gelut64_fwd_upto(const double* x, double* y, Py_ssize_t n, double lo, double hi)


# ===========================================================================
# Vectorisable fast paths (used by the loops of _activations.pyx.tp, see FAST
# there).  Straight-line code over the branch-free exp/expm1/log1p of
# _vecmath.h: the ternaries become SIMD selects, so both sides are evaluated
# and a side that overflows or is NaN where it is not selected is harmless.
# <name>_*_hard(x) marks the inputs where a fast form is not accurate enough
# (far tails, a derivative's zero); the loop recomputes those with the careful
# scalar functions above.  float32 data use float arithmetic where its error
# bound is measured over every float32 (sigmoid, tanh, elu, selu, softsign,
# softplus, log_sigmoid, the silu forward) and double arithmetic otherwise.
# ===========================================================================

from libc.math cimport fabsf, copysignf, fmaf
from fastact._vecmath cimport (FA_HAS_HW_FMA, FA_TABLE32_VEC, FA_TABLE64_VEC, fa_outside_d, fa_outside_f, fa_marks_d, fa_marks_f, fa_exp, fa_exp_nonpos, fa_exp_inrange, fa_exp_inrange_dd, fa_expf_nonpos, fa_exp_lean, fa_exp_lean_inrange, fa_reduce_one, fa_expm1_poly, fa_expm1, fa_expm1_nonpos, fa_log1p, fa_expf, fa_expm1f,
                               fa_expm1f_nonpos, fa_log1p_unit, fa_log1pf_unit)


# one-line dtype dispatch of the _vecmath / libm functions (each a float and a double
# form), so that a kernel is written once for both

cdef inline floating expm1_of(floating x) noexcept nogil:
    """e^x - 1 in the argument's precision (fa_expm1f / fa_expm1)."""
    if floating is float:
        return fa_expm1f(x)
    else:
        return fa_expm1(x)


cdef inline floating exp_of(floating x) noexcept nogil:
    """e^x in the argument's precision (fa_expf / fa_exp, about 1 ulp), branch-free."""
    if floating is float:
        return fa_expf(x)
    else:
        return fa_exp(x)


cdef inline floating exp_nonpos_of(floating x) noexcept nogil:
    """e^x for x <= 0 (what a positive x gives is not used: the callers select it away),
    in the argument's precision; as exp_of with only the clamp that can act."""
    if floating is float:
        return fa_expf_nonpos(x)
    else:
        return fa_exp_nonpos(x)


cdef inline floating fma_of(floating a, floating b, floating c) noexcept nogil:
    """a b + c rounded once, in the arguments' precision (fmaf / fma)."""
    if floating is float:
        return fmaf(a, b, c)
    else:
        return fma(a, b, c)


cdef inline floating abs_of(floating x) noexcept nogil:
    """|x| in the argument's precision (fabsf / fabs)."""
    if floating is float:
        return fabsf(x)
    else:
        return fabs(x)


cdef inline floating expm1_nonpos_of(floating x) noexcept nogil:
    """e^x - 1 for x <= 0 in the argument's precision (fa_expm1f_nonpos / fa_expm1_nonpos)."""
    if floating is float:
        return fa_expm1f_nonpos(x)
    else:
        return fa_expm1_nonpos(x)


cdef inline floating copysign_of(floating m, floating s) noexcept nogil:
    """|m| with the sign of s, in the arguments' precision (copysignf / copysign)."""
    if floating is float:
        return copysignf(m, s)
    else:
        return copysign(m, s)


cdef inline floating exp_neg_abs(floating x) noexcept nogil:
    """e^-|x| in (0, 1] in the argument's precision (NaN for NaN)."""
    return exp_nonpos_of(-abs_of(x))


cdef inline floating sigmoid_fwd_fast(floating x) noexcept nogil:
    # e = e^-|x|: 1/(1+e) for x >= 0, e/(1+e) for x < 0 (one division, no overflow,
    # the tail keeps its relative precision)
    cdef floating e = exp_neg_abs(x)
    return (e if x < 0 else <floating>1.0) / (<floating>1.0 + e)


cdef inline floating sigmoid_bwd_fast(floating dy, floating y) noexcept nogil:
    # float32 data with a hardware fma: y(1 - y) = fma(-y, y, y) is exact before its one
    # rounding, then times dy: within 1.5 ulp (two roundings, 16 lanes) instead of the
    # double form's 0.5 (8 lanes and two conversions, which cost more than the memory
    # traffic of this kernel); float64 data and the baseline build: sigmoid_bwd
    if floating is float:
        if FA_HAS_HW_FMA:
            return dy * fmaf(-y, y, y)
    return sigmoid_bwd(dy, y)


cdef inline floating tanh_bwd_fast(floating dy, floating y) noexcept nogil:
    # float32 with a hardware fma: 1 - y^2 = fma(-y, y, 1) exact before its one rounding
    # (no cancellation as |y| -> 1), then times dy: within 1.5 ulp; else tanh_bwd
    if floating is float:
        if FA_HAS_HW_FMA:
            return dy * fmaf(-y, y, <float>1.0)
    return tanh_bwd(dy, y)


cdef inline floating tanh_fwd_fast(floating x) noexcept nogil:
    # tanh|x| = -m/(2+m), m = expm1(-2|x|) in (-1, 0]: no cancellation near 0 and
    # exactly 1 once m rounds to -1; the sign is copied back (keeps -0)
    cdef floating m = expm1_nonpos_of(<floating>-2.0 * abs_of(x))   # <floating>: a bare 2.0 is a double in C
    return copysign_of(-m / (<floating>2.0 + m), x)


cdef inline float float_rest(double c) noexcept nogil:
    """lo with c = <float>c + lo to within 2^-48 relative: a double constant as two
    floats (hoisted out of a loop when c is loop-invariant)."""
    return <float>(c - <double><float>c)


cdef inline float times_double(double c, float m) noexcept nogil:
    """c m rounded once to float32 (to within 2^-47 relative before that rounding), in
    float arithmetic: c = hi + lo (float_rest), then fma(hi, m, lo m).  An infinite m
    (where hi m and lo m can be infinities of opposite signs) gives hi m, and so does a
    zero m (the sum of zeros of opposite signs would be +0, whatever the product's
    sign).  Needs a hardware fma to be fast."""
    cdef float hi = <float>c
    cdef float r = fmaf(hi, m, float_rest(c) * m)
    return r if (r == r and r != 0) else hi * m


cdef inline float times_split_2(float dy, float hi, float lo, float m) noexcept nogil:
    """dy (hi + lo) m rounded about once to float32, m finite: (hi + lo) m = t + tl
    (t = fl(hi m), tl = the exact error of that product plus lo m), then
    fma(dy, t, dy tl); an infinite dy gives dy t."""
    cdef float t = hi * m
    cdef float tl = fmaf(lo, m, fmaf(hi, m, -t))
    cdef float r = fmaf(dy, t, dy * tl)
    return r if r == r else dy * t


cdef inline float times_double_2(float dy, double c, float m) noexcept nogil:
    """dy c m rounded about once to float32 (times_split_2 with c = hi + lo)."""
    return times_split_2(dy, <float>c, float_rest(c), m)


cdef inline floating elu_fwd_fast(floating x, double alpha) noexcept nogil:
    # float32 with a hardware fma: alpha (e^x - 1) in float arithmetic (times_double)
    if floating is float:
        if FA_HAS_HW_FMA:
            return x if x >= 0 else times_double(alpha, fa_expm1f_nonpos(x))
    return x if x >= 0 else <floating>(alpha * expm1_of(x))


cdef inline floating elu_bwd_fast(floating dy, floating x, double alpha) noexcept nogil:
    if floating is float:
        if FA_HAS_HW_FMA:
            return dy if x > 0 else times_double_2(dy, alpha, fa_expf_nonpos(x))
    return dy if x > 0 else <floating>(<double>dy * (alpha * exp_nonpos_of(x)))


cdef inline floating selu_fwd_fast(floating x) noexcept nogil:
    if floating is float:
        if FA_HAS_HW_FMA:
            return (times_double(selu_scale(), x) if x >= 0
                    else times_double(selu_scale_alpha(), fa_expm1f_nonpos(x)))
    return (<floating>(selu_scale() * <double>x) if x >= 0
            else <floating>(selu_scale_alpha() * expm1_of(x)))


cdef inline floating selu_bwd_fast(floating dy, floating x) noexcept nogil:
    if floating is float:
        if FA_HAS_HW_FMA:
            # one product for both sides: dy (scale) 1 or dy (scale alpha) e^x
            return times_split_2(
                dy, <float>selu_scale() if x > 0 else <float>selu_scale_alpha(),
                float_rest(selu_scale()) if x > 0 else float_rest(selu_scale_alpha()),
                <float>1.0 if x > 0 else fa_expf_nonpos(x))
    return (<floating>(<double>dy * selu_scale()) if x > 0
            else <floating>(<double>dy * (selu_scale_alpha() * exp_nonpos_of(x))))


# --- softsign --------------------------------------------------------------------
# With a hardware fma, 1/(1 + |x|) as an unevaluated sum hi + lo (recip_1p_split):
# float32 data in float arithmetic, one division for 16 lanes instead of one (forward)
# or two (backward) double divisions for 8; the float64 backward with one division
# instead of two.  Over every float32 |x| < 2^24 (C sweep, double reference; backward
# with a pseudo-random dy per x) both float32 directions were within 0.5000 ulp,
# against 1.50 (forward) and 3.46 (backward) for the plain float forms x/(1+|x|) and
# dy/(1+|x|)/(1+|x|); float64 forward 1.45 -> 0.50 ulp (python -m fastact accuracy).

cdef inline void recip_1p_split(floating a, floating* hi, floating* lo) noexcept nogil:
    """1/(1 + a), a >= 0 finite, as hi + lo in the argument's precision: s = fl(1 + a)
    and its rounding error e (Fast2Sum of max(a, 1) and min(a, 1): s + e == 1 + a),
    hi = fl(1/s), and lo = (1 - hi s - hi e) hi, where 1 - hi s is exact (fma) and the
    rest is a correction of relative size u, so hi + lo is good to about 4u^2 (u = 2^-24
    or 2^-53).  Needs a hardware fma to be fast."""
    cdef floating one = 1.0
    cdef floating s = one + a
    cdef floating big = a if a > one else one
    cdef floating small = one if a > one else a
    cdef floating e = (big - s) + small
    cdef floating h = one / s
    hi[0] = h
    lo[0] = (fma_of(-h, s, one) - h * e) * h


cdef inline floating softsign_fwd_fast(floating x) noexcept nogil:
    # with a hardware fma: x (hi + lo) = fma(x, hi, x lo), one rounding of a value good
    # to about 4u^2; from |x| = 1/u on (inf and NaN too), 1 - hi with x's sign (hi <= u,
    # so the subtraction rounds once, to within 0.5 ulp).  Baseline build: x/(1 + |x|)
    cdef floating hi, lo
    cdef floating a = abs_of(x)
    cdef floating inv_u = 16777216.0 if floating is float else 9007199254740992.0   # 2^24, 2^53
    if FA_HAS_HW_FMA:
        recip_1p_split(a, &hi, &lo)
        return fma_of(x, hi, x * lo) if a < inv_u else copysign_of(<floating>1.0 - hi, x)
    return softsign_fwd(x)


cdef inline floating softsign_bwd_fast(floating dy, floating x) noexcept nogil:
    # with a hardware fma: dy (hi + lo)^2 = fma(dy, p, dy q), p = fl(hi^2),
    # q = (hi^2 - p) + 2 hi lo (the first term exact by fma): one division, where the
    # plain forms take two (float: 3.46 ulp; float64 data: dy/(1+|x|)/(1+|x|), 8 lanes).
    # |x| >= 2^24 (float) or 2^400 (double), where q can lose bits to underflow, is
    # "hard" (softsign_bwd).  Baseline build: softsign_bwd
    cdef floating hi, lo, p, q
    if FA_HAS_HW_FMA:
        recip_1p_split(abs_of(x), &hi, &lo)
        p = hi * hi
        q = fma_of(hi, hi, -p) + <floating>2.0 * hi * lo
        return fma_of(dy, p, dy * q)
    return softsign_bwd(dy, x)


cdef inline bint softsign_bwd_hard(floating x) noexcept nogil:
    if floating is float:
        return FA_HAS_HW_FMA and not (fabsf(x) < <float>16777216.0)   # also inf, NaN
    else:
        return FA_HAS_HW_FMA and not (fabs(x) < 2.5822498780869086e120)  # 2^400


# --- softplus, log_sigmoid ------------------------------------------------------
# log(1 + e^x) = max(x, 0) + log1p(e^-|x|): one exp, one log1p, both arguments
# in range; the two terms have the same sign (no cancellation).  float32 data in
# float arithmetic (fa_expf 1.06 ulp, then fa_log1pf_unit: x + x^2 Q(x), a fitted
# polynomial, no reduction or division; see the README's accuracy table), float64
# in double.

cdef inline floating log1p_exp_neg_abs(floating x) noexcept nogil:
    """log1p(e^-|x|) in the argument's precision."""
    if floating is float:
        return fa_log1pf_unit(exp_neg_abs(x))
    else:
        return fa_log1p_unit(exp_neg_abs(x))


cdef inline bint exceeds(floating x, double t) noexcept nogil:
    """x > t, with float32 x compared in float32 (float_at_or_below: the same answer)."""
    if floating is float:
        return x > float_at_or_below(t)
    else:
        return x > t


cdef inline floating softplus_fwd_fast(floating x, double beta, double threshold) noexcept nogil:
    cdef floating v = (x if x > 0 else <floating>0.0) + log1p_exp_neg_abs(x)
    return x if exceeds(x, threshold) else v


cdef inline bint softplus_fwd_hard(floating x, double beta, double threshold) noexcept nogil:
    # beta*x carries its rounding error into e^(beta x): only beta == 1 is fast
    return beta != 1.0


cdef inline floating softplus_bwd_fast(floating dy, floating x, double beta, double threshold) noexcept nogil:
    return dy if exceeds(x, threshold) else dy * sigmoid_fwd_fast(x)


cdef inline bint softplus_bwd_hard(floating x, double beta, double threshold) noexcept nogil:
    # beta != 1: as the forward.  float32 with the table kernel (FA_TABLE32_VEC), which
    # computes dy sigma(x) everywhere: also the inputs past a threshold below 17.5, where
    # PyTorch passes dy through (softplus_bwd) and sigma(x) has not yet rounded to 1 (it
    # does from x = 17.33 on: 1 - sigma(x) < e^-x < 2^-25, and dy * 1 is dy)
    if floating is float:
        return beta != 1.0 or (FA_TABLE32_VEC and threshold < 17.5 and exceeds(x, threshold))
    else:
        return beta != 1.0


cdef inline floating log_sigmoid_fwd_fast(floating x) noexcept nogil:
    # -log(1 + e^-x) = min(x, 0) - log1p(e^-|x|)
    return (x if x < 0 else <floating>0.0) - log1p_exp_neg_abs(x)


cdef inline floating log_sigmoid_bwd_fast(floating dy, floating x) noexcept nogil:
    # dy sigmoid(-x)
    return dy * sigmoid_fwd_fast(-x)


# --- silu, mish (the subnormal tails are "hard") ------------------------------------
# float32 data in float arithmetic, float64 in double.

cdef inline floating silu_fwd_fast(floating x) noexcept nogil:
    # x e/(1+e) (x < 0) or x/(1+e) (x >= 0), e = e^-|x|
    cdef floating e
    if floating is float:
        e = exp_neg_abs(x)
        return x * (e if x < 0 else <floating>1.0) / (<floating>1.0 + e)
    else:
        # float64: fa_silu64_fwd (_lanes64.h: e's rounding error joins x e in one fma),
        # whose block loop runs four elements as interleaved lanes
        return fa_silu64_fwd(x)


cdef inline bint silu_fwd_hard(floating x) noexcept nogil:
    # e^x subnormal (float) or underflowing (double): silu_d rescales; with the AVX-512
    # kernel of _table32.h (float32) inf and NaN too
    if floating is float:
        if FA_TABLE32_VEC:
            return not (-87.0 <= x and x <= 3.4028234663852886e38)
        return x < -87.0
    else:
        return x < -700.0


cdef inline floating silu_bwd_fast(floating dy, floating x) noexcept nogil:
    # (double arithmetic: in float the e(1 + x + e)/(1 + e)^2 form exceeds 4 ulp)
    # the forms of silu_deriv_d without branches: E = e^-|x|,
    # x >= 0: (1 + E + xE)/(1+E)^2;  x < 0: e(1 + x + e)/(1+e)^2
    cdef double d = x
    cdef double h, e, near_zero, n, num
    if floating is float:
        h = silu_root_offset(d)
        # e = fa_exp_lean (2^-31) and 1 + x exact: 1 + x + e is good to e 2^-31, which
        # relative to |1 + x + e| >= 0.08 (|x - r| >= 1/16, r = -1.2784645... its zero)
        # is below 2^-29; nearer r the Taylor series about r, h + e^r (h^2/2! + ...
        # + h^6/6!), h = x - r, (truncation below 2^-31); (1 + e)^2 in double and one
        # division: the float32 result is rounded about once (0.5 ulp + ~0.06)
        e = fa_exp_lean_inrange(-fabs(d))     # |x| <= 700 (exp_tails_range)
        near_zero = h * (1.2784645427610737 + h * (0.1392322713805369 + h * (
            0.046410757126845635 + h * (0.011602689281711409 + h * (
                0.0023205378563422815 + h * 0.00038675630939038027)))))
        n = near_zero if fabs(h) < 0.0625 else (1.0 + d) + e
        num = fma(e, d, 1.0 + e) if d >= 0 else e * n
        return <floating>(<double>dy * (num / ((1.0 + e) * (1.0 + e))))
    else:
        # float64: fa_silu64_bwd (_lanes64.h), whose block loop runs four elements as
        # interleaved lanes
        return fa_silu64_bwd(dy, x)


# Marks that are a range of the input: the range is written once, in a *_range
# function (`x` only picks the dtype; bounds exact in float32), and the fix-up loops
# read it once a block for both their check over the block (any_outside: fa_outside_d/_f
# of _vecmath.h, a running min, max and NaN test) and the marks of a block that has some
# (outside: not lo <= x <= hi, so inf and NaN outside any range); ANY_HARD in
# _activations.pyx.tp names the functions.
cdef inline bint outside(floating x, double lo, double hi) noexcept nogil:
    return not (lo <= x and x <= hi)


cdef inline bint any_outside(const floating* x, Py_ssize_t m, double lo, double hi) noexcept nogil:
    if floating is float:
        return fa_outside_f(x, m, <float>lo, <float>hi)
    else:
        return fa_outside_d(x, m, lo, hi)


cdef inline int marks_outside(const floating* x, Py_ssize_t m, double lo, double hi, int* at,
                              floating* v) noexcept nogil:
    """The places i < m where outside(x[i], lo, hi), to at[], with their values to v[]
    (fa_marks_d/_f): their number."""
    if floating is float:
        return fa_marks_f(x, m, <float>lo, <float>hi, at, v)
    else:
        return fa_marks_d(x, m, lo, hi, at, v)


cdef inline void exp_tails_range(const floating* x, double* lo, double* hi) noexcept nogil:
    # the fast range of the silu backward and the mish forward: tails (their unclamped
    # exponentials); with the AVX-512 kernels of _table32.h (float32 data) x < -87,
    # where e^x |x| nears the subnormal range
    if floating is float:
        if FA_TABLE32_VEC:
            lo[0], hi[0] = -87.0, 3.4028234663852886e38
            return
    lo[0], hi[0] = -700.0, 700.0


cdef inline double exp_neg_abs_d(float x) noexcept nogil:
    """e^-|x| in double for the float32 kernels that compute in double (the mish forward
    and backward; their float64 forms are in _lanes64.h): fa_exp_lean, 2^-31, enough
    for a result rounded to float32 where no later step enlarges e's error by more than
    a few times.  For |x| <= 700 only, unclamped: its callers send larger |x| to the
    scalar path, and a clamp that cannot act still costs (GCC blends the clamped lanes'
    result in)."""
    return fa_exp_lean_inrange(-fabs(<double>x))


cdef inline floating mish_fwd_fast(floating x) noexcept nogil:
    # x >= 0, E = e^-x: x(1 + 2E)/(1 + 2E + 2E^2);  x < 0, e = e^x: x n/(2 + n), n = e(2 + e);
    # numerator and denominator are selected first, so there is one division; no step
    # cancels, so e's relative error passes through at most about once.
    # float64 data: fa_mish64_fwd (_lanes64.h: e and the quotient with their exact
    # errors, 2.21 ulp), whose block loop runs four elements as interleaved lanes.
    cdef double d = x
    cdef double e, n, num, den
    if floating is float:
        e = exp_neg_abs_d(x)
        n = e * (2.0 + e)
        num = fma(2.0, e, 1.0) if d >= 0 else n
        den = fma(2.0 * e, e, fma(2.0, e, 1.0)) if d >= 0 else 2.0 + n
        return <floating>((d * num) / den)
    else:
        return fa_mish64_fwd(x)


cdef inline floating mish_bwd_fast(floating dy, floating x) noexcept nogil:
    # the forms of mish_deriv_d without branches, as one numerator over one square, and a
    # Taylor polynomial about the zero r = -1.19... for |x - r| < 1/2:
    # x >= 0: ((1 + 2E) D + 4x E^2 (1 + E))/D^2;  x < 0: e((2 + e) q + 4x(1 + e))/q^2
    cdef double d, e, D, pos, neg, qq, h, near_zero
    if floating is float:
        d = x
        e = exp_neg_abs_d(x)
        fa_mish_deriv_terms(d, e, &pos, &neg, &D)
        qq = 2.0 + e * (2.0 + e)
        # float32 data: e to 2^-31 and every other term to a few 2^-53; the cancellation
        # next to the zero is left to the Taylor polynomial about it for |x - r| < 1/16
        # (MISH_NEAR: outside it e's error is magnified at most 3.9 times), one division
        h = (d - MISH_NEAR_SEG_CENTRE[0]) - MISH_NEAR_SEG_CENTRE[1]
        near_zero = horner(h, MISH_NEAR_SEG_COEF, MISH_NEAR_SEG_N)
        qq = D if d >= 0 else qq
        return <floating>(<double>dy * (near_zero if fabs(h) < 0.0625 else
                                         (pos if d >= 0 else neg) / (qq * qq)))
    else:
        # float64: fa_mish64_bwd (_lanes64.h), whose block loop runs four elements as
        # interleaved lanes: q = 2 + e(2 + e) as a double-double, and for |x - r| < 1/2
        # a 19-term polynomial fitted over that band (MISH_BAND), where the
        # cancellation in the numerator would pass e's rounding on enlarged
        return fa_mish64_bwd(dy, x, MISH_BAND_SEG_CENTRE, MISH_BAND_SEG_COEF, MISH_BAND_ROOT_C1LO)


cdef inline void mish_bwd_range(const floating* x, double* lo, double* hi) noexcept nogil:
    if floating is float:
        if FA_TABLE32_VEC:
            exp_tails_range(x, lo, hi)
            return
    lo[0], hi[0] = -700.0, 50.0


# --- gelu (exact), float32 data (double arithmetic) -----------------------------
# With a = |x| and M(a) = Phi(-a) e^(a^2/2) (the GELU_N polynomial / (a + K)):
#   x Phi(x) = x e M            (x < 0)      x - x e M     (x >= 0),   e = e^(-a^2/2)
#   Phi(x) + x phi(x) = e H     (x < 0)      1 - e H       (x >= 0),   H = M - a/sqrt(2 pi)
# H = (a - a0) GELU_H: the zero of the derivative at x = -a0 is a factor, so the
# derivative keeps its relative precision next to it.  No erfc, no branch: one exp
# (fa_exp_lean, 2^-31), one division, two polynomials.  The polynomials are fitted on
# a in [0, GELU32_AMAX] to 1e-9 relative (generated, see the block above); a is
# clamped there, where the float32 results are 0 (x < 0) or x and 1 (x > 0).  So
# float32 results are within 0.5 ulp of rounding plus ~0.03 ulp; float64 data: below.

cdef inline double gelu_exp_half_sq(double a) noexcept nogil:
    """e^(-a^2/2) for 0 <= a <= GELU32_AMAX to 2^-31 (a^2 rounded in double: 2^-46)."""
    return fa_exp_lean(-0.5 * (a * a))


cdef inline double gelu32_a(double d) noexcept nogil:
    """|d| clamped at GELU32_AMAX (a select, so that loops over it vectorise)."""
    cdef double a = fabs(d)
    return a if a < GELU32_AMAX else GELU32_AMAX


cdef inline double gelu_exact_fwd_fast_d(double d) noexcept nogil:
    cdef double a = gelu32_a(d)
    cdef double r = 1.0 / (a + GELU_POLY_K)
    cdef double m = gelu_n_poly((a - GELU_POLY_K) * r) * r
    cdef double e = gelu_exp_half_sq(a)
    # -a: d clamped (the result is 0); copysign: gelu(-0) = -0, which the fma makes +0
    return copysign((-a * m) * e if d < 0 else fma(-d, m * e, d), d)


cdef inline double gelu_exact_deriv_fast_d(double d) noexcept nogil:
    cdef double a = gelu32_a(d)
    cdef double r = 1.0 / (a + GELU_POLY_K)
    cdef double h = ((a - GELU_A0_HI) - GELU_A0_LO) * gelu_h_poly((a - GELU_POLY_K) * r)
    cdef double e = gelu_exp_half_sq(a)
    return e * h if d < 0 else fma(-e, h, 1.0)


# float64 data: the same identities, the steps whose rounding would show in the result
# carried as double-doubles, so that under 2 ulp remain (1.82 forward, 1.79 backward at
# 40,000 uniform points on each of [-37, -10] and [-10, 10] against mpmath; 1.45 and 1.39
# in `python -m fastact accuracy --dtype float64 --only gelu`):
#   y = (a - K)/(a + K) as y + yl (the polynomials are steep in y near a = 0),
#   the GELU64 polynomials (degree 26) as hi + lo, lo holding yl's and the last two
#   coefficients' low parts (fa_horner_tail2), folded into the next product,
#   M = N/(a + K) as mh + ml, e = e^(-a^2/2) as s (1 + p) (a^2 exact, its low part in
#   the reduced argument), M e = s (mh + v) with v = M (1 + p) - mh,
#   a - a0 as a two-sum, then the final product or difference rounded once.
# x < -GELU64_FAST_MIN_X is left to the careful scalar path: x Phi(x) approaches the
# subnormal range there, where e^(-a^2/2) would lose bits.

# The functions are in _lanes64_gelu.h (fa_gelu64_fwd, fa_gelu64_bwd), whose block loops
# run four elements as interleaved lanes.


# --- gelu, tanh form -----------------------------------------------------------------
# float32 data (the _d functions, double arithmetic): every step in double is exact to
# far below a float32 ulp: z = 2u carries a relative error of a few 2^-53, so e^-|z|
# does too (|z| < ~150 before e^-|z| is below every float32); the forward, a product
# and a quotient of positive terms, takes e^-|z| from fa_exp_lean (2^-31), the
# derivative (which cancels next to its zero) from fa_exp.
# float64 data (the _dd functions): z carried as the double-double of gelu_tanh_z, its
# low part applied to e^-|z| to first order; |x| <= 20 (z >= -603, e^z stays normal),
# the tails are "hard".  The derivative takes a 26-term Taylor table about its zero.

cdef inline double gelu_tanh_fwd_fast_d(double d) noexcept nogil:
    # x sigmoid(z): x/(1 + e) for z >= 0, x e/(1 + e) for z < 0, e = e^-|z|
    cdef double z = 1.5957691216057308 * d * (1.0 + 0.044715 * (d * d))
    cdef double e = fa_exp_lean_inrange(-fabs(z))     # |z| <= 694 (gelu_tanh_fwd_hard)
    return d * (e if z < 0 else 1.0) / (1.0 + e)


cdef inline double gelu_tanh_deriv_fast_d(double d) noexcept nogil:
    # s + x s (1 - s) z', s = sigmoid(z), z' = 2 sqrt(2/pi)(1 + 3 kappa x^2);
    # 1 - s formed as its own quotient (no cancellation)
    cdef double w = d * d
    cdef double z = 1.5957691216057308 * d * (1.0 + 0.044715 * w)
    cdef double zp = 1.5957691216057308 * (1.0 + 0.134145 * w)
    cdef double e = fa_exp_inrange(-fabs(z))     # |z| <= 694 (gelu_tanh_bwd_range)
    cdef double r = 1.0 / (1.0 + e)
    cdef double s = (e if z < 0 else 1.0) * r
    cdef double t = (1.0 if z < 0 else e) * r
    return s + d * s * t * zp


# float64 data: fa_gelut64_fwd, fa_gelut64_bwd (_lanes64_gelu.h), whose block loops run
# four elements as interleaved lanes.


# The kernels have one loop per form (SPLIT in _activations.pyx.tp); the parameter
# approximate_tanh is passed along unused.

cdef inline bint gelu64_portable_hard(double x) noexcept nogil:
    """Outside the fast range of the portable float64 functions (fa_gelu64_fwd,
    fa_gelu64_bwd): the tail, inf, NaN; everything without a hardware fma (baseline
    build)."""
    return not (FA_HAS_HW_FMA and -GELU64_FAST_MIN_X <= x and x <= 1.7976931348623157e308)


# The careful functions.  float64 data from -GELU64_FAST_MIN_X to -14, which the AVX-512
# kernel of _table64.h leaves to them, take the portable fast functions (fa_gelu64_fwd,
# fa_gelu64_bwd: 1.8 ulp there, against gelu_d's 2.3); they are this path's only
# callers there.
cdef inline floating gelu_exact_fwd(floating x, double approximate_tanh) noexcept nogil:
    if floating is double:
        if not gelu64_portable_hard(x):
            return fa_gelu64_fwd(x)
    return <floating>gelu_d(x)


cdef inline floating gelu_exact_bwd(floating dy, floating x, double approximate_tanh) noexcept nogil:
    if floating is double:
        if not gelu64_portable_hard(x):
            return fa_gelu64_bwd(dy, x)
    return <floating>(<double>dy * gelu_deriv_d(x))


cdef inline floating gelu_exact_fwd_fast(floating x, double approximate_tanh) noexcept nogil:
    if floating is float:
        return <floating>gelu_exact_fwd_fast_d(x)
    else:
        return fa_gelu64_fwd(x)


cdef inline floating gelu_exact_bwd_fast(floating dy, floating x, double approximate_tanh) noexcept nogil:
    if floating is float:
        return <floating>(<double>dy * gelu_exact_deriv_fast_d(x))
    else:
        return fa_gelu64_bwd(dy, x)


cdef inline void gelu_exact_range(const floating* x, double* lo, double* hi) noexcept nogil:
    if floating is float:
        # inf, NaN; with the AVX-512 kernel of _table32.h also x < -13, where x Phi(x)
        # nears the subnormal range
        lo[0] = -13.0 if FA_TABLE32_VEC else -3.4028234663852886e38
        hi[0] = 3.4028234663852886e38
    elif not FA_HAS_HW_FMA:
        lo[0], hi[0] = INFINITY, -INFINITY      # gelu64_portable_hard: every input
    else:
        # the portable functions' hard inputs (gelu64_portable_hard); with the AVX-512
        # kernel of _table64.h also x < -14, beyond its pieces
        lo[0] = -14.0 if FA_TABLE64_VEC else -GELU64_FAST_MIN_X
        hi[0] = 1.7976931348623157e308


cdef inline floating gelu_tanh_fwd(floating x, double approximate_tanh) noexcept nogil:
    # float32 data from -21 to -10, which the AVX-512 kernel of _table32.h leaves to this
    # careful function (3 N(0, 1) inputs: one in 2,300), take the portable fast form in
    # double, as in the other builds: within 0.503 ulp over every float32 there (the
    # careful double form, with its double-double z, scaled exponential and ldexp: 0.500);
    # with the fix-up loops' marks_outside, 16M of 3 N(0, 1) on one thread 6.08 -> 5.76
    # ms, the backward 8.49 -> 8.27
    if floating is float:
        if -21.0 <= x < -10.0:
            return <floating>gelu_tanh_fwd_fast_d(x)
    return <floating>gelu_tanh_d(x)


# The careful backward.  float64 data from -20 to -14.5, which the AVX-512 kernel of
# _table64.h leaves to it, take the portable fast function (fa_gelut64_bwd), as in the
# other builds.
cdef inline floating gelu_tanh_bwd(floating dy, floating x, double approximate_tanh) noexcept nogil:
    if floating is double:
        if not gelu_tanh_fwd_hard(x, approximate_tanh):     # the portable fast range
            return fa_gelut64_bwd(dy, x)
    else:
        if -21.0 <= x < -10.0:          # as gelu_tanh_fwd: the portable fast form
            return <floating>(<double>dy * gelu_tanh_deriv_fast_d(x))
    return <floating>(<double>dy * gelu_tanh_deriv_d(x))


cdef inline floating gelu_tanh_fwd_fast(floating x, double approximate_tanh) noexcept nogil:
    if floating is float:
        return <floating>gelu_tanh_fwd_fast_d(x)
    else:
        return fa_gelut64_fwd(x)


cdef inline floating gelu_tanh_bwd_fast(floating dy, floating x, double approximate_tanh) noexcept nogil:
    if floating is float:
        return <floating>(<double>dy * gelu_tanh_deriv_fast_d(x))
    else:
        return fa_gelut64_bwd(dy, x)


cdef inline void gelu_tanh_fwd_range(const floating* x, double* lo, double* hi) noexcept nogil:
    # float32: the fast forms take e^-|z| unclamped, |z| <= 694 from -21 to 20; the
    # AVX-512 kernel of _table32.h clamps |x| at 10 and its results near the subnormal
    # range below -10: there, inf and NaN the careful path runs
    if floating is float:
        if FA_TABLE32_VEC:
            lo[0], hi[0] = -10.0, 3.4028234663852886e38
        else:
            lo[0], hi[0] = -21.0, 20.0
    else:
        lo[0], hi[0] = -20.0, 20.0


cdef inline void gelu_tanh_bwd_range(const floating* x, double* lo, double* hi) noexcept nogil:
    # float64 with the AVX-512 kernel of _table64.h (which clamps |x| at 14.5): below
    # -14.5, inf and NaN
    if floating is double:
        if FA_TABLE64_VEC:
            lo[0], hi[0] = -14.5, 1.7976931348623157e308
            return
    gelu_tanh_fwd_range(x, lo, hi)


cdef inline bint gelu_tanh_fwd_hard(floating x, double approximate_tanh) noexcept nogil:
    cdef double lo, hi
    gelu_tanh_fwd_range(&x, &lo, &hi)
    return outside(x, lo, hi)


