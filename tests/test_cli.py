"""The command line: check, bench, demo and the accuracy slot of `python -m fastact`."""
import importlib.util
import json
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import fastact as fa
from conftest import child_env
from fastact import __main__ as cli
from fastact.cli import bench, check

SOFTMAX_DERIVATIVES = ("softmax_backward", "softmax_jvp", "log_softmax_backward", "softmax_jacobian")
LOSSES = ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
          "cross_entropy", "softmax_cross_entropy", "nll_loss")


def table_rows(text):
    """{(function, dtype): ok-column} from the check table."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+(?: \(grad = softmax\))?)\s+(float32|float64|-)\s+\d+\s+\S+\s+\S+\s+(ok|FAIL)",
                     line)
        if m:
            rows[(m.group(1), m.group(2))] = m.group(3)
    return rows


# --- check -------------------------------------------------------------------------------

def test_check_passes_with_a_row_per_function(capsys):
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    expected = [n + "_backward" for n in fa.ACTIVATIONS]
    expected += [n for n in SOFTMAX_DERIVATIVES if hasattr(fa, n)]
    expected += [n + "_with_grad" for n in LOSSES if hasattr(fa, n + "_with_grad")]
    for name in expected:
        for dtype in ("float64", "float32"):
            assert rows.get((name, dtype)) == "ok", (name, dtype, out)
    assert "FAIL" not in out


def test_check_fails_when_a_backward_is_wrong(monkeypatch, capsys):
    monkeypatch.setattr(fa, "sigmoid_backward", lambda dy, y, out=None: dy * y)   # forgot (1 − y)
    assert check.main(["--filter", "sigmoid"]) == 1
    rows = table_rows(capsys.readouterr().out)
    assert rows[("sigmoid_backward", "float64")] == "FAIL"
    assert rows[("log_sigmoid_backward", "float64")] == "ok"   # the others are unaffected


def test_check_catches_a_float32_only_error(monkeypatch, capsys):
    right = fa.tanh_backward

    def float32_wrong(dy, y, out=None):   # correct in float64; 1 − y instead of 1 − y² in float32
        if np.asarray(y).dtype == np.float32:
            return (np.asarray(dy) * (1 - np.asarray(y))).astype(np.float32)
        return right(dy, y, out=out)

    monkeypatch.setattr(fa, "tanh_backward", float32_wrong)
    assert check.main(["--filter", "tanh"]) == 1
    rows = table_rows(capsys.readouterr().out)
    assert rows[("tanh_backward", "float64")] == "ok"
    assert rows[("tanh_backward", "float32")] == "FAIL"


def test_check_catches_a_small_relative_error(monkeypatch, capsys):
    right = fa.gelu_backward if hasattr(fa, "gelu_backward") else fa.sigmoid_backward
    name = right.__name__
    monkeypatch.setattr(fa, name, lambda *a, **k: right(*a, **k) * (1 + 1e-4))
    assert check.main(["--filter", name]) == 1
    assert table_rows(capsys.readouterr().out)[(name, "float64")] == "FAIL"


@pytest.mark.skipif(not hasattr(fa, "softmax_backward"), reason="softmax family not built yet")
def test_check_fails_when_softmax_backward_is_wrong(monkeypatch, capsys):
    monkeypatch.setattr(fa, "softmax_backward", lambda dy, y, axis=-1, out=None: y * dy)
    assert check.main(["--filter", "softmax_backward"]) == 1
    assert table_rows(capsys.readouterr().out)[("softmax_backward", "float64")] == "FAIL"


@pytest.mark.skipif(not hasattr(fa, "mse_loss_with_grad"), reason="losses not built yet")
def test_check_fails_when_a_loss_gradient_is_wrong(monkeypatch, capsys):
    right = fa.mse_loss_with_grad

    def wrong(inp, target, **kw):   # drops the factor 2
        loss, grad = right(inp, target, **kw)
        return loss, grad / 2
    monkeypatch.setattr(fa, "mse_loss_with_grad", wrong)
    assert check.main(["--filter", "mse_loss"]) == 1
    assert table_rows(capsys.readouterr().out)[("mse_loss_with_grad", "float64")] == "FAIL"


def test_check_reports_an_exception_as_failure(monkeypatch, capsys):
    def broken(dy, y, out=None):
        raise RuntimeError("kernel exploded")
    monkeypatch.setattr(fa, "sigmoid_backward", broken)
    assert check.main(["--filter", "sigmoid_backward"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "kernel exploded" in out


def test_check_kinks_are_avoided():
    rng = np.random.default_rng(0)
    for name, params in [("relu6", {}), ("hard_tanh", {"min_val": -0.5, "max_val": 2.0}),
                         ("softplus", {"beta": 2.0, "threshold": 5.0})]:
        x = check.activation_points(rng, name, params)
        for k in check.activation_kinks(name, params):
            assert np.min(np.abs(x - k)) > 1e-3


# --- bench -------------------------------------------------------------------------------

def test_bench_quick_filter_runs_and_prints_the_table(tmp_path):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "fastact", "bench", "--quick", "--filter", "sigmoid",
                           "--json", str(out_json)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          # the fastact under test, not a source tree in the cwd
                          env=child_env(PYTHONWARNINGS="error::RuntimeWarning"))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for needle in ("cpu", "fastact_threads", "numpy", "fa/limit", "numpy/fa",
                   "sigmoid", "sigmoid_backward", "Small inputs", "np.tanh"):
        assert needle in text, needle
    assert "failed on" not in text       # every implementation ran
    data = json.loads(out_json.read_text())
    functions = {r["function"] for r in data["large"]}
    assert {"sigmoid", "sigmoid_backward"} <= functions
    assert all("sigmoid" in f for f in functions)
    for r in data["large"] + data["small"]:
        assert r["times"]["fastact"] > 0 and r["times"]["limit"] > 0
        assert r["fastact/limit"] == pytest.approx(r["times"]["fastact"] / r["times"]["limit"])


def test_bench_call_with_writes_the_keywords_out():
    """The timed callables pass positional and keyword arguments as given (no dict
    unpacking per call), and refuse names that are not identifiers."""
    seen = []
    call = bench._call_with(lambda *a, **k: seen.append((a, k)) or "done", (1, "x"),
                            {"out": 3, "approximate": "tanh"})
    assert call() == "done" and seen == [((1, "x"), {"out": 3, "approximate": "tanh"})]
    assert bench._call_with(lambda: 7, (), {})() == 7
    y = np.empty(5)
    x = np.linspace(-2, 2, 5)
    assert bench._call_with(fa.gelu, (x,), {"approximate": "tanh", "out": y})() is y
    np.testing.assert_array_equal(y, fa.gelu(x, approximate="tanh"))
    with pytest.raises(ValueError, match="not keyword names"):
        bench._call_with(print, (), {"a b": 1})


def test_bench_warm_up_precedes_every_sample_untimed():
    """With warm > 0 each sample is preceded by untimed calls for at least that long,
    and the reported time is still that of the timed calls alone."""
    calls = {"a": 0, "b": 0}

    def make(name, seconds):
        def fn():
            calls[name] += 1
            time.sleep(seconds)
        return fn

    impls = {"a": make("a", 1e-3), "b": make("b", 2e-3)}
    times, errors = bench.time_impls(impls, repeats=3, min_sample=2e-3)
    cold = dict(calls)
    calls.update(a=0, b=0)
    times_w, errors_w = bench.time_impls(impls, repeats=3, min_sample=2e-3, warm=20e-3)
    assert not errors and not errors_w
    # about 20 extra calls of "a" and 10 of "b" in each of the three samples
    assert calls["a"] - cold["a"] >= 3 * 10 and calls["b"] - cold["b"] >= 3 * 5
    for t in (times, times_w):
        assert 1e-3 <= t["a"] < 1.9e-3 and 2e-3 <= t["b"] < 3.8e-3


def test_bench_sizes_sets_the_elementwise_sizes(capsys):
    assert cli.main(["bench", "--quick", "--filter", "tanh", "--sizes", "100,300", "--no-small",
                     "--dtype", "float64", "--threads", "1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if line.split()[:2] in (["tanh", "float64"], ["tanh_backward", "float64"])]
    assert sorted((r[0], r[2]) for r in rows) == [("tanh", "100"), ("tanh", "300"),
                                                  ("tanh_backward", "100"), ("tanh_backward", "300")]


@pytest.mark.parametrize("option, bad", [("--sizes", v) for v in ("0", "-5", "10,x", "")]
                         + [("--peers", v) for v in ("", "tensorflow", "numpy,jax", "none,numpy")])
def test_bench_rejects_bad_option_values(option, bad, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", option, bad])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_bench_peers_times_only_the_named_peers(tmp_path, capsys):
    out_json = tmp_path / "b.json"
    assert cli.main(["bench", "--quick", "--filter", "relu6", "--no-small", "--peers", "none",
                     "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "fa/limit" in text and "numpy/fa" not in text and "torch/fa" not in text
    rows = json.loads(out_json.read_text())["large"]
    assert rows and all(set(r["times"]) == {"fastact", "limit"} for r in rows)
    assert cli.main(["bench", "--quick", "--filter", "relu6", "--no-small", "--peers", "numpy",
                     "--json", str(out_json)]) == 0
    assert "numpy/fa" in capsys.readouterr().out
    rows = json.loads(out_json.read_text())["large"]
    assert rows and all(set(r["times"]) == {"fastact", "limit", "numpy"} for r in rows)


def test_bench_peers_refuses_a_peer_that_is_not_installed(monkeypatch, capsys):
    monkeypatch.setattr(bench, "load_peers", lambda: {})
    assert cli.main(["bench", "--quick", "--peers", "torch"]) == 2
    assert "torch" in capsys.readouterr().err


def test_numpy_references_agree_with_fastact():
    """The bench's careful NumPy code computes the same functions (one spot check per kind)."""
    peers = {}
    cases = (bench.elementwise_cases(1000, "float64", peers) + bench.softmax_cases((7, 9), "float64", peers)
             + bench.loss_cases((6, 5), "float64", peers))
    assert cases
    for case in cases:
        got, want = case.impls["numpy"](), case.impls["fastact"]()
        got = [np.array(g, dtype=np.float64) for g in (got if isinstance(got, tuple) else (got,))]
        want = [np.array(w, dtype=np.float64) for w in (want if isinstance(want, tuple) else (want,))]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, err_msg=case.function)


def test_numpy_references_do_not_overflow():
    x = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    out = np.empty_like(x)
    np.testing.assert_allclose(bench.np_sigmoid(x, out), [0, 0, 1 / (1 + np.exp(30)), 0.5,
                                                          1 / (1 + np.exp(-30)), 1, 1], rtol=1e-15)
    assert np.all(np.isfinite(bench.np_log_sigmoid(x, out)))
    row = np.array([[1000.0, 999.0, -1e4]])
    np.testing.assert_allclose(bench.np_softmax(row, np.empty_like(row)).sum(), 1.0)
    np.testing.assert_allclose(bench.np_logsumexp(row), 1000.0 + np.log1p(np.exp(-1.0)))


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is not None,
                    reason="matplotlib is installed")
def test_bench_plot_without_matplotlib_says_so(tmp_path, capsys):
    assert cli.main(["bench", "--quick", "--filter", "sigmoid", "--plot", str(tmp_path / "p.png")]) == 2
    assert "matplotlib" in capsys.readouterr().err


# --- demo and the accuracy slot ----------------------------------------------------------

def test_demo_shows_the_loss_falling(capsys):
    assert cli.main(["demo", "--epochs", "300"]) == 0
    out = capsys.readouterr().out
    costs = [float(v) for v in re.findall(r"J = ([0-9.]+)", out)]
    assert len(costs) >= 5
    assert all(b <= a for a, b in zip(costs, costs[1:])), costs
    assert costs[-1] < 0.5 * costs[0]


def test_accuracy_subcommand_is_present(capsys):
    assert "accuracy" in cli.build_parser().format_help()
    if importlib.util.find_spec("fastact.cli.accuracy") is None:
        assert cli.main(["accuracy"]) == 2
        assert "accuracy" in capsys.readouterr().err
    else:
        with pytest.raises(SystemExit) as exc:
            cli.main(["accuracy", "--help"])
        assert exc.value.code == 0
        assert "--quick" in capsys.readouterr().out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "check" in capsys.readouterr().out
