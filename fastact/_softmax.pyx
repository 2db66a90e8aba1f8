# cython: language_level=3
"""Softmax-family kernels: softmax, log_softmax, logsumexp and their derivatives.

Design
------
* Any axis, no Python loop and no moveaxis copy: a C-contiguous input is viewed
  as (outer, K, inner), K being the reduced axis.
  - inner == 1: every row of K entries is contiguous.  A row is processed
    while it sits in cache (max, then Σ e^(x−m) writing e^(x−m) to the output,
    then a scale), and rows are handed to threads with a static schedule.  With
    a finite max the row kernels of fastact._rowvec run (16-lane SIMD for every
    build; the exp pass prefetches the next row; large outputs, by the rule of
    fastact._common.stream_output, are written by streaming stores); rows with
    a non-finite max, and
    compilers without vector extensions, take the plain loops below.
  - inner > 1: the inner axis is the vector dimension.  A task owns a tile of
    up to TILE adjacent columns of one outer index and keeps the per-column
    max and sums in small stack arrays; every pass walks the K rows of the tile
    (each row a contiguous run of the tile's width).
  Each output element depends on its own row/column only and is computed by
  the same code whatever thread runs it, so results are bitwise identical for
  every thread count.
* Sums accumulate in double for both dtypes.  float32 exps are computed in
  float (fastact._rowvec: about 1 ulp, and the rounding of x − m is corrected by
  a TwoSum unless every finite entry of the row is within 32 of the max, where
  it costs at most 32·2^-24 ≈ 2e-6 relative; logsumexp always corrects it);
  float32 log_softmax and the second passes of the backwards are computed in
  float (see fa_rv_bwd_f for the split of ⟨dy, y⟩, fa_rv_lsm_bwd_f for that of
  Σ dy).  The plain loops compute float32 in double and round once.
* Stable forms (m = max of the row, ignoring NaN):
    softmax      e^(x−m) / Σ e^(x−m)           every exponent <= 0, the sum is >= 1
    log_softmax  (x − m) − log1p(s')           s' = Σ over the entries below m, + (#maxima − 1)
    logsumexp    m + log1p(s')
  log1p(s') instead of log(Σ e^(x−m)) keeps full relative precision when one
  entry dominates (log_softmax of [0, -30] is -9.4e-14, not a rounding error of
  log(1 + 9.4e-14)); the two terms of log_softmax have the same sign, so no
  cancellation.
* Non-finite values fall out of the formulas: NaN anywhere in a row makes the
  sum NaN (the max ignores NaN); a row of all −inf has m = −inf and x − m = NaN;
  +inf in a row gives inf − inf = NaN for softmax and log_softmax (as PyTorch)
  and +inf for logsumexp; an empty axis gives logsumexp = −inf.
* Entry points are def functions with a fast path for C-contiguous aligned
  float32/float64 ndarrays (plus an optional out that is the input itself or
  does not overlap it); everything else goes through fastact._validate.
"""
cimport numpy as cnp
from cython.parallel cimport prange
from libc.math cimport fabs, log1p, INFINITY, NAN

from fastact._common cimport floating, threads_for, stream_output

import numpy as np

from fastact import _validate

cnp.import_array()

# branch-free, vectorisable e^x (about 1 ulp; NaN -> NaN, -inf -> 0, +inf -> inf)
from fastact._vecmath cimport fa_exp, fa_expf, fa_log1p
from fastact._math cimport row_max, exp_of, exp_nonpos_of
from fastact._rowvec cimport *
from libc.stdint cimport int64_t

cdef extern from "Python.h":
    # With exc == NULL an out-of-range int is clamped instead of raising.
    Py_ssize_t PyNumber_AsSsize_t(object o, void* exc) noexcept

cdef enum:
    # Columns per task when the reduced axis is not the last one (stack arrays
    # of this many doubles per task).
    TILE = 256
    # Below this many elements the GIL is kept: releasing it costs more than the work.
    GIL_RELEASE_MIN = 512
    # Elements a thread should have before another thread is started.
    PARALLEL_MIN_WORK = 8192
    # Independent partial results per row reduction.  The row loops step by the
    # literal 16 and _combine_lanes adds 16 partials: change all three together.
    LANES = 16

cdef enum Op:
    OP_SOFTMAX
    OP_LOG_SOFTMAX
    OP_LOGSUMEXP
    OP_SOFTMAX_BWD          # a = dy, b = y:  y ⊙ (dy − ⟨dy, y⟩)
    OP_SOFTMAX_JVP          # a = y, b = v:   y ⊙ (v − ⟨v, y⟩)  (J is symmetric)
    OP_LOG_SOFTMAX_BWD      # a = dy, b = y:  dy − e^y Σ dy

OP_NAMES = ("softmax", "log_softmax", "logsumexp", "softmax_backward", "softmax_jvp",
            "log_softmax_backward")
OP_ARGS = (("x",), ("x",), ("x",), ("dy", "y"), ("y", "v"), ("dy", "y"))


# ---------------------------------------------------------------------------
# point helpers
# ---------------------------------------------------------------------------

cdef inline floating _exp_diff(floating x, floating m) noexcept nogil:
    """e^(x − m), x − m rounded then corrected.

    d = x − m is rounded; TwoSum gives its exact error c (d + c == x − m), and
    e^(d + c) = e^d (1 + c) to second order, so the relative error is that of the
    exp alone even for |x − m| in the hundreds (float32: up to 87, where the
    rounding of d alone would cost 87 · 2^-24 ≈ 5e-6).  Straight-line code so
    that loops of it vectorise.  c is not finite only where d is not (−inf
    entries, NaN, overflow), and is then dropped.
    """
    cdef floating d = x - m
    cdef floating bb = d - x
    cdef floating c = (x - (d - bb)) + (-m - bb)
    cdef floating e
    c = c if fabs(c) < 1 else <floating>0.0
    e = exp_nonpos_of(d)        # d <= 0 or NaN: m is the row's max
    return e + e * c


cdef inline double _combine_lanes(const double* acc) noexcept nogil:
    """Σ of the LANES partial sums in a fixed order (pairwise)."""
    return ((((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])))
            + (((acc[8] + acc[9]) + (acc[10] + acc[11])) + ((acc[12] + acc[13]) + (acc[14] + acc[15]))))


# ---------------------------------------------------------------------------
# contiguous rows (reduced axis last).  Reductions keep LANES independent
# partial results (entry j goes to lane j % LANES) so that the compiler can
# vectorise them without reassociating; the lanes are combined in a fixed order.
# ---------------------------------------------------------------------------

cdef inline floating _vmax(const floating* x, Py_ssize_t K, bint* exact) noexcept nogil:
    """row max, NaN ignored (fastact._rowvec); exact: some finite entry lies more than
    FA_RV_NEAR below it, so the exps need the TwoSum of x − m"""
    cdef floating lo
    cdef floating m
    if floating is float:
        m = fa_rv_maxmin_f(x, K, &lo)
    else:
        m = fa_rv_maxmin_d(x, K, &lo)
    exact[0] = not (m - lo <= FA_RV_NEAR)
    return m


cdef inline double _vexpsum(const floating* x, floating* e, Py_ssize_t K, floating m,
                            int64_t* cnt, bint exact) noexcept nogil:
    if floating is float:
        return fa_rv_expsum_f(x, e, K, m, cnt, exact)
    else:
        return fa_rv_expsum_d(x, e, K, m, cnt, exact)


cdef void _softmax_row(const floating* x, floating* y, Py_ssize_t K, bint nt) noexcept nogil:
    cdef floating m
    cdef bint exact
    if row_kernels_for(x):
        m = _vmax(x, K, &exact)
        if -INFINITY < m < INFINITY:
            if floating is float:
                fa_rv_softmax_f(x, y, K, m, exact, nt)
            else:
                fa_rv_softmax_d(x, y, K, m, exact, nt)
            return
    m = row_max(x, K)
    cdef double acc[LANES]
    cdef double inv
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    # e^(x−m) <= 1 written to y; NaN for NaN entries and for a non-finite m
    for j in range(K):
        y[j] = _exp_diff(x[j], m)
    # then summed from y (in L1) in LANES double lanes: in the loop of the exps the 16
    # partial sums did not fit in AVX2's registers and went through the stack
    for l in range(LANES):
        acc[l] = 0.0
    for j in range(0, nfull, 16):   # LANES
        for l in range(LANES):
            acc[l] += y[j + l]
    for j in range(nfull, K):
        acc[0] += y[j]
    inv = 1.0 / _combine_lanes(acc)
    # scale in the row's precision (float32: one more rounding, far below 1e-5)
    cdef floating inv_t = <floating>inv
    for j in range(K):
        y[j] = y[j] * inv_t


cdef inline double _row_log_norm(const floating* x, Py_ssize_t K, floating m) noexcept nogil:
    """log Σ e^(x−m) as log1p(s'), s' = Σ_{x_j < m} e^(x_j−m) + (#{x_j == m} − 1).

    The maxima contribute exactly 1 each and are counted, not summed, so s' is
    the small remainder itself, with full relative precision.  NaN entries
    (x_j != m) make s' NaN.
    """
    cdef double small[LANES]
    cdef double cnt[LANES]
    cdef floating e, v
    cdef bint is_max
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    for l in range(LANES):
        small[l] = 0.0
        cnt[l] = 0.0
    for j in range(0, nfull, 16):   # LANES
        for l in range(LANES):
            v = x[j + l]
            e = _exp_diff(v, m)
            is_max = v == m
            cnt[l] += 1.0 if is_max else 0.0
            small[l] += 0.0 if is_max else <double>e
    for j in range(nfull, K):
        v = x[j]
        e = _exp_diff(v, m)
        is_max = v == m
        cnt[0] += 1.0 if is_max else 0.0
        small[0] += 0.0 if is_max else <double>e
    return log1p(_combine_lanes(small) + (_combine_lanes(cnt) - 1.0))


cdef inline double _vlog_norm(const floating* x, Py_ssize_t K, floating m,
                             bint exact, bint to_float32=False) noexcept nogil:
    """_row_log_norm for a finite m (fastact._rowvec).  to_float32: the caller rounds
    the result to float32, so the inline fa_log1p (2.02 ulp in double) serves: its error
    shows only for a log within 2^-50 of a float32 rounding boundary, and libm's log1p,
    a call, was a third of the time of a float32 log_softmax row of 24 entries."""
    cdef int64_t nmax = 0
    cdef double small = _vexpsum(x, <floating*>NULL, K, m, &nmax, exact)
    if to_float32:
        return fa_log1p(small + <double>(nmax - 1))
    return log1p(small + <double>(nmax - 1))


cdef void _log_softmax_row(const floating* x, floating* y, Py_ssize_t K, bint nt) noexcept nogil:
    cdef floating m
    cdef double lnorm, md
    cdef Py_ssize_t j
    cdef bint exact
    if row_kernels_for(x):
        m = _vmax(x, K, &exact)
        if -INFINITY < m < INFINITY:
            # (x − m) − lnorm in the row's precision: both terms <= 0, so each of the
            # three roundings costs at most half an ulp of the result
            lnorm = _vlog_norm(x, K, m, exact, floating is float)
            if floating is float:
                fa_rv_shift_f(x, y, K, m, <float>lnorm, nt)
            else:
                fa_rv_shift_d(x, y, K, m, lnorm, nt)
            return
    m = row_max(x, K)
    lnorm = _row_log_norm(x, K, m)
    md = m
    if m == INFINITY:
        lnorm = NAN                     # +inf in the row: NaN row, as PyTorch
    for j in range(K):
        # both terms <= 0: no cancellation; m = -inf gives NaN (all -inf row)
        y[j] = <floating>((<double>x[j] - md) - lnorm)


cdef void _log_softmax_rows_paired_f(const float* a, float* y, Py_ssize_t t0, Py_ssize_t t1,
                                     Py_ssize_t K, bint nt) noexcept nogil:
    """log_softmax of rows t0 .. t1 - 1 (float32, AVX-512 build): each row's exp-sum
    beside the previous row's last pass (fastact._rowvec fa_rv_expsum_shift_f), the
    same operations as _log_softmax_row's, so the same bits.  Rows with a non-finite
    max go alone, after the pending row is finished."""
    cdef Py_ssize_t t, prev = -1
    cdef float m, mp = 0.0, cp = 0.0
    cdef bint exact
    cdef int64_t nmax
    cdef double small
    for t in range(t0, t1):
        m = _vmax(a + t * K, K, &exact)
        if not (-INFINITY < m < INFINITY):
            if prev >= 0:
                fa_rv_shift_f(a + prev * K, y + prev * K, K, mp, cp, nt)
                prev = -1
            _log_softmax_row(a + t * K, y + t * K, K, nt)
            continue
        nmax = 0
        if prev < 0:
            small = _vexpsum(a + t * K, <float*>NULL, K, m, &nmax, exact)
        elif exact:
            small = fa_rv_expsum_shift_f(a + t * K, K, m, &nmax, 1, a + prev * K, y + prev * K,
                                         mp, cp, nt)
        else:
            small = fa_rv_expsum_shift_f(a + t * K, K, m, &nmax, 0, a + prev * K, y + prev * K,
                                         mp, cp, nt)
        cp = <float>fa_log1p(small + <double>(nmax - 1))
        mp = m
        prev = t
    if prev >= 0:
        fa_rv_shift_f(a + prev * K, y + prev * K, K, mp, cp, nt)


cdef double _logsumexp_row(const floating* x, Py_ssize_t K) noexcept nogil:
    cdef floating m
    cdef bint exact
    if K == 0:
        return -INFINITY
    if row_kernels_for(x):
        m = _vmax(x, K, &exact)
        if -INFINITY < m < INFINITY:
            # always the TwoSum: m + log1p(s') cancels when the result is near 0, which
            # magnifies the relative error of s'
            return <double>m + _vlog_norm(x, K, m, True)
    m = row_max(x, K)
    # m = +inf: +inf + log1p(0) (NaN if a NaN hides in the row);
    # m = -inf: every entry -inf (-inf + log(K)) or NaN
    return <double>m + _row_log_norm(x, K, m)


cdef double _softmax_dot(const floating* dy, const floating* y, Py_ssize_t K) noexcept nogil:
    cdef double acc[LANES]
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    for l in range(LANES):
        acc[l] = 0.0
    for j in range(0, nfull, 16):   # LANES
        for l in range(LANES):
            acc[l] += <double>dy[j + l] * <double>y[j + l]
    for j in range(nfull, K):
        acc[0] += <double>dy[j] * <double>y[j]
    return _combine_lanes(acc)


cdef void _softmax_bwd_row(const floating* dy, const floating* y, floating* dx,
                           Py_ssize_t K, bint nt) noexcept nogil:
    cdef double dot
    cdef float dh
    cdef Py_ssize_t j
    if row_kernels_for(y):
        if floating is float:
            dot = fa_rv_dot_f(dy, y, K)
            if fabs(dot) <= 1e37:
                # float32: dot as dh + dl, see fa_rv_bwd_f (overflow, NaN: the loop below)
                dh = <float>dot
                fa_rv_bwd_f(dy, y, dx, K, dh, <float>(dot - dh), nt)
                return
        else:
            fa_rv_bwd_d(dy, y, dx, K, fa_rv_dot_d(dy, y, K), nt)
            return
    else:
        dot = _softmax_dot(dy, y, K)
    for j in range(K):
        dx[j] = <floating>(<double>y[j] * (<double>dy[j] - dot))


cdef void _log_softmax_bwd_row(const floating* dy, const floating* y, floating* dx,
                               Py_ssize_t K, bint nt) noexcept nogil:
    cdef double acc[LANES]
    cdef double total
    cdef float sh, ymax = 0.0
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    # dx apart from both inputs: the float32 vector pass below may write it and then
    # report y above FA_RV_LSM_YMAX, and the scalar loop rewrites it from the inputs
    cdef bint apart = (dx + K <= dy or dy + K <= dx) and (dx + K <= y or y + K <= dx)
    cdef bint summed = False
    if floating is float:
        if row_kernels_for(y) and not apart:
            # in place: check y in the pass that sums dy (same sum as the loop below)
            total = fa_rv_sum_max_f(dy, y, K, &ymax)
            summed = True
    if not summed:
        for l in range(LANES):
            acc[l] = 0.0
        for j in range(0, nfull, 16):   # LANES
            for l in range(LANES):
                acc[l] += <double>dy[j + l]
        for j in range(nfull, K):
            acc[0] += <double>dy[j]
        total = _combine_lanes(acc)
    if floating is float:
        # float32 in float (fa_rv_lsm_bwd_f); a huge or NaN sum, or y above
        # FA_RV_LSM_YMAX (not log-probabilities), take the loop below
        if row_kernels_for(y) and fabs(total) <= 1e37 and ymax <= FA_RV_LSM_YMAX:
            sh = <float>total
            if not fa_rv_lsm_bwd_f(dy, y, dx, K, sh, <float>(total - sh), nt):
                return
    for j in range(K):
        dx[j] = <floating>(<double>dy[j] - <double>exp_of(y[j]) * total)


# ---------------------------------------------------------------------------
# tiles of w <= TILE adjacent columns, rows `stride` elements apart; the
# column index is the vector dimension, so no reduction is reassociated
# ---------------------------------------------------------------------------

cdef inline void _tile_max(const floating* x, Py_ssize_t K, Py_ssize_t stride, Py_ssize_t w,
                           floating* m) noexcept nogil:
    cdef Py_ssize_t k, i
    cdef const floating* xr
    cdef floating v
    for i in range(w):
        m[i] = -INFINITY
    for k in range(K):
        xr = x + k * stride
        for i in range(w):
            v = xr[i]
            m[i] = v if v > m[i] else m[i]     # NaN ignored, as row_max


cdef void _softmax_tile(const floating* x, floating* y, Py_ssize_t K, Py_ssize_t stride,
                        Py_ssize_t w) noexcept nogil:
    cdef floating m[TILE]
    cdef double s[TILE]
    cdef Py_ssize_t k, i
    cdef const floating* xr
    cdef floating* yr
    cdef floating e
    _tile_max(x, K, stride, w, m)
    for i in range(w):
        s[i] = 0.0
    for k in range(K):
        xr = x + k * stride
        yr = y + k * stride
        for i in range(w):
            e = _exp_diff(xr[i], m[i])
            yr[i] = e
            s[i] += e
    for i in range(w):
        s[i] = 1.0 / s[i]
    for k in range(K):
        yr = y + k * stride
        for i in range(w):
            yr[i] = <floating>(yr[i] * s[i])


cdef void _tile_max_log_norm(const floating* x, Py_ssize_t K, Py_ssize_t stride, Py_ssize_t w,
                             floating* m, double* lnorm) noexcept nogil:
    """Column-wise max and _row_log_norm: m[i] = max, lnorm[i] = log1p(s'_i)."""
    cdef double small[TILE]
    cdef double cnt[TILE]
    cdef Py_ssize_t k, i
    cdef const floating* xr
    cdef floating e, v
    cdef bint is_max
    _tile_max(x, K, stride, w, m)
    for i in range(w):
        small[i] = 0.0
        cnt[i] = 0.0
    for k in range(K):
        xr = x + k * stride
        for i in range(w):
            v = xr[i]
            e = _exp_diff(v, m[i])
            is_max = v == m[i]
            cnt[i] += 1.0 if is_max else 0.0
            small[i] += 0.0 if is_max else <double>e
    for i in range(w):
        lnorm[i] = log1p(small[i] + (cnt[i] - 1.0))


cdef void _log_softmax_tile(const floating* x, floating* y, Py_ssize_t K, Py_ssize_t stride,
                            Py_ssize_t w) noexcept nogil:
    cdef floating m[TILE]
    cdef double lnorm[TILE]
    cdef Py_ssize_t k, i
    cdef const floating* xr
    cdef floating* yr
    _tile_max_log_norm(x, K, stride, w, m, lnorm)
    for i in range(w):
        if m[i] == INFINITY:
            lnorm[i] = NAN
    for k in range(K):
        xr = x + k * stride
        yr = y + k * stride
        for i in range(w):
            yr[i] = <floating>((<double>xr[i] - <double>m[i]) - lnorm[i])


cdef void _logsumexp_tile(const floating* x, floating* res, Py_ssize_t K, Py_ssize_t stride,
                          Py_ssize_t w) noexcept nogil:
    cdef floating m[TILE]
    cdef double lnorm[TILE]
    cdef Py_ssize_t i
    if K == 0:
        for i in range(w):
            res[i] = <floating>(-INFINITY)
        return
    _tile_max_log_norm(x, K, stride, w, m, lnorm)
    for i in range(w):
        res[i] = <floating>(<double>m[i] + lnorm[i])


cdef void _softmax_bwd_tile(const floating* dy, const floating* y, floating* dx, Py_ssize_t K,
                            Py_ssize_t stride, Py_ssize_t w) noexcept nogil:
    cdef double dot[TILE]
    cdef Py_ssize_t k, i, off
    for i in range(w):
        dot[i] = 0.0
    for k in range(K):
        off = k * stride
        for i in range(w):
            dot[i] += <double>dy[off + i] * <double>y[off + i]
    for k in range(K):
        off = k * stride
        for i in range(w):
            dx[off + i] = <floating>(<double>y[off + i] * (<double>dy[off + i] - dot[i]))


cdef void _log_softmax_bwd_tile(const floating* dy, const floating* y, floating* dx, Py_ssize_t K,
                                Py_ssize_t stride, Py_ssize_t w) noexcept nogil:
    cdef double total[TILE]
    cdef Py_ssize_t k, i, off
    for i in range(w):
        total[i] = 0.0
    for k in range(K):
        off = k * stride
        for i in range(w):
            total[i] += <double>dy[off + i]
    for k in range(K):
        off = k * stride
        for i in range(w):
            dx[off + i] = <floating>(<double>dy[off + i] - <double>exp_of(y[off + i]) * total[i])


# ---------------------------------------------------------------------------
# driver: tasks are (outer index, tile of columns); a row is one task when inner == 1
# ---------------------------------------------------------------------------

cdef void _task(int op, const floating* a, const floating* b, floating* y, Py_ssize_t t,
                Py_ssize_t ntiles, Py_ssize_t K, Py_ssize_t inner, bint nt) noexcept nogil:
    cdef Py_ssize_t o = t // ntiles
    cdef Py_ssize_t col = (t - o * ntiles) * TILE
    cdef Py_ssize_t w = min(<Py_ssize_t>TILE, inner - col)
    cdef Py_ssize_t off = o * K * inner + col
    if op == OP_LOGSUMEXP:
        if inner == 1:
            y[o] = <floating>_logsumexp_row(a + o * K, K)
        else:
            _logsumexp_tile(a + off, y + o * inner + col, K, inner, w)
    elif inner == 1:
        if op == OP_SOFTMAX:
            _softmax_row(a + off, y + off, K, nt)
        elif op == OP_LOG_SOFTMAX:
            _log_softmax_row(a + off, y + off, K, nt)
        elif op == OP_SOFTMAX_BWD:
            _softmax_bwd_row(a + off, b + off, y + off, K, nt)
        elif op == OP_SOFTMAX_JVP:
            _softmax_bwd_row(b + off, a + off, y + off, K, nt)
        elif op == OP_LOG_SOFTMAX_BWD:
            _log_softmax_bwd_row(a + off, b + off, y + off, K, nt)
    else:
        if op == OP_SOFTMAX:
            _softmax_tile(a + off, y + off, K, inner, w)
        elif op == OP_LOG_SOFTMAX:
            _log_softmax_tile(a + off, y + off, K, inner, w)
        elif op == OP_SOFTMAX_BWD:
            _softmax_bwd_tile(a + off, b + off, y + off, K, inner, w)
        elif op == OP_SOFTMAX_JVP:
            _softmax_bwd_tile(b + off, a + off, y + off, K, inner, w)
        elif op == OP_LOG_SOFTMAX_BWD:
            _log_softmax_bwd_tile(a + off, b + off, y + off, K, inner, w)


cdef Py_ssize_t _group_rows(int op, Py_ssize_t K, Py_ssize_t inner) noexcept nogil:
    """How many float32 rows of K entries one call of _group_f takes: 0 where rows go
    one by one.  AVX-512 build only (FA_RV_WIDE).
      - short rows (forwards up to FA_LANE_K = 128 entries, backwards up to
        FA_LANE_K_BWD = 64) 16 at a time, a row in one to eight registers;
      - log_softmax rows of up to FA_MID_K entries FA_MID_ROWS at a time, their logs in
        one vectorised loop (one row at a time, the log was a third of a 24-entry row's
        time; in the AVX2 halves it gained nothing: K = 24, 109 -> 117 ns a row)."""
    if inner != 1 or not FA_RV_WIDE:
        return 0
    if K <= FA_LANE_K and (op == OP_SOFTMAX or op == OP_LOG_SOFTMAX):
        return 16
    if K <= FA_LANE_K_BWD and (op == OP_SOFTMAX_BWD or op == OP_SOFTMAX_JVP
                               or op == OP_LOG_SOFTMAX_BWD):
        return 16
    if op == OP_LOG_SOFTMAX and K <= FA_MID_K:
        return FA_MID_ROWS
    return 0


cdef int _group_f(int op, const float* a, const float* b, float* y, Py_ssize_t n, Py_ssize_t K,
                  Py_ssize_t avail, bint stream) noexcept nogil:
    """The n rows at a (and b) to y by the kernel _group_rows picked (fastact._rowvec);
    avail: the entries readable from a (and b), this thread's rows.  Returns the mask
    of the rows left to the row loop: a non-finite entry or max, a huge or NaN dot or
    sum, or (log_softmax_backward) a y above FA_RV_LSM_YMAX."""
    if K > FA_LANE_K:                   # log_softmax, FA_MID_ROWS rows
        return fa_rv_log_softmax_mid_rows_f(a, y, n, K, stream)
    if op == OP_SOFTMAX:
        return fa_rv_softmax_lanes_f(a, y, n, K, avail, False)
    if op == OP_LOG_SOFTMAX:
        return fa_rv_softmax_lanes_f(a, y, n, K, avail, True)
    if op == OP_SOFTMAX_BWD:
        return fa_rv_softmax_bwd_lanes_f(a, b, y, n, K, avail)
    if op == OP_LOG_SOFTMAX_BWD:
        return fa_rv_lsm_bwd_lanes_f(a, b, y, n, K, avail)
    return fa_rv_softmax_bwd_lanes_f(b, a, y, n, K, avail)       # the jvp: (y, v) swapped


cdef void _run_tasks(int op, const floating* a, const floating* b, floating* y, Py_ssize_t t0,
                     Py_ssize_t t1, Py_ssize_t ntiles, Py_ssize_t K, Py_ssize_t inner,
                     bint stream) noexcept nogil:
    cdef Py_ssize_t t, n, l, g
    cdef int bad
    if floating is float:
        g = _group_rows(op, K, inner)
        if g:
            # g rows a call; rows the group kernel leaves, one by one (each row's
            # operations are the same in or out of a group, so its bits are too)
            t = t0
            while t < t1:
                n = min(g, t1 - t)
                bad = _group_f(op, a + t * K, b + t * K if b != NULL else NULL, y + t * K, n, K,
                               (t1 - t) * K, stream)
                for l in range(n):
                    if (bad >> l) & 1:
                        _task(op, a, b, y, t + l, ntiles, K, inner, stream)
                t += g
            fa_sfence()
            return
        if op == OP_LOG_SOFTMAX and inner == 1 and FA_RV_WIDE:
            # longer float32 rows two at a time (the exp-sum of one beside the last
            # pass of the other; 2 threads, float32: (256, 50000) 3.0-3.1 -> 2.4 ms,
            # (4096, 1000) 0.92 -> 0.84, (8192, 500) 1.01 -> 0.93)
            _log_softmax_rows_paired_f(a, y, t0, t1, K, stream)
            fa_sfence()
            return
    for t in range(t0, t1):
        _task(op, a, b, y, t, ntiles, K, inner, stream)
    fa_sfence()


cdef void _run(int op, const floating* a, const floating* b, floating* y, Py_ssize_t outer,
               Py_ssize_t K, Py_ssize_t inner) noexcept nogil:
    cdef Py_ssize_t ntiles = (inner + TILE - 1) // TILE
    cdef Py_ssize_t ntasks = outer * ntiles
    cdef int nt = threads_for(outer * (K if K > 1 else 1) * inner, PARALLEL_MIN_WORK)
    if nt > ntasks:
        nt = <int>ntasks
    # outputs this large are written by streaming stores (fastact._rowvec)
    cdef bint stream = stream_output(outer * K * inner * <Py_ssize_t>sizeof(floating), nt)
    cdef Py_ssize_t c
    if nt <= 1:
        _run_tasks(op, a, b, y, 0, ntasks, ntiles, K, inner, stream)
    else:
        # thread c runs tasks [c·ntasks/nt, (c+1)·ntasks/nt) (a fixed split),
        # then orders its streaming stores
        for c in prange(nt, num_threads=nt, schedule="static", nogil=True):
            _run_tasks(op, a, b, y, c * ntasks // nt, (c + 1) * ntasks // nt, ntiles, K,
                       inner, stream)


cdef void _launch(int op, cnp.ndarray a, object b, cnp.ndarray y, Py_ssize_t outer,
                  Py_ssize_t K, Py_ssize_t inner) noexcept:
    """Run op on kernel-ready arrays (b is None for one-input ops); y may be a or b."""
    cdef bint f64 = cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT64
    cdef char* ap = cnp.PyArray_BYTES(a)
    cdef char* bp = cnp.PyArray_BYTES(<cnp.ndarray>b) if b is not None else NULL
    cdef char* yp = cnp.PyArray_BYTES(y)
    cdef Py_ssize_t work = outer * K * inner
    if outer * inner == 0:
        return
    if work < GIL_RELEASE_MIN:
        if f64:
            _run[double](op, <const double*>ap, <const double*>bp, <double*>yp, outer, K, inner)
        else:
            _run[float](op, <const float*>ap, <const float*>bp, <float*>yp, outer, K, inner)
    else:
        with nogil:
            if f64:
                _run[double](op, <const double*>ap, <const double*>bp, <double*>yp, outer, K, inner)
            else:
                _run[float](op, <const float*>ap, <const float*>bp, <float*>yp, outer, K, inner)


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------

cdef inline bint _kernel_ready(object a):
    """C-contiguous, aligned float32/float64 ndarray (not a subclass)."""
    cdef int t
    if type(a) is not cnp.ndarray:
        return False
    t = cnp.PyArray_TYPE(<cnp.ndarray>a)
    return (t == cnp.NPY_FLOAT64 or t == cnp.NPY_FLOAT32) and cnp.PyArray_ISCARRAY_RO(<cnp.ndarray>a)


cdef inline bint _disjoint_or_same(cnp.ndarray a, cnp.ndarray b):
    """a and b (same shape, same dtype, contiguous) are the same buffer or do not overlap."""
    cdef char* pa = cnp.PyArray_BYTES(a)
    cdef char* pb = cnp.PyArray_BYTES(b)
    cdef cnp.npy_intp nb = cnp.PyArray_NBYTES(a)
    return pa == pb or pa + nb <= pb or pb + nb <= pa


cdef inline bint _out_ready(object out, cnp.ndarray like):
    cdef cnp.ndarray o
    if type(out) is not cnp.ndarray:
        return False
    o = <cnp.ndarray>out
    return (cnp.PyArray_TYPE(o) == cnp.PyArray_TYPE(like) and cnp.PyArray_ISCARRAY(o)
            and cnp.PyArray_SAMESHAPE(o, like))


cdef inline cnp.ndarray _empty_like(cnp.ndarray a):
    return <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a), cnp.PyArray_DIMS(a),
                                           cnp.PyArray_TYPE(a), 0)


cdef inline int _fast_axis(object axis, int ndim):
    """axis in [0, max(ndim, 1)) for a Python int in range, else -1 (the slow path decides)."""
    cdef Py_ssize_t ax
    cdef int nd = ndim if ndim > 0 else 1
    if type(axis) is not int:
        return -1
    ax = PyNumber_AsSsize_t(axis, NULL)     # clamps huge values instead of raising
    if ax < 0:
        ax += nd
    if ax < 0 or ax >= nd:
        return -1
    return <int>ax


cdef void _split_dims(cnp.ndarray a, int ax, Py_ssize_t* outer, Py_ssize_t* K,
                      Py_ssize_t* inner) noexcept:
    """View a's shape as (outer, K, inner) around axis ax (a 0-d array is one row of one)."""
    cdef int nd = cnp.PyArray_NDIM(a)
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(a)
    cdef int d
    outer[0] = 1
    inner[0] = 1
    K[0] = 1
    if nd == 0:
        return
    for d in range(ax):
        outer[0] *= dims[d]
    K[0] = dims[ax]
    for d in range(ax + 1, nd):
        inner[0] *= dims[d]


cdef void _launch_axis(int op, cnp.ndarray a, object b, cnp.ndarray y, int ax) noexcept:
    cdef Py_ssize_t outer, K, inner
    _split_dims(a, ax, &outer, &K, &inner)
    _launch(op, a, b, y, outer, K, inner)


cdef object _unary(int op, object x, object axis, object out):
    """softmax / log_softmax: y = op(x) along axis, into out if given."""
    cdef cnp.ndarray xa, ya
    cdef int ax
    if _kernel_ready(x):
        xa = <cnp.ndarray>x
        ax = _fast_axis(axis, cnp.PyArray_NDIM(xa))
        if ax >= 0:
            if out is None:
                ya = _empty_like(xa)
                _launch_axis(op, xa, None, ya, ax)
                return ya
            if _out_ready(out, xa) and _disjoint_or_same(xa, <cnp.ndarray>out):
                _launch_axis(op, xa, None, <cnp.ndarray>out, ax)
                return out

    fname = OP_NAMES[op]
    a = _validate.as_float_array(x, fname, "x")
    ax = _validate.normalize_axis(fname, axis, a.ndim)

    def kernel(ins, target):
        _launch_axis(op, ins[0], None, target, ax)
    return _validate.elementwise_call(fname, kernel, (a,), ("x",), out)


cdef object _binary(int op, object a, object b, object axis, object out):
    """The backward/jvp ops of two same-shape arrays along axis, into out if given."""
    cdef cnp.ndarray aa, ba, ya
    cdef int ax
    if _kernel_ready(a) and _kernel_ready(b):
        aa = <cnp.ndarray>a
        ba = <cnp.ndarray>b
        ax = _fast_axis(axis, cnp.PyArray_NDIM(aa))
        if (ax >= 0 and cnp.PyArray_TYPE(aa) == cnp.PyArray_TYPE(ba)
                and cnp.PyArray_SAMESHAPE(aa, ba)):
            if out is None:
                ya = _empty_like(aa)
                _launch_axis(op, aa, ba, ya, ax)
                return ya
            if (_out_ready(out, aa) and _disjoint_or_same(aa, <cnp.ndarray>out)
                    and _disjoint_or_same(ba, <cnp.ndarray>out)):
                _launch_axis(op, aa, ba, <cnp.ndarray>out, ax)
                return out

    fname = OP_NAMES[op]
    aname, bname = OP_ARGS[op]
    A = _validate.as_float_array(a, fname, aname)
    B = _validate.as_float_array(b, fname, bname)
    _validate.check_same_shape(fname, B, A, bname, aname)
    ax = _validate.normalize_axis(fname, axis, A.ndim)

    def kernel(ins, target):
        _launch_axis(op, ins[0], ins[1], target, ax)
    return _validate.elementwise_call(fname, kernel, (A, B), (aname, bname), out)


# ---------------------------------------------------------------------------
# public functions (re-exported by fastact.softmax_family)
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# the explicit Jacobian (fastact.softmax_family.softmax_jacobian checks the arguments)
# ---------------------------------------------------------------------------

cdef void _jacobian_rows(const floating* s, floating* J, Py_ssize_t r0, Py_ssize_t r1,
                         Py_ssize_t K) noexcept nogil:
    # J[r, i, j] = s_i (δ_ij − s_j), written as s_i·(0 − s_j) off the diagonal and
    # s_i·(1 − s_i) on it (1 − s_i exact for s_i >= 1/2): one rounding each, and the
    # same bits (zeros' signs included) as the NumPy expression it replaces
    cdef Py_ssize_t r, i, j
    cdef const floating* sr
    cdef floating* row
    cdef floating si
    for r in range(r0, r1):
        sr = s + r * K
        for i in range(K):
            si = sr[i]
            row = J + (r * K + i) * K
            for j in range(K):
                row[j] = si * (<floating>0.0 - sr[j])
            row[i] = si * (<floating>1.0 - si)


def jacobian(cnp.ndarray s, cnp.ndarray out):
    """out[r, i, j] = s[r, i] (δ_ij − s[r, j]) for a C-contiguous (N, K) s and a
    C-contiguous (N, K, K) out of the same float dtype (float32/float64)."""
    cdef Py_ssize_t K = cnp.PyArray_DIM(s, 1)
    cdef Py_ssize_t N = cnp.PyArray_DIM(s, 0)
    cdef bint f64 = cnp.PyArray_TYPE(s) == cnp.NPY_FLOAT64
    cdef char* sp = cnp.PyArray_BYTES(s)
    cdef char* jp = cnp.PyArray_BYTES(out)
    cdef int nt = threads_for(N * K * K, PARALLEL_MIN_WORK)
    cdef Py_ssize_t c
    if nt > N:
        nt = <int>N
    if N * K == 0:
        return
    with nogil:
        if nt <= 1:
            if f64:
                _jacobian_rows(<const double*>sp, <double*>jp, 0, N, K)
            else:
                _jacobian_rows(<const float*>sp, <float*>jp, 0, N, K)
        else:
            # thread c writes rows [c·N/nt, (c+1)·N/nt) (a fixed split)
            for c in prange(nt, num_threads=nt, schedule="static"):
                if f64:
                    _jacobian_rows(<const double*>sp, <double*>jp, c * N // nt, (c + 1) * N // nt, K)
                else:
                    _jacobian_rows(<const float*>sp, <float*>jp, c * N // nt, (c + 1) * N // nt, K)


def softmax(x, axis=-1, *, out=None):
    """Softmax along `axis`: e^(x−max) / Σ e^(x−max).

    A row holding NaN or +inf, or only -inf, is NaN (as PyTorch and SciPy).
    A 0-d input is a row of one entry.
    """
    return _unary(OP_SOFTMAX, x, axis, out)


def log_softmax(x, axis=-1, *, out=None):
    """Log-softmax along `axis`: x − max − log Σ e^(x−max), evaluated as
    (x − max) − log1p(Σ_{x<max} e^(x−max) + #max − 1) so that a dominant entry
    keeps full relative precision.  −inf entries of a row with a finite entry give −inf.
    """
    return _unary(OP_LOG_SOFTMAX, x, axis, out)


def logsumexp(x, axis=-1, *, keepdims=False):
    """log Σ e^x along `axis` = max + log1p(...) (see log_softmax); sums in float64.

    +inf if the row holds +inf, −inf if every entry is −inf or the axis is empty,
    NaN if the row holds NaN.  The reduced axis is dropped unless keepdims; a
    0-d result is returned as a NumPy scalar.
    """
    cdef cnp.ndarray xa, res
    cdef int ax, nd, d
    cdef Py_ssize_t outer, K, inner
    cdef cnp.npy_intp rdims[64]
    res_dtype = None                    # None: the kernel's dtype is the result's
    if _kernel_ready(x):
        xa = <cnp.ndarray>x
    else:
        a = _validate.as_float_array(x, "logsumexp", "x")
        _validate.normalize_axis("logsumexp", axis, a.ndim)
        xa = _validate.as_kernel_array(a, _validate.compute_dtype(a.dtype))
        if a.dtype != xa.dtype:
            res_dtype = a.dtype         # float16 computed in float32
    nd = cnp.PyArray_NDIM(xa)
    ax = _fast_axis(axis, nd)
    if ax < 0:
        ax = _validate.normalize_axis("logsumexp", axis, nd)
    # result dims: x's dims with the axis dropped (or kept as 1)
    d = 0
    for i in range(nd):
        if i != ax:
            rdims[d] = cnp.PyArray_DIMS(xa)[i]
            d += 1
        elif keepdims:
            rdims[d] = 1
            d += 1
    res = <cnp.ndarray>cnp.PyArray_EMPTY(d, rdims, cnp.PyArray_TYPE(xa), 0)
    _split_dims(xa, ax, &outer, &K, &inner)
    _launch(OP_LOGSUMEXP, xa, None, res, outer, K, inner)
    if res_dtype is not None:
        res = res.astype(res_dtype)
    if cnp.PyArray_NDIM(res) == 0:
        return res[()]                  # a NumPy scalar, as NumPy's reductions
    return res


def softmax_backward(dy, y, axis=-1, *, out=None):
    """Vector–Jacobian product of softmax from its output y: y ⊙ (dy − ⟨dy, y⟩) along axis.

    The Jacobian is never formed.  out may be dy or y itself.
    """
    return _binary(OP_SOFTMAX_BWD, dy, y, axis, out)


def softmax_jvp(y, v, axis=-1, *, out=None):
    """Jacobian–vector product of softmax from its output y: J·v = y ⊙ (v − ⟨v, y⟩)
    (J = diag(y) − y yᵀ is symmetric, so this equals the VJP with dy = v)."""
    return _binary(OP_SOFTMAX_JVP, y, v, axis, out)


def log_softmax_backward(dy, y, axis=-1, *, out=None):
    """Vector–Jacobian product of log_softmax from its output y: dy − e^y · Σ dy along axis."""
    return _binary(OP_LOG_SOFTMAX_BWD, dy, y, axis, out)
