"""Losses (SPEC section 4): each `L(input, target, ..., reduction="mean")` and its fused
`L_with_grad(...) -> (loss, grad)`, grad = ∂loss/∂input, computed in one pass.

Classes are on the LAST axis (PyTorch puts them on axis 1; values otherwise equal
PyTorch's).  Options are keyword arguments.

    mse_loss                          (x − t)²
    binary_cross_entropy              −[t log p + (1−t) log(1−p)], logs clamped at −100
    binary_cross_entropy_with_logits  max(z,0) − z·t + log1p(e^−|z|); pos_weight (last axis)
    cross_entropy                     −Σ t log p over the last axis (log clamped at −100)
    softmax_cross_entropy             F.cross_entropy: class indices or probabilities;
                                      weight, ignore_index, label_smoothing
    nll_loss                          F.nll_loss: weight, ignore_index

Conventions (see SPEC section 1):
* computed in the dtype of `input` (float16 in float32; bool/int in float64); the
  target, `weight` and `pos_weight` are cast to it.  The gradient has input's shape
  and dtype (float16 in, float16 grad).  A reduced loss is a NumPy scalar of the
  computation dtype (np.float32 for float16 input: a float16 sum overflows at
  65504); a "none" loss has the per-term shape and input's dtype.
* "mean" divides by the number of terms, or for class-index targets by the sum of
  the weights of the non-ignored targets (PyTorch); an empty or all-ignored mean is
  NaN.  With "none" the gradient is that of the sum of the terms.
* every argument is checked before anything is computed; the outputs are fresh
  arrays (no `out=`), so a failed call leaves every input untouched.
* reductions accumulate in float64 in fixed-size blocks combined in a fixed order:
  bitwise identical for every thread count.
* NaN propagates (binary_cross_entropy raises ValueError for entries outside
  [0, 1] as PyTorch does, but NaN entries give NaN).  Infinities follow the
  mathematical limit: a zero coefficient times an infinite logit contributes 0
  (bce-with-logits at z = +inf, t = 1 is 0; PyTorch gives NaN there), and so does a
  zero target probability of a −inf logit in softmax_cross_entropy.
"""
import math
import operator

import numpy as np

from fastact import _dispatch, _validate

_k = _dispatch.load("_losses")

__all__ = [
    "mse_loss", "mse_loss_with_grad",
    "binary_cross_entropy", "binary_cross_entropy_with_grad",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_with_grad",
    "cross_entropy", "cross_entropy_with_grad",
    "softmax_cross_entropy", "softmax_cross_entropy_with_grad",
    "nll_loss", "nll_loss_with_grad",
]

# op codes of fastact._losses
_OP_MSE, _OP_BCE, _OP_BCE_LOGITS = 0, 1, 2
_OP_CE, _OP_SCE_INDEX, _OP_SCE_PROB, _OP_NLL = 10, 11, 12, 13

_REDUCTIONS = ("mean", "sum", "none")
_PW_PERIOD = _k.PW_RUN          # pos_weight run length the kernels read
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


# --- argument checking -----------------------------------------------------------

def _check_reduction(fname, reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"fastact.{fname}: reduction must be one of 'mean', 'sum', 'none'; "
                         f"got {reduction!r}")
    return reduction


def _input(fname, x):
    a = _validate.as_float_array(x, fname, "input")
    return a, _validate.compute_dtype(a.dtype)


def _float_operand(fname, value, argname, comp):
    """A target/weight array of a real dtype, cast to the computation dtype."""
    a = _validate.as_float_array(value, fname, argname)
    return a.astype(comp, copy=False) if a.dtype != comp else a


def _class_input(fname, x):
    a, comp = _input(fname, x)
    if a.ndim == 0:
        raise ValueError(f"fastact.{fname}: 'input' must have a class axis (the last); "
                         f"got a 0-d array")
    if a.shape[-1] == 0:
        raise ValueError(f"fastact.{fname}: 'input' has shape {a.shape}: the class axis "
                         f"(the last) is empty")
    return a, comp


def _target_kind(fname, target):
    """('index', int64 array) or ('prob', float array) by the target's dtype."""
    try:
        t = np.asarray(target)
    except Exception as exc:
        raise TypeError(f"fastact.{fname}: argument 'target' cannot be converted to an "
                        f"array: {exc}") from None
    k = t.dtype.kind
    if k in "iu":
        return "index", t
    if k == "f" and t.dtype in (_validate.F16, _validate.F32, _validate.F64):
        return "prob", t
    raise TypeError(f"fastact.{fname}: argument 'target' has unsupported dtype {t.dtype}; "
                    f"expected integer class indices or floating probabilities")


def _weight(fname, weight, K, comp):
    if weight is None:
        return None
    w = _float_operand(fname, weight, "weight", comp)
    if w.shape != (K,):
        raise ValueError(f"fastact.{fname}: 'weight' has shape {w.shape} but 'input' has "
                         f"{K} classes; it must have shape ({K},)")
    return _validate.as_kernel_array(w, comp)


def _ignore_index(fname, ignore_index):
    if isinstance(ignore_index, (float, np.floating, complex)):
        raise TypeError(f"fastact.{fname}: 'ignore_index' must be an integer, got {ignore_index!r}")
    try:
        return operator.index(ignore_index)
    except TypeError:
        raise TypeError(f"fastact.{fname}: 'ignore_index' must be an integer, "
                        f"got {ignore_index!r}") from None


def _label_smoothing(fname, value):
    v = _validate.check_real_param(fname, "label_smoothing", value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"fastact.{fname}: label_smoothing must be in [0, 1], got {v}")
    return v


def _index_target(fname, t, x_shape):
    if t.shape != x_shape[:-1]:
        raise ValueError(f"fastact.{fname}: integer (class index) 'target' has shape {t.shape} "
                         f"but 'input' has shape {x_shape}; the target must have shape "
                         f"{x_shape[:-1]} (input's shape without the class axis)")
    if t.dtype == np.uint64 and t.size and int(t.max()) > _INT64_MAX:
        raise IndexError(f"fastact.{fname}: target {int(t.max())} is out of bounds for "
                         f"{x_shape[-1]} classes")
    return _validate.as_kernel_array(t, np.dtype(np.int64))


def _prob_target(fname, t, x_shape, comp):
    if t.shape != x_shape:
        raise ValueError(f"fastact.{fname}: floating (probability) 'target' has shape {t.shape} "
                         f"but 'input' has shape {x_shape}; they must be equal")
    return _validate.as_kernel_array(t, comp)


def _index_denominator(fname, tk, K, ignore_index, w, comp):
    """Check every class index (IndexError naming the first bad one); return
    Σ w[t] over the non-ignored targets (their count without weights)."""
    if ignore_index < _INT64_MIN or ignore_index > _INT64_MAX:
        ign = _INT64_MAX if ignore_index > 0 else _INT64_MIN   # matches no valid index
        if tk.size and np.any(tk == ign):
            raise IndexError(f"fastact.{fname}: target {ign} is out of bounds for {K} classes")
    denom, bad = _k.index_prepass(tk, K, ignore_index, w, comp == _validate.F64)
    if bad >= 0:
        v = int(tk.reshape(-1)[bad])
        raise IndexError(f"fastact.{fname}: target {v} is out of bounds for {K} classes "
                         f"(valid: 0 <= target < {K}, or ignore_index={ignore_index})")
    return denom


# --- results ----------------------------------------------------------------------

def _mean(total, denom):
    if denom == 0:
        return math.nan if (total == 0 or total != total) else math.copysign(math.inf, total)
    return total / denom


def _finish(red, total, denom, loss_out, grad, in_dtype, comp):
    if red == "none":
        loss = loss_out if loss_out.dtype == in_dtype else loss_out.astype(in_dtype)
    else:
        loss = comp.type(_mean(total, denom) if red == "mean" else total)
    if grad is None:
        return loss
    if grad.dtype != in_dtype:
        grad = grad.astype(in_dtype)
    return loss, grad


def _gscale(red, denom):
    if red != "mean":
        return 1.0
    return 1.0 / denom if denom != 0 else math.inf


def _ones_pos_weight(comp):
    """A read-only buffer of _PW_PERIOD ones (pos_weight of the plain loss, period 1),
    a view on the ones the row kernels keep (fastact._losses.ones)."""
    return _k.ones(_PW_PERIOD, comp == _validate.F64)


# --- elementwise losses -------------------------------------------------------------

def _elementwise(fname, op, input, target, reduction, with_grad, pos_weight=None):
    if pos_weight is None:
        # the common call, checked in C (None: anything unusual, for the checks below)
        r = _k.elementwise_fast(op, input, target, reduction, with_grad)
        if r is not None:
            return r
    red = _check_reduction(fname, reduction)
    x, comp = _input(fname, input)
    t = _validate.as_float_array(target, fname, "target")
    _validate.check_same_shape(fname, x, t, "input", "target")
    pw = None
    C = x.shape[-1] if x.ndim else 1
    if pos_weight is not None:
        pw = _float_operand(fname, pos_weight, "pos_weight", comp)
        if pw.ndim > 1 or pw.size not in (1, C) or (pw.ndim == 1 and pw.shape[0] not in (1, C)):
            raise ValueError(f"fastact.{fname}: 'pos_weight' has shape {pw.shape} but 'input' has "
                             f"shape {x.shape}; pos_weight is broadcast over the last axis and "
                             f"must have shape ({C},), (1,) or ()")
        # C values repeated to at least _PW_PERIOD entries, so the kernel reads long
        # contiguous runs of it alongside the input (vectorisable) even for small C
        reps = max(1, -(-_PW_PERIOD // C)) if C else 1
        pw = np.tile(np.broadcast_to(pw.reshape(-1), (C,)).astype(comp), reps)
    xk = _validate.as_kernel_array(x, comp)
    tk = _validate.as_kernel_array(t, comp)
    n = x.size
    loss_out = _k.empty_output(x.shape, comp) if red == "none" else None
    grad = _k.empty_output(x.shape, comp) if with_grad else None
    if op == _OP_BCE_LOGITS and (pw is None or pw.size == 0):
        # the kernel always reads a pos_weight buffer: ones (period 1) for the plain loss
        pw, C = _ones_pos_weight(comp), 1
    total, nbad = _k.elementwise(op, xk, tk, pw, C, loss_out, grad, _gscale(red, n))
    if nbad:
        xs, ts = xk.reshape(-1), tk.reshape(-1)
        bad_x = (xs < 0) | (xs > 1)
        if np.any(bad_x):
            raise ValueError(f"fastact.{fname}: all elements of input should be between 0 and 1; "
                             f"found {float(xs[np.argmax(bad_x)])!r}")
        bad_t = (ts < 0) | (ts > 1)
        raise ValueError(f"fastact.{fname}: all elements of target should be between 0 and 1; "
                         f"found {float(ts[np.argmax(bad_t)])!r}")
    return _finish(red, total, n, loss_out, grad, x.dtype, comp)


def mse_loss(input, target, *, reduction="mean"):
    """(input − target)², reduced: F.mse_loss."""
    return _elementwise("mse_loss", _OP_MSE, input, target, reduction, False)


def mse_loss_with_grad(input, target, *, reduction="mean"):
    """(mse_loss, 2(input − target)/N for mean, 2(input − target) otherwise)."""
    return _elementwise("mse_loss_with_grad", _OP_MSE, input, target, reduction, True)


def binary_cross_entropy(input, target, *, reduction="mean"):
    """−[t log p + (1−t) log(1−p)], each log clamped at −100: F.binary_cross_entropy.
    input and target must lie in [0, 1] (ValueError otherwise; NaN propagates)."""
    return _elementwise("binary_cross_entropy", _OP_BCE, input, target, reduction, False)


def binary_cross_entropy_with_grad(input, target, *, reduction="mean"):
    """(binary_cross_entropy, (p − t)/max(p(1−p), 1e-12) [/N for mean]) -- PyTorch's gradient."""
    return _elementwise("binary_cross_entropy_with_grad", _OP_BCE, input, target, reduction, True)


def binary_cross_entropy_with_logits(input, target, *, pos_weight=None, reduction="mean"):
    """(1 − t)·z + lw·softplus(−z), lw = 1 + (pos_weight − 1)·t, in the stable form
    (max(z,0) − z·t + log1p(e^−|z|) without pos_weight): F.binary_cross_entropy_with_logits.
    pos_weight has shape (C,) (C = input.shape[-1]), (1,) or () and is broadcast over
    the last axis."""
    return _elementwise("binary_cross_entropy_with_logits", _OP_BCE_LOGITS, input, target,
                        reduction, False, pos_weight)


def binary_cross_entropy_with_logits_with_grad(input, target, *, pos_weight=None,
                                               reduction="mean"):
    """(binary_cross_entropy_with_logits, lw·σ(z) − pos_weight·t [/N for mean])."""
    return _elementwise("binary_cross_entropy_with_logits_with_grad", _OP_BCE_LOGITS, input,
                        target, reduction, True, pos_weight)


# --- class-axis losses ----------------------------------------------------------------

def _rows(fname, input, target, reduction, with_grad, *, kind, weight=None, ignore_index=-100,
          label_smoothing=0.0):
    """kind: 'ce' (cross_entropy), 'sce' (softmax_cross_entropy), 'nll' (nll_loss)."""
    if (weight is None and type(ignore_index) is int and ignore_index == -100
            and type(label_smoothing) is float and label_smoothing == 0.0):
        # the common call, checked in C (None: anything unusual, for the checks below)
        if kind == "ce":
            op = _OP_CE
        elif kind == "nll":
            op = _OP_NLL
        else:
            # (rows_fast takes plain ndarrays only; anything else goes the checked way)
            op = (_OP_SCE_PROB if type(target) is np.ndarray and target.dtype.kind == "f"
                  else _OP_SCE_INDEX)
        r = _k.rows_fast(op, input, target, reduction, with_grad)
        if r is not None:
            return r
    red = _check_reduction(fname, reduction)
    x, comp = _class_input(fname, input)
    K = x.shape[-1]
    if kind == "ce":
        tkind, t = "prob", _validate.as_float_array(target, fname, "target")
    else:
        tkind, t = _target_kind(fname, target)
        if kind == "nll" and tkind != "index":
            raise TypeError(f"fastact.{fname}: 'target' must hold integer class indices, "
                            f"got dtype {t.dtype}")
    w = _weight(fname, weight, K, comp)
    ignore = _ignore_index(fname, ignore_index)
    eps = _label_smoothing(fname, label_smoothing)
    if tkind == "index":
        tk = _index_target(fname, t, x.shape)
        denom = _index_denominator(fname, tk, K, ignore, w, comp)
        op = _OP_NLL if kind == "nll" else _OP_SCE_INDEX
    else:
        tk = _prob_target(fname, t, x.shape, comp)
        denom = x.size // K
        op = _OP_CE if kind == "ce" else _OP_SCE_PROB
    xk = _validate.as_kernel_array(x, comp)
    loss_out = np.empty(x.shape[:-1], dtype=comp) if red == "none" else None
    grad = np.empty(x.shape, dtype=comp) if with_grad else None
    total = _k.rows(op, xk, tk, w, loss_out, grad, _gscale(red, denom), eps, ignore)
    return _finish(red, total, denom, loss_out, grad, x.dtype, comp)


def cross_entropy(input, target, *, reduction="mean"):
    """−Σ_j t_j·max(log p_j, −100) over the last axis, from probabilities p; terms with
    t_j = 0 contribute 0.  "mean" divides by the number of rows."""
    return _rows("cross_entropy", input, target, reduction, False, kind="ce")


def cross_entropy_with_grad(input, target, *, reduction="mean"):
    """(cross_entropy, −t/p [/rows for mean], 0 where t = 0)."""
    return _rows("cross_entropy_with_grad", input, target, reduction, True, kind="ce")


def softmax_cross_entropy(input, target, *, weight=None, ignore_index=-100, label_smoothing=0.0,
                          reduction="mean"):
    """F.cross_entropy with classes on the last axis.  An integer target holds class
    indices (shape input.shape[:-1]; ignore_index rows contribute 0; "mean" divides by
    the summed weights of the non-ignored targets); a floating target holds
    probabilities (input's shape; "mean" divides by the number of rows)."""
    return _rows("softmax_cross_entropy", input, target, reduction, False, kind="sce",
                 weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)


def softmax_cross_entropy_with_grad(input, target, *, weight=None, ignore_index=-100,
                                    label_smoothing=0.0, reduction="mean"):
    """(softmax_cross_entropy, softmax·c − target), one sweep per row."""
    return _rows("softmax_cross_entropy_with_grad", input, target, reduction, True, kind="sce",
                 weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)


def nll_loss(input, target, *, weight=None, ignore_index=-100, reduction="mean"):
    """F.nll_loss with classes on the last axis: −w_t·input[..., t]."""
    return _rows("nll_loss", input, target, reduction, False, kind="nll",
                 weight=weight, ignore_index=ignore_index)


def nll_loss_with_grad(input, target, *, weight=None, ignore_index=-100, reduction="mean"):
    """(nll_loss, −w_t [/Σ w for mean] at the target class, 0 elsewhere)."""
    return _rows("nll_loss_with_grad", input, target, reduction, True, kind="nll",
                 weight=weight, ignore_index=ignore_index)
