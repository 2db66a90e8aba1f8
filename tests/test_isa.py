"""Every instruction-set build of the kernels (baseline, AVX2, AVX-512) that this CPU
can run meets the contracts, not only the one fastact picks: each is loaded in a
child process with FASTACT_ISA forcing it.  And the build's FASTACT_ONLY knob refuses
names it would build nothing for."""
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastact._common import cpu_supports
from conftest import child_env

CHECK = r"""
import numpy as np, fastact as fa
from fastact import _dispatch
print(_dispatch.kernel_isa("_activations"), _dispatch.kernel_isa("_softmax"), _dispatch.kernel_isa("_losses"))
rng = np.random.default_rng(3)
for dt, tol in ((np.float32, 4e-6), (np.float64, 1e-13)):
    x = (3 * rng.standard_normal((300, 37))).astype(dt)
    dy = rng.standard_normal(x.shape).astype(dt)
    x64, d64 = x.astype(np.float64), dy.astype(np.float64)
    m = x64.max(-1, keepdims=True)
    lse = m + np.log(np.exp(x64 - m).sum(-1, keepdims=True))
    s64, ls64 = np.exp(x64 - lse), x64 - lse
    ly = fa.log_softmax(x)
    checks = {
        "softmax": (fa.softmax(x), s64),
        "log_softmax": (ly, ls64),
        "softmax_backward": (fa.softmax_backward(dy, s64.astype(dt)),
                             s64 * (d64 - (d64 * s64).sum(-1, keepdims=True))),
        "log_softmax_backward": (fa.log_softmax_backward(dy, ly),
                                 d64 - np.exp(ly.astype(np.float64)) * d64.sum(-1, keepdims=True)),
    }
    t = rng.integers(0, 37, 300)
    loss, g = fa.softmax_cross_entropy_with_grad(x, t)
    onehot = np.eye(37)[t]
    checks["sce loss"] = (np.array([loss]), np.array([np.mean(lse[:, 0] - x64[np.arange(300), t])]))
    checks["sce grad"] = (g, (s64 - onehot) / 300)
    yb = rng.uniform(0, 1, x.shape).astype(dt)
    lb, gb = fa.binary_cross_entropy_with_logits_with_grad(x, yb)
    checks["bce-logits grad"] = (gb, (1 / (1 + np.exp(-x64)) - yb) / x.size)
    for name, (got, ref) in checks.items():
        scale = np.abs(ref).max()
        err = np.abs(got.astype(np.float64) - ref).max() / scale
        assert err <= tol, (dt.__name__, name, err)
print("ok")
"""


@pytest.mark.parametrize("isa", ["baseline", "avx2", "avx512"])
def test_each_instruction_set_build_meets_the_contracts(isa, tmp_path):
    if isa not in cpu_supports():
        pytest.skip(f"this CPU cannot run the {isa} build")
    name = "fastact._activations" + ("" if isa == "baseline" else "_" + isa)
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"the {isa} build was not compiled here")
    # the child imports the same fastact as this process (installed, or an in-place build)
    env = child_env(FASTACT_ISA=isa)
    # run from an empty folder, so the current directory adds no other fastact
    r = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == [isa, isa, isa, "ok"], r.stdout
    # every elementwise function within the 4 ulp contract on the quick sample
    r = subprocess.run([sys.executable, "-m", "fastact", "accuracy", "--quick", "--limit", "4",
                        "--no-progress"], env=env, capture_output=True, text=True, timeout=600,
                       cwd=tmp_path)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-2000:])


SETUP_PY = Path(__file__).resolve().parents[1] / "setup.py"


@pytest.mark.parametrize("only", ["_activations_avx512", "_softmx", "_losses,_common_avx2"])
def test_build_refuses_an_unknown_module_in_fastact_only(only, tmp_path):
    """FASTACT_ONLY (setup.py's developer knob) names whole modules; an ISA copy's name
    or a typo used to build nothing, silently.  setup.py stops before it imports its
    build tools or writes anything: run from a copy in an empty folder."""
    if not SETUP_PY.is_file():
        pytest.skip("no source tree next to the tests")
    shutil.copy(SETUP_PY, tmp_path / "setup.py")
    r = subprocess.run([sys.executable, "setup.py", "build_ext"], cwd=tmp_path, timeout=60,
                       env=child_env(FASTACT_ONLY=only), capture_output=True, text=True)
    bad = [m for m in only.split(",") if m not in ("_common", "_activations", "_softmax", "_losses")]
    assert r.returncode != 0
    assert f"FASTACT_ONLY: unknown module(s) {', '.join(bad)}" in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["setup.py"]
