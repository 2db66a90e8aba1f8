# Shared inline math: single-point, branch-light, nogil functions used by every
# kernel family.  Each stable form is chosen so that no intermediate overflows
# and no subtraction cancels; the comments give the formula and the reason.
#
# Convention: the double versions are the reference implementations.  float32
# kernels evaluate them in double and round once, which keeps float32 results
# within 1 ulp of the correctly rounded value.
#
# Naming: <activation>_fwd(x, params...) is the forward value; <activation>_bwd(dy, s, params...)
# is dx given the upstream gradient dy and the saved tensor s (the forward
# output y for sigmoid/tanh, the forward input x for every other activation).

from libc.math cimport exp, expm1, log, log1p, fabs, sqrt, erf, erfc
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
    # max(x, 0); NaN stays NaN (x <= 0 is false for NaN)
    return <floating>0.0 if x <= 0 else x


cdef inline floating relu_bwd(floating dy, floating x) noexcept nogil:
    # dy where x > 0, 0 where x <= 0 (PyTorch's derivative at the kink); NaN x gives NaN
    if x > 0:
        return dy
    if x <= 0:
        return <floating>0.0
    return x


# ---------------------------------------------------------------------------
# row reductions over a contiguous row of k >= 1 entries (softmax family, losses)
# ---------------------------------------------------------------------------

cdef inline double row_max(const floating* x, Py_ssize_t k) noexcept nogil:
    """max of the row ignoring NaN (NaN is propagated later by the sum); -inf if all -inf/NaN."""
    cdef double m = -1.0 / 0.0
    cdef Py_ssize_t j
    for j in range(k):
        if x[j] > m:
            m = x[j]
    return m


cdef inline double row_sum_exp(const floating* x, Py_ssize_t k, double m) noexcept nogil:
    """Σ e^(x_j − m), accumulated in double.  With m the row max every term is <= 1,
    so nothing overflows and the sum is at least 1 (no log of a tiny number)."""
    cdef double s = 0.0
    cdef Py_ssize_t j
    for j in range(k):
        s += exp(<double>x[j] - m)
    return s


cdef inline double row_logsumexp(const floating* x, Py_ssize_t k) noexcept nogil:
    """log Σ e^x_j = m + log Σ e^(x_j − m).  +inf if the row holds +inf (and no NaN),
    -inf if every entry is -inf, NaN if any entry is NaN."""
    cdef double m = row_max(x, k)
    cdef double s
    cdef Py_ssize_t j
    if m == 1.0 / 0.0:
        for j in range(k):
            if x[j] != x[j]:
                return x[j]
        return m
    if m == -1.0 / 0.0:
        s = row_sum_exp(x, k, 0.0)   # 0 for all -inf; NaN if a NaN hides in the row
        return m if s == 0.0 else s
    return m + log(row_sum_exp(x, k, m))


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

cdef inline double exp_dd_scaled(double hi, double lo, int* e2) noexcept nogil:
    """m with e^(hi + lo) = m * 2^e2; m stays normal while e^(hi + lo) is subnormal.

    hi <= ~700 finite or -inf, lo the low part of a double-double (|lo| <= ulp(hi),
    finite).  For hi < -700, e^(hi + 128 ln 2) is formed instead: hi + 128*LN2_HI
    is exact (LN2_HI has 21 trailing zero bits, hi a multiple of 2^-42), and the
    rest of 128 ln 2 joins lo; e^lo = 1 + expm1(lo) keeps lo's second-order term.
    """
    cdef double e
    if hi < -700.0:
        lo = lo - 128.0 * 1.90821492927058770002e-10
        e = exp(hi + 128.0 * 6.93147180369123816490e-01)
        e2[0] = -128
        return fma(e, expm1(lo), e)
    e2[0] = 0
    e = exp(hi)
    return fma(e, lo, e)


cdef inline double horner(double x, const double* c, int n) noexcept nogil:
    """c[0] + c[1] x + ... + c[n-1] x^(n-1)."""
    cdef double r = c[n - 1]
    cdef int i
    for i in range(n - 2, -1, -1):
        r = fma(r, x, c[i])
    return r


# --- relu6, leaky_relu, hard_tanh, hard_sigmoid, hard_swish (piecewise) -------

cdef inline floating relu6_fwd(floating x) noexcept nogil:
    # min(max(x, 0), 6); NaN stays NaN
    if x >= 6:
        return <floating>6.0
    if x <= 0:
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
    # x if x > 0 else slope*x (one rounding of the exact product)
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


cdef inline floating hard_tanh_fwd(floating x, double lo, double hi) noexcept nogil:
    # clip(x, lo, hi); NaN stays NaN
    if x < lo:
        return <floating>lo
    if x > hi:
        return <floating>hi
    return x


cdef inline floating hard_tanh_bwd(floating dy, floating x, double lo, double hi) noexcept nogil:
    # dy where lo < x < hi, else 0 (PyTorch: 0 at both bounds)
    if lo < x < hi:
        return dy
    if x != x:
        return x
    return <floating>0.0


cdef inline floating hard_sigmoid_fwd(floating x) noexcept nogil:
    # clip((x + 3)/6, 0, 1); x + 3 is exact near -3 (Sterbenz) where x/6 + 1/2 would cancel
    if x <= -3:
        return <floating>0.0
    if x >= 3:
        return <floating>1.0
    return <floating>((<double>x + 3.0) / 6.0)


cdef inline floating hard_sigmoid_bwd(floating dy, floating x) noexcept nogil:
    # dy/6 where -3 < x < 3, else 0 (PyTorch: 0 at +-3)
    if -3 < x < 3:
        return <floating>(<double>dy / 6.0)
    if x != x:
        return x
    return <floating>0.0


cdef inline floating hard_swish_fwd(floating x) noexcept nogil:
    # x*clip((x + 3)/6, 0, 1) = x(x + 3)/6 on (-3, 3); the limit 0 for x -> -inf
    cdef double d = x
    if x <= -3:
        return <floating>(-0.0)
    if x >= 3:
        return x
    return <floating>(d * (d + 3.0) / 6.0)


cdef inline floating hard_swish_bwd(floating dy, floating x) noexcept nogil:
    # PyTorch: 0 for x <= -3, (2x + 3)/6 for -3 < x < 3, 1 for x >= 3.
    # 2x + 3 is exact near the zero at -1.5 (Sterbenz), unlike x/3 + 1/2.
    cdef double d = x
    if x <= -3:
        return <floating>0.0
    if x < 3:
        return <floating>(<double>dy * (2.0 * d + 3.0) / 6.0)
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
    # x if x > 0 else alpha(e^x - 1); expm1 keeps full relative precision near 0
    if x > 0:
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
    # scale*x if x > 0 else scale*alpha*(e^x - 1)
    if x > 0:
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
        return fma(e, x, 1.0 + e) / ((1.0 + e) * (1.0 + e))
    if x >= -700.0:
        e = exp(x)
        if -2.5 < x < -0.625:
            h = (x - -1.2784645427610737) - -1.0946994183093437e-16
            n = fma(0.2784645427610738, expm1(h), h)
        else:
            n = (1.0 + x) + e
        return e * n / ((1.0 + e) * (1.0 + e))
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
    and from a Taylor polynomial about its root near -1.19."""
    cdef double e, n, q
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
        if MISH_ROOT_LO < x < MISH_ROOT_HI:
            return root_poly(x, MISH_ROOT, MISH_C, MISH_N)
        e = exp(x)
        q = fma(e, 2.0 + e, 2.0)
        return e * fma(2.0 + e, q, 4.0 * x * (1.0 + e)) / (q * q)
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
    """Phi(x) + x phi(x).  Near its root (-0.75) and its minimum region the two terms
    cancel, so there a Taylor polynomial is used; far left, with Mills' series,
    Phi + x phi = x phi(x) B(1/x^2), B = 1 - r A(r)."""
    cdef double m, r
    cdef int k
    if x != x:
        return x
    if x > 40.0:
        return 1.0
    if x >= 0.0:
        return fma(x, gelu_phi_scaled(x, &k), 0.5 * erfc(-x * 0.7071067811865476))
    if GELU_ROOT_LO < x < GELU_ROOT_HI:
        return root_poly(x, GELU_ROOT, GELU_C, GELU_N)
    if GELU_MID_LO < x <= GELU_ROOT_LO:
        return taylor_poly(x, GELU_MID, GELU_MID_C, GELU_MID_N)
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
    cdef double w = x * x
    cdef double wlo = fma(x, x, -w)
    cdef double p = 0.044715 * w
    cdef double plo = fma(0.044715, w, -p) + (0.044715 * wlo + 2.1960211427085595e-18 * w)
    cdef double v = 1.0 + p                  # two-sum: v + vlo = 1 + p
    cdef double bb = v - 1.0
    cdef double vlo = ((1.0 - (v - bb)) + (p - bb)) + plo
    cdef double t = 0.7978845608028654 * x
    cdef double tlo = fma(0.7978845608028654, x, -t) + -4.98465440455546e-17 * x
    cdef double u = t * v
    zlo[0] = 2.0 * (fma(t, v, -u) + (t * vlo + tlo * v))
    return 2.0 * u


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
    x < 0,  e = e^z:   e(1 + e + x z')/(1 + e)^2, from a Taylor polynomial near the root."""
    cdef double z, zlo, e, zp
    cdef int k
    if x != x:
        return x
    if x > 20.0:
        return 1.0
    if x < -40.0:
        return -0.0
    if GELU_TANH_ROOT_LO < x < GELU_TANH_ROOT_HI:
        return root_poly(x, GELU_TANH_ROOT, GELU_TANH_C, GELU_TANH_N)
    if GELU_TANH_MID_LO < x <= GELU_TANH_ROOT_LO:
        return taylor_poly(x, GELU_TANH_MID, GELU_TANH_MID_C, GELU_TANH_MID_N)
    z = gelu_tanh_z(x, &zlo)
    zp = 1.5957691216057308 * fma(3.0 * 0.044715, x * x, 1.0)
    if x >= 0.0:
        e = exp(-z)
        return fma(x * zp, e, 1.0 + e) / ((1.0 + e) * (1.0 + e))
    e = exp_dd_scaled(z, zlo, &k)
    if k == 0:
        return e * (fma(x, zp, 1.0) + e) / ((1.0 + e) * (1.0 + e))
    return ldexp(e * fma(x, zp, 1.0), k)


cdef inline floating gelu_fwd(floating x, double approximate_tanh) noexcept nogil:
    # approximate_tanh: 0 for approximate="none", 1 for "tanh"
    if approximate_tanh != 0.0:
        return <floating>gelu_tanh_d(x)
    return <floating>gelu_d(x)


cdef inline floating gelu_bwd(floating dy, floating x, double approximate_tanh) noexcept nogil:
    if approximate_tanh != 0.0:
        return <floating>(<double>dy * gelu_tanh_deriv_d(x))
    return <floating>(<double>dy * gelu_deriv_d(x))


# --- Taylor polynomials about the zeros of the derivatives ----------------------------
# g(x) = h P(h) with h = x - r (r = r[0] + r[1], a double-double root) near a root,
# g(x) = P(h) about a non-root centre.  Coefficients are g^(k)(r)/k! computed with
# mpmath at 80 digits (tests/test_activations.py checks the result against mpmath).

cdef inline double root_poly(double x, const double* r, const double* c, int n) noexcept nogil:
    # x - r[0] is exact within a factor 2 of r (Sterbenz), so h carries no cancellation error
    cdef double h = (x - r[0]) - r[1]
    return h * horner(h, c, n)


cdef inline double taylor_poly(double x, const double* r, const double* c, int n) noexcept nogil:
    cdef double h = (x - r[0]) - r[1]
    return horner(h, c, n)


# BEGIN GENERATED TAYLOR TABLES
cdef extern from *:
    """
    #if defined(__GNUC__)
    #define FASTACT_UNUSED __attribute__((unused))
    #else
    #define FASTACT_UNUSED
    #endif
    static const double GELU_ROOT[2] FASTACT_UNUSED = {-0.7517915246935645, 1.4956759177009883e-17};
    static const double GELU_C[5] FASTACT_UNUSED = {0.4314939923140469, 0.388284982990552, -0.018199676398671087, -0.1140082332972217, -0.014771522148244337};
    #define GELU_N 5
    #define GELU_ROOT_LO (0.0)
    #define GELU_ROOT_HI (0.0)
    static const double GELU_MID[2] FASTACT_UNUSED = {-1.6, 0.0};
    static const double GELU_MID_C[5] FASTACT_UNUSED = {-0.1226740437875709, -0.06211566742049514, 0.12778080155073276, 0.13618120609712356, 0.02666832654586591};
    #define GELU_MID_N 5
    #define GELU_MID_LO (0.0)
    static const double GELU_TANH_ROOT[2] FASTACT_UNUSED = {-0.7524614220710163, 3.635560509207687e-17};
    static const double GELU_TANH_C[5] FASTACT_UNUSED = {0.4304000910248585, 0.38751844613578895, -0.01578285352184803, -0.11394448308095899, -0.01661932834305256};
    #define GELU_TANH_N 5
    #define GELU_TANH_ROOT_LO (0.0)
    #define GELU_TANH_ROOT_HI (0.0)
    static const double GELU_TANH_MID[2] FASTACT_UNUSED = {-1.6, 0.0};
    static const double GELU_TANH_MID_C[5] FASTACT_UNUSED = {-0.12310051309178777, -0.06031023008777273, 0.12851957775560094, 0.133148298855731, 0.02616259963651701};
    #define GELU_TANH_MID_N 5
    #define GELU_TANH_MID_LO (0.0)
    static const double MISH_ROOT[2] FASTACT_UNUSED = {-1.1924312145154952, -4.8484829848031044e-17};
    static const double MISH_C[5] FASTACT_UNUSED = {0.2669479140495345, 0.20473126408010586, 0.04190782104360987, -0.020271822716684245, -0.01582112656173338};
    #define MISH_N 5
    #define MISH_ROOT_LO (0.0)
    #define MISH_ROOT_HI (0.0)
    """
    const double GELU_ROOT[2]
    const double GELU_C[5]
    const int GELU_N
    const double GELU_ROOT_LO
    const double GELU_ROOT_HI
    const double GELU_MID[2]
    const double GELU_MID_C[5]
    const int GELU_MID_N
    const double GELU_MID_LO
    const double GELU_TANH_ROOT[2]
    const double GELU_TANH_C[5]
    const int GELU_TANH_N
    const double GELU_TANH_ROOT_LO
    const double GELU_TANH_ROOT_HI
    const double GELU_TANH_MID[2]
    const double GELU_TANH_MID_C[5]
    const int GELU_TANH_MID_N
    const double GELU_TANH_MID_LO
    const double MISH_ROOT[2]
    const double MISH_C[5]
    const int MISH_N
    const double MISH_ROOT_LO
    const double MISH_ROOT_HI
# END GENERATED TAYLOR TABLES
