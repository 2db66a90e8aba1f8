"""Softmax family along any axis: softmax, log_softmax, logsumexp and their derivatives.

The kernels and their argument handling live in fastact._softmax (Cython, so that
a call on a small array costs little more than the math); this module re-exports
them and adds softmax_jacobian, the explicit Jacobian for small class counts.

    y  = softmax(x, axis)                 e^(x−m) / Σ e^(x−m)
    ly = log_softmax(x, axis)             (x − m) − log Σ e^(x−m)
    softmax_backward(dy, y, axis)         y ⊙ (dy − ⟨dy, y⟩)       (VJP from the output)
    softmax_jvp(y, v, axis)               y ⊙ (v − ⟨v, y⟩)         (J is symmetric)
    log_softmax_backward(dy, ly, axis)    dy − e^ly · Σ dy
    softmax_jacobian(y, axis)             diag(y) − y yᵀ, shape (..., K, K)
"""
import numpy as np

from fastact import _dispatch, _validate

# the best build of the kernels for this CPU (baseline, or an AVX2/AVX-512 variant
# when setup.py builds them: the exp loops vectorise 2-4x wider there)
_k = _dispatch.load("_softmax")
softmax = _k.softmax
log_softmax = _k.log_softmax
logsumexp = _k.logsumexp
softmax_backward = _k.softmax_backward
softmax_jvp = _k.softmax_jvp
log_softmax_backward = _k.log_softmax_backward

__all__ = ["softmax", "log_softmax", "logsumexp", "softmax_backward", "softmax_jvp",
           "log_softmax_backward", "softmax_jacobian"]

# The explicit Jacobian has K² entries per row; beyond this it is the wrong tool
# (use softmax_backward / softmax_jvp, which never form it).
JACOBIAN_MAX_K = 4096


def softmax_jacobian(y, axis=-1):
    """The Jacobian ∂softmax_i/∂x_j = y_i (δ_ij − y_j) from the softmax output y.

    The class axis is moved to the end and expanded: the result has shape
    (..., K, K).  Written as y_i·(δ_ij − y_j) rather than y_i − y_i²: 1 − y_j is
    exact for y_j >= 1/2, so the diagonal keeps its relative precision when one
    class dominates.  A 0-d y is one class (result shape (1, 1)).  For small K
    only (K <= 4096).
    """
    fname = "softmax_jacobian"
    a = _validate.as_float_array(y, fname, "y")
    ax = _validate.normalize_axis(fname, axis, a.ndim)
    comp = _validate.compute_dtype(a.dtype)
    s = np.moveaxis(a, ax, -1) if a.ndim else a.reshape(1)
    k = s.shape[-1]
    if k > JACOBIAN_MAX_K:
        raise ValueError(f"fastact.{fname}: the class axis has {k} entries; the explicit "
                         f"Jacobian is meant for K <= {JACOBIAN_MAX_K} (use softmax_backward "
                         f"or softmax_jvp, which never form it)")
    s = _validate.as_kernel_array(s, comp)          # C-contiguous, aligned, comp dtype
    jac = np.empty(s.shape + (k,), dtype=comp)
    # y is a probability vector; garbage in gives inf/NaN (no warnings), never a crash
    if jac.size:
        _k.jacobian(s.reshape(-1, k), jac.reshape(-1, k, k))
    return jac.astype(a.dtype, copy=False)
