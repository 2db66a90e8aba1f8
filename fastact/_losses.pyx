# cython: language_level=3
"""Loss kernels: every loss of SPEC section 4, value and gradient in one pass.

Design
------
* The public wrappers (fastact/losses.py) validate every argument, bring the
  arrays to C-contiguous float32/float64 (targets cast to the input's dtype,
  class indices to int64), allocate the outputs and call the two entry points
  here: `elementwise` (mse, bce, bce-with-logits) and `rows` (cross_entropy,
  softmax_cross_entropy, nll_loss; classes on the last, contiguous axis).
  Their common calls (plain ndarrays, no weights or smoothing) are checked here
  instead, by `elementwise_fast` and `rows_fast`, which hand anything unusual
  back to the wrappers.  The same kernel computes the plain loss (grad pointer
  NULL) and the fused loss + grad, so the two agree bitwise.
* Every value is computed in double and rounded once to the array dtype, except
  in the fastact._rowvec kernels (softmax cross-entropy with class indices and
  no label smoothing, and short rows, K <= 16, of either target kind 16 at a
  time; float32 bce-with-logits), which compute float32 exps, logs and
  gradients in float (about 1 ulp each; sums still in double).
* Determinism: work is cut into blocks whose size depends only on the shape
  (ELEM_BLOCK elements, or ROW_BLOCK_ELEMS / K rows, at most MAX_BLOCK_ROWS).
  Each block's loss terms are summed in a fixed order (LANES = 16 lanes for elementwise
  losses, row order for row losses) into partials[b]; the partials are then
  added in block order.  Threads (OpenMP, dynamic schedule) only decide who
  computes a block, so the reduced loss is bitwise identical for every thread
  count.
* The gradient scale (1/N, 1/Σ w[t] for mean, else 1) is known before the pass:
  for class-index targets a cheap pre-pass over the N targets (`index_prepass`)
  checks every index and sums the weights of the non-ignored rows.
* Softmax cross-entropy, one row in cache: m = max x (NaN ignored), then
  e_j = e^(x_j − m) (stored into the gradient row), with
  s' = Σ_{x_j < m} e_j + (#{x_j == m} − 1), so lse − x_t = (m − x_t) + log1p(s')
  is a sum of two non-negative terms (no cancellation even when x_t dominates),
  then grad = softmax·c − target, written over the stored e_j.
"""
cimport numpy as cnp
from cython.parallel cimport prange
from libc.string cimport memset
from libc.math cimport log, log1p, fabs, INFINITY, NAN
from libc.stdint cimport int64_t

from fastact._common cimport floating, threads_for, stream_output, STREAM_MIN_BYTES

import numpy as np

cnp.import_array()

# branch-free, vectorisable e^x and log(1+x) (about 1 and 2 ulp; NaN -> NaN,
# exp(-inf) = 0, log1p(0) = 0, log1p(tiny) = tiny)
from fastact._vecmath cimport (fa_exp_nonpos, fa_log, fa_log1p, fa_expf_nonpos,
                              fa_log1pf, fa_logf, fa_log1p_unit, fa_log1pf_unit)
from fastact._math cimport row_max
from fastact._rowvec cimport *

cdef enum:
    LANES = 16                  # partial sums per block (the loops step by the literal 16)
    ELEM_BLOCK = 1 << 14        # elements per block of an elementwise loss
    ELEM_PREFETCH_MIN_BYTES = 1 << 20   # an elementwise loss prefetches inputs this large
    PW_PERIOD = 1024            # pos_weight run length (fastact.losses._PW_PERIOD)
    ROW_BLOCK_ELEMS = 1 << 14   # a block of rows holds about this many elements
    MAX_BLOCK_ROWS = 1024
    CE_PIECE = 256              # cross_entropy: classes per piece of a row (a multiple of LANES)
    PARALLEL_MIN_WORK = 1 << 15 # elements a thread should have before another starts
    # What a row costs beyond its entries (its log, divisions, target), in entries: with
    # few classes this is most of the time (softmax cross-entropy (20000, 3) float32, one
    # thread: 13 ns a row, against about 0.5 ns an entry in long rows).
    ROW_WORK = 16
    GIL_RELEASE_MIN = 2048      # below this many elements the GIL is kept

cdef enum:
    # elementwise losses
    OP_MSE = 0
    OP_BCE = 1
    OP_BCE_LOGITS = 2
    # row losses (classes on the last axis)
    OP_CE = 10            # cross_entropy: probabilities in, probabilities target
    OP_SCE_INDEX = 11     # softmax_cross_entropy, class-index target
    OP_SCE_PROB = 12      # softmax_cross_entropy, probability target
    OP_NLL = 13           # nll_loss, class-index target

cdef double BCE_EPSILON = 1e-12   # PyTorch's clamp of the BCE gradient's denominator


cdef inline double _combine_lanes(const double* a) noexcept nogil:
    """Σ of the LANES (16) partial sums in a fixed order (pairwise)."""
    return ((((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])))
            + (((a[8] + a[9]) + (a[10] + a[11])) + ((a[12] + a[13]) + (a[14] + a[15]))))


cdef inline void _sum_lanes_into(double* acc, const floating* tb, Py_ssize_t m) noexcept nogil:
    """acc[l] += tb[j] for j = l (mod LANES), in order (the tail from lane 0)."""
    cdef Py_ssize_t j, l, mfull = m - m % LANES
    for j in range(0, mfull, 16):
        for l in range(LANES):
            acc[l] += tb[j + l]
    for j in range(mfull, m):
        acc[j - mfull] += tb[j]


cdef inline floating _neg_log_clamped(floating p) noexcept nogil:
    """−max(log p, −100) in p's precision (fa_logf 0.76 ulp, fa_log), as PyTorch clamps
    its logs; NaN stays NaN."""
    cdef floating v
    if floating is float:
        v = fa_logf(p)
    else:
        v = fa_log(p)
    return -(<floating>-100.0 if v < <floating>-100.0 else v)


cdef inline floating _neg_log1m_clamped(floating p) noexcept nogil:
    """−max(log(1 − p), −100) in p's precision (fa_log1pf 2.02 ulp, fa_log1p)."""
    cdef floating v
    if floating is float:
        v = fa_log1pf(-p)
    else:
        v = fa_log1p(-p)
    return -(<floating>-100.0 if v < <floating>-100.0 else v)


# ===========================================================================
# elementwise losses: one block of n contiguous elements.  lo (per-term loss)
# and g (gradient) may be NULL; gs scales the gradient.  Returns Σ terms.
# ===========================================================================

cdef double _mse_block(const floating* x, const floating* y, floating* lo, floating* g,
                       Py_ssize_t n, double gs, bint stream, bint prefetch) noexcept nogil:
    # term (x − y)²; grad 2(x − y)·gs (gs already holds the 2); element i of each group
    # of LANES adds to acc[i % LANES] (a fixed order whatever the build).
    cdef double acc[LANES]
    cdef double d, t
    cdef Py_ssize_t i, l, nfull = n - n % LANES
    for l in range(LANES):
        acc[l] = 0.0
    if FA_RV_WIDE:
        # fastact._rowvec (the same operations, with prefetch and streaming stores)
        if floating is float:
            fa_rv_mse_f(x, y, lo, g, n, gs, acc, stream, prefetch)
        else:
            fa_rv_mse_d(x, y, lo, g, n, gs, acc, stream, prefetch)
        return _combine_lanes(acc)
    # one loop per case, none with a test in it (GCC vectorises those whether or not
    # it inlines this function into the parallel region)
    if lo == NULL and g == NULL:
        for i in range(0, nfull, 16):
            for l in range(LANES):
                d = <double>x[i + l] - <double>y[i + l]
                acc[l] += d * d
    elif lo == NULL:
        for i in range(0, nfull, 16):
            for l in range(LANES):
                d = <double>x[i + l] - <double>y[i + l]
                acc[l] += d * d
                g[i + l] = <floating>(d * gs)
    elif g == NULL:
        for i in range(0, nfull, 16):
            for l in range(LANES):
                d = <double>x[i + l] - <double>y[i + l]
                t = d * d
                acc[l] += t
                lo[i + l] = <floating>t
    else:
        for i in range(0, nfull, 16):
            for l in range(LANES):
                d = <double>x[i + l] - <double>y[i + l]
                t = d * d
                acc[l] += t
                lo[i + l] = <floating>t
                g[i + l] = <floating>(d * gs)
    for i in range(nfull, n):
        d = <double>x[i] - <double>y[i]
        t = d * d
        acc[i - nfull] += t
        if lo != NULL:
            lo[i] = <floating>t
        if g != NULL:
            g[i] = <floating>(d * gs)
    return _combine_lanes(acc)


cdef inline floating _bce_term(floating p, floating t) noexcept nogil:
    """−[t log p + (1−t) log(1−p)], each log clamped at −100 (PyTorch), in p's precision.

    Written as t·(−log p) + (1−t)·(−log1p(−p)): two non-negative terms for p, t in
    [0, 1], and 1 − p is exact for p >= 1/2, so no cancellation.  t = 0 with
    p = 0 gives 0·100 = 0, never 0·inf.  float32: fa_logf and fa_log1pf (0.76 and
    2.02 ulp), 16 lanes."""
    return t * _neg_log_clamped(p) + (<floating>1.0 - t) * _neg_log1m_clamped(p)


cdef inline double _bce_grad(double p, double t, double gs) noexcept nogil:
    """PyTorch's gradient (p − t) / max(p(1 − p), 1e-12), times gs; in double for both
    dtypes (p − t and p(1 − p) of float32 data are exact there: one rounding)."""
    cdef double den = p * (1.0 - p)
    den = den if den > BCE_EPSILON else BCE_EPSILON
    return (p - t) / den * gs


cdef double _bce_block(const floating* x, const floating* y, floating* lo, floating* g,
                       Py_ssize_t n, double gs, Py_ssize_t* nbad) noexcept nogil:
    # flat loops over pieces of CE_PIECE elements (they vectorise); the terms are
    # summed in double, element i into acc[i % LANES] (as _mse_block)
    cdef double acc[LANES]
    cdef floating tb[CE_PIECE]
    cdef floating p, t
    cdef Py_ssize_t i0, j, l, m, bad = 0
    for l in range(LANES):
        acc[l] = 0.0
    i0 = 0
    while i0 < n:
        m = min(<Py_ssize_t>CE_PIECE, n - i0)
        for j in range(m):
            p = x[i0 + j]
            t = y[i0 + j]
            # outside [0, 1] is an error (PyTorch raises); NaN propagates instead
            bad += (p < 0.0) | (p > 1.0) | (t < 0.0) | (t > 1.0)
            tb[j] = _bce_term(p, t)
        if g != NULL:
            for j in range(m):
                g[i0 + j] = <floating>_bce_grad(x[i0 + j], y[i0 + j], gs)
        if lo != NULL:
            for j in range(m):
                lo[i0 + j] = tb[j]
        _sum_lanes_into(acc, tb, m)
        i0 += m
    nbad[0] = bad
    return _combine_lanes(acc)


cdef inline double _bce_logits_point(floating z, floating t, floating pw, double gs,
                                     double* grad) noexcept nogil:
    """ℓ = (1 − t)·z + lw·softplus(−z), lw = 1 + (pw − 1)·t (PyTorch's pos_weight form;
    pw = 1 is the plain loss max(z,0) − z·t + log1p(e^−|z|)).

    With e = e^−|z| (never overflows) and L = log1p(e):
      z >= 0:  ℓ = (1 − t)·|z| + lw·L          ∂ℓ/∂z = (1 − t) − lw·e/(1+e)
      z <  0:  ℓ = pw·t·|z| + lw·L             ∂ℓ/∂z = lw·e/(1+e) − pw·t
    For t in [0, 1] and pw >= 0 both terms are non-negative (no cancellation), and
    the gradient keeps full relative precision in the tails (−e^−z for t = 1, not
    σ(z) − 1).  A zero coefficient times an infinite z counts as 0 (the limit).
    Straight-line code (selects, branch-free exp/log1p) so that loops vectorise.
    float32 data are computed in float32 (terms within a few float32 ulps, far
    inside the 1e-5 contract, and twice the vector width); the sum stays in double."""
    cdef floating a = fabs(z)
    cdef floating e, L, sg
    # L: log1p on [0, 1] as e + e^2 Q(e), a fitted polynomial (fa_log1p*_unit)
    if floating is float:
        e = fa_expf_nonpos(-a)
        L = fa_log1pf_unit(e)
        sg = e / (<floating>1.0 + e)
    else:
        e = fa_exp_nonpos(-a)
        L = fa_log1p_unit(e)
        sg = e / (1.0 + e)
    cdef floating lw = <floating>1.0 + (pw - <floating>1.0) * t
    cdef bint pos = z >= 0
    cdef floating c = (<floating>1.0 - t) if pos else pw * t
    cdef floating lin = c * a if c != 0 else <floating>0.0     # NaN z: L is NaN
    grad[0] = <double>((c - lw * sg) if pos else (lw * sg - c)) * gs
    return <double>(lin + lw * L)


cdef inline void _bce_logits_run(const floating* x, const floating* y, const floating* pw,
                                 floating* lo, floating* g, Py_ssize_t n, double gs,
                                 double* acc) noexcept nogil:
    """n contiguous elements; pw runs alongside x.  Element k adds to lane k % LANES of
    acc.  Groups of LANES go through small arrays, then are stored (vectorisable)."""
    cdef double t8[LANES]
    cdef double g8[LANES]
    cdef double a8[LANES]     # local partials: acc itself might alias lo or g for the compiler
    cdef double term, gr
    cdef Py_ssize_t i, l, nfull = n - n % LANES
    for l in range(LANES):
        a8[l] = 0.0
    for i in range(0, nfull, 16):
        for l in range(LANES):
            t8[l] = _bce_logits_point(x[i + l], y[i + l], pw[i + l], gs, &g8[l])
            a8[l] += t8[l]
        if lo != NULL:
            for l in range(LANES):
                lo[i + l] = <floating>t8[l]
        if g != NULL:
            for l in range(LANES):
                g[i + l] = <floating>g8[l]
    for i in range(nfull, n):
        term = _bce_logits_point(x[i], y[i], pw[i], gs, &gr)
        a8[i - nfull] += term
        if lo != NULL:
            lo[i] = <floating>term
        if g != NULL:
            g[i] = <floating>gr
    for l in range(LANES):
        acc[l] += a8[l]


cdef double _bce_logits_block(const floating* x, const floating* y, const floating* pw,
                              Py_ssize_t C, Py_ssize_t P, Py_ssize_t j0, floating* lo,
                              floating* g, Py_ssize_t n, double gs, bint stream) noexcept nogil:
    """pos_weight (a buffer of P >= C entries repeating its C values, so that long
    runs of it are contiguous; all ones for the plain loss) is indexed by the
    last-axis position, j0 at the block's first element.  The block is cut into runs at fixed places (they depend
    on the block start and C only), so the sum is deterministic."""
    cdef double acc[LANES]
    cdef Py_ssize_t l, done = 0, run, j = j0
    for l in range(LANES):
        acc[l] = 0.0
    if floating is float:
        if FA_RV_WIDE:
            # fastact._rowvec; pos_weight 1 everywhere (C == 1): one run, pw not read
            if C == 1 and pw[0] == 1:
                fa_rv_bce_logits_f(x, y, NULL, lo, g, n, gs, acc, stream)
                return _combine_lanes(acc)
            while done < n:
                run = min(n - done, P - j)
                fa_rv_bce_logits_f(x + done, y + done, pw + j, lo + done if lo != NULL else NULL,
                                   g + done if g != NULL else NULL, run, gs, acc, stream)
                done += run
                j = (j + run) % C
            return _combine_lanes(acc)
    while done < n:
        run = min(n - done, P - j)
        _bce_logits_run(x + done, y + done, pw + j, lo + done if lo != NULL else NULL,
                        g + done if g != NULL else NULL, run, gs, acc)
        done += run
        j = (j + run) % C
    return _combine_lanes(acc)


cdef double _elementwise_run(int op, const floating* x, const floating* y, const floating* pw,
                             Py_ssize_t C, Py_ssize_t P, floating* lo, floating* g, Py_ssize_t n,
                             double gs,
                             double* partials, Py_ssize_t* bads, int nt) noexcept nogil:
    cdef Py_ssize_t nblocks = (n + ELEM_BLOCK - 1) // ELEM_BLOCK
    cdef Py_ssize_t b, start, cnt
    cdef double total = 0.0
    # outputs this large are written by streaming stores (fastact._rowvec)
    cdef bint stream = stream_output(n * <Py_ssize_t>sizeof(floating), nt)
    # inputs larger than one core's L2 come from L3 or memory: the kernels prefetch them
    # (fastact._rowvec).  From 1 MB, not the activations' PREFETCH_MIN_BYTES (8 MB): on
    # the Zen 5 machine of round 28 the float32 mse_loss_with_grad at (65536, 10), 2.6 MB
    # an array, in L3, took 92 -> 74 us on one thread and 57 -> 49 on two (alternating
    # processes; float64, 5.2 MB an array, and (4096, 1000) unchanged)
    cdef bint prefetch = n * <Py_ssize_t>sizeof(floating) >= ELEM_PREFETCH_MIN_BYTES
    for b in prange(nblocks, num_threads=nt, schedule="dynamic", nogil=True):
        start = b * ELEM_BLOCK
        cnt = min(<Py_ssize_t>ELEM_BLOCK, n - start)
        bads[b] = 0
        if op == OP_MSE:
            partials[b] = _mse_block(x + start, y + start,
                                     lo + start if lo != NULL else NULL,
                                     g + start if g != NULL else NULL, cnt, gs, stream, prefetch)
        elif op == OP_BCE:
            partials[b] = _bce_block(x + start, y + start,
                                     lo + start if lo != NULL else NULL,
                                     g + start if g != NULL else NULL, cnt, gs, &bads[b])
        else:
            partials[b] = _bce_logits_block(x + start, y + start, pw, C, P, start % C,
                                            lo + start if lo != NULL else NULL,
                                            g + start if g != NULL else NULL, cnt, gs, stream)
    for b in range(nblocks):
        total += partials[b]
    return total


cdef object _empty_like_aligned(cnp.ndarray xa):
    """A fresh array of xa's shape and dtype (empty_output)."""
    cdef Py_ssize_t nbytes = cnp.PyArray_NBYTES(xa)
    if nbytes < STREAM_MIN_BYTES:
        return cnp.PyArray_EMPTY(cnp.PyArray_NDIM(xa), cnp.PyArray_DIMS(xa), cnp.PyArray_TYPE(xa), 0)
    cdef object x = xa
    return _empty_aligned(x.shape, x.dtype, nbytes)


cdef object _empty_aligned(object shape, object dtype, Py_ssize_t nbytes):
    # a 64-byte aligned view into a byte buffer (NumPy's own allocations are 16-byte
    # aligned, and the kernels stream only whole aligned lines)
    buf = np.empty(nbytes + 64, np.uint8)
    cdef Py_ssize_t off = (-<Py_ssize_t>cnp.PyArray_DATA(<cnp.ndarray>buf)) & 63
    return buf[off:off + nbytes].view(dtype).reshape(shape)


def empty_output(shape, dtype):
    """A fresh C-contiguous array for an elementwise loss's output (loss terms or
    gradient).  One of STREAM_MIN_BYTES or more is 64-byte aligned (a view into a byte
    buffer; NumPy's own are 16-byte aligned): the kernels stream such outputs, whole
    aligned lines at a time, which spares the read of each line before it is written
    (mse_loss_with_grad (4096, 1000), 2 threads, alternating processes against the
    build before the mse kernel's prefetch and this: float32 583 -> 441 and 605 -> 544
    us, float64 1569 -> 1124 and 1679 -> 1438 us)."""
    dtype = np.dtype(dtype)
    cdef Py_ssize_t nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if nbytes < STREAM_MIN_BYTES:
        return np.empty(shape, dtype)
    return _empty_aligned(shape, dtype, nbytes)


cdef inline void* _data_or_null(object a):
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)


cdef double _elementwise_call(int op, cnp.ndarray x, cnp.ndarray y, void* wp, Py_ssize_t C,
                              Py_ssize_t P, void* lp, void* gp, double gscale,
                              Py_ssize_t* nbad) except? -1:
    """Σ terms over n = x.size >= 1 entries (pos_weight: P >= C values at wp, or NULL);
    the number of out-of-domain entries goes to nbad.  One block (small calls) keeps
    its partial sum on the stack."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef Py_ssize_t nblocks = (n + ELEM_BLOCK - 1) // ELEM_BLOCK, b
    cdef bint f64 = cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT64
    cdef double total, partial0
    cdef Py_ssize_t bad0
    cdef double* pp = &partial0
    cdef Py_ssize_t* bp = &bad0
    cdef void* xp = cnp.PyArray_DATA(x)
    cdef void* yp = cnp.PyArray_DATA(y)
    cdef cnp.ndarray partials, bads
    cdef int nt = threads_for(n, PARALLEL_MIN_WORK)
    if nblocks > 1:
        partials = np.empty(nblocks, dtype=np.float64)
        bads = np.empty(nblocks, dtype=np.intp)
        pp = <double*>cnp.PyArray_DATA(partials)
        bp = <Py_ssize_t*>cnp.PyArray_DATA(bads)
    if op == OP_MSE:
        gscale = 2.0 * gscale
    if n < GIL_RELEASE_MIN:
        if f64:
            total = _elementwise_run(op, <double*>xp, <double*>yp, <double*>wp, C, P,
                                     <double*>lp, <double*>gp, n, gscale, pp, bp, 1)
        else:
            total = _elementwise_run(op, <float*>xp, <float*>yp, <float*>wp, C, P,
                                     <float*>lp, <float*>gp, n, gscale, pp, bp, 1)
    else:
        with nogil:
            if f64:
                total = _elementwise_run(op, <double*>xp, <double*>yp, <double*>wp, C, P,
                                         <double*>lp, <double*>gp, n, gscale, pp, bp, nt)
            else:
                total = _elementwise_run(op, <float*>xp, <float*>yp, <float*>wp, C, P,
                                         <float*>lp, <float*>gp, n, gscale, pp, bp, nt)
    nbad[0] = 0
    for b in range(nblocks):
        nbad[0] += bp[b]
    return total


def elementwise(int op, cnp.ndarray x, cnp.ndarray y, object pos_weight, Py_ssize_t C,
                object loss_out, object grad_out, double gscale):
    """Σ terms of an elementwise loss over C-contiguous x, y of one float dtype;
    fills loss_out (per-term) and grad_out (gradient · gscale) when given.
    pos_weight: None, or C values (the last axis) repeated to any length P >= C.
    Returns (Σ terms as a float, number of out-of-domain entries)."""
    cdef Py_ssize_t P = 1, nbad = 0
    cdef double total
    if cnp.PyArray_SIZE(x) == 0:
        return 0.0, 0
    if op == OP_BCE_LOGITS and pos_weight is None:
        raise ValueError("fastact._losses.elementwise: bce-with-logits needs a pos_weight buffer")
    if pos_weight is not None:
        P = cnp.PyArray_SIZE(<cnp.ndarray>pos_weight)
        if C < 1 or P < C or P % C:
            raise ValueError("fastact._losses.elementwise: bad pos_weight buffer")
    else:
        C = 1
    total = _elementwise_call(op, x, y, _data_or_null(pos_weight), C, P,
                              _data_or_null(loss_out), _data_or_null(grad_out), gscale, &nbad)
    return total, nbad


cdef int _fast_call_reduction(object x, object target, object reduction):
    """The gate of the C fast paths: 0, 1, 2 for reduction "mean", "sum", "none" when x
    is a C-contiguous aligned float32/float64 ndarray and target a C-contiguous aligned
    ndarray; -1 otherwise (the checked path then decides or raises)."""
    cdef int k
    if type(x) is not cnp.ndarray or type(target) is not cnp.ndarray or type(reduction) is not str:
        return -1
    k = cnp.PyArray_TYPE(<cnp.ndarray>x)
    if ((k != cnp.NPY_FLOAT32 and k != cnp.NPY_FLOAT64) or not cnp.PyArray_ISCARRAY_RO(<cnp.ndarray>x)
            or not cnp.PyArray_ISCARRAY_RO(<cnp.ndarray>target)):
        return -1
    if reduction == "mean":
        return 0
    if reduction == "sum":
        return 1
    if reduction == "none":
        return 2
    return -1


cdef bint _leading_shape_equal(cnp.ndarray t, cnp.ndarray x):
    """t's shape is the first t.ndim entries of x's."""
    cdef int k
    for k in range(cnp.PyArray_NDIM(t)):
        if cnp.PyArray_DIM(t, k) != cnp.PyArray_DIM(x, k):
            return False
    return True


cdef object _fast_result(cnp.ndarray xa, int red, double total, double denom, object loss_out,
                         object grad, bint with_grad):
    """A fast path's return value: the per-term array, or the mean or sum as a scalar of
    x's dtype; with the gradient when asked for (as the wrappers' _finish)."""
    value = loss_out if red == 2 else xa.dtype.type(total / denom if red == 0 else total)
    return (value, grad) if with_grad else value


def elementwise_fast(int op, object x, object target, object reduction, bint with_grad):
    """The common elementwise-loss call (no pos_weight) checked and run in C: x and
    target C-contiguous aligned ndarrays of one float dtype (float32/float64) and one
    shape, at least one entry.  Returns None when any of that does not hold, when the
    reduction is not one of the three names, or when an entry is outside the loss's
    domain (binary cross-entropy); the caller's full path then checks everything and
    raises the errors.  Only fresh arrays are written."""
    cdef cnp.ndarray xa, ta
    cdef int nd, red
    cdef Py_ssize_t n, nbad = 0, P = 1
    cdef double total
    cdef void* wp = NULL
    cdef object loss_out = None, grad = None
    red = _fast_call_reduction(x, target, reduction)
    if red < 0:
        return None
    xa = <cnp.ndarray>x
    ta = <cnp.ndarray>target
    nd = cnp.PyArray_NDIM(xa)
    if (cnp.PyArray_TYPE(ta) != cnp.PyArray_TYPE(xa) or cnp.PyArray_NDIM(ta) != nd
            or not _leading_shape_equal(ta, xa)):
        return None
    n = cnp.PyArray_SIZE(xa)
    if n == 0:
        return None
    if op == OP_BCE_LOGITS:
        # the plain loss's pos_weight: ones, period 1, read in runs of PW_PERIOD (as the
        # full path does, so the sums are the same bits)
        wp = cnp.PyArray_DATA(<cnp.ndarray>_ones(PW_PERIOD, cnp.PyArray_TYPE(xa) == cnp.NPY_FLOAT64))
        P = PW_PERIOD
    if red == 2:
        loss_out = _empty_like_aligned(xa)
    if with_grad:
        grad = _empty_like_aligned(xa)
    total = _elementwise_call(op, xa, ta, wp, 1, P, _data_or_null(loss_out), _data_or_null(grad),
                              1.0 / n if red == 0 else 1.0, &nbad)
    if nbad:
        return None
    return _fast_result(xa, red, total, <double>n, loss_out, grad, with_grad)


# ===========================================================================
# row losses: one row of K contiguous entries; g (the row's gradient) may be
# NULL.  Each returns the row's loss term.
# ===========================================================================

cdef inline floating _exp_diff(floating x, floating m) noexcept nogil:
    """e^(x − m) in the argument's precision, branch-free.  float32: d = x − m is
    rounded, TwoSum gives its exact error c (d + c == x − m) and e^(d + c) =
    e^d (1 + c) to second order, so the error is that of expf alone even for
    |x − m| ~ 80 (where the rounding of d alone would cost 80 · 2^-24).  c is
    not finite only where d is not (−inf entries, NaN) and is then dropped.
    float64: fa_exp_nonpos(x − m); the rounding of x − m costs |x − m| · 2^-53 relative,
    far below 1e-12 for every term that is not negligible in its sum."""
    cdef floating d, bb, c, e
    if floating is float:
        d = x - m
        bb = d - x
        c = (x - (d - bb)) + (-m - bb)
        c = c if (c < 1 and c > -1) else <floating>0.0
        e = fa_expf_nonpos(d)   # d <= 0 or NaN: m is the row's max
        return e + e * c
    else:
        return fa_exp_nonpos(x - m)


cdef inline double _exp_pass(const floating* x, floating* e_out, Py_ssize_t K,
                             double m) noexcept nogil:
    """e_j = e^(x_j − m) (written to e_out unless NULL); returns
    s' = Σ_{x_j < m} e_j + (#{x_j == m} − 1) = Σ e_j − 1 without the cancellation:
    the maxima contribute exactly 1 each and are counted, not summed."""
    cdef double small[LANES]
    cdef double cnt[LANES]
    cdef floating e8[LANES]
    cdef floating v, e
    cdef floating mf = <floating>m     # the max of the row: exact in its dtype
    cdef bint is_max
    cdef Py_ssize_t j, l, nfull = K - K % LANES, nhalf = K - K % 8
    for l in range(LANES):
        small[l] = 0.0
        cnt[l] = 0.0
    for j in range(0, nfull, 16):
        for l in range(LANES):
            v = x[j + l]
            e8[l] = _exp_diff(v, mf)
            is_max = v == mf
            cnt[l] += 1.0 if is_max else 0.0
            small[l] += 0.0 if is_max else <double>e8[l]
        if e_out != NULL:
            for l in range(LANES):
                e_out[j + l] = e8[l]
    # then one group of 8 if it fits (rows of K < 16, such as 10 classes, still vectorise)
    for j in range(nfull, nhalf, 8):
        for l in range(8):
            v = x[j + l]
            e8[l] = _exp_diff(v, mf)
            is_max = v == mf
            cnt[l] += 1.0 if is_max else 0.0
            small[l] += 0.0 if is_max else <double>e8[l]
        if e_out != NULL:
            for l in range(8):
                e_out[j + l] = e8[l]
    for j in range(nhalf, K):
        v = x[j]
        e = _exp_diff(v, mf)
        if e_out != NULL:
            e_out[j] = e
        is_max = v == mf
        cnt[0] += 1.0 if is_max else 0.0
        small[0] += 0.0 if is_max else <double>e
    return _combine_lanes(small) + (_combine_lanes(cnt) - 1.0)


cdef inline double _exp_pass_smooth(const floating* x, const floating* w, floating* e_out,
                                    Py_ssize_t K, double m, double* wdiff) noexcept nogil:
    """_exp_pass, and wdiff = Σ_j w_j (m − x_j) for label smoothing."""
    cdef double small[LANES]
    cdef double cnt[LANES]
    cdef double acc[LANES]
    cdef double wj
    cdef floating e8[LANES]
    cdef floating v, e
    cdef floating mf = <floating>m
    cdef bint is_max
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    for l in range(LANES):
        small[l] = 0.0
        cnt[l] = 0.0
        acc[l] = 0.0
    for j in range(0, nfull, 16):
        for l in range(LANES):
            v = x[j + l]
            e8[l] = _exp_diff(v, mf)
            is_max = v == mf
            cnt[l] += 1.0 if is_max else 0.0
            small[l] += 0.0 if is_max else <double>e8[l]
            acc[l] += w[j + l] * (m - <double>v)
        if e_out != NULL:
            for l in range(LANES):
                e_out[j + l] = e8[l]
    for j in range(nfull, K):
        v = x[j]
        wj = w[j]
        e = _exp_diff(v, mf)
        if e_out != NULL:
            e_out[j] = e
        is_max = v == mf
        cnt[0] += 1.0 if is_max else 0.0
        small[0] += 0.0 if is_max else <double>e
        acc[0] += wj * (m - <double>v)
    wdiff[0] = _combine_lanes(acc)
    return _combine_lanes(small) + (_combine_lanes(cnt) - 1.0)


cdef double _sce_index_row(const floating* x, int64_t t, const floating* w, floating* g,
                           Py_ssize_t K, double W, double eps, double gs, bint stream) noexcept nogil:
    """F.cross_entropy for one row with class index t (t == ignore handled by the caller).

    ℓ = (1−ε)·w_t·(lse − x_t) + (ε/K)·Σ_j w_j (lse − x_j), lse − x_j = (m − x_j) + log1p(s')
    ∂ℓ/∂x_j = p_j·((1−ε) w_t + ε W/K) − (1−ε) w_t δ_jt − ε w_j/K     (W = Σ w_j)
    At j = t, p_t − 1 is formed as −s'/s when x_t is the max (where p_t ≈ 1 would
    cancel), else as p_t − 1 (then p_t <= 1/2, no cancellation)."""
    cdef double m
    cdef double sp, s, L, wt, xt, term, a, pt, pt_m1, wdiff = 0.0
    cdef floating af, bf, mv, lo
    cdef bint exact
    cdef double keep = 1.0 - eps
    cdef double eps_k = eps / <double>K
    cdef Py_ssize_t j
    if row_kernels_for(x) and eps == 0.0:
        if floating is float:
            mv = fa_rv_maxmin_f(x, K, &lo)
        else:
            mv = fa_rv_maxmin_d(x, K, &lo)
        if -INFINITY < mv < INFINITY:
            # fastact._rowvec; the TwoSum of x − m only for rows far from their max
            exact = not (mv - lo <= FA_RV_NEAR)
            if floating is float:
                return fa_rv_sce_row_f(x, t, w[t], g, K, mv, exact, gs, stream)
            else:
                return fa_rv_sce_row_d(x, t, w[t], g, K, mv, exact, gs, stream)
    m = row_max(x, K)
    if eps == 0.0:
        sp = _exp_pass(x, g, K, m)
    else:
        sp = _exp_pass_smooth(x, w, g, K, m, &wdiff)
    if m == INFINITY:
        sp = NAN                  # +inf logit: NaN row, as PyTorch
    L = fa_log1p(sp)
    s = 1.0 + sp
    xt = x[t]
    wt = w[t]
    if eps == 0.0:
        term = wt * ((m - xt) + L)
    else:
        term = keep * wt * ((m - xt) + L) + eps_k * (wdiff + W * L)
    if g != NULL:
        pt = <double>g[t] / s     # g holds e_j = e^(x_j − m) here
        a = gs * (keep * wt + eps_k * W) / s
        af = <floating>a
        if eps == 0.0:
            for j in range(K):
                g[j] = g[j] * af
        else:
            bf = <floating>(gs * eps_k)
            for j in range(K):
                g[j] = g[j] * af - bf * w[j]
        pt_m1 = -sp / s if xt == m else pt - 1.0
        g[t] = <floating>(gs * (keep * wt * pt_m1 + eps_k * (W * pt - wt)))
    return term


cdef double _sce_prob_row(const floating* x, const floating* y, const floating* w, floating* g,
                          Py_ssize_t K, double eps, double gs) noexcept nogil:
    """F.cross_entropy for one row with a probability target y.

    c_j = w_j·((1−ε) y_j + ε/K);  ℓ = Σ_j c_j (lse − x_j) = Σ_j c_j (m − x_j) + log1p(s')·Σ_j c_j
    (terms with c_j = 0 contribute 0, also for x_j = −inf);  ∂ℓ/∂x_j = p_j Σ c − c_j."""
    cdef double small[LANES]
    cdef double cnt[LANES]
    cdef double accd[LANES]
    cdef double accc[LANES]
    cdef double m = row_max(x, K)
    cdef double keep = 1.0 - eps
    cdef double eps_k = eps / <double>K
    cdef double c, sp, s, L, Y, a
    cdef floating e8[LANES]
    cdef floating v, e, af
    cdef floating mf = <floating>m
    cdef bint is_max
    cdef Py_ssize_t j, l, nfull = K - K % LANES
    for l in range(LANES):
        small[l] = 0.0
        cnt[l] = 0.0
        accd[l] = 0.0
        accc[l] = 0.0
    for j in range(0, nfull, 16):
        for l in range(LANES):
            v = x[j + l]
            c = (keep * y[j + l] + eps_k) * w[j + l]
            e8[l] = _exp_diff(v, mf)
            is_max = v == mf
            cnt[l] += 1.0 if is_max else 0.0
            small[l] += 0.0 if is_max else <double>e8[l]
            accc[l] += c
            accd[l] += c * (m - <double>v) if c != 0.0 else 0.0
        if g != NULL:
            for l in range(LANES):
                g[j + l] = e8[l]
    for j in range(nfull, K):
        v = x[j]
        c = (keep * y[j] + eps_k) * w[j]
        e = _exp_diff(v, mf)
        if g != NULL:
            g[j] = e
        is_max = v == mf
        cnt[0] += 1.0 if is_max else 0.0
        small[0] += 0.0 if is_max else <double>e
        accc[0] += c
        accd[0] += c * (m - <double>v) if c != 0.0 else 0.0
    sp = _combine_lanes(small) + (_combine_lanes(cnt) - 1.0)
    if m == INFINITY:
        sp = NAN
    L = fa_log1p(sp)
    s = 1.0 + sp
    Y = _combine_lanes(accc)
    if g != NULL:
        a = gs * Y / s
        for j in range(K):
            c = (keep * y[j] + eps_k) * w[j]
            g[j] = <floating>(g[j] * a - gs * c)
    return _combine_lanes(accd) + (Y * L if Y != 0.0 else 0.0)


cdef inline floating _ce_term(floating y, floating p) noexcept nogil:
    """−y·max(log p, −100), 0 where y = 0 (never 0·inf), in p's precision."""
    return y * _neg_log_clamped(p) if y != 0 else <floating>0.0


cdef inline floating _ce_grad(floating y, floating p, floating gs) noexcept nogil:
    """−(y/p)·gs, 0 where y = 0, in p's precision."""
    return -(y / p) * gs if y != 0 else <floating>0.0


cdef inline void _ce_flat(const floating* p, const floating* y, floating* g, floating* tb,
                          Py_ssize_t m, double gs) noexcept nogil:
    """tb[j] = −y_j·max(log p_j, −100) and g[j] = −(y_j/p_j)·gs (g may be NULL) for m
    contiguous entries, in the data's precision: flat loops that vectorise."""
    cdef floating gsd = <floating>gs
    cdef Py_ssize_t j
    for j in range(m):
        tb[j] = _ce_term(y[j], p[j])
    if g != NULL:
        for j in range(m):
            g[j] = _ce_grad(y[j], p[j], gsd)


cdef double _ce_rows(const floating* p, const floating* y, floating* g, floating* lo,
                     Py_ssize_t nr, Py_ssize_t K, double gs) noexcept nogil:
    """cross_entropy on probabilities for nr rows: −Σ_j y_j·max(log p_j, −100); y_j = 0
    terms give 0 to the loss and the gradient; ∂/∂p_j = −y_j/p_j (the seed formula).
    Terms and gradient in the data's precision (float32: fa_logf, 0.76 ulp, and one
    division, 16 lanes), computed flat over pieces of about CE_PIECE entries (whole
    short rows, or part of a long one), so that short rows vectorise too; each row's
    terms are summed in double, in LANES partial sums in class order, whatever piece
    holds them.  Returns Σ over the rows in row order; lo (may be NULL) gets each row's."""
    cdef floating tb[CE_PIECE]
    cdef double acc[LANES]
    cdef double term, total = 0.0
    cdef Py_ssize_t i, i0, j0, l, m, rp
    if K > CE_PIECE:
        for i in range(nr):
            for l in range(LANES):
                acc[l] = 0.0
            j0 = 0
            while j0 < K:
                m = min(<Py_ssize_t>CE_PIECE, K - j0)
                _ce_flat(p + i * K + j0, y + i * K + j0, g + i * K + j0 if g != NULL else NULL,
                         tb, m, gs)
                _sum_lanes_into(acc, tb, m)
                j0 += m
            term = _combine_lanes(acc)
            if lo != NULL:
                lo[i] = <floating>term
            total += term
        return total
    rp = CE_PIECE // K
    i0 = 0
    while i0 < nr:
        m = min(rp, nr - i0)
        _ce_flat(p + i0 * K, y + i0 * K, g + i0 * K if g != NULL else NULL, tb, m * K, gs)
        for i in range(m):
            for l in range(LANES):
                acc[l] = 0.0
            _sum_lanes_into(acc, tb + i * K, K)
            term = _combine_lanes(acc)
            if lo != NULL:
                lo[i0 + i] = <floating>term
            total += term
        i0 += m
    return total


cdef inline int _sce_rows16(int op, const floating* x, const floating* yf, const int64_t* yi,
                            const floating* w, floating* g, Py_ssize_t n16, Py_ssize_t K,
                            double eps, double gs, int64_t ignore, double* terms) noexcept nogil:
    """Up to 16 short rows of softmax cross-entropy across SIMD lanes (class indices
    or probabilities, both dtypes).  Returns the mask of rows left to the row loop
    (bit l: row l)."""
    if op == OP_SCE_INDEX:
        if floating is float:
            return fa_rv_sce_rows_f(x, yi, w, g, n16, K, ignore, gs, terms)
        else:
            return fa_rv_sce_rows_d(x, yi, w, g, n16, K, ignore, gs, terms)
    if floating is float:
        return fa_rv_sce_prob_rows_f(x, yf, w, g, n16, K, 1.0 - eps, eps / <double>K, gs, terms)
    else:
        return fa_rv_sce_prob_rows_d(x, yf, w, g, n16, K, 1.0 - eps, eps / <double>K, gs, terms)


cdef inline int _sce_mid_rows(const floating* x, const int64_t* yi, const floating* w,
                              floating* g, Py_ssize_t n, Py_ssize_t K, double gs,
                              int64_t ignore, bint stream, double* terms) noexcept nogil:
    """Up to FA_MID_ROWS rows of 17 to FA_MID_K classes of softmax cross-entropy with
    class indices, their finishes vectorised together.  Returns the mask of rows left
    to the row loop."""
    if floating is float:
        return fa_rv_sce_mid_rows_f(x, yi, w, g, n, K, ignore, gs, stream, terms)
    else:
        return fa_rv_sce_mid_rows_d(x, yi, w, g, n, K, ignore, gs, stream, terms)


cdef double _nll_rows(const floating* x, const int64_t* yi, const floating* w, floating* lo,
                      floating* g, Py_ssize_t r0, Py_ssize_t nr, Py_ssize_t K, double gs,
                      int64_t ignore) noexcept nogil:
    """nll_loss for rows r0 .. r0+nr−1: ℓ = −w_t x_t, ∂ℓ/∂x = −w_t at t, 0 elsewhere (and
    0 for an ignored row).  A loop of its own: inside _rows_block, next to the inlined
    softmax rows, its few registers spilled (AVX2 build, (13107, 10): 34 -> 41 µs)."""
    cdef double total = 0.0, term, wt
    cdef Py_ssize_t i
    cdef int64_t t
    if g != NULL:
        # the block's rows are contiguous: one memset, not one per row (13107 rows of
        # 10, AVX-512, one thread: 66-72 -> 31-35 µs with the gradient)
        memset(g + r0 * K, 0, <size_t>(nr * K) * sizeof(floating))
    for i in range(r0, r0 + nr):
        t = yi[i]
        if t == ignore:
            term = 0.0
        else:
            wt = w[t]
            term = -(wt * <double>x[i * K + t])
            if g != NULL:
                g[i * K + t] = <floating>(-wt * gs)
        if lo != NULL:
            lo[i] = <floating>term
        total += term
    return total


cdef double _rows_block(int op, const floating* x, const floating* yf, const int64_t* yi,
                        const floating* w, floating* lo, floating* g, Py_ssize_t r0,
                        Py_ssize_t nr, Py_ssize_t K, double W, double eps, double gs,
                        int64_t ignore, bint stream, bint grouped=True) noexcept nogil:
    """Rows r0 .. r0+nr−1; their terms are summed in row order.  grouped: rows of
    softmax cross-entropy may go in groups (16 short rows across SIMD lanes, or
    FA_MID_ROWS rows of up to FA_MID_K classes with their finishes together)."""
    cdef double total = 0.0, term
    cdef double terms[16]
    cdef Py_ssize_t i, j, l, ng, group = 0
    cdef int bad
    cdef int64_t t
    cdef floating* gr = NULL
    if FA_RV and grouped and K <= 16 and (op == OP_SCE_INDEX and eps == 0.0 or op == OP_SCE_PROB):
        group = 16
    elif grouped and op == OP_SCE_INDEX and eps == 0.0 and K <= FA_MID_K and FA_RV_WIDE:
        # (the AVX-512 build only: in the AVX2 build's halves, grouped rows of 17 to 40
        # classes took 10 to 40% longer than one at a time, 64 to 128 about 10% less)
        group = FA_MID_ROWS
    if group:
        # rows in groups (fastact._rowvec); rows the kernels leave out (a non-finite
        # max) go through the row loop one by one, so every row's result is the same
        # whatever rows share its group
        i = r0
        while i < r0 + nr:
            ng = min(group, r0 + nr - i)
            if group == 16:
                bad = _sce_rows16(op, x + i * K, yf + i * K if yf != NULL else NULL,
                                  yi + i if yi != NULL else NULL, w,
                                  g + i * K if g != NULL else NULL, ng, K, eps, gs, ignore,
                                  terms)
            else:
                bad = _sce_mid_rows(x + i * K, yi + i, w, g + i * K if g != NULL else NULL,
                                    ng, K, gs, ignore, stream, terms)
            for l in range(ng):
                if (bad >> l) & 1:
                    term = _rows_block(op, x, yf, yi, w, lo, g, i + l, 1, K, W, eps, gs,
                                       ignore, stream, False)
                else:
                    term = terms[l]
                    if lo != NULL:
                        lo[i + l] = <floating>term
                total += term
            i += group
        return total
    if op == OP_CE:
        return _ce_rows(x + r0 * K, yf + r0 * K, g + r0 * K if g != NULL else NULL,
                        lo + r0 if lo != NULL else NULL, nr, K, gs)
    if op == OP_NLL:
        return _nll_rows(x, yi, w, lo, g, r0, nr, K, gs, ignore)
    for i in range(r0, r0 + nr):
        if g != NULL:
            gr = g + i * K
        if op == OP_SCE_INDEX:
            t = yi[i]
            if t == ignore:
                term = 0.0
                if gr != NULL:
                    for j in range(K):
                        gr[j] = 0
            else:
                term = _sce_index_row(x + i * K, t, w, gr, K, W, eps, gs, stream)
        else:
            term = _sce_prob_row(x + i * K, yf + i * K, w, gr, K, eps, gs)
        if lo != NULL:
            lo[i] = <floating>term
        total += term
    return total


cdef double _rows_run(int op, const floating* x, const floating* yf, const int64_t* yi,
                      const floating* w, floating* lo, floating* g, Py_ssize_t N, Py_ssize_t K,
                      double W, double eps, double gs, int64_t ignore, Py_ssize_t rpb,
                      double* partials, int nt) noexcept nogil:
    # a gradient this large is written by streaming stores (fastact._rowvec)
    cdef bint stream = g != NULL and stream_output(N * K * <Py_ssize_t>sizeof(floating), nt)
    cdef Py_ssize_t nblocks = (N + rpb - 1) // rpb
    cdef Py_ssize_t b
    cdef double total = 0.0
    for b in prange(nblocks, num_threads=nt, schedule="dynamic", nogil=True):
        partials[b] = _rows_block(op, x, yf, yi, w, lo, g, b * rpb, min(rpb, N - b * rpb),
                                  K, W, eps, gs, ignore, stream)
        fa_sfence()             # orders the block's streaming stores (fastact._rowvec)
    for b in range(nblocks):
        total += partials[b]
    return total


cdef extern from "Python.h":
    # With exc == NULL an out-of-range int is clamped instead of raising.
    Py_ssize_t PyNumber_AsSsize_t(object o, void* exc) noexcept


def rows(int op, cnp.ndarray x, cnp.ndarray target, object weight, object loss_out,
         object grad_out, double gscale, double label_smoothing, object ignore_index):
    """Σ row terms of a class-axis loss.  x: C-contiguous (N, K) float32/float64 (any
    shape whose last axis is K); target: int64 (N,) indices, already checked by
    index_prepass, or probabilities of x's shape and dtype; weight: (K,) or None
    (the row kernels then get K ones, so their weight pointer is never NULL)."""
    cdef Py_ssize_t K = cnp.PyArray_DIM(x, cnp.PyArray_NDIM(x) - 1)
    cdef Py_ssize_t N = cnp.PyArray_SIZE(x) // K if K else 0
    cdef Py_ssize_t rpb, nblocks, work
    cdef bint f64 = cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT64
    cdef bint index_target = op == OP_SCE_INDEX or op == OP_NLL
    cdef int64_t ignore = PyNumber_AsSsize_t(ignore_index, NULL)
    cdef double W = 0.0, total, partial0
    cdef double* pp = &partial0
    cdef int nt
    cdef cnp.ndarray partials
    cdef void* xp = cnp.PyArray_DATA(x)
    cdef void* tp = cnp.PyArray_DATA(target)
    cdef void* wp = _data_or_null(weight)
    cdef void* lp = _data_or_null(loss_out)
    cdef void* gp = _data_or_null(grad_out)
    cdef const int64_t* yi = <const int64_t*>tp if index_target else NULL
    cdef void* yf = NULL if index_target else tp
    if N == 0:
        return 0.0
    if weight is None:
        # the row kernels always read K weights: all ones (exact factors) when none are
        # given, from a kept buffer (small calls would spend more on np.ones than on the loss)
        weight = _ones(K, f64)
        wp = cnp.PyArray_DATA(<cnp.ndarray>weight)
        W = <double>K
    else:
        W = float(np.sum(weight, dtype=np.float64))
    rpb = max(1, min(<Py_ssize_t>MAX_BLOCK_ROWS, ROW_BLOCK_ELEMS // K))
    nblocks = (N + rpb - 1) // rpb
    if nblocks > 1:
        partials = np.empty(nblocks, dtype=np.float64)
        pp = <double*>cnp.PyArray_DATA(partials)
    # the work: N·K entries and N row finishes, but nll_loss without the gradient
    # reads one entry a row
    work = N if op == OP_NLL and gp == NULL else N * (K + ROW_WORK)
    nt = threads_for(work, PARALLEL_MIN_WORK)
    if work < GIL_RELEASE_MIN:
        if f64:
            total = _rows_run(op, <double*>xp, <double*>yf, yi, <double*>wp, <double*>lp,
                              <double*>gp, N, K, W, label_smoothing, gscale, ignore, rpb, pp, 1)
        else:
            total = _rows_run(op, <float*>xp, <float*>yf, yi, <float*>wp, <float*>lp,
                              <float*>gp, N, K, W, label_smoothing, gscale, ignore, rpb, pp, 1)
    else:
        with nogil:
            if f64:
                total = _rows_run(op, <double*>xp, <double*>yf, yi, <double*>wp, <double*>lp,
                                  <double*>gp, N, K, W, label_smoothing, gscale, ignore, rpb,
                                  pp, nt)
            else:
                total = _rows_run(op, <float*>xp, <float*>yf, yi, <float*>wp, <float*>lp,
                                  <float*>gp, N, K, W, label_smoothing, gscale, ignore, rpb,
                                  pp, nt)
    return total


PW_RUN = PW_PERIOD             # for fastact.losses

_ONES_F32 = np.ones(0, dtype=np.float32)
_ONES_F64 = np.ones(0, dtype=np.float64)


def ones(Py_ssize_t n, bint f64):
    """A read-only view of exactly n ones (float64 or float32) on the kept buffer of
    _ones (the plain binary-cross-entropy-with-logits loss's pos_weight)."""
    return _ones(n, f64)[:n]


cdef object _ones(Py_ssize_t K, bint f64):
    """A read-only array of at least K ones (float64 or float32), kept from call to call
    and grown to the largest K asked for."""
    global _ONES_F32, _ONES_F64
    a = _ONES_F64 if f64 else _ONES_F32
    if cnp.PyArray_SIZE(<cnp.ndarray>a) < K:
        a = np.ones(max(K, 1024), dtype=np.float64 if f64 else np.float32)
        a.setflags(write=False)
        if f64:
            _ONES_F64 = a
        else:
            _ONES_F32 = a
    return a


cdef Py_ssize_t _prepass(const int64_t* t, Py_ssize_t N, Py_ssize_t K, int64_t ignore,
                         const floating* w, double* denom) noexcept nogil:
    """First position whose index is outside [0, K) and not `ignore` (or -1); denom is
    Σ w[t_i] over the non-ignored rows (their count without weights), in row order."""
    cdef Py_ssize_t i, count = 0
    cdef int64_t ti
    cdef double acc = 0.0
    for i in range(N):
        ti = t[i]
        if ti == ignore:
            continue
        if ti < 0 or ti >= K:
            return i
        if w != NULL:
            acc += w[ti]
        else:
            count += 1
    denom[0] = acc if w != NULL else <double>count
    return -1


def index_prepass(cnp.ndarray target, Py_ssize_t K, object ignore_index, object weight,
                  bint f64):
    """(denominator of the mean, position of the first invalid index or -1) for a
    C-contiguous int64 target; weight (K,) of the compute dtype or None."""
    cdef Py_ssize_t N = cnp.PyArray_SIZE(target)
    cdef int64_t ignore = PyNumber_AsSsize_t(ignore_index, NULL)
    cdef const int64_t* tp = <const int64_t*>cnp.PyArray_DATA(target)
    cdef void* wp = _data_or_null(weight)
    cdef double denom = 0.0
    cdef Py_ssize_t bad
    with nogil:
        if f64:
            bad = _prepass(tp, N, K, ignore, <const double*>wp, &denom)
        else:
            bad = _prepass(tp, N, K, ignore, <const float*>wp, &denom)
    return denom, bad


def rows_fast(int op, object x, object target, object reduction, bint with_grad):
    """The common class-axis call (no weight, ignore_index -100, no label smoothing)
    checked and run in C: x a C-contiguous aligned float32/float64 ndarray with a
    non-empty last axis and at least one row; for the index ops (OP_NLL,
    OP_SCE_INDEX) target a C-contiguous int64 ndarray of x's shape without that axis,
    every index in [0, K); for the probability ops (OP_CE, OP_SCE_PROB) target a
    C-contiguous ndarray of x's shape and dtype.  Returns None when any of that does
    not hold (or no row counts, or reduction is not one of the three names); the
    caller's full path then checks everything and raises the errors.  Nothing is
    written before the indices are checked."""
    cdef cnp.ndarray xa, ta
    cdef int nd, red
    cdef bint index_target = op == OP_NLL or op == OP_SCE_INDEX
    cdef Py_ssize_t K, N
    cdef double denom = 0.0, total
    cdef object loss_out = None, grad = None
    red = _fast_call_reduction(x, target, reduction)
    if red < 0:
        return None
    xa = <cnp.ndarray>x
    ta = <cnp.ndarray>target
    nd = cnp.PyArray_NDIM(xa)
    if nd < 1:
        return None
    if index_target:
        if cnp.PyArray_TYPE(ta) != cnp.NPY_INT64 or cnp.PyArray_NDIM(ta) != nd - 1:
            return None
    elif cnp.PyArray_TYPE(ta) != cnp.PyArray_TYPE(xa) or cnp.PyArray_NDIM(ta) != nd:
        return None
    if not _leading_shape_equal(ta, xa):
        return None
    K = cnp.PyArray_DIM(xa, nd - 1)
    N = cnp.PyArray_SIZE(xa) // K if K else 0
    if K == 0 or N == 0:
        return None
    if index_target:
        if _prepass(<const int64_t*>cnp.PyArray_DATA(ta), N, K, -100, <const double*>NULL,
                    &denom) >= 0 or denom == 0.0:
            return None
    else:
        denom = <double>N
    if red == 2:
        loss_out = cnp.PyArray_EMPTY(nd - 1, cnp.PyArray_DIMS(xa), cnp.PyArray_TYPE(xa), 0)
    if with_grad:
        grad = cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(xa), cnp.PyArray_TYPE(xa), 0)
    total = rows(op, xa, ta, None, loss_out, grad, 1.0 / denom if red == 0 else 1.0, 0.0, -100)
    return _fast_result(xa, red, total, denom, loss_out, grad, with_grad)
