"""Every loss and its fused _with_grad: fastact vs careful NumPy and PyTorch (forward + backward).

Shapes (classes last): (2, 8) (call overhead), (1024, 1000) and (16384, 10)
float32, (1024, 1000) float64; mean reduction, integer labels where the loss
takes them.  Run with `pytest bench --benchmark-enable`.
"""
import pytest

from conftest import PEERS, case_params, run_case
from fastact.cli.bench import loss_cases

CASES = (loss_cases((2, 8), "float32", PEERS)
         + loss_cases((1024, 1000), "float32", PEERS)
         + loss_cases((16384, 10), "float32", PEERS)
         + loss_cases((1024, 1000), "float64", PEERS))


@pytest.mark.parametrize("case, impl", case_params(CASES))
def test_loss(benchmark, case, impl):
    run_case(benchmark, case, impl)
