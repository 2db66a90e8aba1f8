"""Shared test helpers: ulp distances, finite differences, optional oracles, the
environment of child processes."""
import os

import numpy as np
import pytest

try:
    import torch
except ImportError:  # the PyTorch oracle tests skip cleanly without it
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle) is not installed")


def child_env(**extra):
    """os.environ plus `extra` for a child Python that imports the same fastact as this
    process (installed, or an in-place build) ahead of anything on an inherited
    PYTHONPATH; run it from a folder without a fastact source tree."""
    import fastact
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastact.__file__)))
    path = os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return dict(os.environ, PYTHONPATH=path, **extra)


def read_c_tables(path, ctype, name_re):
    """The generated arrays `static const <ctype> NAME[...] = {...};` of a C header whose
    names match name_re, as {name: list of floats} (hex floats; float32 ones carry an f
    suffix).  Skips the test where the source tree is not there (an installed copy)."""
    import re
    if not os.path.exists(path):
        pytest.skip("source tree not available")
    with open(path) as fh:
        text = fh.read()
    suffix = "f" if ctype == "float" else ""
    value = rf"-?0x[0-9a-f.p+-]+{suffix}|0\.0{suffix}"
    out = {}
    for name, body in re.findall(rf"static const {ctype} ({name_re})\[[^=]*= \{{(.*?)\}};", text, re.S):
        out[name] = [float.fromhex(v[:len(v) - len(suffix)]) if v != "0.0" + suffix else 0.0
                     for v in re.findall(value, body)]
    return out


def ulp_distance(actual, expected):
    """|actual - expected| in units in the last place of `actual`'s dtype.

    `expected` is a higher-precision reference (float64 for float32 results, or
    an mpmath-derived float64 pair for float64 results).  Equal infinities and
    NaN-vs-NaN count as 0; a NaN or infinity mismatch counts as inf.
    """
    actual = np.asarray(actual)
    dt = actual.dtype
    exp_ = np.asarray(expected, dtype=np.float64)
    a = actual.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(exp_)
    same = (a == exp_) | both_nan
    with np.errstate(invalid="ignore", over="ignore"):
        # spacing of the expected value rounded to the result dtype
        ref = exp_.astype(dt)
        sp = np.abs(np.spacing(ref.astype(dt))).astype(np.float64)
        sp = np.where(sp == 0, np.finfo(dt).smallest_subnormal, sp)
        d = np.abs(a - exp_) / sp
    d = np.where(same, 0.0, d)
    d = np.where(~same & (np.isnan(a) | np.isnan(exp_) | np.isinf(a) | np.isinf(exp_)), np.inf, d)
    return d


def central_difference(f, x, dy, eps=1e-6):
    """Σ_j dy_j ∂f_j/∂x_i by central differences in float64, for every i of x."""
    x = np.array(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    g = np.empty_like(x)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        h = eps * max(1.0, abs(old))
        flat[i] = old + h
        fp = np.sum(np.asarray(f(x), dtype=np.float64) * dy)
        flat[i] = old - h
        fm = np.sum(np.asarray(f(x), dtype=np.float64) * dy)
        flat[i] = old
        gf[i] = (fp - fm) / (2 * h)
    return g


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
