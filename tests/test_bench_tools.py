"""The developer scripts under bench/ that are not pytest-benchmark suites."""
import json
import os
import subprocess
import sys

from conftest import child_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SURVEY = os.path.join(ROOT, "bench", "survey.py")


def _run(args, cwd):
    return subprocess.run([sys.executable, SURVEY] + args, env=child_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_survey_times_every_kernel(tmp_path):
    out = tmp_path / "s.json"
    r = _run(["--size", "2048", "--json", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    ns = data["ns"]
    assert data["isa"] in ("baseline", "avx2", "avx512")
    # 16 activations (gelu twice), both directions, both dtypes; 6 softmax-family
    # functions and 7 losses with and without the gradient, at 2 shapes and 2 dtypes
    assert len(ns) == 2 * 17 * 2 + 2 * 2 * (6 + 7 * 2)
    assert all(v > 0 for v in ns.values())
    assert "binary_cross_entropy_with_grad 13107x10 float32" in ns
    assert "gelu_backward[approximate=tanh] float64" in ns


def test_survey_compare_shows_only_changes_past_the_threshold(tmp_path):
    old = {"isa": "avx512", "ns": {"a float32": 1.0, "b float32": 1.0, "c float32": 3.0}}
    new = {"isa": "avx2", "ns": {"a float32": 1.1, "b float32": 3.0, "c float32": 1.0}}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    r = _run(["--compare", "old.json", "new.json", "--threshold", "1.5"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    assert lines == ["b", "c"], r.stdout       # slower first, then faster; "a" (1.1x) left out


def test_ab_env_runs_both_sides_and_prints_every_kernel(tmp_path):
    out = tmp_path / "ab.json"
    script = os.path.join(ROOT, "bench", "ab_env.py")
    r = subprocess.run([sys.executable, script, "FASTACT_PREFETCH", "--size", "4096", "--rounds", "2",
                        "--filter", "relu,tanh_backward", "--json", str(out)],
                       env=child_env(), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    assert [len(data["runs"][side]) for side in ("0", "1")] == [2, 2]
    keys = set(data["runs"]["0"][0])
    # substrings: relu, relu6, leaky_relu both ways, the tanh and hard_tanh backwards;
    # both dtypes
    assert "relu float32" in keys and "hard_tanh_backward float64" in keys and len(keys) == 16
    assert all(v > 0 for side in data["runs"].values() for run in side for v in run.values())
    rows = [" ".join(line.split()[:2]) for line in r.stdout.splitlines()[2:]]
    assert sorted(rows) == sorted(keys)


def test_survey_floor_projects_in_cache_times_onto_the_copy_limit(tmp_path):
    out = tmp_path / "floor.json"
    r = _run(["--floor", "--only", "relu6,gelu", "--threads", "3", "--size", "2048",
              "--json", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["threads"] == 3
    rows = data["floor"]
    # relu6 and gelu (both forms), each both ways, both dtypes
    assert sorted((row[0], row[1]) for row in rows) == sorted(
        (f, d) for f in ("relu6", "relu6_backward", "gelu", "gelu_backward",
                         "gelu[approximate=tanh]", "gelu_backward[approximate=tanh]")
        for d in ("float32", "float64"))
    # floor = ns x 2^24 / 3 threads / the copy time of the bytes moved: the rows that move
    # the same bytes (same dtype and direction) share one copy time, so floor/ns agrees
    for dt in ("float32", "float64"):
        for backward in (False, True):
            ratios = [row[3] / row[2] for row in rows
                      if row[1] == dt and ("_backward" in row[0]) == backward]
            assert len(ratios) == 3 and max(ratios) / min(ratios) < 1 + 1e-9, ratios
    assert all(row[2] > 0 and row[3] > 0 for row in rows)
    assert "> 1.3" not in [line for line in r.stdout.splitlines() if line.startswith("relu6 ")][0]
