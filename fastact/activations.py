"""Elementwise activations and their backward passes.

Every activation `f` has `f(x, *, out=None, **params)` and
`f_backward(dy, saved, *, out=None, **params)`, where `saved` is the forward
output `y` for sigmoid and tanh and the forward input `x` for every other
activation.  The math lives in _math.pxd, the loops in _activations.pyx.tp;
this module only names things and checks parameters.
"""
from fastact import _activations as _k
from fastact._validate import check_real_param

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation",
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
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
