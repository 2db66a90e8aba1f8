"""Elementwise activations and their backward passes.

Every activation `f` has `f(x, *, out=None, **params)` and
`f_backward(dy, saved, *, out=None, **params)`, where `saved` is the forward
output `y` for sigmoid and tanh and the forward input `x` for every other
activation.  The math lives in _math.pxd, the loops in _activations.pyx.tp;
this module only names things and checks parameters.
"""
from fastact._dispatch import load as _load_kernels

_k = _load_kernels("_activations")   # the best build for this CPU (baseline, AVX2 or AVX-512)
from fastact._validate import check_real_param

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation",
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
    "relu6", "relu6_backward", "leaky_relu", "leaky_relu_backward",
    "elu", "elu_backward", "selu", "selu_backward",
    "gelu", "gelu_backward", "silu", "silu_backward", "mish", "mish_backward",
    "softplus", "softplus_backward", "softsign", "softsign_backward",
    "log_sigmoid", "log_sigmoid_backward", "hard_sigmoid", "hard_sigmoid_backward",
    "hard_swish", "hard_swish_backward", "hard_tanh", "hard_tanh_backward",
]

_forward = _k.forward
_backward = _k.backward
_OP = _k.OP_IDS


# --- sigmoid, tanh, relu ----------------------------------------------------

def sigmoid(x, *, out=None):
    """σ(x) = 1/(1+e^(−x)), computed without overflow for any x."""
    return _forward(_OP["sigmoid"], x, out)


def sigmoid_backward(dy, y, *, out=None):
    """dx = dy·y·(1−y), from the forward output y = sigmoid(x)."""
    return _backward(_OP["sigmoid"], dy, y, out, saved_name="y")


def tanh(x, *, out=None):
    """tanh(x)."""
    return _forward(_OP["tanh"], x, out)


def tanh_backward(dy, y, *, out=None):
    """dx = dy·(1−y²), from the forward output y = tanh(x); evaluated as (1−y)(1+y)."""
    return _backward(_OP["tanh"], dy, y, out, saved_name="y")


def relu(x, *, out=None):
    """max(x, 0)."""
    return _forward(_OP["relu"], x, out)


def relu_backward(dy, x, *, out=None):
    """dx = dy where x > 0, else 0 (0 at x == 0, as PyTorch)."""
    return _backward(_OP["relu"], dy, x, out, saved_name="x")


# --- parameter-free activations that save their input ---------------------------

def _input_saving(name, doc_fwd, doc_bwd):
    op = _OP[name]

    def fwd(x, *, out=None):
        return _forward(op, x, out)

    def bwd(dy, x, *, out=None):
        return _backward(op, dy, x, out, saved_name="x")

    fwd.__name__ = fwd.__qualname__ = name
    bwd.__name__ = bwd.__qualname__ = name + "_backward"
    fwd.__doc__ = doc_fwd
    bwd.__doc__ = doc_bwd
    fwd.__module__ = bwd.__module__ = __name__
    return fwd, bwd


relu6, relu6_backward = _input_saving(
    "relu6", "min(max(x, 0), 6).",
    "dx = dy where 0 < x < 6, else 0 (0 at both kinks, as PyTorch).")
selu, selu_backward = _input_saving(
    "selu", "scale*x for x > 0, scale*alpha*(e^x - 1) otherwise, with PyTorch's constants "
    "(scale = 1.0507009873554805, alpha = 1.6732632423543772).",
    "dx = dy*scale for x > 0, dy*scale*alpha*e^x otherwise (scale*alpha at 0, as PyTorch).")
silu, silu_backward = _input_saving(
    "silu", "x*sigmoid(x) (swish), accurate through the subnormal tail.",
    "dx = dy*sigmoid(x)*(1 + x*(1 - sigmoid(x))).")
mish, mish_backward = _input_saving(
    "mish", "x*tanh(softplus(x)).",
    "dx = dy*(t + x*sigmoid(x)*(1 - t^2)), t = tanh(softplus(x)).")
softsign, softsign_backward = _input_saving(
    "softsign", "x/(1 + |x|).", "dx = dy/(1 + |x|)^2.")
log_sigmoid, log_sigmoid_backward = _input_saving(
    "log_sigmoid", "log(sigmoid(x)) = -softplus(-x), without overflow.",
    "dx = dy*sigmoid(-x).")
hard_sigmoid, hard_sigmoid_backward = _input_saving(
    "hard_sigmoid", "clip(x/6 + 1/2, 0, 1) (PyTorch's hardsigmoid).",
    "dx = dy/6 where -3 < x < 3, else 0.")
hard_swish, hard_swish_backward = _input_saving(
    "hard_swish", "x*hard_sigmoid(x) (PyTorch's hardswish).",
    "dx = 0 for x <= -3, dy*(2x + 3)/6 for -3 < x < 3, dy for x >= 3 (as PyTorch).")


# --- activations with parameters ------------------------------------------------

def _slope(fname, negative_slope):
    return check_real_param(fname, "negative_slope", negative_slope)


def leaky_relu(x, *, negative_slope=0.01, out=None):
    """x for x > 0, negative_slope*x otherwise."""
    return _forward(_OP["leaky_relu"], x, out, _slope("leaky_relu", negative_slope))


def leaky_relu_backward(dy, x, *, negative_slope=0.01, out=None):
    """dx = dy for x > 0, negative_slope*dy otherwise (negative_slope at 0, as PyTorch)."""
    return _backward(_OP["leaky_relu"], dy, x, out,
                     _slope("leaky_relu_backward", negative_slope), saved_name="x")


def elu(x, *, alpha=1.0, out=None):
    """x for x > 0, alpha*(e^x - 1) otherwise (computed with expm1)."""
    return _forward(_OP["elu"], x, out, check_real_param("elu", "alpha", alpha))


def elu_backward(dy, x, *, alpha=1.0, out=None):
    """dx = dy for x > 0, dy*alpha*e^x otherwise (alpha at 0, as PyTorch)."""
    return _backward(_OP["elu"], dy, x, out, check_real_param("elu_backward", "alpha", alpha),
                     saved_name="x")


_GELU_APPROXIMATE = {"none": 0.0, "tanh": 1.0}


def _gelu_mode(fname, approximate):
    if isinstance(approximate, str) and approximate in _GELU_APPROXIMATE:
        return _GELU_APPROXIMATE[approximate]
    raise ValueError(f"fastact.{fname}: 'approximate' must be \"none\" or \"tanh\", "
                     f"got {approximate!r}")


def gelu(x, *, approximate="none", out=None):
    """x*Phi(x) (approximate="none"), or PyTorch's tanh form
    0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3))) (approximate="tanh")."""
    return _forward(_OP["gelu"], x, out, _gelu_mode("gelu", approximate))


def gelu_backward(dy, x, *, approximate="none", out=None):
    """dx = dy*(Phi(x) + x*phi(x)), or the derivative of the tanh form."""
    return _backward(_OP["gelu"], dy, x, out, _gelu_mode("gelu_backward", approximate),
                     saved_name="x")


# Default parameter objects: a call that leaves them alone skips their checks
# (identity tests, so the 16-element calls stay cheap).
_BETA, _THRESHOLD, _MIN_VAL, _MAX_VAL = 1.0, 20.0, -1.0, 1.0


def _softplus_params(fname, beta, threshold):
    if beta is _BETA and threshold is _THRESHOLD:
        return beta, threshold
    b = check_real_param(fname, "beta", beta)
    t = check_real_param(fname, "threshold", threshold)
    if b == 0.0:
        raise ValueError(f"fastact.{fname}: 'beta' must be nonzero")
    return b, t


def softplus(x, *, beta=_BETA, threshold=_THRESHOLD, out=None):
    """log(1 + e^(beta*x))/beta, and x where beta*x > threshold (as PyTorch)."""
    b, t = _softplus_params("softplus", beta, threshold)
    return _forward(_OP["softplus"], x, out, b, t)


def softplus_backward(dy, x, *, beta=_BETA, threshold=_THRESHOLD, out=None):
    """dx = dy*sigmoid(beta*x), and dy where beta*x > threshold."""
    b, t = _softplus_params("softplus_backward", beta, threshold)
    return _backward(_OP["softplus"], dy, x, out, b, t, saved_name="x")


def _hard_tanh_params(fname, min_val, max_val):
    if min_val is _MIN_VAL and max_val is _MAX_VAL:
        return min_val, max_val
    lo = check_real_param(fname, "min_val", min_val)
    hi = check_real_param(fname, "max_val", max_val)
    if lo > hi:
        raise ValueError(f"fastact.{fname}: min_val ({lo!r}) must not be greater than "
                         f"max_val ({hi!r})")
    return lo, hi


def hard_tanh(x, *, min_val=_MIN_VAL, max_val=_MAX_VAL, out=None):
    """clip(x, min_val, max_val)."""
    lo, hi = _hard_tanh_params("hard_tanh", min_val, max_val)
    return _forward(_OP["hard_tanh"], x, out, lo, hi)


def hard_tanh_backward(dy, x, *, min_val=_MIN_VAL, max_val=_MAX_VAL, out=None):
    """dx = dy where min_val < x < max_val, else 0 (0 at both bounds, as PyTorch)."""
    lo, hi = _hard_tanh_params("hard_tanh_backward", min_val, max_val)
    return _backward(_OP["hard_tanh"], dy, x, out, lo, hi, saved_name="x")


# --- registry ------------------------------------------------------------------

class Activation:
    """An activation chosen by name: `forward`, `backward`, and which tensor it saves.

    `saves` is "output" when the backward pass needs the forward output y
    (sigmoid, tanh) and "input" when it needs the forward input x.
    """

    __slots__ = ("name", "saves", "params", "_fwd", "_bwd")

    def __init__(self, name, saves, params, fwd, bwd):
        self.name = name
        self.saves = saves
        self.params = dict(params)  # parameter name -> default
        self._fwd = fwd
        self._bwd = bwd

    def forward(self, x, *, out=None, **params):
        """y = f(x)."""
        return self._fwd(x, out=out, **params)

    def backward(self, dy, *, x=None, y=None, out=None, **params):
        """dx = dy·f'(x), from whichever of x or y this activation saves.

        For an activation that saves its output, passing only `x` also works
        (the output is recomputed).
        """
        if self.saves == "output":
            if y is None:
                if x is None:
                    raise ValueError(f"fastact.{self.name}: backward needs the forward output 'y' (or 'x')")
                y = self._fwd(x, **params)
            return self._bwd(dy, y, out=out, **params)
        if x is None:
            raise ValueError(f"fastact.{self.name}: backward needs the forward input 'x'")
        return self._bwd(dy, x, out=out, **params)

    def __repr__(self):
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"<fastact activation {self.name}({ps}) saves {self.saves}>"


def _make_registry():
    g = globals()
    table = [
        # name, saves, parameters with their defaults
        ("sigmoid", "output", {}),
        ("tanh", "output", {}),
        ("relu", "input", {}),
        ("relu6", "input", {}),
        ("leaky_relu", "input", {"negative_slope": 0.01}),
        ("elu", "input", {"alpha": 1.0}),
        ("selu", "input", {}),
        ("gelu", "input", {"approximate": "none"}),
        ("silu", "input", {}),
        ("mish", "input", {}),
        ("softplus", "input", {"beta": 1.0, "threshold": 20.0}),
        ("softsign", "input", {}),
        ("log_sigmoid", "input", {}),
        ("hard_sigmoid", "input", {}),
        ("hard_swish", "input", {}),
        ("hard_tanh", "input", {"min_val": -1.0, "max_val": 1.0}),
    ]
    return {name: Activation(name, saves, params, g[name], g[name + "_backward"])
            for name, saves, params in table}


ACTIVATIONS = _make_registry()


def get_activation(name):
    """The Activation registered under `name`; KeyError listing the valid names otherwise."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise KeyError(f"fastact: unknown activation {name!r}; valid names are: "
                       f"{', '.join(sorted(ACTIVATIONS))}") from None
