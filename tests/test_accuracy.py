"""The accuracy tool (python -m fastact accuracy) and its references.

* the ulp metric on hand-made cases (exact, 1 ulp, fractions, subnormals, overflow, NaN);
* the samples (every float64 binade, float32 edges);
* the references agree with each other (float64 / longdouble formulas vs mpmath) and
  with PyTorch at the kinks;
* the measurement catches deliberately wrong implementations and does not flag a
  correctly rounded one next to a derivative's zero;
* the quick mode in-process: fastact within 4 ulp for a few functions; the CLI.
"""
import json
import math

import numpy as np
import pytest
from mpmath import mp

import fastact as fa
from fastact.cli import accuracy as acc
from fastact.cli.references import (REFERENCES, LONGDOUBLE_IS_EXTENDED, mp_value,
                                    vector_value)
from conftest import requires_torch, torch

f32, f64 = np.float32, np.float64


def _up(v, k=1):
    v = np.asarray(v)
    with np.errstate(over="ignore"):
        for _ in range(k):
            v = np.nextafter(v, v.dtype.type(np.inf))
    return v


# --- the metric ------------------------------------------------------------------

def test_ulp_error_float32_hand_made():
    v = np.array([1.0, 0.1, -3.5, 1e30, 1e-30], dtype=f32)
    ref = v.astype(f64)
    assert np.all(acc.ulp_error(v, ref) == 0)                      # exact -> 0
    assert np.all(acc.ulp_error(_up(v), ref) == 1)                 # one step -> 1
    assert np.all(acc.ulp_error(_up(v, 3), ref) == 3)
    # a reference a quarter ulp above v: v is 0.25 ulp off, the next float 0.75
    sp = np.abs(np.spacing(v)).astype(f64)
    quarter = ref + 0.25 * sp
    np.testing.assert_allclose(acc.ulp_error(v, quarter), 0.25, rtol=1e-9)
    np.testing.assert_allclose(acc.ulp_error(_up(v), quarter), 0.75, rtol=1e-9)
    # the ulp is that of the reference rounded: just below 1 the spacing of 1 (2^-23) counts
    assert acc.ulp_error(np.nextafter(f32(1), f32(0)), np.array([1.0]))[0] == 0.5


def test_ulp_error_subnormals_zero_overflow_nan():
    tiny = np.finfo(f32).smallest_subnormal
    assert acc.ulp_error(np.array([tiny], f32), np.array([0.0]))[0] == 1
    assert acc.ulp_error(np.array([0.0], f32), np.array([2 * float(tiny)]))[0] == 2
    assert acc.ulp_error(np.array([3 * tiny], f32), np.array([float(tiny)]))[0] == 2
    assert acc.ulp_error(np.array([-0.0], f32), np.array([0.0]))[0] == 0
    # a float32 subnormal reference between two subnormals
    assert acc.ulp_error(np.array([tiny], f32), np.array([1.5 * float(tiny)]))[0] == 0.5
    # both overflow to +inf: exact; inf against a finite reference or NaN: inf
    big = np.array([4e38])
    assert acc.ulp_error(np.array([np.inf], f32), big)[0] == 0
    assert acc.ulp_error(np.array([np.finfo(f32).max], f32), big)[0] > 1e5
    assert acc.ulp_error(np.array([np.inf], f32), np.array([1.0]))[0] == math.inf
    assert acc.ulp_error(np.array([np.nan], f32), np.array([1.0]))[0] == math.inf


@pytest.mark.skipif(not LONGDOUBLE_IS_EXTENDED, reason="needs 80-bit longdouble")
def test_ulp_error_float64_against_longdouble():
    v = np.array([1.0, 0.1, -3.5, 1e300, 1e-300, 5e-324, 2.5e-320])
    ref = v.astype(np.longdouble)
    assert np.all(acc.ulp_error(v, ref) == 0)
    assert np.all(acc.ulp_error(_up(v), ref) == 1)
    half = ref + np.abs(np.spacing(v)).astype(np.longdouble) / 2
    np.testing.assert_allclose(acc.ulp_error(v, half), 0.5, rtol=1e-6)
    assert acc.ulp_error(np.array([5e-324]), np.array([0.0], dtype=np.longdouble))[0] == 1


def test_mp_ulp_error_matches_vector_metric():
    with mp.workdps(50):
        one_third = mp.mpf(1) / 3
        a32 = f32(1 / 3)
        a64 = 1 / 3
        e32 = acc.mp_ulp_error(a32, one_third, "float32")
        e64 = acc.mp_ulp_error(a64, one_third, "float64")
        assert 0 < e32 <= 0.5 and 0 < e64 <= 0.5
        assert acc.mp_ulp_error(_up(a32, 2), one_third, "float32") == pytest.approx(2 - e32, abs=1e-6) \
            or acc.mp_ulp_error(_up(a32, 2), one_third, "float32") == pytest.approx(2 + e32, abs=1e-6)
        assert acc.mp_ulp_error(0.0, mp.mpf(0), "float64") == 0
        assert acc.mp_ulp_error(5e-324, mp.mpf(0), "float64") == 1
        assert acc.mp_ulp_error(math.nan, mp.mpf(1), "float32") == math.inf


# --- samples -------------------------------------------------------------------

def test_float64_sample_covers_every_binade_and_sign():
    x = acc.f64_sample(2)
    assert np.all(np.isfinite(x))
    for sign in (1, -1):
        part = x[np.sign(x) == sign]
        _, e = np.frexp(np.abs(part))                 # |x| in [2^(e-1), 2^e)
        assert set(range(-1073, 1025)) <= set(e.tolist())
    for edge in (0.0, 20.0, -88.7, 710.0, -1e4, np.finfo(f64).max, 5e-324, 6.0, -3.0):
        assert edge in x
    # and 256 points per binade's share spread evenly over [-40, 40]: 2 x 256 = 512
    # points, about 64 in each eighth of it
    inner = x[np.abs(x) < 40]
    counts = np.histogram(inner, bins=8, range=(-40, 40))[0]
    assert counts.min() >= 32, counts


def test_float64_sample_is_dense_where_the_kernels_change():
    x = acc.f64_sample(24)                          # the mpmath cases' full sample
    tail = x[(x > -37) & (x < -10)]
    # the binade sample alone puts 3 x 24 = 72 points there; the uniform part 24 x 256 x
    # 27/80, about 2,070, more
    assert tail.size > 1800, tail.size


def test_float32_edges_and_quick_sample():
    e = acc.edges(f32)
    for v in (0.0, 6.0, -3.0, 20.0, -88.7, 1e4, np.finfo(f32).max, np.finfo(f32).smallest_subnormal):
        assert f32(v) in e and f32(-v) in e
        assert np.nextafter(f32(v), f32(0)) in e and np.nextafter(f32(-v), f32(0)) in e
    count, chunks = acc.f32_chunks(quick=True)
    x = next(chunks)
    assert count == 1 and x.dtype == f32 and x.size > 2 ** 20 - 2 ** 14 and np.all(np.isfinite(x))
    # full mode: chunk k is the bit patterns [k 2^bits, (k+1) 2^bits), non-finite ones dropped
    k_inf = 0x7F800000 >> 12
    count, chunks = acc.f32_chunks(False, chunk_bits=12, chunks=(k_inf - 1, k_inf + 1))
    below_inf, infs_and_nans = list(chunks)
    assert count == 2 and below_inf.size == 4096 and infs_and_nans.size == 0
    assert below_inf.view(np.uint32)[0] == (k_inf - 1) << 12
    assert below_inf[-1] == np.finfo(f32).max


# --- the references -------------------------------------------------------------

def _ref_cases():
    for name, ref in REFERENCES.items():
        for params in ref.settings:
            for direction in ("forward", "backward"):
                yield pytest.param(name, direction, params,
                                   id=f"{name}-{direction}-{acc._fmt_params(params) or 'default'}")


def _ld_to_mp(g):
    """A longdouble exactly as an mpf: its significand (64 bits) is a double plus a
    residual double; the exponent is applied in mpmath (no float64 underflow)."""
    m, e = np.frexp(np.longdouble(g))
    hi = float(m)
    return (mp.mpf(hi) + mp.mpf(float(m - np.longdouble(hi)))) * mp.mpf(2) ** int(e)


_GRID = np.concatenate([[-1e4, -710.0, -100.0, -30.0, -20.0, -6.5, -3.0, -2.9, -1.7, -1.0, -0.3, -1e-3,
                         -1e-8, -1e-30, 0.0, 1e-30, 1e-8, 1e-3, 0.3, 1.0, 1.7, 2.9, 3.0, 6.0, 6.5,
                         10.0, 10.5, 20.0, 30.0, 100.0, 710.0, 1e4, 1e200],
                        np.random.default_rng(7).standard_normal(40) * 8])


@pytest.mark.parametrize("name, direction, params", list(_ref_cases()))
def test_vector_references_agree_with_mpmath(name, direction, params):
    """At float32 inputs the float64 formulas are within 0.01 float32 ulp of mpmath; at
    float64 inputs the longdouble formulas are within 0.02 float64 ulp (both away from a
    derivative's zero, where the tool always confirms in mpmath)."""
    ref = REFERENCES[name]
    x = _GRID.copy()
    if direction == "backward" and ref.saves == "output":
        x = vector_value(ref, "forward", x)               # the saved output y
    if direction == "backward" and ref.roots:
        x = x[np.min([np.abs(x - r) for r in ref.roots], axis=0) > 0.05]
    with np.errstate(over="ignore"):
        x32 = x.astype(f32)
    x32 = x32[np.isfinite(x32)].astype(f64)
    exact = [mp_value(ref, direction, v, **params) for v in x32]
    got = vector_value(ref, direction, x32, **params)
    e32 = [float(abs(mp.mpf(float(g)) - t) / float(abs(np.spacing(f32(float(t))))))
           for g, t in zip(got, exact)]
    assert max(e32) <= 0.01, (x32[int(np.argmax(e32))], max(e32))
    if ref.longdouble and LONGDOUBLE_IS_EXTENDED:
        exact = [mp_value(ref, direction, v, **params) for v in x]
        got_ld = vector_value(ref, direction, x.astype(np.longdouble), **params)
        with mp.workdps(50):
            eld = [float(abs(_ld_to_mp(g) - t) / mp.mpf(float(abs(np.spacing(f64(float(t)))))))
                   for g, t in zip(got_ld, exact)]
        assert max(eld) <= 0.02, (x[int(np.argmax(eld))], max(eld))


_TORCH_FWD = {
    "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "relu6": "relu6",
    "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu", "gelu": "gelu", "silu": "silu",
    "mish": "mish", "softplus": "softplus", "softsign": "softsign", "log_sigmoid": "logsigmoid",
    "hard_sigmoid": "hardsigmoid", "hard_swish": "hardswish", "hard_tanh": "hardtanh",
}


@requires_torch
@pytest.mark.parametrize("name, direction, params", list(_ref_cases()))
def test_references_follow_pytorch_at_kinks(name, direction, params):
    """Kinks, thresholds and clamps as PyTorch (float64, autograd) has them."""
    ref = REFERENCES[name]
    # (not far left: PyTorch's own gelu cancels there)
    x = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 9.99, 10.0,
                  10.01, 19.99, 20.0, 20.01, 7.0])
    acc_fn = acc._torch_peer(name, direction, params)
    if direction == "backward" and ref.saves == "output":
        x = vector_value(ref, "forward", x)
    want = acc_fn(x) if direction == "forward" else acc_fn(np.ones_like(x), x)
    got = vector_value(ref, direction, x, **params)
    # PyTorch's hardsigmoid backward uses a float32 1/6 even in float64
    rtol = 1e-7 if (name, direction) == ("hard_sigmoid", "backward") else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)


# --- the measurement catches wrong implementations ----------------------------------

def _case(name, direction, dtype, impl, params=None):
    params = params or {}
    c = acc.Case(name, direction, dict(params), dtype, impl=impl)
    c.stats = {"fastact": acc.Stat()}
    return c


def _quick_sample(dtype):
    return next(acc.f32_chunks(True)[1]) if dtype == "float32" else acc.f64_sample(4)


def test_naive_tanh_backward_is_caught():
    def naive(dy, y):                       # 1 - y*y in float32 cancels as |y| -> 1
        return dy * (f32(1) - y * y)
    c = acc.measure_case(_case("tanh", "backward", "float32", naive), _quick_sample("float32"))
    assert c.stats["fastact"].max_ulp > 4
    assert abs(c.stats["fastact"].at) > 0.9


def test_naive_sigmoid_is_caught():
    def naive(x):                           # 1/(1+e^-x) loses the tail below x ~ -88
        return (f32(1) / (f32(1) + np.exp(-x))).astype(f32)
    c = acc.measure_case(_case("sigmoid", "forward", "float32", naive), _quick_sample("float32"))
    assert c.stats["fastact"].max_ulp > 4 and c.stats["fastact"].at < -80


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_perturbed_result_is_caught(dtype):
    def off_by_6(x):                        # fastact's sigmoid, 6 ulp too high
        return _up(fa.sigmoid(x), 6)
    c = acc.measure_case(_case("sigmoid", "forward", dtype, off_by_6), _quick_sample(dtype))
    # 6 steps are >= 5.5 ulp inside a binade, up to 12 when crossing up into the next
    # one, plus fastact's own error (float32 sigmoid: <= 3 ulp)
    assert 5.5 <= c.stats["fastact"].max_ulp <= 15.5


def test_wrong_kink_is_caught():
    def relu_grad_one_at_zero(dy, x):       # PyTorch's relu' (0) is 0
        return np.where(x >= 0, dy, 0).astype(x.dtype)
    c = acc.measure_case(_case("relu", "backward", "float32", relu_grad_one_at_zero),
                         acc.edges(f32))
    assert c.stats["fastact"].max_ulp > 1e6 and c.stats["fastact"].at == 0


def test_correctly_rounded_result_is_not_flagged_near_a_derivative_zero():
    """Next to silu's derivative zero the longdouble reference alone would cancel; the
    mpmath confirmation must report a correctly rounded result as <= 1/2 ulp."""
    root = REFERENCES["silu"].roots[0]
    x = root + np.linspace(-1e-9, 1e-9, 81)
    exact = {float(v): mp_value(REFERENCES["silu"], "backward", v) for v in x}

    def correctly_rounded(dy, s):
        return np.array([float(exact[float(v)]) for v in s])
    c = acc.measure_case(_case("silu", "backward", "float64", correctly_rounded), x)
    assert c.stats["fastact"].max_ulp <= 0.5 + 1e-9


# --- fastact itself, quick mode -------------------------------------------------

def test_quick_mode_fastact_within_4_ulp():
    names = [n for n in ("sigmoid", "tanh", "log_sigmoid", "elu") if n in fa.ACTIVATIONS]
    cases = acc.run(names=names, quick=True)
    assert {c.name for c in cases} == set(names)
    assert len(cases) >= 8
    worst = max(cases, key=lambda c: c.stats["fastact"].max_ulp)
    assert worst.stats["fastact"].max_ulp <= 4, worst.as_dict()
    for c in cases:
        assert c.stats["fastact"].count >= (2 ** 20 - 2 ** 14 if c.dtype == "float32" else 2 ** 16)


def test_cli_quick_json_and_exit_status(tmp_path, capsys):
    out = tmp_path / "acc.json"
    assert acc.main(["--quick", "--only", "relu", "--dtype", "float32", "--no-progress",
                     "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "relu" in text and "max ulp" in text
    data = json.loads(out.read_text())
    assert {(c["function"], c["direction"]) for c in data["cases"]} == {("relu", "forward"),
                                                                       ("relu", "backward")}
    assert all(c["ok"] and c["fastact"]["max_ulp"] == 0 for c in data["cases"])
    # a limit every entry exceeds -> exit status 1
    assert acc.main(["--quick", "--only", "sigmoid", "--dtype", "float32", "--direction",
                     "forward", "--no-progress", "--limit", "0.1"]) == 1
    with pytest.raises(SystemExit):
        acc.main(["--only", "no_such_activation"])
