"""Shared machinery of the pytest-benchmark suites.

The cases (inputs, `out=` buffers, one zero-argument callable per
implementation) come from fastact.cli.bench, the same ones `python -m fastact
bench` times, so the careful NumPy references and the PyTorch/SciPy/numexpr
calls are written once.  Each test benchmarks one implementation of one case
(grouped by case, so `pytest bench --benchmark-enable` prints them side by
side) and then checks that implementation's result against fastact's: the
suites double as a test of the references.  Without --benchmark-enable
(pyproject's default) every benchmark runs once, as a plain test.

Peers that are not installed get no benchmarks; `test_peer_installed` skips
once per missing peer and says so.
"""
import numpy as np
import pytest

from fastact.cli.bench import load_peers

PEERS = load_peers()
OPTIONAL_PEERS = ("torch", "scipy", "numexpr")


def case_params(cases):
    """pytest params (case, implementation) for every implementation a case has."""
    return [pytest.param(case, impl, id=f"{case.function}-{case.dtype}-"
                         f"{'x'.join(map(str, case.shape))}-{impl}")
            for case in cases for impl in case.impls]


def as_float64_arrays(result):
    """A result (array, tensor, scalar, or tuple of them) as a list of float64 array copies."""
    items = result if isinstance(result, (tuple, list)) else (result,)
    arrays = []
    for item in items:
        if hasattr(item, "detach"):          # a torch tensor
            item = item.detach().numpy()
        arrays.append(np.array(item, dtype=np.float64))
    return arrays


def tolerances(dtype):
    """(rtol, atol relative to the largest |value|): references may round differently."""
    # float64 rtol 1e-7: PyTorch evaluates some float64 kernels with float32 constants
    # (hardsigmoid_backward multiplies by 1.0f/6, 3e-8 off)
    return (1e-4, 1e-5) if dtype == "float32" else (1e-7, 1e-10)


def run_case(benchmark, case, impl):
    benchmark.group = f"{case.function} {case.dtype} {'x'.join(map(str, case.shape))}"
    got = as_float64_arrays(benchmark(case.impls[impl]))   # copied before out= is reused
    expected = as_float64_arrays(case.impls["fastact"]())
    assert len(got) == len(expected)
    rtol, atol = tolerances(case.dtype)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        scale = float(np.max(np.abs(e))) if e.size else 0.0
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol * max(scale, 1e-30),
                                   err_msg=f"{impl} disagrees with fastact on {case.function}")


def skip_unless_installed(peer):
    if peer not in PEERS:
        pytest.skip(f"{peer} is not installed: its benchmarks are left out")
