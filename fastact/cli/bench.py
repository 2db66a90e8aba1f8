"""`python -m fastact bench`: fastact against careful NumPy, the copy limit and installed peers.

Design note
-----------
A *case* is one function at one dtype and shape, with a zero-argument callable
per implementation ("fastact", "numpy", and "torch", "scipy", "numexpr" when
installed and when the peer has the function).  All callables of a case share
their input arrays and, where the API allows, write into the same preallocated
output (`out=`), so every implementation is timed on the same warm memory.

Timing (time.perf_counter): each implementation in turn is warmed up (an
error marks it unavailable) and calibrated so one sample of back-to-back calls
lasts at least `min_sample` seconds; then `repeats` rounds each take one sample
of every implementation, so that a slow spell of the machine hits all of them
alike; the reported time is the median sample divided by the calls per sample.
Samples alternate, single calls do not: fastact and PyTorch each keep an
OpenMP thread pool, and a call right after the other library's parallel region
pays for waking its own (milliseconds on a busy machine), so each sample starts
with one untimed call, and in the full plan with untimed calls for 50 ms more
(`warm`).  On the 2-core development VM a core left idle for a few milliseconds
(while NumPy or the single-threaded copy limit ran on the other) comes back
slow and takes about 40 ms of load to reach full speed: 16M-element leaky_relu
calls right after the copy limit took 5.0, 4.8, 4.5, ... 2.9 ms, settling
after 8 to 12 calls, for fastact and PyTorch alike.  Without the warm-up the
implementation that follows a single-threaded one in the rotation (fastact,
which follows the limit) was timed up to 1.7x slow on memory-bound kernels.

Limits: large inputs are compared with `np.copyto` over the same number of bytes
read plus written as the function must move (a forward reads x and writes y;
a backward reads dy and the saved tensor and writes dx), which is what a
memory-bound kernel cannot beat.  Inputs of 16 elements are compared with
`np.tanh(x, out=y)` on an array of the same size: the per-call overhead floor
of a NumPy ufunc.  Ratios printed: fastact/limit (lower is better) and
peer/fastact (higher means fastact is faster).

The NumPy references below are written the way a careful NumPy user writes
them: overflow-free forms (σ via e^(−|x|), softplus via logaddexp, softmax with
the row maximum subtracted, log-sum-exp), `out=` wherever NumPy allows, and no
RuntimeWarning for any finite input.  The pytest-benchmark suites in bench/ use
the same cases (and check every implementation's result against fastact's).
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

import fastact as fa

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_C = 0.044715

try:
    from scipy import special as _special
except ImportError:   # scipy is optional: gelu's NumPy reference needs ndtr
    _special = None


# --- careful NumPy: activations, forward(x, out, **params) ------------------------------

def np_sigmoid(x, out):
    # with t = e^(−|x|) ≤ 1: σ(x) = 1/(1+t) for x ≥ 0 and t/(1+t) for x < 0 -- no overflow,
    # and the tail e^x/(1+e^x) keeps its relative accuracy.  Safe when out is x.
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    numerator = np.where(x >= 0, 1, t)
    t += 1
    return np.divide(numerator, t, out=out)


def np_tanh(x, out):
    return np.tanh(x, out=out)


def np_relu(x, out):
    return np.maximum(x, 0, out=out)


def np_relu6(x, out):
    return np.clip(x, 0, 6, out=out)


def np_leaky_relu(x, out, negative_slope=0.01):
    if 0 <= negative_slope <= 1:             # then max(x, slope·x) is the leaky ReLU
        np.multiply(x, negative_slope, out=out)
        return np.maximum(x, out, out=out)
    np.copyto(out, np.where(x > 0, x, negative_slope * x))
    return out


def np_elu(x, out, alpha=1.0):
    np.minimum(x, 0, out=out)                # expm1 of min(x, 0): no overflow, no cancellation
    np.expm1(out, out=out)
    out *= alpha
    np.copyto(out, x, where=x > 0)
    return out


def np_selu(x, out):
    np_elu(x, out, alpha=SELU_ALPHA)
    out *= SELU_SCALE
    return out


def np_gelu(x, out, approximate="none"):
    if approximate == "tanh":
        # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        np.multiply(x, x, out=out)
        out *= GELU_C
        out += 1
        out *= x
        out *= SQRT_2_OVER_PI
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
        out *= x
        return out
    if _special is None:
        raise RuntimeError("the exact GELU needs scipy.special.ndtr (NumPy has no erf)")
    _special.ndtr(x, out=out)                # x·Φ(x)
    out *= x
    return out


def np_silu(x, out):
    np_sigmoid(x, out)
    out *= x
    return out


def np_mish(x, out):
    np.logaddexp(0, x, out=out)              # softplus without overflow
    np.tanh(out, out=out)
    out *= x
    return out


def np_softplus(x, out, beta=1.0, threshold=20.0):
    bx = np.multiply(x, beta)
    np.logaddexp(0, bx, out=out)
    out /= beta
    np.copyto(out, x, where=bx > threshold)  # linear above the threshold, as PyTorch
    return out


def np_softsign(x, out):
    np.abs(x, out=out)
    out += 1
    return np.divide(x, out, out=out)


def np_log_sigmoid(x, out):
    np.negative(x, out=out)                  # −softplus(−x) = −logaddexp(0, −x)
    np.logaddexp(0, out, out=out)
    return np.negative(out, out=out)


def np_hard_sigmoid(x, out):
    np.divide(x, 6, out=out)
    out += 0.5
    return np.clip(out, 0, 1, out=out)


def np_hard_swish(x, out):
    np_hard_sigmoid(x, out)
    out *= x
    return out


def np_hard_tanh(x, out, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val, out=out)


# --- careful NumPy: activations, backward(dy, saved, out, **params) -----------------------

def np_sigmoid_backward(dy, y, out):
    np.subtract(1, y, out=out)               # dy·y·(1−y)
    out *= y
    out *= dy
    return out


def np_tanh_backward(dy, y, out):
    np.multiply(y, y, out=out)               # dy·(1−y²)
    np.subtract(1, out, out=out)
    out *= dy
    return out


def np_relu_backward(dy, x, out):
    return np.multiply(dy, x > 0, out=out)


def np_relu6_backward(dy, x, out):
    return np.multiply(dy, (x > 0) & (x < 6), out=out)


def np_leaky_relu_backward(dy, x, out, negative_slope=0.01):
    np.multiply(dy, negative_slope, out=out)
    np.copyto(out, dy, where=x > 0)
    return out


def np_elu_backward(dy, x, out, alpha=1.0):
    np.minimum(x, 0, out=out)                # dy·α·e^x for x ≤ 0, dy for x > 0
    np.exp(out, out=out)
    out *= alpha
    out *= dy
    np.copyto(out, dy, where=x > 0)
    return out


def np_selu_backward(dy, x, out):
    np_elu_backward(dy, x, out, alpha=SELU_ALPHA)
    out *= SELU_SCALE
    return out


def np_gelu_backward(dy, x, out, approximate="none"):
    if approximate == "tanh":
        # PyTorch's formula: with u = √(2/π)(x + c x³), t = tanh(u):
        # dx = dy·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3c x²))
        x2 = np.multiply(x, x)
        t = np.multiply(x2, GELU_C)
        t += 1
        t *= x
        t *= SQRT_2_OVER_PI
        np.tanh(t, out=t)
        np.multiply(x2, 3 * GELU_C, out=out)
        out += 1
        out *= SQRT_2_OVER_PI
        out *= x
        out *= 0.5
        np.multiply(t, t, out=x2)
        np.subtract(1, x2, out=x2)
        out *= x2                            # ½x(1 − t²)·u'
        t += 1
        t *= 0.5
        out += t
        out *= dy
        return out
    if _special is None:
        raise RuntimeError("the exact GELU needs scipy.special.ndtr (NumPy has no erf)")
    np.multiply(x, x, out=out)               # Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    out *= -0.5
    np.exp(out, out=out)
    out *= x
    out *= INV_SQRT_2PI
    out += _special.ndtr(x)
    out *= dy
    return out


def np_silu_backward(dy, x, out):
    s = np_sigmoid(x, np.empty_like(out))    # dy·σ(x)(1 + x(1 − σ(x)))
    np.subtract(1, s, out=out)
    out *= x
    out += 1
    out *= s
    out *= dy
    return out


def np_mish_backward(dy, x, out):
    # dy·(t + x·σ(x)(1 − t²)) with t = tanh(softplus(x))
    t = np.logaddexp(0, x)
    np.tanh(t, out=t)
    np_sigmoid(x, out)
    out *= x
    out *= 1 - t * t
    out += t
    out *= dy
    return out


def np_softplus_backward(dy, x, out, beta=1.0, threshold=20.0):
    bx = np.multiply(x, beta)
    np_sigmoid(bx, out)                      # dy·σ(βx), dy above the threshold
    out *= dy
    np.copyto(out, dy, where=bx > threshold)
    return out


def np_softsign_backward(dy, x, out):
    np.abs(x, out=out)                       # dy/(1 + |x|)²
    out += 1
    out *= out
    return np.divide(dy, out, out=out)


def np_log_sigmoid_backward(dy, x, out):
    np.negative(x, out=out)                  # dy·σ(−x)
    np_sigmoid(out, out)
    out *= dy
    return out


def np_hard_sigmoid_backward(dy, x, out):
    np.multiply(dy, (x > -3) & (x < 3), out=out)
    out /= 6
    return out


def np_hard_swish_backward(dy, x, out):
    np.divide(x, 3, out=out)                 # PyTorch: 0 below −3, dy·(x/3 + ½) up to 3, dy above
    out += 0.5
    out *= dy
    np.copyto(out, 0, where=x < -3)
    np.copyto(out, dy, where=x > 3)
    return out


def np_hard_tanh_backward(dy, x, out, min_val=-1.0, max_val=1.0):
    return np.multiply(dy, (x > min_val) & (x < max_val), out=out)


NUMPY_FORWARD = {name[3:]: f for name, f in globals().items()
                 if name.startswith("np_") and not name.endswith("_backward")}
NUMPY_BACKWARD = {name[3:-9]: f for name, f in globals().items()
                  if name.startswith("np_") and name.endswith("_backward")}


# --- careful NumPy: softmax family along the last axis -------------------------------------

def np_softmax(x, out):
    m = np.max(x, axis=-1, keepdims=True)    # e^(x − max): every exponent ≤ 0
    np.subtract(x, m, out=out)
    np.exp(out, out=out)
    out /= np.sum(out, axis=-1, keepdims=True)
    return out


def np_log_softmax(x, out):
    m = np.max(x, axis=-1, keepdims=True)    # x − max − log Σ e^(x − max)
    np.subtract(x, m, out=out)
    out -= np.log(np.sum(np.exp(out), axis=-1, keepdims=True))
    return out


def np_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)
    return (np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)) + m)[..., 0]


def np_softmax_backward(dy, y, out):
    dot = np.einsum("...k,...k->...", dy, y)[..., None]   # ⟨dy, y⟩ per row, no temporary array
    np.subtract(dy, dot, out=out)
    out *= y
    return out


def np_softmax_jvp(y, v, out):
    return np_softmax_backward(v, y, out)    # J is symmetric


def np_log_softmax_backward(dy, y, out):
    np.exp(y, out=out)                       # dy − e^y·Σ dy
    out *= np.sum(dy, axis=-1, keepdims=True)
    return np.subtract(dy, out, out=out)


def np_softmax_jacobian(y):
    J = y[..., :, None] * -y[..., None, :]   # diag(s) − s sᵀ
    k = np.arange(y.shape[-1])
    J[..., k, k] += y
    return J


# --- careful NumPy: losses, mean reduction, classes on the last axis -----------------------

def _rows(a):
    return a.reshape(-1, a.shape[-1])


def np_softmax_cross_entropy_with_grad(logits, target):
    z = _rows(logits)
    n = z.shape[0]
    grad = np.empty_like(z)
    m = np.max(z, axis=-1, keepdims=True)
    np.subtract(z, m, out=grad)
    np.exp(grad, out=grad)
    s = np.sum(grad, axis=-1, keepdims=True)
    grad /= s                                # softmax
    lse = np.log(s[:, 0]) + m[:, 0]          # log Σ e^z, max-shifted
    if target.dtype.kind in "iu":            # class indices: loss = lse − z[label]
        rows, labels = np.arange(n), target.reshape(-1)
        loss = np.mean(lse - z[rows, labels], dtype=np.float64)
        grad[rows, labels] -= 1
    else:                                    # probabilities: loss = Σ t·(lse − z)
        t = _rows(target)
        loss = np.mean(lse * t.sum(-1) - np.einsum("ij,ij->i", t, z), dtype=np.float64)
        grad *= t.sum(-1, keepdims=True)
        grad -= t
    grad /= n
    return z.dtype.type(loss), grad.reshape(logits.shape)


def np_softmax_cross_entropy(logits, target):
    z = _rows(logits)
    m = np.max(z, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(z - m), axis=-1)) + m[:, 0]
    if target.dtype.kind in "iu":
        per_row = lse - z[np.arange(z.shape[0]), target.reshape(-1)]
    else:
        t = _rows(target)
        per_row = lse * t.sum(-1) - np.einsum("ij,ij->i", t, z)
    return z.dtype.type(np.mean(per_row, dtype=np.float64))


def np_nll_loss_with_grad(logp, labels):
    lp = _rows(logp)
    n = lp.shape[0]
    rows, labels = np.arange(n), labels.reshape(-1)
    loss = -np.mean(lp[rows, labels], dtype=np.float64)
    grad = np.zeros_like(lp)
    grad[rows, labels] = -1.0 / n
    return lp.dtype.type(loss), grad.reshape(logp.shape)


def np_nll_loss(logp, labels):
    lp = _rows(logp)
    return lp.dtype.type(-np.mean(lp[np.arange(lp.shape[0]), labels.reshape(-1)], dtype=np.float64))


def np_cross_entropy_with_grad(p, t):
    logp = np.log(p)                         # −Σ t·max(log p, −100) per row; grad −t/p
    np.maximum(logp, -100, out=logp)
    logp *= t
    n = logp.size // p.shape[-1]
    loss = -np.sum(logp, dtype=np.float64) / n
    grad = np.divide(t, p)
    grad *= -1.0 / n
    return p.dtype.type(loss), grad


def np_cross_entropy(p, t):
    logp = np.log(p)
    np.maximum(logp, -100, out=logp)
    logp *= t
    return p.dtype.type(-np.sum(logp, dtype=np.float64) / (logp.size // p.shape[-1]))


def np_binary_cross_entropy_with_logits_with_grad(z, y):
    # loss = max(z, 0) − z·y + log1p(e^(−|z|)); grad = (σ(z) − y)/N
    terms = np.abs(z)
    np.negative(terms, out=terms)
    np.exp(terms, out=terms)
    np.log1p(terms, out=terms)
    terms += np.maximum(z, 0)
    terms -= z * y
    grad = np_sigmoid(z, np.empty_like(z))
    grad -= y
    grad /= z.size
    return z.dtype.type(np.mean(terms, dtype=np.float64)), grad


def np_binary_cross_entropy_with_logits(z, y):
    terms = np.log1p(np.exp(-np.abs(z)))
    terms += np.maximum(z, 0)
    terms -= z * y
    return z.dtype.type(np.mean(terms, dtype=np.float64))


def np_binary_cross_entropy_with_grad(p, y):
    # −[y·max(log p, −100) + (1−y)·max(log(1−p), −100)]; grad (p − y)/max(p(1−p), 1e-12)/N
    loss = np_binary_cross_entropy(p, y)
    denom = np.subtract(1, p)
    denom *= p
    np.maximum(denom, 1e-12, out=denom)
    grad = np.subtract(p, y)
    grad /= denom
    grad /= p.size
    return loss, grad


def np_binary_cross_entropy(p, y):
    log_p = np.maximum(np.log(p), -100)
    log_q = np.maximum(np.log1p(-p), -100)
    log_p *= y
    log_q *= 1 - y
    log_p += log_q
    return p.dtype.type(-np.mean(log_p, dtype=np.float64))


def _sum_sq_f64(d):
    """Σ d² accumulated in float64 without a float64 copy of d.  Not np.dot: that goes to
    OpenBLAS, whose worker threads keep spinning for about 0.1 s after the call and take a
    core from whatever is timed next (on 2 cores this doubled fastact's and PyTorch's times
    for the cases after the mse rows)."""
    flat = d.reshape(-1)
    return float(np.einsum("i,i->", flat, flat, dtype=np.float64))


def np_mse_loss_with_grad(x, t):
    d = np.subtract(x, t)                    # mean (x − t)², grad 2(x − t)/N
    loss = _sum_sq_f64(d) / d.size
    d *= 2.0 / d.size
    return x.dtype.type(loss), d


def np_mse_loss(x, t):
    d = np.subtract(x, t)
    return x.dtype.type(_sum_sq_f64(d) / d.size)


# --- peers -------------------------------------------------------------------------------------

def load_peers():
    """Installed optional peers: {"torch": module, "scipy": scipy.special, "numexpr": module}."""
    peers = {}
    try:
        import torch
        peers["torch"] = torch
    except ImportError:
        pass
    if _special is not None:
        peers["scipy"] = _special
    try:
        import numexpr
        peers["numexpr"] = numexpr
    except ImportError:
        pass
    return peers


def torch_activation(torch, name, params, backward):
    """A function of torch tensors (x, out) or (dy, saved, out) calling PyTorch's own kernel
    (the aten op autograd uses, with out=), or None where PyTorch has no such kernel."""
    aten = torch.ops.aten
    slope = params.get("negative_slope", 0.01)
    alpha = params.get("alpha", 1.0)
    approx = params.get("approximate", "none")
    beta, threshold = params.get("beta", 1.0), params.get("threshold", 20.0)
    lo, hi = params.get("min_val", -1.0), params.get("max_val", 1.0)
    if not backward:
        table = {
            "sigmoid": lambda x, o: torch.sigmoid(x, out=o),
            "tanh": lambda x, o: torch.tanh(x, out=o),
            "relu": lambda x, o: torch.clamp_min(x, 0, out=o),
            "relu6": lambda x, o: aten.hardtanh.out(x, 0.0, 6.0, out=o),
            "leaky_relu": lambda x, o: aten.leaky_relu.out(x, slope, out=o),
            "elu": lambda x, o: aten.elu.out(x, alpha, 1.0, 1.0, out=o),
            "selu": lambda x, o: aten.elu.out(x, SELU_ALPHA, SELU_SCALE, 1.0, out=o),
            "gelu": lambda x, o: aten.gelu.out(x, approximate=approx, out=o),
            "silu": lambda x, o: aten.silu.out(x, out=o),
            "mish": lambda x, o: aten.mish.out(x, out=o),
            "softplus": lambda x, o: aten.softplus.out(x, beta, threshold, out=o),
            "softsign": lambda x, o: torch.nn.functional.softsign(x),   # no out= variant
            "log_sigmoid": lambda x, o: aten.log_sigmoid_forward.output(
                x, output=o, buffer=torch.empty_like(x))[0],
            "hard_sigmoid": lambda x, o: aten.hardsigmoid.out(x, out=o),
            "hard_swish": lambda x, o: aten.hardswish.out(x, out=o),
            "hard_tanh": lambda x, o: aten.hardtanh.out(x, lo, hi, out=o),
        }
        return table.get(name)
    table = {
        "sigmoid": lambda dy, y, o: aten.sigmoid_backward.grad_input(dy, y, grad_input=o),
        "tanh": lambda dy, y, o: aten.tanh_backward.grad_input(dy, y, grad_input=o),
        "relu": lambda dy, x, o: aten.threshold_backward.grad_input(dy, x, 0.0, grad_input=o),
        "relu6": lambda dy, x, o: aten.hardtanh_backward.grad_input(dy, x, 0.0, 6.0, grad_input=o),
        "leaky_relu": lambda dy, x, o: aten.leaky_relu_backward.grad_input(
            dy, x, slope, False, grad_input=o),
        "elu": lambda dy, x, o: aten.elu_backward.grad_input(dy, alpha, 1.0, 1.0, False, x,
                                                              grad_input=o),
        "selu": lambda dy, x, o: aten.elu_backward.grad_input(dy, SELU_ALPHA, SELU_SCALE, 1.0,
                                                               False, x, grad_input=o),
        "gelu": lambda dy, x, o: aten.gelu_backward.grad_input(dy, x, approximate=approx,
                                                                grad_input=o),
        "silu": lambda dy, x, o: aten.silu_backward.grad_input(dy, x, grad_input=o),
        "mish": lambda dy, x, o: aten.mish_backward(dy, x),              # no out= variant
        "softplus": lambda dy, x, o: aten.softplus_backward.grad_input(dy, x, beta, threshold,
                                                                        grad_input=o),
        "hard_sigmoid": lambda dy, x, o: aten.hardsigmoid_backward.grad_input(dy, x, grad_input=o),
        "hard_swish": lambda dy, x, o: aten.hardswish_backward.out(dy, x, out=o),
        "hard_tanh": lambda dy, x, o: aten.hardtanh_backward.grad_input(dy, x, lo, hi, grad_input=o),
    }
    return table.get(name)


def numexpr_activation(name, params, backward):
    """(expression, variable names) for numexpr.evaluate, or None."""
    if backward:
        table = {"sigmoid": "dy * y * (1 - y)", "tanh": "dy * (1 - y * y)",
                 "relu": "where(x > 0, dy, 0)"}
        return table.get(name)
    slope = params.get("negative_slope", 0.01)
    lo, hi = params.get("min_val", -1.0), params.get("max_val", 1.0)
    table = {
        "sigmoid": "where(x >= 0, 1 / (1 + exp(-x)), exp(x) / (1 + exp(x)))",
        "tanh": "tanh(x)",
        "relu": "where(x > 0, x, 0)",
        "relu6": "where(x > 0, where(x < 6, x, 6), 0)",
        "leaky_relu": f"where(x > 0, x, {slope!r} * x)",
        "elu": f"where(x > 0, x, {params.get('alpha', 1.0)!r} * expm1(x))",
        "softsign": "x / (1 + abs(x))",
        "hard_sigmoid": "where(x <= -3, 0, where(x >= 3, 1, x / 6 + 0.5))",
        "hard_tanh": f"where(x < {lo!r}, {lo!r}, where(x > {hi!r}, {hi!r}, x))",
    }
    return table.get(name)


def numexpr_call(ne, expr, out, **arrays):
    # constants in the expression are cast to the arrays' dtype, so float32 stays float32
    return ne.evaluate(expr, local_dict=arrays, out=out, casting="unsafe")


# --- cases -------------------------------------------------------------------------------------

@dataclass
class Case:
    """One function at one dtype and shape: a zero-argument callable per implementation."""
    function: str
    dtype: str
    shape: tuple
    bytes_moved: int                     # bytes one pass must read plus write
    impls: dict = field(default_factory=dict)
    group: str = "elementwise"

    @property
    def elements(self):
        return int(np.prod(self.shape))


# activation parameter settings benchmarked besides the defaults
BENCH_SETTINGS = {"gelu": [{}, {"approximate": "tanh"}]}


def _label(name, params):
    if not params:
        return name
    return name + "[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]"


def _everything(_name):
    return True


def _call_with(f, args, kwargs):
    """A callable of no arguments doing f(*args, **kwargs) with the keywords written out,
    as a user's call is: unpacking a dict on every call costs about 200 ns in CPython
    (as much as a 16-element kernel), which would be charged to the library timed."""
    names = list(kwargs)
    if not all(k.isidentifier() for k in names):
        raise ValueError(f"not keyword names: {names}")
    pos = [f"a{i}" for i in range(len(args))]
    params = ", ".join(["f"] + pos + [f"k_{k}" for k in names])
    call = ", ".join(pos + [f"{k}=k_{k}" for k in names])
    namespace = {}
    exec(f"def make({params}):\n    return lambda: f({call})\n", namespace)
    return namespace["make"](f, *args, *kwargs.values())


def elementwise_cases(n, dtype, peers, wanted=_everything, seed=0):
    """Every activation forward and backward on n elements of `dtype`, with out= given."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = (3.0 * rng.standard_normal(n)).astype(dtype)
    dy = rng.standard_normal(n).astype(dtype)
    out = np.zeros(n, dtype)
    torch = peers.get("torch")
    ne = peers.get("numexpr")
    if torch is not None:
        xt, dyt, outt = torch.from_numpy(x), torch.from_numpy(dy), torch.from_numpy(out)
    cases = []
    for name, act in sorted(getattr(fa, "ACTIVATIONS", {}).items()):
        fwd = getattr(fa, name, None)
        bwd = getattr(fa, name + "_backward", None)
        for params in BENCH_SETTINGS.get(name, [{}]):
            label = _label(name, params)
            if fwd is not None and wanted(label):
                case = Case(label, dtype.name, (n,), 2 * n * dtype.itemsize)
                case.impls["fastact"] = _call_with(fwd, (x,), dict(params, out=out))
                if name in NUMPY_FORWARD:
                    case.impls["numpy"] = _call_with(NUMPY_FORWARD[name], (x, out), params)
                tf = torch and torch_activation(torch, name, params, backward=False)
                if tf:
                    case.impls["torch"] = lambda f=tf: f(xt, outt)
                if "scipy" in peers and name == "sigmoid":
                    case.impls["scipy"] = lambda: peers["scipy"].expit(x, out=out)
                if "scipy" in peers and name == "log_sigmoid":
                    case.impls["scipy"] = lambda: peers["scipy"].log_expit(x, out=out)
                expr = ne and numexpr_activation(name, params, backward=False)
                if expr:
                    case.impls["numexpr"] = lambda e=expr: numexpr_call(ne, e, out, x=x)
                cases.append(case)
            blabel = _label(name + "_backward", params)
            if bwd is not None and wanted(blabel):
                saved = fwd(x, **params) if act.saves == "output" else x
                case = Case(blabel, dtype.name, (n,), 3 * n * dtype.itemsize)
                case.impls["fastact"] = _call_with(bwd, (dy, saved), dict(params, out=out))
                if name in NUMPY_BACKWARD:
                    case.impls["numpy"] = _call_with(NUMPY_BACKWARD[name], (dy, saved, out), params)
                tb = torch and torch_activation(torch, name, params, backward=True)
                if tb:
                    case.impls["torch"] = lambda f=tb, st=torch.from_numpy(saved): f(dyt, st, outt)
                elif torch and name == "log_sigmoid":   # PyTorch's CPU backward wants the forward's buffer
                    st = torch.from_numpy(saved)
                    buf = torch.ops.aten.log_sigmoid_forward(st)[1]
                    case.impls["torch"] = lambda st=st, buf=buf: \
                        torch.ops.aten.log_sigmoid_backward.grad_input(dyt, st, buf, grad_input=outt)
                expr = ne and numexpr_activation(name, params, backward=True)
                if expr:
                    var = "y" if act.saves == "output" else "x"
                    case.impls["numexpr"] = lambda e=expr, s=saved, v=var: \
                        numexpr_call(ne, e, out, dy=dy, **{v: s})
                cases.append(case)
    return cases


SOFTMAX_NAMES = ("softmax", "log_softmax", "logsumexp", "softmax_backward", "softmax_jvp",
                 "log_softmax_backward")


def softmax_cases(shape, dtype, peers, wanted=_everything, seed=1):
    """The softmax family along the last axis of `shape`, out= given where the API has it."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = (3.0 * rng.standard_normal(shape)).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    out = np.zeros(shape, dtype)
    n, rows, size = x.size, x.size // shape[-1], dtype.itemsize
    torch = peers.get("torch")
    special = peers.get("scipy")
    cases = []
    if getattr(fa, "softmax", None) is None:
        return cases
    y = fa.softmax(x)
    ly = fa.log_softmax(x) if getattr(fa, "log_softmax", None) else None
    if torch is not None:
        tdt = torch.float32 if dtype == np.float32 else torch.float64
        xt, dyt, yt, outt = (torch.from_numpy(a) for a in (x, dy, y, out))
        lyt = torch.from_numpy(ly) if ly is not None else None
        lse_t = torch.empty(shape[:-1], dtype=tdt)
    aten = torch.ops.aten if torch is not None else None
    specs = {
        "softmax": (2 * n, lambda: fa.softmax(x, out=out), lambda: np_softmax(x, out),
                    torch and (lambda: aten._softmax.out(xt, -1, False, out=outt)),
                    special and (lambda: special.softmax(x, axis=-1))),
        "log_softmax": (2 * n, lambda: fa.log_softmax(x, out=out), lambda: np_log_softmax(x, out),
                        torch and (lambda: aten._log_softmax.out(xt, -1, False, out=outt)),
                        special and (lambda: special.log_softmax(x, axis=-1))),
        "logsumexp": (n + rows, lambda: fa.logsumexp(x), lambda: np_logsumexp(x),
                      torch and (lambda: torch.logsumexp(xt, -1, out=lse_t)),
                      special and (lambda: special.logsumexp(x, axis=-1))),
        "softmax_backward": (3 * n, lambda: fa.softmax_backward(dy, y, out=out),
                             lambda: np_softmax_backward(dy, y, out),
                             torch and (lambda: aten._softmax_backward_data.out(
                                 dyt, yt, -1, tdt, grad_input=outt)), None),
        "softmax_jvp": (3 * n, lambda: fa.softmax_jvp(y, dy, out=out),
                        lambda: np_softmax_jvp(y, dy, out),
                        torch and (lambda: aten._softmax_backward_data.out(
                            dyt, yt, -1, tdt, grad_input=outt)), None),
        "log_softmax_backward": (3 * n, lambda: fa.log_softmax_backward(dy, ly, out=out),
                                 lambda: np_log_softmax_backward(dy, ly, out),
                                 torch and lyt is not None and (
                                     lambda: aten._log_softmax_backward_data.out(
                                         dyt, lyt, -1, tdt, out=outt)), None),
    }
    for name in SOFTMAX_NAMES:
        if getattr(fa, name, None) is None or not wanted(name):
            continue
        elements, fa_call, np_call, torch_call, scipy_call = specs[name]
        case = Case(name, dtype.name, tuple(shape), elements * size, group="softmax")
        case.impls["fastact"] = fa_call
        case.impls["numpy"] = np_call
        if torch_call:
            case.impls["torch"] = torch_call
        if scipy_call:
            case.impls["scipy"] = scipy_call
        cases.append(case)
    return cases


def jacobian_cases(shape, dtype, peers, wanted=_everything, seed=2):
    """softmax_jacobian of rows of length K (small K): reads n, writes n·K."""
    if getattr(fa, "softmax_jacobian", None) is None or not wanted("softmax_jacobian"):
        return []
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    y = np_softmax(rng.standard_normal(shape).astype(dtype), np.empty(shape, dtype))
    case = Case("softmax_jacobian", dtype.name, tuple(shape),
                (y.size + y.size * shape[-1]) * dtype.itemsize, group="softmax")
    case.impls["fastact"] = lambda: fa.softmax_jacobian(y)
    case.impls["numpy"] = lambda: np_softmax_jacobian(y)
    return [case]


def _torch_loss(torch, fn, x, *targets, **kw):
    """PyTorch forward plus backward through autograd, on a leaf sharing x's memory."""
    xt = torch.from_numpy(x).requires_grad_()
    tts = [torch.from_numpy(t) for t in targets]

    def call():
        xt.grad = None
        loss = fn(xt, *tts, **kw)
        loss.backward()
        return loss.detach(), xt.grad
    return call


def _torch_loss_forward(torch, fn, x, *targets, **kw):
    xt = torch.from_numpy(x)
    tts = [torch.from_numpy(t) for t in targets]
    return lambda: fn(xt, *tts, **kw)


def loss_cases(shape, dtype, peers, wanted=_everything, seed=3):
    """Every loss and its _with_grad at `shape` (classes on the last axis), mean reduction."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    K = shape[-1]
    logits = (3.0 * rng.standard_normal(shape)).astype(dtype)
    labels = rng.integers(0, K, shape[:-1]).astype(np.int64)
    probs = np_softmax(rng.standard_normal(shape).astype(dtype), np.empty(shape, dtype))
    log_probs = np.log(probs)
    p_in = rng.uniform(0.02, 0.98, shape).astype(dtype)
    soft = rng.uniform(0.0, 1.0, shape).astype(dtype)
    other = rng.standard_normal(shape).astype(dtype)
    torch = peers.get("torch")
    F = torch.nn.functional if torch is not None else None

    def torch_sce_labels(z, t):     # classes last -> PyTorch's axis 1
        return F.cross_entropy(z.reshape(-1, K), t.reshape(-1))

    def torch_sce_probs(z, t):
        return F.cross_entropy(z.reshape(-1, K), t.reshape(-1, K))

    def torch_nll(z, t):
        return F.nll_loss(z.reshape(-1, K), t.reshape(-1))

    # (label, input, target, PyTorch function with classes on axis 1)
    specs = [
        ("softmax_cross_entropy", logits, labels, torch_sce_labels),
        ("softmax_cross_entropy[probabilities]", logits, probs, torch_sce_probs),
        ("nll_loss", log_probs, labels, torch_nll),
        ("cross_entropy", probs, probs, None),
        ("binary_cross_entropy", p_in, soft, F and F.binary_cross_entropy),
        ("binary_cross_entropy_with_logits", logits, soft, F and F.binary_cross_entropy_with_logits),
        ("mse_loss", logits, other, F and F.mse_loss),
    ]
    cases = []
    for label, inp, target, torch_fn in specs:
        name = label.split("[")[0]
        loss_fn = getattr(fa, name, None)
        grad_fn = getattr(fa, name + "_with_grad", None)
        read_bytes = inp.nbytes + target.nbytes          # the loss reads input and target once
        grad_label = label.replace(name, name + "_with_grad")
        if grad_fn is not None and wanted(grad_label):
            case = Case(grad_label, dtype.name, tuple(shape), read_bytes + inp.nbytes, group="loss")
            case.impls["fastact"] = lambda f=grad_fn, a=inp, t=target: f(a, t)
            case.impls["numpy"] = lambda f=globals()[f"np_{name}_with_grad"], a=inp, t=target: f(a, t)
            if torch_fn and torch is not None:
                case.impls["torch"] = _torch_loss(torch, torch_fn, inp, target)
            cases.append(case)
        if loss_fn is not None and wanted(label):
            case = Case(label, dtype.name, tuple(shape), read_bytes, group="loss")
            case.impls["fastact"] = lambda f=loss_fn, a=inp, t=target: f(a, t)
            case.impls["numpy"] = lambda f=globals()[f"np_{name}"], a=inp, t=target: f(a, t)
            if torch_fn and torch is not None:
                case.impls["torch"] = _torch_loss_forward(torch, torch_fn, inp, target)
            cases.append(case)
    return cases


# --- timing ------------------------------------------------------------------------------------

def calibrate(fn, min_sample):
    """Calls per sample for fn.

    Warm-up first (at least two calls and about min_sample seconds: first touch
    of pages, caches, and waking the thread pool of whichever library ran
    before), then `number` chosen from the warmed-up call time so that a sample
    of back-to-back calls lasts at least min_sample seconds.
    """
    deadline = time.perf_counter() + min_sample
    calls = 0
    while True:
        t0 = time.perf_counter()
        fn()
        per_call = time.perf_counter() - t0
        calls += 1
        if calls >= 2 and time.perf_counter() >= deadline:
            break
    return max(1, min(1 << 20, math.ceil(min_sample / max(per_call, 1e-9))))


def time_impls(impls, repeats, min_sample, warm=0.0):
    """Median seconds per call of each callable; an implementation that raises is
    reported, not timed.

    The samples are taken in `repeats` rounds, each round one sample of every
    implementation in turn, so that a slow spell of a shared machine (seconds long
    on a VM whose host is busy) falls on every implementation alike instead of on
    whichever was being timed then.  Each sample starts with one untimed call: it
    wakes this library's thread pool after the other library's parallel region
    (interleaving single calls would make every timed call pay for that), then more
    untimed calls until `warm` seconds have passed: on a VM a core left idle while a
    single-threaded implementation ran takes tens of milliseconds of load to come
    back to full speed (see the design note)."""
    numbers, errors = {}, {}
    for name, fn in impls.items():
        try:
            numbers[name] = calibrate(fn, min_sample)
        except Exception as exc:   # noqa: BLE001 -- a peer lacking a kernel is reported, not fatal
            errors[name] = f"{type(exc).__name__}: {exc}"
    samples = {name: [] for name in numbers}
    for _ in range(repeats):
        for name, number in numbers.items():
            fn = impls[name]
            fn()
            warm_until = time.perf_counter() + warm
            while time.perf_counter() < warm_until:
                fn()
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: statistics.median(v) for name, v in samples.items()}, errors


class CopyLimit:
    """np.copyto over a given number of bytes read plus written (half read, half written)."""

    def __init__(self):
        self._buffers = {}

    def callable(self, bytes_moved):
        half = max(1, bytes_moved // 2)
        if half not in self._buffers:
            src = np.ones(half, np.uint8)
            self._buffers = {half: (src, np.zeros_like(src))}   # keep only the current size
        src, dst = self._buffers[half]
        return lambda: np.copyto(dst, src)


# --- machine info and report ---------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(peers, threads):
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info = {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "fastact": fa.__version__,
        "fastact_threads": threads,
        "openmp": bool(getattr(fa, "openmp_enabled", lambda: None)()),
        "numpy": np.__version__,
    }
    try:
        from fastact import _common
        info["simd"] = str(_common.cpu_supports())
        info["streaming"] = _common.streaming_state()
        info["prefetch"] = _common._prefetch_state()
        from fastact import _dispatch
        info["mish64_prefetch"] = ("on" if _dispatch.load("_activations")._mish64_prefetch_enabled() else "off")
        info["shares"] = ("contiguous" if _common._contiguous_shares_enabled() else "guided")
    except Exception:   # noqa: BLE001 -- informational only
        pass
    if "torch" in peers:
        info["torch"] = peers["torch"].__version__
        info["torch_threads"] = peers["torch"].get_num_threads()
    if "scipy" in peers:
        import scipy
        info["scipy"] = scipy.__version__
    if "numexpr" in peers:
        info["numexpr"] = peers["numexpr"].__version__
    return info


PEERS = ("numpy", "torch", "scipy", "numexpr")


def _fmt_time(t):
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.2f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def _fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def measure_case(case, limit_call, limit_name, repeats, min_sample, warm=0.0):
    """Time a case and its limit; the dict that goes into the table and the JSON."""
    impls = dict(case.impls)
    impls["limit"] = limit_call
    times, errors = time_impls(impls, repeats, min_sample, warm)
    t_fa, t_lim = times.get("fastact"), times.get("limit")
    row = {"function": case.function, "dtype": case.dtype, "shape": list(case.shape),
           "group": case.group, "limit": limit_name, "bytes_moved": case.bytes_moved,
           "times": times, "errors": errors,
           "fastact/limit": (t_fa / t_lim) if t_fa and t_lim else None}
    for peer in PEERS:
        t = times.get(peer)
        row[f"{peer}/fastact"] = (t / t_fa) if t and t_fa else None
    return row


def format_rows(rows, peers_shown):
    cols = ["function", "dtype", "shape", "fastact", "limit", "fa/limit"] + \
           [f"{p}/fa" for p in peers_shown]
    table = [cols]
    for r in rows:
        table.append([r["function"], r["dtype"], "x".join(map(str, r["shape"])),
                      _fmt_time(r["times"].get("fastact")), _fmt_time(r["times"].get("limit")),
                      _fmt_ratio(r["fastact/limit"])] +
                     [_fmt_ratio(r[f"{p}/fastact"]) for p in peers_shown])
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    lines = []
    for k, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("-" * len(lines[0]))
    return lines


# --- plan ----------------------------------------------------------------------------------------

QUICK = {"elementwise": [1 << 20], "softmax": [(1024, 1000)], "jacobian": [(64, 32)],
         "loss": [(1024, 1000), (16384, 10)], "repeats": 5, "min_sample": 2e-3, "warm": 0.0}
FULL = {"elementwise": [1 << 16, 1 << 24], "softmax": [(4096, 1000), (256, 50000)],
        "jacobian": [(256, 64)], "loss": [(4096, 1000), (65536, 10)],
        "repeats": 7, "min_sample": 20e-3, "warm": 50e-3}
SMALL = {"elementwise": 16, "softmax": (1, 16), "loss": (2, 8), "repeats": 5, "min_sample": 1e-3}


def build_cases(plan, dtype, peers, wanted):
    """(section, cases) for the large-input plan, then the 16-element section."""
    large = []
    for n in plan["elementwise"]:
        large += elementwise_cases(n, dtype, peers, wanted)
    for shape in plan["softmax"]:
        large += softmax_cases(shape, dtype, peers, wanted)
    for shape in plan["jacobian"]:
        large += jacobian_cases(shape, dtype, peers, wanted)
    for shape in plan["loss"]:
        large += loss_cases(shape, dtype, peers, wanted)
    small = (elementwise_cases(SMALL["elementwise"], dtype, peers, wanted)
             + softmax_cases(SMALL["softmax"], dtype, peers, wanted)
             + loss_cases(SMALL["loss"], dtype, peers, wanted))
    return large, small


def plot_rows(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = [f"{r['function']} {r['dtype']} {'x'.join(map(str, r['shape']))}" for r in rows]
    series = [("fastact/copy", "fastact/limit")] + [(f"{p}/fastact", f"{p}/fastact") for p in PEERS
                                                     if any(r[f"{p}/fastact"] for r in rows)]
    fig, axes = plt.subplots(1, len(series), figsize=(4 * len(series), 0.22 * len(rows) + 1.5),
                             sharey=True, squeeze=False)
    ypos = np.arange(len(rows))
    for ax, (title, key) in zip(axes[0], series):
        vals = [r[key] if r[key] else np.nan for r in rows]   # missing peers: no bar
        ax.barh(ypos, vals, color="tab:blue" if key == "fastact/limit" else "tab:green")
        ax.axvline(1.0, color="k", lw=0.8)
        ax.set_title(title + (" (lower is better)" if key == "fastact/limit" else " (speedup)"),
                     fontsize=9)
        ax.set_xscale("log")
    axes[0][0].set_yticks(ypos, labels, fontsize=6)
    axes[0][0].invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def add_arguments(parser):
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer repeats (under 30 s on 2 cores)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for fastact, PyTorch and numexpr (default: fastact's)")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default=None,
                        help="dtype(s) to time (default: float32 with --quick, both otherwise)")
    parser.add_argument("--filter", metavar="SUBSTR", help="only functions whose name contains SUBSTR")
    parser.add_argument("--plot", metavar="FILE.png", help="draw the ratios (needs matplotlib)")
    parser.add_argument("--json", metavar="FILE", help="write every timing and ratio as JSON")
    parser.add_argument("--no-small", action="store_true", help="skip the 16-element section")
    parser.add_argument("--sizes", metavar="N[,N...]", type=_sizes,
                        help="element counts of the elementwise section (default: "
                             f"{','.join(map(str, FULL['elementwise']))}; "
                             f"{','.join(map(str, QUICK['elementwise']))} with --quick); with "
                             "--threads 1 and a size that fits in cache (262144) the ratios "
                             "compare the arithmetic alone")
    parser.add_argument("--peers", metavar="NAME[,NAME...]", type=_peer_names,
                        help="time only these peers beside fastact and the limit, from "
                             f"{', '.join(PEERS)}, or 'none' (default: numpy and every installed "
                             "peer); on a many-core machine the one-threaded NumPy and SciPy "
                             "references take most of the run")


def _peer_names(text):
    """--peers: a comma-separated subset of PEERS, or 'none'."""
    names = [v.strip() for v in text.split(",")]
    if names == ["none"]:
        return ()
    unknown = [v for v in names if v not in PEERS]
    if unknown or not text.strip():
        raise argparse.ArgumentTypeError(f"expected 'none' or names from {', '.join(PEERS)}, "
                                         f"got {text!r}")
    return tuple(names)


def _sizes(text):
    """--sizes: positive element counts, comma-separated."""
    try:
        sizes = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be >= 1, got {text!r}")
    return sizes


def run(args):
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("fastact bench: --plot needs matplotlib, which is not installed "
                  "(pip install matplotlib, or pip install 'fastact[plot]')", file=sys.stderr)
            return 2
    t_start = time.perf_counter()
    peers = load_peers()
    if args.peers is not None:
        missing = [p for p in args.peers if p != "numpy" and p not in peers]
        if missing:
            print(f"fastact bench: --peers names {', '.join(missing)}, which is not installed",
                  file=sys.stderr)
            return 2
        peers = {name: mod for name, mod in peers.items() if name in args.peers}
    timed = {"fastact", *peers} | ({"numpy"} if args.peers is None or "numpy" in args.peers else set())
    plan = QUICK if args.quick else FULL
    if args.sizes:
        plan = dict(plan, elementwise=args.sizes)
    dtypes = {"float32": ["float32"], "float64": ["float64"], "both": ["float32", "float64"],
              None: ["float32"] if args.quick else ["float32", "float64"]}[args.dtype]
    wanted = (lambda name: args.filter in name) if args.filter else _everything

    old_threads = fa.get_num_threads()
    threads = args.threads or old_threads
    fa.set_num_threads(threads)
    torch = peers.get("torch")
    old_torch_threads = torch.get_num_threads() if torch else None
    if torch:
        torch.set_num_threads(threads)
    if "numexpr" in peers:
        peers["numexpr"].set_num_threads(threads)
    try:
        info = machine_info(peers, threads)
        info.update(dtypes=dtypes, quick=bool(args.quick), repeats=plan["repeats"],
                    sizes={k: plan[k] for k in ("elementwise", "softmax", "jacobian", "loss")})
        print("fastact bench")
        for key, value in info.items():
            print(f"  {key:16s} {value}")
        peers_shown = [p for p in PEERS if p in timed]
        copy = CopyLimit()
        all_rows = {"large": [], "small": []}
        for dtype in dtypes:
            large, small = build_cases(plan, dtype, peers, wanted)
            for case in large + small:
                case.impls = {k: v for k, v in case.impls.items() if k in timed}
            if args.no_small:
                small = []
            print(f"\nLarge inputs, {dtype}, out= given: time per call (median of "
                  f"{plan['repeats']}); limit = np.copyto over the same bytes read + written")
            print("  fa/limit: lower is better (1.0 = memory bound); peer/fa: > 1 means fastact is faster")
            rows = [measure_case(c, copy.callable(c.bytes_moved), "copy", plan["repeats"],
                                 plan["min_sample"], plan["warm"]) for c in large]
            for line in format_rows(rows, peers_shown):
                print("  " + line)
            all_rows["large"] += rows
            if small:
                print(f"\nSmall inputs, {dtype}: one call, out= given where the API has it; "
                      "limit = np.tanh(x, out=y) on an array of the same size")
                srows = []
                for c in small:
                    xs = np.ones(c.elements, dtype)
                    ys = np.empty_like(xs)
                    srows.append(measure_case(c, lambda xs=xs, ys=ys: np.tanh(xs, out=ys), "np.tanh",
                                              SMALL["repeats"], SMALL["min_sample"]))
                for line in format_rows(srows, peers_shown):
                    print("  " + line)
                all_rows["small"] += srows
        errors = [(r["function"], r["dtype"], k, v) for r in all_rows["large"] + all_rows["small"]
                  for k, v in r["errors"].items()]
        for function, dtype, impl, msg in errors:
            print(f"  note: {impl} failed on {function} ({dtype}): {msg}")
        if not all_rows["large"] and not all_rows["small"]:
            print("\nno function matched" + (f" {args.filter!r}" if args.filter else ""))
        print(f"\ntotal {time.perf_counter() - t_start:.1f} s")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": info, **all_rows}, f, indent=1, default=str)
            print(f"wrote {args.json}")
        if args.plot:
            plot_rows(all_rows["large"], args.plot)
            print(f"wrote {args.plot}")
    finally:
        fa.set_num_threads(old_threads)
        if torch:
            torch.set_num_threads(old_torch_threads)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastact bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
