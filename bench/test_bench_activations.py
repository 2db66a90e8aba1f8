"""Every activation forward and backward: fastact vs careful NumPy, PyTorch, SciPy, numexpr.

Sizes: 16 elements (call overhead) and 2^20 elements (throughput), out= given.
Run with `pytest bench --benchmark-enable`.
"""
import pytest

from conftest import OPTIONAL_PEERS, PEERS, case_params, run_case, skip_unless_installed
from fastact.cli.bench import elementwise_cases

CASES = (elementwise_cases(16, "float32", PEERS)
         + elementwise_cases(1 << 20, "float32", PEERS)
         + elementwise_cases(1 << 20, "float64", PEERS))


@pytest.mark.parametrize("case, impl", case_params(CASES))
def test_activation(benchmark, case, impl):
    run_case(benchmark, case, impl)


@pytest.mark.parametrize("peer", OPTIONAL_PEERS)
def test_peer_available(peer):
    skip_unless_installed(peer)
