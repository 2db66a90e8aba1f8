"""The softmax family along the last axis: fastact vs careful NumPy, PyTorch and SciPy.

Shapes: (1, 16) (call overhead), (1024, 1000) float32 and float64, and
softmax_jacobian at (64, 32).  Run with `pytest bench --benchmark-enable`.
"""
import pytest

from conftest import PEERS, case_params, run_case
from fastact.cli.bench import jacobian_cases, softmax_cases

CASES = (softmax_cases((1, 16), "float32", PEERS)
         + softmax_cases((1024, 1000), "float32", PEERS)
         + softmax_cases((1024, 1000), "float64", PEERS)
         + jacobian_cases((64, 32), "float32", PEERS))


@pytest.mark.parametrize("case, impl", case_params(CASES))
def test_softmax_family(benchmark, case, impl):
    run_case(benchmark, case, impl)
