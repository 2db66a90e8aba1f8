"""Independent high-precision references for every elementwise activation.

Design
------
These formulas are written from the mathematics and from PyTorch's documented
semantics (kinks, softplus threshold, hard_* clamps), never by calling fastact,
so that `python -m fastact accuracy` measures fastact against something it
does not share code with.

Each activation has three evaluations of its forward value and of its
derivative (the backward pass with dy = 1):

* ``forward(x, **p)`` / ``backward(s, **p)``: vectorised NumPy on a float64 or
  a longdouble array, in the same precision as the input array.  Evaluated in
  float64 they are the reference for float32 results (53 bits against 24);
  evaluated in x86 80-bit longdouble (64 bits) they are the reference for
  float64 results.  Every formula is a stable form (no overflow, no
  cancellation except where the exact value itself crosses zero), so its
  relative error is a few units of the working precision.
* ``forward_mp(x, **p)`` / ``backward_mp(s, **p)``: scalar mpmath at MP_DPS
  decimal digits.  Used where no longdouble formula exists (erf-based gelu,
  and the tanh-form gelu whose exponent argument amplifies rounding), to
  verify the worst points the vectorised references find, and near the zeros
  of a derivative (``roots``), where any fixed-precision formula cancels.

``s`` is the saved tensor of the backward pass: the forward output y for
sigmoid and tanh (``saves == "output"``), the forward input x otherwise.

Kink conventions (checked against torch.nn.functional + autograd):
relu' (0) = 0; relu6' = 1 only on 0 < x < 6; leaky_relu' (0) = slope;
elu' (0) = alpha and selu' (0) = scale*alpha (the x <= 0 branch);
hard_sigmoid' = 1/6 only on -3 < x < 3; hard_swish' = 0 for x <= -3,
x/3 + 1/2 on -3 < x < 3, 1 for x >= 3; hard_tanh' = 1 only on min < x < max;
softplus is x (derivative 1) where beta*x > threshold.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

try:  # only the float32 reference of the exact gelu needs SciPy
    from scipy.special import erfc as _sp_erfc
except ImportError:  # pragma: no cover - scipy is a test dependency
    _sp_erfc = None

import mpmath
from mpmath import mp

MP_DPS = 50

#: longdouble has at least 11 more mantissa bits than float64 (x86 80-bit)
LONGDOUBLE_IS_EXTENDED = np.finfo(np.longdouble).nmant >= 63


def _k(x, text):
    """The constant `text` (a decimal string) at the working precision of x."""
    return np.asarray(x).dtype.type(text)


# Constants as decimal strings so that longdouble gets all of its bits.
SQRT_2_OVER_PI = "0.79788456080286535587989211986876373695171726232986931533"
INV_SQRT_2 = "0.70710678118654752440084436210484903928483593768847403658834"
INV_SQRT_2PI = "0.39894228040143267793994605993438186847585863116493465766592"
GELU_TANH_C = "0.044715"
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"


# --- vectorised stable building blocks (float64 or longdouble) ---------------

def _sigmoid(x):
    """1/(1+e^-x): only e^-|x| <= 1 is formed, so nothing overflows; for x < 0 the
    form e^x/(1+e^x) keeps the relative precision of the tiny tail."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(z):
    """log(1+e^z) = max(z, 0) + log1p(e^-|z|): two non-negative terms, no overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _tanh_softplus(x):
    """tanh(log(1+e^x)) and 1 - tanh(log(1+e^x))^2, without cancellation.

    With q = (1+e^x)^2, tanh(log(1+e^x)) = (q-1)/(q+1).  For x > 0, e = e^-x:
    t = (1+2e)/(1+2e+2e^2) and 1-t^2 = 4e^2(1+e)^2/(1+2e+2e^2)^2.  For x <= 0,
    e = e^x and n = e(e+2) = q-1: t = n/(n+2) and 1-t^2 = 4(n+1)/(n+2)^2.
    """
    e = np.exp(-np.abs(x))
    pos = x > 0
    d_pos = 1 + 2 * e + 2 * e * e
    n = e * (e + 2)
    t = np.where(pos, (1 + 2 * e) / d_pos, n / (n + 2))
    sech2 = np.where(pos, 4 * (e * (1 + e) / d_pos) ** 2, 4 * (n + 1) / (n + 2) ** 2)
    return t, sech2


def _gelu_tanh_u(x):
    """u = sqrt(2/pi) (x + 0.044715 x^3), written x (1 + c x^2) so x^3 is never formed alone."""
    return _k(x, SQRT_2_OVER_PI) * x * (1 + _k(x, GELU_TANH_C) * x * x)


def _erfc_float64(z):
    if _sp_erfc is None:  # pragma: no cover
        raise RuntimeError("the float64 reference of gelu needs scipy.special.erfc")
    if np.asarray(z).dtype != np.float64:
        raise TypeError("scipy's erfc is float64 only; use the mpmath reference")
    return _sp_erfc(z)


# --- the references -----------------------------------------------------------

@dataclass
class Reference:
    name: str
    saves: str                      # "output" (sigmoid, tanh) or "input"
    forward: Callable               # vectorised, float64 or longdouble
    backward: Callable              # vectorised derivative from the saved tensor
    forward_mp: Callable            # scalar mpmath
    backward_mp: Callable
    settings: list = field(default_factory=lambda: [{}])  # parameter sets to measure
    longdouble: bool = True         # the vectorised formulas are valid in longdouble
    roots: tuple = ()               # zeros of the derivative (cancellation there)
    note: str = ""


def _mpf(v):
    return v if isinstance(v, mpmath.mpf) else mp.mpf(float(v))


# mpmath needs guards too: exp/erfc of arguments like 1e300 are slow or fail.
# Beyond |x| = MP_BIG every activation equals its limit to far more than any
# float's precision (e^-10000 ~ 1e-4343), so the guarded forms are exact for
# our purposes.
MP_BIG = 1e4


def _mp_exp(z):
    """e^z for z <= MP_BIG; 0 when z < -MP_BIG (e^z < 1e-4343 is below every float)."""
    if z > MP_BIG:
        raise OverflowError("mp reference formulas must not form e^z for large z")
    return mp.mpf(0) if z < -MP_BIG else mp.exp(z)


# sigmoid -----------------------------------------------------------------------

def _sigmoid_mp(x):
    """1/(1+e^-x), forming only e^-|x|."""
    e = _mp_exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


def _tanh_mp(x):
    return mp.sign(x) if abs(x) > MP_BIG else mp.tanh(x)


# gelu --------------------------------------------------------------------------

def _gelu_fwd(x, approximate="none"):
    if approximate == "tanh":
        # 0.5 x (1 + tanh u) = x sigmoid(2u): 1 + tanh(u) would cancel for u << 0
        return x * _sigmoid(2 * _gelu_tanh_u(x))
    # x Phi(x), Phi(x) = erfc(-x/sqrt2)/2 (erfc keeps the relative precision of the left tail)
    return x * (0.5 * _erfc_float64(-x * _k(x, INV_SQRT_2)))


def _gelu_bwd(x, approximate="none"):
    if approximate == "tanh":
        # d/dx [0.5 x (1 + tanh u)] = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'
        # with 1 + tanh u = 2 s, 1 - tanh^2 u = 4 s (1 - s), s = sigmoid(2u):
        #   = s + 2 x u' s sigmoid(-2u),  u' = sqrt(2/pi)(1 + 3c x^2)
        u = _gelu_tanh_u(x)
        du = _k(x, SQRT_2_OVER_PI) * (1 + 3 * _k(x, GELU_TANH_C) * x * x)
        s = _sigmoid(2 * u)
        return s + 2 * x * du * s * _sigmoid(-2 * u)
    # Phi(x) + x phi(x)
    phi = _k(x, INV_SQRT_2PI) * np.exp(-0.5 * x * x)
    return 0.5 * _erfc_float64(-x * _k(x, INV_SQRT_2)) + x * phi


def _gelu_fwd_mp(x, approximate="none"):
    if approximate == "tanh":
        u = mp.sqrt(2 / mp.pi) * (x + mp.mpf(GELU_TANH_C) * x ** 3)
        return x * _sigmoid_mp(2 * u)            # 0.5 x (1 + tanh u)
    if abs(x) > 1000:                           # Phi(x) is 0 or 1 to within e^-500000
        return x if x > 0 else mp.mpf(0)
    return x * mp.erfc(-x / mp.sqrt(2)) / 2     # x Phi(x)


def _gelu_bwd_mp(x, approximate="none"):
    if approximate == "tanh":
        c = mp.mpf(GELU_TANH_C)
        k = mp.sqrt(2 / mp.pi)
        u = k * (x + c * x ** 3)
        # 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u', with 1 + tanh u = 2 sigmoid(2u)
        # (1 + tanh u would lose the tail for u << 0 even at 50 digits)
        # and 1 - tanh^2 u = 4 sigmoid(2u) sigmoid(-2u)
        s, sm = _sigmoid_mp(2 * u), _sigmoid_mp(-2 * u)
        return s + 2 * x * s * sm * k * (1 + 3 * c * x * x)
    if abs(x) > 1000:
        return mp.mpf(1) if x > 0 else mp.mpf(0)
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


# softplus ----------------------------------------------------------------------
# PyTorch: beta*x > threshold -> x (derivative 1), else log1p(exp(beta x))/beta.
# The branch uses the exact product beta*x; PyTorch rounds it to the dtype
# first, which is the same thing for the measured betas (powers of two).

def _softplus_fwd(x, beta=1.0, threshold=20.0):
    z = x * beta
    return np.where(z > threshold, x, _softplus(z) / beta)


def _softplus_bwd(x, beta=1.0, threshold=20.0):
    z = x * beta
    return np.where(z > threshold, 1, _sigmoid(z))


def _softplus_fwd_mp(x, beta=1.0, threshold=20.0):
    z = x * mp.mpf(beta)
    return x if z > threshold else mp.log1p(_mp_exp(z)) / mp.mpf(beta)


def _softplus_bwd_mp(x, beta=1.0, threshold=20.0):
    z = x * mp.mpf(beta)
    return mp.mpf(1) if z > threshold else _sigmoid_mp(z)


# elu / selu --------------------------------------------------------------------

def _elu_fwd(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_bwd(x, alpha=1.0):
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))


def _selu_fwd(x):
    return _k(x, SELU_SCALE) * np.where(x > 0, x, _k(x, SELU_ALPHA) * np.expm1(np.minimum(x, 0)))


def _selu_bwd(x):
    scale = _k(x, SELU_SCALE)
    return np.where(x > 0, scale, scale * _k(x, SELU_ALPHA) * np.exp(np.minimum(x, 0)))


def _elu_fwd_mp(x, alpha=1.0):
    return x if x > 0 else mp.mpf(alpha) * (_mp_exp(x) - 1)


def _elu_bwd_mp(x, alpha=1.0):
    return mp.mpf(1) if x > 0 else mp.mpf(alpha) * _mp_exp(x)


def _selu_fwd_mp(x):
    return mp.mpf(SELU_SCALE) * _elu_fwd_mp(x, mp.mpf(SELU_ALPHA))


def _selu_bwd_mp(x):
    return mp.mpf(SELU_SCALE) * (mp.mpf(1) if x > 0 else mp.mpf(SELU_ALPHA) * _mp_exp(x))


# silu / mish -------------------------------------------------------------------

def _silu_bwd(x):
    # d/dx x s(x) = s (1 + x (1 - s)), 1 - s = sigmoid(-x) formed directly
    return _sigmoid(x) * (1 + x * _sigmoid(-x))


def _silu_bwd_mp(x):
    s = _sigmoid_mp(x)
    return s + x * s * (1 - s)


def _mish_fwd(x):
    return x * _tanh_softplus(x)[0]


def _mish_bwd(x):
    # d/dx x tanh(sp(x)) = tanh(sp) + x sigmoid(x) (1 - tanh^2(sp))
    t, sech2 = _tanh_softplus(x)
    return t + x * _sigmoid(x) * sech2


def _mish_fwd_mp(x):
    if x > MP_BIG:                  # tanh(softplus(x)) = 1 to within e^-20000
        return x
    return x * mp.tanh(mp.log1p(_mp_exp(x)))


def _mish_bwd_mp(x):
    if x > MP_BIG:
        return mp.mpf(1)
    sp = mp.log1p(_mp_exp(x))
    return mp.tanh(sp) + x * _sigmoid_mp(x) * mp.sech(sp) ** 2


# hard_* ------------------------------------------------------------------------

def _hard_sigmoid_fwd(x):
    return np.clip((x + 3) / 6, 0, 1)


def _hard_sigmoid_bwd(x):
    return np.where((x > -3) & (x < 3), 1 / _k(x, "6"), 0)


def _hard_swish_fwd(x):
    return np.where(x <= -3, 0, np.where(x >= 3, x, x * (x + 3) / 6))


def _hard_swish_bwd(x):
    # x/3 + 1/2 written (2x + 3)/6: 2x + 3 is exact near the zero at x = -1.5 (Sterbenz)
    return np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6))


def _hard_swish_fwd_mp(x):
    return mp.mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)


def _hard_swish_bwd_mp(x):
    return mp.mpf(0) if x <= -3 else (mp.mpf(1) if x >= 3 else x / 3 + mp.mpf("0.5"))


def _clip_mp(v, lo, hi):
    return max(min(v, mp.mpf(hi)), mp.mpf(lo))


# the table ---------------------------------------------------------------------

def _ind(cond):
    return mp.mpf(1) if cond else mp.mpf(0)


REFERENCES = {r.name: r for r in [
    Reference(
        "sigmoid", "output",
        forward=_sigmoid,
        backward=lambda y: y * (1 - y),          # y(1-y) from the saved output
        forward_mp=_sigmoid_mp,
        backward_mp=lambda y: y - y * y),
    Reference(
        "tanh", "output",
        forward=np.tanh,
        backward=lambda y: (1 - y) * (1 + y),    # 1-y^2 without cancellation at |y| -> 1
        forward_mp=_tanh_mp,
        backward_mp=lambda y: 1 - y * y),
    Reference(
        "relu", "input",
        forward=lambda x: np.maximum(x, 0),
        backward=lambda x: np.where(x > 0, 1, 0).astype(x.dtype),
        forward_mp=lambda x: max(x, mp.mpf(0)),
        backward_mp=lambda x: _ind(x > 0)),
    Reference(
        "relu6", "input",
        forward=lambda x: np.clip(x, 0, 6),
        backward=lambda x: np.where((x > 0) & (x < 6), 1, 0).astype(x.dtype),
        forward_mp=lambda x: _clip_mp(x, 0, 6),
        backward_mp=lambda x: _ind(0 < x < 6)),
    Reference(
        "leaky_relu", "input",
        forward=lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope),
        backward=lambda x, negative_slope=0.01: np.where(x > 0, 1, negative_slope).astype(x.dtype),
        forward_mp=lambda x, negative_slope=0.01: x if x > 0 else x * mp.mpf(negative_slope),
        backward_mp=lambda x, negative_slope=0.01: mp.mpf(1) if x > 0 else mp.mpf(negative_slope),
        settings=[{}, {"negative_slope": 0.2}]),
    Reference(
        "elu", "input",
        forward=_elu_fwd, backward=_elu_bwd,
        forward_mp=_elu_fwd_mp, backward_mp=_elu_bwd_mp,
        settings=[{}, {"alpha": 0.5}]),
    Reference(
        "selu", "input",
        forward=_selu_fwd, backward=_selu_bwd,
        forward_mp=_selu_fwd_mp, backward_mp=_selu_bwd_mp),
    Reference(
        "gelu", "input",
        forward=_gelu_fwd, backward=_gelu_bwd,
        forward_mp=_gelu_fwd_mp, backward_mp=_gelu_bwd_mp,
        settings=[{}, {"approximate": "tanh"}],
        longdouble=False,   # no longdouble erfc; the tanh form's exp(-2u) amplifies u's rounding
        roots=(-0.7517915246935645, -0.7524614220710163),
        note="float64: mpmath reference on a smaller sample"),
    Reference(
        "silu", "input",
        forward=lambda x: x * _sigmoid(x), backward=_silu_bwd,
        forward_mp=lambda x: x * _sigmoid_mp(x), backward_mp=_silu_bwd_mp,
        roots=(-1.2784645427610738,)),
    Reference(
        "mish", "input",
        forward=_mish_fwd, backward=_mish_bwd,
        forward_mp=_mish_fwd_mp, backward_mp=_mish_bwd_mp,
        roots=(-1.1924312145154952,)),
    Reference(
        "softplus", "input",
        forward=_softplus_fwd, backward=_softplus_bwd,
        forward_mp=_softplus_fwd_mp, backward_mp=_softplus_bwd_mp,
        settings=[{}, {"beta": 2.0, "threshold": 20.0}]),
    Reference(
        "softsign", "input",
        forward=lambda x: x / (1 + np.abs(x)),
        backward=lambda x: 1 / (1 + np.abs(x)) ** 2,
        forward_mp=lambda x: x / (1 + abs(x)),
        backward_mp=lambda x: 1 / (1 + abs(x)) ** 2),
    Reference(
        "log_sigmoid", "input",
        forward=lambda x: -_softplus(-x),        # min(x,0) - log1p(e^-|x|), no overflow
        backward=lambda x: _sigmoid(-x),         # 1 - sigmoid(x) formed directly
        forward_mp=lambda x: x if x < -MP_BIG else -mp.log1p(_mp_exp(-x)),
        backward_mp=lambda x: _sigmoid_mp(-x)),
    Reference(
        "hard_sigmoid", "input",
        forward=_hard_sigmoid_fwd, backward=_hard_sigmoid_bwd,
        forward_mp=lambda x: _clip_mp((x + 3) / 6, 0, 1),
        backward_mp=lambda x: mp.mpf(1) / 6 if -3 < x < 3 else mp.mpf(0)),
    Reference(
        "hard_swish", "input",
        forward=_hard_swish_fwd, backward=_hard_swish_bwd,
        forward_mp=_hard_swish_fwd_mp, backward_mp=_hard_swish_bwd_mp),
    Reference(
        "hard_tanh", "input",
        forward=lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
        backward=lambda x, min_val=-1.0, max_val=1.0:
            np.where((x > min_val) & (x < max_val), 1, 0).astype(x.dtype),
        forward_mp=lambda x, min_val=-1.0, max_val=1.0: _clip_mp(x, min_val, max_val),
        backward_mp=lambda x, min_val=-1.0, max_val=1.0: _ind(min_val < x < max_val),
        settings=[{}, {"min_val": -2.0, "max_val": 3.0}]),
]}


def mp_value(ref, direction, s, **params):
    """The exact value (mpmath, MP_DPS digits) of ref's forward or derivative at the float s."""
    with mp.workdps(MP_DPS):
        f = ref.forward_mp if direction == "forward" else ref.backward_mp
        return +f(_mpf(s), **params)


def vector_value(ref, direction, s, **params):
    """ref's forward or derivative on the float64/longdouble array s, same precision."""
    f = ref.forward if direction == "forward" else ref.backward
    with np.errstate(all="ignore"):
        r = f(s, **params)
    return np.asarray(r, dtype=s.dtype) if np.ndim(r) else np.full(s.shape, r, dtype=s.dtype)
