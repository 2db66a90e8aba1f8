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
