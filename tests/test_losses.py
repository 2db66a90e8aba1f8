"""Losses (SPEC section 4): values and gradients against PyTorch (autograd, classes moved
to axis 1), against independent float64 / mpmath references, against central finite
differences, plus edges, bad input and thread-count determinism."""
import math

import mpmath
import numpy as np
import pytest

import fastact as fa
from conftest import central_difference, requires_torch, torch

REDUCTIONS = ("mean", "sum", "none")
ELEMENTWISE = ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")
ALL_LOSSES = ELEMENTWISE + ("cross_entropy", "softmax_cross_entropy", "nll_loss")


def fn(name, with_grad=False):
    return getattr(fa, name + ("_with_grad" if with_grad else ""))


# ---------------------------------------------------------------------------
# independent float64 references (NumPy, written from the definitions)
# ---------------------------------------------------------------------------

def reduce_ref(terms, reduction, denom=None):
    if reduction == "none":
        return terms
    s = float(np.sum(terms, dtype=np.float64))
    if reduction == "sum":
        return s
    d = terms.size if denom is None else denom
    return s / d if d else math.nan


def log_softmax_ref(x):
    m = np.max(x, axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def sce_index_ref(x, t, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """F.cross_entropy with integer targets, from its definition (classes last)."""
    K = x.shape[-1]
    w = np.ones(K) if weight is None else np.asarray(weight, np.float64)
    lp = log_softmax_ref(x)
    keep = t != ignore_index
    ts = np.where(keep, t, 0)
    wt = np.where(keep, w[ts], 0.0)
    nll = -np.take_along_axis(lp, ts[..., None], -1)[..., 0] * wt
    smooth = np.where(keep, -(lp * w).sum(-1), 0.0)
    terms = (1 - label_smoothing) * nll + label_smoothing / K * smooth
    return reduce_ref(terms, reduction, float(wt.sum()))


def sce_prob_ref(x, y, weight=None, label_smoothing=0.0, reduction="mean"):
    K = x.shape[-1]
    w = np.ones(K) if weight is None else np.asarray(weight, np.float64)
    ys = y * (1 - label_smoothing) + label_smoothing / K
    terms = -(log_softmax_ref(x) * ys * w).sum(-1)
    return reduce_ref(terms, reduction, terms.size)


def nll_ref(x, t, weight=None, ignore_index=-100, reduction="mean"):
    K = x.shape[-1]
    w = np.ones(K) if weight is None else np.asarray(weight, np.float64)
    keep = t != ignore_index
    ts = np.where(keep, t, 0)
    wt = np.where(keep, w[ts], 0.0)
    terms = -np.take_along_axis(x, ts[..., None], -1)[..., 0] * wt
    return reduce_ref(terms, reduction, float(wt.sum()))


def ce_ref(p, y, reduction="mean"):
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(p), -100.0)
    terms = -np.where(y != 0, y * lp, 0.0).sum(-1)
    return reduce_ref(terms, reduction, terms.size)


def mse_ref(x, y, reduction="mean"):
    return reduce_ref((x - y) ** 2, reduction)


def bce_ref(p, y, reduction="mean"):
    with np.errstate(divide="ignore"):
        terms = -(y * np.maximum(np.log(p), -100.0) + (1 - y) * np.maximum(np.log1p(-p), -100.0))
    return reduce_ref(terms, reduction)


def bce_logits_ref(z, y, pos_weight=None, reduction="mean"):
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, np.float64)
    lw = 1 + (pw - 1) * y
    softplus_neg = np.logaddexp(0.0, -z)             # log(1 + e^-z)
    return reduce_ref((1 - y) * z + lw * softplus_neg, reduction)


# ---------------------------------------------------------------------------
# cases: (loss name, input, target, keyword arguments), float64
# ---------------------------------------------------------------------------

def make_cases(rng, shape=(4, 3, 5)):
    K = shape[-1]
    logits = 2.0 * rng.standard_normal(shape)
    probs = rng.uniform(0.05, 0.95, shape)
    soft = rng.uniform(0.0, 1.0, shape)
    dist = rng.dirichlet(np.ones(K), shape[:-1])
    dist[0, 0, 1] = 0.0
    dist[0, 0] /= dist[0, 0].sum()
    labels = rng.integers(0, K, shape[:-1])
    labels_ign = labels.copy()
    labels_ign[0, 1] = -100
    labels_ign[2, 0] = -100
    weight = rng.uniform(0.5, 2.0, K)
    pos_weight = rng.uniform(0.5, 3.0, K)
    log_probs = log_softmax_ref(logits)
    cases = [
        ("mse_loss", logits, rng.standard_normal(shape), {}),
        ("binary_cross_entropy", probs, soft, {}),
        ("binary_cross_entropy_with_logits", logits, soft, {}),
        ("binary_cross_entropy_with_logits", logits, soft, {"pos_weight": pos_weight}),
        ("cross_entropy", probs, dist, {}),
    ]
    for w in (None, weight):
        wkw = {} if w is None else {"weight": w}
        for t, extra in ((labels, {}), (labels_ign, {}), (labels, {"ignore_index": 2})):
            cases.append(("nll_loss", log_probs, t, dict(wkw, **extra)))
            for ls in (0.0, 0.15):
                kw = dict(wkw, **extra)
                if ls:
                    kw["label_smoothing"] = ls
                cases.append(("softmax_cross_entropy", logits, t, kw))
        for ls in (0.0, 0.15):
            kw = dict(wkw, label_smoothing=ls) if ls else dict(wkw)
            cases.append(("softmax_cross_entropy", logits, dist, kw))
    return cases


def case_id(case):
    name, _, t, kw = case
    parts = [name, "index" if t.dtype.kind == "i" else "float"]
    parts += [f"{k}" if isinstance(v, np.ndarray) else f"{k}={v}" for k, v in kw.items()]
    return ",".join(parts)


CASES = make_cases(np.random.default_rng(2024))
CASE_IDS = [case_id(c) for c in CASES]


def reference(name, x, t, kw, reduction):
    if name == "mse_loss":
        return mse_ref(x, t, reduction)
    if name == "binary_cross_entropy":
        return bce_ref(x, t, reduction)
    if name == "binary_cross_entropy_with_logits":
        return bce_logits_ref(x, t, reduction=reduction, **kw)
    if name == "cross_entropy":
        return ce_ref(x, t, reduction)
    if name == "nll_loss":
        return nll_ref(x, t, reduction=reduction, **kw)
    if t.dtype.kind == "i":
        return sce_index_ref(x, t, reduction=reduction, **kw)
    return sce_prob_ref(x, t, reduction=reduction, **kw)


# ---------------------------------------------------------------------------
# PyTorch oracle
# ---------------------------------------------------------------------------

def torch_loss(name, X, t, kw, reduction):
    """The PyTorch loss of tensor X (classes last) -- classes moved to axis 1."""
    F = torch.nn.functional
    tkw = {k: torch.as_tensor(v, dtype=X.dtype) if isinstance(v, np.ndarray) else v
           for k, v in kw.items()}
    if name in ELEMENTWISE:
        T = torch.as_tensor(t, dtype=X.dtype)
        f = {"mse_loss": F.mse_loss, "binary_cross_entropy": F.binary_cross_entropy,
             "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits}[name]
        return f(X, T, reduction=reduction, **tkw)
    Xc = torch.movedim(X, -1, 1) if X.ndim >= 2 else X
    if t.dtype.kind == "i":
        T = torch.as_tensor(t, dtype=torch.int64)
    else:
        T = torch.as_tensor(t, dtype=X.dtype)
        T = torch.movedim(T, -1, 1) if T.ndim >= 2 else T
    if name == "cross_entropy":
        terms = -torch.where(T != 0, T * torch.clamp(torch.log(Xc), min=-100), 0).sum(1)
        return {"mean": terms.mean(), "sum": terms.sum(), "none": terms}[reduction]
    f = F.nll_loss if name == "nll_loss" else F.cross_entropy
    return f(Xc, T, reduction=reduction, **tkw)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_against_torch(case, reduction, dtype):
    name, x, t, kw = case
    x = x.astype(dtype)
    if t.dtype.kind == "f":
        t = t.astype(dtype)
    kw = {k: (v.astype(dtype) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    loss, grad = fn(name, True)(x, t, reduction=reduction, **kw)
    X = torch.tensor(x, requires_grad=True)
    L = torch_loss(name, X, t, kw, reduction)
    L.sum().backward()
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    expected_grad = X.grad.numpy()
    assert grad.dtype == dtype and grad.shape == x.shape
    if reduction == "none":
        assert isinstance(loss, np.ndarray) and loss.dtype == dtype
        assert loss.shape == L.shape
    else:
        assert type(loss) is np.dtype(dtype).type
    np.testing.assert_allclose(loss, L.detach().numpy(), rtol=rtol, atol=rtol)
    scale = np.max(np.abs(expected_grad)) + 1e-300
    np.testing.assert_allclose(grad, expected_grad, rtol=rtol, atol=rtol * scale)


# ---------------------------------------------------------------------------
# independent reference, finite differences, fused == plain
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_against_float64_reference(case, reduction):
    name, x, t, kw = case
    got = fn(name)(x, t, reduction=reduction, **kw)
    np.testing.assert_allclose(got, reference(name, x, t, kw, reduction), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_grad_against_finite_differences(case, reduction):
    name, x, t, kw = case
    x = x[:2]
    t = t[:2]
    loss, grad = fn(name, True)(x, t, reduction=reduction, **kw)
    dy = np.ones(np.shape(loss))
    fd = central_difference(lambda z: fn(name)(z, t, reduction=reduction, **kw), x, dy)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8 * max(1.0, np.max(np.abs(fd))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_loss_equals_plain_loss(case, reduction, dtype):
    name, x, t, kw = case
    x = x.astype(dtype)
    loss, _ = fn(name, True)(x, t, reduction=reduction, **kw)
    plain = fn(name)(x, t, reduction=reduction, **kw)
    assert np.asarray(loss).tobytes() == np.asarray(plain).tobytes()
    assert np.asarray(loss).dtype == np.asarray(plain).dtype


def test_reference_is_not_trivially_satisfied():
    """Guard for the tolerances above: a 1e-9 change of one logit is detected."""
    name, x, t, kw = CASES[-1]
    y = x.copy()
    y[0, 0, 0] += 1e-9
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(fn(name)(y, t, reduction="sum", **kw),
                                   reference(name, x, t, kw, "sum"), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------
# accuracy against mpmath (exact up to 50 digits), extreme inputs
# ---------------------------------------------------------------------------

mpmath.mp.dps = 50


def mp_lse_minus(row, k):
    """lse(row) − row[k] = log1p(Σ_{j≠k} e^(x_j − x_k)), exact to the working precision
    even when it is tiny (a plain log(Σ e^x_j) − x_k would cancel)."""
    xk = mpmath.mpf(float(row[k]))
    return mpmath.log1p(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v)) - xk)
                                    for j, v in enumerate(row) if j != k))


def mp_clamped_log(v):
    v = mpmath.mpf(float(v))
    return mpmath.mpf(-100) if v == 0 else max(mpmath.log(v), mpmath.mpf(-100))


def mp_terms(name, x, t, kw):
    """Exact per-term losses (as mpf) of 2-d x."""
    out = []
    if name in ELEMENTWISE:
        pw = kw.get("pos_weight")
        for idx in np.ndindex(x.shape):
            a, b = mpmath.mpf(float(x[idx])), mpmath.mpf(float(t[idx]))
            if name == "mse_loss":
                out.append((a - b) ** 2)
            elif name == "binary_cross_entropy":
                log_q = max(mpmath.log1p(-a), mpmath.mpf(-100)) if a < 1 else mpmath.mpf(-100)
                out.append(-(b * mp_clamped_log(a) + (1 - b) * log_q))
            else:
                w = mpmath.mpf(1) if pw is None else mpmath.mpf(float(pw[idx[-1]]))
                lw = 1 + (w - 1) * b
                out.append((1 - b) * a + lw * mpmath.log1p(mpmath.exp(-a)))
        return out
    K = x.shape[-1]
    w = kw.get("weight")
    wv = [mpmath.mpf(1) if w is None else mpmath.mpf(float(v)) for v in (w if w is not None else range(K))]
    eps = mpmath.mpf(kw.get("label_smoothing", 0.0))
    for i in range(x.shape[0]):
        row = x[i]
        if name == "cross_entropy":
            out.append(-mpmath.fsum(mpmath.mpf(float(t[i, j])) * mp_clamped_log(row[j])
                                    for j in range(K) if t[i, j] != 0))
            continue
        if name == "nll_loss":
            out.append(-wv[t[i]] * mpmath.mpf(float(row[t[i]])))
            continue
        if t.dtype.kind == "i":
            nll = wv[t[i]] * mp_lse_minus(row, t[i])
            smooth = mpmath.fsum(wv[j] * mp_lse_minus(row, j) for j in range(K))
            out.append((1 - eps) * nll + eps / K * smooth)
        else:
            out.append(mpmath.fsum(wv[j] * ((1 - eps) * mpmath.mpf(float(t[i, j])) + eps / K)
                                   * mp_lse_minus(row, j) for j in range(K)))
    return out


def rel_err(got, exact, tiny=np.finfo(np.float64).tiny):
    """|got − exact| / |exact|; below the dtype's smallest normal number, absolute."""
    exact = mpmath.mpf(exact)
    return float(abs(mpmath.mpf(float(got)) - exact) / max(abs(exact), mpmath.mpf(float(tiny))))


def extreme_cases(rng):
    K = 6
    logits = rng.standard_normal((5, K)) * 3
    logits[0] = [1e4, -1e4, 0.0, 9999.0, -3.0, 1e4 - 1e-3]
    logits[1] = [-1e4, -1e4 + 1, -1e4 + 30, -1e4 + 2, -1e4, -1e4 + 0.5]
    logits[2] = [40.0, -40.0, 0.0, 1e-8, -700.0, 700.0]
    labels = np.array([0, 1, 4, 2, 5])            # includes very unlikely targets
    labels_confident = np.array([0, 2, 5, 2, 5])
    weight = rng.uniform(0.5, 2.0, K)
    z = np.array([[1e4, -1e4, 40.0, -40.0, 0.0, 1e-10],
                  [745.0, -745.0, 30.0, -30.0, 5.0, -5.0]])
    zt = np.array([[1.0, 0.0, 1.0, 0.0, 0.5, 1.0],
                   [0.0, 1.0, 0.25, 0.75, 1.0, 0.0]])
    p = np.array([[0.0, 1.0, 1e-300, 1 - 2.0 ** -53, 0.5, 1e-45],
                  [0.0, 1.0, 0.3, 1e-20, 0.999999, 0.5]])
    pt = np.array([[0.0, 1.0, 0.5, 1.0, 0.25, 0.0],
                   [1.0, 0.0, 0.7, 0.5, 1.0, 0.0]])
    dist = rng.dirichlet(np.ones(K), 5)
    dist[0] = [1.0, 0, 0, 0, 0, 0]
    ce_p = rng.dirichlet(np.ones(K), 2)
    ce_p[0, :2] = [0.0, 1e-300]
    ce_t = rng.dirichlet(np.ones(K), 2)
    ce_t[0, 0] = 0.0
    ce_t[0, 1] = 0.5
    return [
        ("mse_loss", np.array([[1e10, -3.0, 1e-300]]), np.array([[1e10 + 1e-5, 3.0, 0.0]]), {}),
        ("binary_cross_entropy", p, pt, {}),
        ("binary_cross_entropy_with_logits", z, zt, {}),
        ("binary_cross_entropy_with_logits", z, zt, {"pos_weight": rng.uniform(0.5, 3.0, 6)}),
        ("cross_entropy", ce_p, ce_t, {}),
        ("softmax_cross_entropy", logits, labels, {}),
        ("softmax_cross_entropy", logits, labels_confident, {}),
        ("softmax_cross_entropy", logits, labels, {"weight": weight, "label_smoothing": 0.1}),
        ("softmax_cross_entropy", logits, dist, {}),
        ("softmax_cross_entropy", logits, dist, {"weight": weight, "label_smoothing": 0.2}),
        ("nll_loss", log_softmax_ref(logits), labels, {"weight": weight}),
    ]


EXTREME = extreme_cases(np.random.default_rng(7))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", EXTREME, ids=[case_id(c) for c in EXTREME])
def test_accuracy_against_mpmath(case, dtype):
    name, x, t, kw = case
    tol = 1e-12 if dtype == np.float64 else 1e-5
    with np.errstate(over="ignore", under="ignore"):
        xd = x.astype(dtype)
        td = t.astype(dtype) if t.dtype.kind == "f" else t
        kwd = {k: (v.astype(dtype) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    if dtype == np.float32 and not np.all(np.isfinite(xd)):
        pytest.skip("input not representable in float32")
    # exact reference of the values actually passed (after rounding to dtype)
    exact = mp_terms(name, xd.astype(np.float64), np.asarray(td).astype(td.dtype if td.dtype.kind == "i" else np.float64),
                     {k: (v.astype(np.float64) if isinstance(v, np.ndarray) else v) for k, v in kwd.items()})
    terms = fn(name)(xd, td, reduction="none", **kwd)
    for got, ex in zip(np.ravel(terms), exact):
        assert rel_err(got, ex, np.finfo(dtype).tiny) <= tol, (got, ex)
    total = fn(name)(xd, td, reduction="sum", **kwd)
    assert rel_err(total, mpmath.fsum(exact), np.finfo(dtype).tiny) <= tol


def test_accuracy_tails_of_gradients():
    """Gradients keep relative precision where the naive form cancels."""
    # bce-with-logits: t = 1, z = 30 -> grad = -e^-30/(1+e^-30), not σ(z) − 1
    _, g = fa.binary_cross_entropy_with_logits_with_grad(np.array([30.0, -30.0]), np.array([1.0, 0.0]),
                                                         reduction="sum")
    exact = float(mpmath.exp(-30) / (1 + mpmath.exp(-30)))
    np.testing.assert_allclose(g, [-exact, exact], rtol=1e-14)
    # softmax CE: the target is the max: grad_t = p_t − 1 = −s'/s
    x = np.array([[0.0, -30.0, -35.0]])
    _, g = fa.softmax_cross_entropy_with_grad(x, np.array([0]), reduction="sum")
    s = mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in x[0])
    exact = [float(mpmath.exp(mpmath.mpf(v)) / s) for v in x[0]]
    exact[0] = float(1 / s - 1)
    np.testing.assert_allclose(g[0], exact, rtol=1e-13)
    # loss of a confident correct prediction: lse − x_t = log1p(e^-30 + e^-35)
    loss = fa.softmax_cross_entropy(x, np.array([0]))
    assert rel_err(loss, mpmath.log(s)) <= 1e-14


# ---------------------------------------------------------------------------
# semantics: denominators, all-ignored, label smoothing with weights, options
# ---------------------------------------------------------------------------

def test_mean_divides_by_weights_of_non_ignored_targets():
    x = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3], [3.0, -1.0, 0.0]])
    t = np.array([1, -100, 2])
    w = np.array([1.0, 3.0, 0.5])
    s = fa.softmax_cross_entropy(x, t, weight=w, reduction="sum")
    m = fa.softmax_cross_entropy(x, t, weight=w, reduction="mean")
    assert m == pytest.approx(s / 3.5, rel=1e-14)
    s = fa.nll_loss(x, t, weight=w, reduction="sum")
    assert s == pytest.approx(-(3.0 * 2.0 + 0.5 * 0.0), rel=1e-14)
    assert fa.nll_loss(x, t, weight=w) == pytest.approx(s / 3.5, rel=1e-14)
    # probability targets: mean divides by the number of rows whatever the weights
    p = np.full((3, 3), 1 / 3)
    assert fa.softmax_cross_entropy(x, p, weight=w) == pytest.approx(
        fa.softmax_cross_entropy(x, p, weight=w, reduction="sum") / 3, rel=1e-14)


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "nll_loss"])
def test_all_ignored_mean_is_nan_and_grad_zero(name):
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = np.full(3, -100)
    with np.errstate(all="raise"):
        loss, grad = fn(name, True)(x, t)
    assert np.isnan(loss)
    assert np.all(grad == 0)
    assert fn(name)(x, t, reduction="sum") == 0.0
    assert np.all(fn(name)(x, t, reduction="none") == 0)


@requires_torch
def test_all_ignored_mean_matches_torch():
    x = torch.randn(3, 4, dtype=torch.float64)
    t = torch.full((3,), -100)
    assert torch.isnan(torch.nn.functional.cross_entropy(x, t))
    assert torch.isnan(torch.nn.functional.nll_loss(x, t))


def test_ignore_index_inside_class_range():
    x = np.random.default_rng(1).standard_normal((4, 3))
    t = np.array([0, 1, 2, 1])
    loss, grad = fa.softmax_cross_entropy_with_grad(x, t, ignore_index=1, reduction="none")
    assert loss[1] == 0 and loss[3] == 0 and np.all(grad[[1, 3]] == 0)
    np.testing.assert_allclose(loss[[0, 2]], sce_index_ref(x[[0, 2]], t[[0, 2]], reduction="none"),
                               rtol=1e-13)


def test_label_smoothing_one_and_zero():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4))
    t = rng.integers(0, 4, 5)
    uniform = np.full((5, 4), 0.25)
    np.testing.assert_allclose(fa.softmax_cross_entropy(x, t, label_smoothing=1.0, reduction="none"),
                               fa.softmax_cross_entropy(x, uniform, reduction="none"), rtol=1e-13)
    a = fa.softmax_cross_entropy_with_grad(x, t, label_smoothing=0.0)
    b = fa.softmax_cross_entropy_with_grad(x, t)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])


def test_index_and_one_hot_targets_agree():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 5))
    t = rng.integers(0, 5, 6)
    onehot = np.eye(5)[t]
    for kw in ({}, {"label_smoothing": 0.3}):
        li, gi = fa.softmax_cross_entropy_with_grad(x, t, **kw)
        lp, gp = fa.softmax_cross_entropy_with_grad(x, onehot, **kw)
        assert li == pytest.approx(lp, rel=1e-14)
        np.testing.assert_allclose(gi, gp, rtol=1e-13, atol=1e-16)


def test_grad_is_softmax_minus_target():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 7))
    y = rng.dirichlet(np.ones(7), 3)
    _, g = fa.softmax_cross_entropy_with_grad(x, y, reduction="sum")
    np.testing.assert_allclose(g, fa.softmax(x) - y, rtol=1e-12, atol=1e-16)


def test_pos_weight_forms():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((4, 3))
    y = rng.uniform(0, 1, (4, 3))
    base = fa.binary_cross_entropy_with_logits(z, y, reduction="none")
    # pos_weight of ones is the plain loss; scalar and (1,) broadcast like (C,)
    np.testing.assert_array_equal(
        fa.binary_cross_entropy_with_logits(z, y, pos_weight=np.ones(3), reduction="none"), base)
    a = fa.binary_cross_entropy_with_logits(z, y, pos_weight=2.5, reduction="none")
    b = fa.binary_cross_entropy_with_logits(z, y, pos_weight=[2.5], reduction="none")
    c = fa.binary_cross_entropy_with_logits(z, y, pos_weight=np.full(3, 2.5), reduction="none")
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, c)
    np.testing.assert_allclose(c, bce_logits_ref(z, y, np.full(3, 2.5), "none"), rtol=1e-13)
    # the last-axis position decides the weight, also for a 1-d and a 3-d input
    pw = np.array([0.5, 2.0, 4.0])
    z3 = rng.standard_normal((2, 5, 3))
    y3 = rng.uniform(0, 1, (2, 5, 3))
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(z3, y3, pos_weight=pw, reduction="none"),
                               bce_logits_ref(z3, y3, pw, "none"), rtol=1e-13)


# ---------------------------------------------------------------------------
# edges
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_zero_dim_elementwise(name):
    x, t = (0.3, 0.6)
    loss, grad = fn(name, True)(x, t)
    assert type(loss) is np.float64 and grad.shape == () and grad.dtype == np.float64
    assert loss == pytest.approx(reference(name, np.array(x), np.array(t), {}, "mean"), rel=1e-14)
    lnone, _ = fn(name, True)(np.float64(x), np.float64(t), reduction="none")
    assert isinstance(lnone, np.ndarray) and lnone.shape == ()
    fd = central_difference(lambda z: fn(name)(z, t), np.array(x), 1.0)
    assert float(grad) == pytest.approx(float(fd), rel=1e-7)


@pytest.mark.parametrize("name", ALL_LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batch(name, reduction):
    x = np.zeros((0, 4))
    t = np.zeros(0, dtype=np.int64) if name in ("softmax_cross_entropy", "nll_loss") else np.zeros((0, 4))
    with np.errstate(all="raise"):
        loss, grad = fn(name, True)(x, t, reduction=reduction)
    assert grad.shape == (0, 4)
    if reduction == "mean":
        assert np.isnan(loss)
    elif reduction == "sum":
        assert loss == 0.0
    else:
        assert loss.shape == ((0, 4) if name in ELEMENTWISE else (0,))


@requires_torch
def test_empty_batch_mean_is_nan_in_torch_too():
    F = torch.nn.functional
    assert torch.isnan(F.cross_entropy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64)))
    assert torch.isnan(F.mse_loss(torch.zeros(0), torch.zeros(0)))


def test_single_class():
    x = np.array([[3.0], [-2.0]])
    loss, grad = fa.softmax_cross_entropy_with_grad(x, np.array([0, 0]))
    assert loss == 0.0 and np.all(grad == 0)
    loss, grad = fa.softmax_cross_entropy_with_grad(x, np.ones((2, 1)), label_smoothing=0.5)
    assert loss == 0.0 and np.all(grad == 0)
    loss, grad = fa.nll_loss_with_grad(x, np.array([0, 0]), reduction="sum")
    assert loss == -1.0 and np.array_equal(grad, [[-1.0], [-1.0]])


def test_one_dimensional_input_is_one_row():
    x = np.array([1.0, 2.0, 0.5])
    loss = fa.softmax_cross_entropy(x, np.int64(1))
    assert loss == pytest.approx(sce_index_ref(x[None], np.array([1]), reduction="sum"), rel=1e-14)
    assert fa.softmax_cross_entropy(x, np.int64(1), reduction="none").shape == ()


def test_nan_propagates():
    x = np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 2.0]])
    loss, grad = fa.softmax_cross_entropy_with_grad(x, np.array([0, 2]), reduction="none")
    assert np.isnan(loss[0]) and np.all(np.isnan(grad[0])) and np.all(np.isfinite(grad[1]))
    assert np.isnan(fa.softmax_cross_entropy(x, np.array([0, 2])))
    assert np.isnan(fa.mse_loss([1.0, np.nan], [0.0, 0.0]))
    assert np.isnan(fa.binary_cross_entropy([0.5, np.nan], [0.0, 1.0]))
    assert np.isnan(fa.binary_cross_entropy_with_logits([0.5, np.nan], [0.0, 1.0]))
    assert np.isnan(fa.cross_entropy([[0.5, np.nan]], [[0.5, 0.5]]))


def test_infinities():
    with np.errstate(all="raise"):
        # bce-with-logits: the limits (a zero coefficient times an infinite logit is 0)
        loss, grad = fa.binary_cross_entropy_with_logits_with_grad(
            np.array([np.inf, -np.inf, np.inf, -np.inf]), np.array([1.0, 0.0, 0.0, 1.0]),
            reduction="none")
        np.testing.assert_array_equal(loss, [0.0, 0.0, np.inf, np.inf])
        np.testing.assert_array_equal(grad, [0.0, 0.0, 1.0, -1.0])
        # a −inf logit: its probability is 0 and the other classes are unaffected
        x = np.array([[-np.inf, 0.0, 1.0]])
        loss, grad = fa.softmax_cross_entropy_with_grad(x, np.array([2]), reduction="sum")
        assert loss == pytest.approx(math.log1p(math.exp(-1)), rel=1e-15)
        assert grad[0, 0] == 0.0
        assert fa.softmax_cross_entropy(x, np.array([0])) == np.inf
        # ... and a zero target probability on it contributes 0
        assert np.isfinite(fa.softmax_cross_entropy(x, np.array([[0.0, 0.5, 0.5]])))
        # +inf logit or an all −inf row: NaN (as PyTorch)
        assert np.isnan(fa.softmax_cross_entropy(np.array([[np.inf, 0.0]]), np.array([1])))
        assert np.isnan(fa.softmax_cross_entropy(np.array([[-np.inf, -np.inf]]), np.array([1])))


def test_probabilities_exactly_zero_and_one():
    with np.errstate(all="raise"):
        p = np.array([0.0, 1.0, 0.0, 1.0])
        y = np.array([0.0, 1.0, 1.0, 0.0])
        loss, grad = fa.binary_cross_entropy_with_grad(p, y, reduction="none")
        np.testing.assert_array_equal(loss, [0.0, 0.0, 100.0, 100.0])
        np.testing.assert_array_equal(grad, [0.0, 0.0, -1e12, 1e12])
        loss, grad = fa.cross_entropy_with_grad(np.array([[0.0, 1.0], [0.0, 1.0]]),
                                                np.array([[0.0, 1.0], [1.0, 0.0]]), reduction="none")
        np.testing.assert_array_equal(loss, [0.0, 100.0])
        np.testing.assert_array_equal(grad, [[0.0, -1.0], [-np.inf, 0.0]])


def test_bce_gradient_clamps_denominator_like_torch():
    # (p − t)/max(p(1−p), 1e-12): p = 1e-13 is inside the clamp
    _, g = fa.binary_cross_entropy_with_grad(np.array([1e-13]), np.array([0.5]), reduction="sum")
    assert g[0] == pytest.approx((1e-13 - 0.5) / 1e-12, rel=1e-15)


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_strided_inputs(name):
    case = next(c for c in CASES if c[0] == name and not c[3])
    _, x, t, _ = case
    big_x = np.zeros((x.shape[0], x.shape[1], 2 * x.shape[2]))
    big_x[..., ::2] = x
    xs = big_x[..., ::2]                         # non-contiguous
    xr = x[::-1, ::-1].copy()[::-1, ::-1]        # negative strides
    assert not xs.flags.c_contiguous and xr.strides[0] < 0
    tr = t[::-1].copy()[::-1]
    ref_loss, ref_grad = fn(name, True)(x, t, reduction="none")
    for xi, ti in ((xs, t), (xr, tr)):
        loss, grad = fn(name, True)(xi, ti, reduction="none")
        np.testing.assert_array_equal(loss, ref_loss)
        np.testing.assert_array_equal(grad, ref_grad)


def test_dtypes():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4))
    t = rng.integers(0, 4, 3)
    # float32: computed in float32, weight cast to it
    l32, g32 = fa.softmax_cross_entropy_with_grad(x.astype(np.float32), t, weight=np.ones(4))
    assert type(l32) is np.float32 and g32.dtype == np.float32
    # float16: computed in float32; grad and "none" loss float16, reduced loss float32
    l16, g16 = fa.softmax_cross_entropy_with_grad(x.astype(np.float16), t)
    assert type(l16) is np.float32 and g16.dtype == np.float16
    assert fa.softmax_cross_entropy(x.astype(np.float16), t, reduction="none").dtype == np.float16
    ref = sce_index_ref(x.astype(np.float16).astype(np.float64), t)
    assert l16 == pytest.approx(ref, rel=1e-5)
    # int / bool input -> float64; float64 target with float32 input is cast to float32
    li = fa.mse_loss(np.arange(4), np.zeros(4, dtype=np.float32))
    assert type(li) is np.float64 and li == pytest.approx(3.5)
    lb, gb = fa.mse_loss_with_grad(np.array([True, False]), np.array([0.0, 0.0]))
    assert type(lb) is np.float64 and gb.dtype == np.float64
    y64 = np.array([0.1, 0.7])
    l = fa.binary_cross_entropy_with_logits(np.array([0.3, -0.2], np.float32), y64)
    assert type(l) is np.float32
    exact = bce_logits_ref(np.array([0.3, -0.2], np.float32).astype(np.float64),
                           y64.astype(np.float32).astype(np.float64))
    assert float(l) == pytest.approx(exact, rel=1e-6)
    # integer targets of any integer dtype; python lists
    for dt in (np.int8, np.int32, np.uint8, np.uint64):
        assert fa.nll_loss(x, t.astype(dt)) == fa.nll_loss(x, t)
    assert fa.softmax_cross_entropy(x.tolist(), t.tolist()) == fa.softmax_cross_entropy(x, t)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

X = np.random.default_rng(10).standard_normal((3, 4))
T = np.array([0, 3, 1])


@pytest.mark.parametrize("name", ALL_LOSSES)
@pytest.mark.parametrize("with_grad", [False, True])
def test_bad_reduction(name, with_grad):
    t = T if name in ("softmax_cross_entropy", "nll_loss") else np.full((3, 4), 0.25)
    x = np.full((3, 4), 0.5)
    for bad in ("avg", "MEAN", None, 1):
        with pytest.raises(ValueError, match="reduction"):
            fn(name, with_grad)(x, t, reduction=bad)


@pytest.mark.parametrize("name", ELEMENTWISE + ("cross_entropy",))
def test_shape_mismatch_names_both_shapes(name):
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 5\)|\(3, 5\).*\(3, 4\)"):
        fn(name, True)(np.full((3, 4), 0.5), np.full((3, 5), 0.5))
    with pytest.raises(ValueError, match=r"\(4,\)"):
        fn(name)(np.full((4, 4), 0.5), np.full((4,), 0.5))  # no broadcasting


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "nll_loss"])
def test_index_target_errors(name):
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(3, 4\)"):
        fn(name)(X, T[:, None])
    with pytest.raises(ValueError, match=r"\(2,\).*\(3, 4\)"):
        fn(name, True)(X, T[:2])
    for bad in (4, -1, 7, -101):
        t = T.copy()
        t[1] = bad
        with pytest.raises(IndexError, match=str(bad)):
            fn(name, True)(X, t)
    t = T.copy()
    t[2] = 1 << 62
    with pytest.raises(IndexError, match=str(1 << 62)):
        fn(name)(X, t)
    with pytest.raises(IndexError):
        fn(name)(X, np.array([0, 1, 2 ** 64 - 1], dtype=np.uint64))
    with pytest.raises(TypeError):
        fn(name)(X, np.array([True, False, True]))
    with pytest.raises(TypeError):
        fn(name)(X, T, ignore_index=1.5)
    with pytest.raises(ValueError, match=r"\(4,\)"):
        fn(name)(X, T, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"\(4,\)"):
        fn(name)(X, T, weight=np.ones((1, 4)))
    with pytest.raises(TypeError):
        fn(name)(X, T, weight=np.ones(4, dtype=complex))
    with pytest.raises(ValueError, match="class axis"):
        fn(name)(np.float64(1.0), np.int64(0))
    # a huge ignore_index is fine (matches no target)
    assert np.isfinite(fn(name)(X, T, ignore_index=1 << 80))


def test_probability_target_errors():
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 4\)"):
        fa.softmax_cross_entropy(X, np.ones(3) / 4)
    with pytest.raises(TypeError, match="nll_loss"):
        fa.nll_loss(X, np.full((3, 4), 0.25))
    with pytest.raises(TypeError, match="nll_loss_with_grad"):
        fa.nll_loss_with_grad(X, T.astype(np.float64))
    with pytest.raises(TypeError):
        fa.softmax_cross_entropy(X, np.full((3, 4), 0.25, dtype=complex))


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_unsupported_input_dtypes(name):
    t = T if name in ("softmax_cross_entropy", "nll_loss") else np.full((3, 4), 0.25)
    for bad in (X.astype(complex), np.full((3, 4), "a"), np.full((3, 4), None, dtype=object),
                np.zeros((3, 4), dtype="datetime64[s]")):
        with pytest.raises(TypeError, match=name):
            fn(name, True)(bad, t)


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan, "0.1"])
def test_label_smoothing_range(value):
    with pytest.raises((ValueError, TypeError), match="label_smoothing"):
        fa.softmax_cross_entropy(X, T, label_smoothing=value)


def test_bce_domain_errors():
    with pytest.raises(ValueError, match="input.*between 0 and 1.*1.5"):
        fa.binary_cross_entropy(np.array([0.5, 1.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="input.*between 0 and 1"):
        fa.binary_cross_entropy_with_grad(np.array([-1e-300, 0.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="target.*between 0 and 1"):
        fa.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="input"):
        fa.binary_cross_entropy(np.array(np.inf), np.array(1.0))


def test_pos_weight_errors():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 4\)"):
        fa.binary_cross_entropy_with_logits(z, z, pos_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        fa.binary_cross_entropy_with_logits_with_grad(z, z, pos_weight=np.ones((3, 4)))
    with pytest.raises(TypeError):
        fa.binary_cross_entropy_with_logits(z, z, pos_weight=np.ones(4, dtype=complex))


def test_failed_call_leaves_inputs_untouched():
    x = X.copy()
    t = T.copy()
    t[2] = 9
    with pytest.raises(IndexError):
        fa.softmax_cross_entropy_with_grad(x, t)
    assert np.array_equal(x, X) and t[2] == 9
    p = np.array([0.5, 1.5])
    with pytest.raises(ValueError):
        fa.binary_cross_entropy_with_grad(p, np.array([1.0, 0.0]))
    assert np.array_equal(p, [0.5, 1.5])


# ---------------------------------------------------------------------------
# determinism across thread counts
# ---------------------------------------------------------------------------

@pytest.fixture
def restore_threads():
    n = fa.get_num_threads()
    yield
    fa.set_num_threads(n)


def test_bitwise_identical_for_any_thread_count(restore_threads):
    rng = np.random.default_rng(11)
    N, K = 20000, 37
    x = (3 * rng.standard_normal((N, K))).astype(np.float32)
    labels = rng.integers(0, K, N)
    labels[::7] = -100
    probs = rng.dirichlet(np.ones(K), N).astype(np.float32)
    w = rng.uniform(0.5, 2, K).astype(np.float32)
    u = rng.uniform(0.01, 0.99, (N, K)).astype(np.float32)
    calls = [
        lambda r: fa.softmax_cross_entropy_with_grad(x, labels, weight=w, label_smoothing=0.1, reduction=r),
        lambda r: fa.softmax_cross_entropy_with_grad(x.astype(np.float64), probs, reduction=r),
        lambda r: fa.nll_loss_with_grad(x, labels, reduction=r),
        lambda r: fa.cross_entropy_with_grad(u, probs, reduction=r),
        lambda r: fa.mse_loss_with_grad(x, u, reduction=r),
        lambda r: fa.binary_cross_entropy_with_grad(u, probs, reduction=r),
        lambda r: fa.binary_cross_entropy_with_logits_with_grad(x, u, pos_weight=w, reduction=r),
    ]
    for call in calls:
        for r in REDUCTIONS:
            fa.set_num_threads(1)
            l1, g1 = call(r)
            fa.set_num_threads(2)
            l2, g2 = call(r)
            assert np.asarray(l1).tobytes() == np.asarray(l2).tobytes()
            assert g1.tobytes() == g2.tobytes()
    # the blocked float64 sum is also accurate
    fa.set_num_threads(2)
    total = fa.mse_loss(x, u, reduction="sum")
    exact = math.fsum(((x.astype(np.float64) - u.astype(np.float64)) ** 2).ravel())
    assert float(total) == pytest.approx(exact, rel=1e-6)


def test_threads_from_python_threads():
    """Concurrent calls from several Python threads give the same results."""
    from concurrent.futures import ThreadPoolExecutor
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4000, 50))
    t = rng.integers(0, 50, 4000)
    ref = fa.softmax_cross_entropy_with_grad(x, t)
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda _: fa.softmax_cross_entropy_with_grad(x, t), range(8)))
    for loss, grad in results:
        assert loss == ref[0] and np.array_equal(grad, ref[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_softmax_cross_entropy_gradient_equals_row_by_row(dtype, restore_threads):
    # gradients of 8 MB and more are written by streaming stores: each row must equal
    # the same row computed alone (plain stores)
    rows, k = 8400 * 1000 // np.dtype(dtype).itemsize // 1000, 1000
    rng = np.random.default_rng(40)
    x = (4.0 * rng.standard_normal((rows, k))).astype(dtype)
    x[::7, ::5] *= 30.0                     # rows far from their max (TwoSum path)
    t = rng.integers(0, k, rows)
    t[::11] = -100
    w = rng.uniform(0.5, 2.0, k).astype(dtype)
    for n in (1, 2):
        fa.set_num_threads(n)
        loss, grad = fa.softmax_cross_entropy_with_grad(x, t, weight=w, reduction="none")
        for i in (0, 7, 11, 1000, rows - 1):
            l1, g1 = fa.softmax_cross_entropy_with_grad(x[i:i + 1], t[i:i + 1], weight=w,
                                                        reduction="none")
            assert loss[i:i + 1].tobytes() == l1.tobytes()
            assert grad[i:i + 1].tobytes() == g1.tobytes()


def test_large_bce_with_logits_outputs_equal_small_calls():
    # outputs of 8 MB and more are written by streaming stores where aligned
    rng = np.random.default_rng(41)
    z = (3.0 * rng.standard_normal((2100, 1000))).astype(np.float32)
    y = rng.uniform(0.0, 1.0, z.shape).astype(np.float32)
    for pw in (None, rng.uniform(0.5, 2.0, 1000).astype(np.float32)):
        loss, grad = fa.binary_cross_entropy_with_logits_with_grad(z, y, pos_weight=pw,
                                                                    reduction="none")
        for i in (0, 5, 2099):
            l1, g1 = fa.binary_cross_entropy_with_logits_with_grad(z[i], y[i], pos_weight=pw,
                                                                    reduction="none")
            assert loss[i].tobytes() == l1.tobytes()
            assert grad[i].tobytes() == g1.tobytes()


@pytest.mark.parametrize("pos_weight", [False, True])
def test_bce_with_logits_same_values_wherever_an_element_lies(pos_weight):
    # the float32 AVX-512 kernel runs 128 elements a step and the rest of a run 16 at a
    # time, each written out separately: an element must get the same loss term and
    # gradient in either (special values included)
    rng = np.random.default_rng(43)
    specials = np.array([0.0, -0.0, 1e-30, -1e-30, 1e-45, 0.5, -0.5, 16.0, -16.0, 88.0, -88.0,
                         103.0, -103.0, 104.0, -104.0, 110.0, -110.0, 1e30, -1e30, np.inf,
                         -np.inf, np.nan], np.float32)
    for trial in range(8):
        v = (rng.standard_normal(128) * 10.0 ** rng.uniform(-3, 2, 128)).astype(np.float32)
        v[rng.choice(128, 40, replace=False)] = rng.choice(specials, 40)
        u = rng.choice(np.array([0.0, 1.0, 0.25, 0.7], np.float32), 128)
        u[::3] = rng.uniform(0, 1, u[::3].size)
        # row of 144: 0-127 in one step, 128-143 (a copy of 0-15) in the tail; 16 classes
        # with pos_weight (so the copies share their weights)
        z, y = np.concatenate([v, v[:16]]), np.concatenate([u, u[:16]])
        pw = rng.uniform(0.5, 2.0, 16).astype(np.float32) if pos_weight else None
        zz, yy = (z.reshape(9, 16), y.reshape(9, 16)) if pos_weight else (z, y)
        terms, grad = fa.binary_cross_entropy_with_logits_with_grad(zz, yy, pos_weight=pw,
                                                                     reduction="none")
        terms, grad = terms.reshape(-1), grad.reshape(-1)
        np.testing.assert_array_equal(terms[128:], terms[:16])
        np.testing.assert_array_equal(grad[128:], grad[:16])
        # and both against mpmath: the terms relatively (two terms of one sign), the
        # gradient to a few units of 2^-24 of its terms' size (lw σ(z) - pw y cancels);
        # in the subnormal range to two units of the smallest subnormal, 2^-149
        ref_t, ref_g, size = _bce_logits_ref64(z, y, None if pw is None else np.tile(pw, 9))
        fin = np.isfinite(ref_t)
        np.testing.assert_allclose(terms[fin], ref_t[fin], rtol=3e-6, atol=2.0 ** -148)
        tol = 3e-6 * np.abs(ref_g[fin]) + 2.0 ** -22 * size[fin] + 2.0 ** -148
        assert np.all(np.abs(grad[fin] - ref_g[fin]) <= tol)


def _bce_logits_ref64(z, y, pw):
    """(loss terms, gradients) of binary_cross_entropy_with_logits (reduction none),
    (1 - y) z + lw log(1 + e^-z) and lw σ(z) - pw y, lw = 1 + (pw - 1) y, in mpmath
    (the first has cancellations in any fixed precision), rounded to float64; and the
    sizes of the gradient's two terms, lw σ(z) + pw y."""
    import mpmath as mp
    pw = np.ones_like(z) if pw is None else pw
    terms, grads, scales = [], [], []
    with mp.workdps(60):
        for zi, yi, wi in zip(z.tolist(), y.tolist(), pw.tolist()):
            if not np.isfinite(zi):
                terms.append(np.nan)
                grads.append(np.nan)
                scales.append(np.nan)
                continue
            zm, ym, wm = mp.mpf(zi), mp.mpf(yi), mp.mpf(wi)
            lw = 1 + (wm - 1) * ym
            terms.append(float((1 - ym) * zm + lw * mp.log1p(mp.exp(-zm))))
            grads.append(float(lw / (1 + mp.exp(-zm)) - wm * ym))
            scales.append(float(lw / (1 + mp.exp(-zm)) + wm * ym))
    return np.array(terms), np.array(grads), np.array(scales)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_mse_outputs_equal_small_calls(dtype, restore_threads):
    # inputs of 8 MB and more are prefetched, and outputs that large are 64-byte aligned
    # and written by streaming stores: every element must equal the same element of a
    # small call (plain loads and stores), and the exact formula rounded once
    rows, k = 8400 * 1000 // np.dtype(dtype).itemsize // 1000 + 3, 1000
    rng = np.random.default_rng(42)
    x = (3.0 * rng.standard_normal((rows, k))).astype(dtype)
    t = rng.standard_normal((rows, k)).astype(dtype)
    d = x.astype(np.float64) - t.astype(np.float64)
    for n in (1, 2):
        fa.set_num_threads(n)
        terms = fa.mse_loss(x, t, reduction="none")
        total, grad = fa.mse_loss_with_grad(x, t, reduction="sum")
        for out in (terms, grad):
            assert out.dtype == dtype and out.shape == x.shape and out.flags.c_contiguous
            assert out.flags.writeable and out.ctypes.data % 64 == 0
        np.testing.assert_array_equal(terms, (d * d).astype(dtype))
        np.testing.assert_array_equal(grad, (2.0 * d).astype(dtype))
        # (summed in double in blocks, then rounded to the dtype)
        rel = 1e-12 if dtype == np.float64 else float(np.finfo(dtype).eps)
        assert float(total) == pytest.approx(math.fsum((d * d).ravel()), rel=rel)
        for i in (0, 5, rows - 1):
            t1 = fa.mse_loss(x[i], t[i], reduction="none")
            g1 = fa.mse_loss_with_grad(x[i], t[i], reduction="sum")[1]
            assert terms[i].tobytes() == t1.tobytes()
            assert grad[i].tobytes() == g1.tobytes()
    # the general path (a target of another dtype) allocates the same way
    _, g2 = fa.mse_loss_with_grad(x, t.astype(np.float16 if dtype == np.float32 else np.float32),
                                  reduction="sum")
    assert g2.ctypes.data % 64 == 0 and g2.dtype == dtype


def _assert_same_results(fast, slow, what):
    """A loss call's results (a value, or (value, grad)) equal bit for bit, with the same
    types, dtypes and shapes."""
    fast = fast if isinstance(fast, tuple) else (fast,)
    slow = slow if isinstance(slow, tuple) else (slow,)
    assert len(fast) == len(slow), what
    for a, b in zip(fast, slow):
        assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape, what
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(8,), (3, 5), (2, 3, 4), (5000, 10)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_common_index_call_equals_the_checked_path(dtype, shape, reduction):
    # nll_loss / softmax_cross_entropy with only (input, target) are checked and run in C
    # (losses._rows -> _losses.rows_fast); spelling ignore_index as a NumPy integer
    # takes the general Python path instead: both must give the same bits
    rng = np.random.default_rng(31)
    x = rng.normal(0, 3, shape).astype(dtype)
    t = rng.integers(0, shape[-1], shape[:-1])
    t.reshape(-1)[::7] = -100                      # some ignored rows
    for f in (fa.nll_loss, fa.softmax_cross_entropy, fa.nll_loss_with_grad,
              fa.softmax_cross_entropy_with_grad):
        fast = f(x, t, reduction=reduction)
        slow = f(x, t, reduction=reduction, ignore_index=np.int64(-100))
        _assert_same_results(fast, slow, f)
    # an out-of-range index still raises (from the checked path) and writes nothing
    bad = t.copy()
    bad.reshape(-1)[-1] = shape[-1]
    with pytest.raises(IndexError, match="out of bounds"):
        fa.nll_loss(x, bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (8,), (3, 5), (2, 3, 4), (20000,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_common_elementwise_call_equals_the_checked_path(dtype, shape, reduction):
    # mse / bce / bce-with-logits with contiguous same-dtype arrays and no pos_weight are
    # checked and run in C (losses._elementwise -> _losses.elementwise_fast); a strided
    # target takes the general Python path instead: both must give the same bits
    # (20000 entries: two blocks, so the partial sums of both paths are combined too)
    rng = np.random.default_rng(32)
    p = rng.uniform(0.01, 0.99, shape).astype(dtype)
    t = rng.uniform(0.0, 1.0, shape).astype(dtype)
    strided = np.stack([t, t], axis=-1)[..., 0]
    assert not strided.flags.c_contiguous or strided.ndim == 0
    for f in (fa.mse_loss, fa.mse_loss_with_grad, fa.binary_cross_entropy,
              fa.binary_cross_entropy_with_grad, fa.binary_cross_entropy_with_logits,
              fa.binary_cross_entropy_with_logits_with_grad):
        fast = f(p, t, reduction=reduction)
        slow = f(p, strided if shape else t.tolist(), reduction=reduction)
        _assert_same_results(fast, slow, f)
    # out-of-domain entries still raise (from the checked path)
    bad = p.copy()
    bad.reshape(-1)[-1] = 1.5
    with pytest.raises(ValueError, match="between 0 and 1"):
        fa.binary_cross_entropy(bad, t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(8,), (3, 5), (2, 3, 4), (5000, 10)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_common_probability_call_equals_the_checked_path(dtype, shape, reduction):
    # cross_entropy and softmax_cross_entropy with a probability target of input's
    # dtype and nothing else are checked and run in C (_losses.rows_fast); spelling
    # label_smoothing as a NumPy float takes the general Python path: same bits
    rng = np.random.default_rng(33)
    x = rng.normal(0, 3, shape).astype(dtype)
    p = fa.softmax(x)
    t = fa.softmax(rng.normal(0, 2, shape)).astype(dtype)
    t.reshape(-1)[::5] = 0                          # zero-probability terms
    for f, inp in ((fa.softmax_cross_entropy, x), (fa.softmax_cross_entropy_with_grad, x),
                   (fa.cross_entropy, p), (fa.cross_entropy_with_grad, p)):
        fast = f(inp, t, reduction=reduction)
        if f in (fa.cross_entropy, fa.cross_entropy_with_grad):
            slow = f(inp, t.tolist(), reduction=reduction)       # a list: the checked path
        else:
            slow = f(inp, t, reduction=reduction, label_smoothing=np.float64(0.0))
        _assert_same_results(fast, slow, f)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [1, 2, 7, 16, 17])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_short_rows_with_probability_targets(dtype, K, label_smoothing):
    # rows of K <= 16 classes with a probability target go 16 at a time across SIMD
    # lanes (fastact._rowvec fa_rv_sce_prob_rows_f/_d; K = 17 takes the row loop):
    # against a float64 evaluation in the same stable form each gradient entry is
    # within 4 (float32) or 16 (float64) units of the dtype's rounding of |p Σc| + |c|
    # (the scale of its two terms), the loss within 1e-6 / 1e-13 relative; a row alone
    # gives the same bits as inside the array; a row with an infinite max takes the
    # row loop
    # (float64 data: the float64 reference carries rounding errors of its own of the
    # same order, hence 16 units instead of 4)
    bound, loss_rtol = (4 * 2.0 ** -24, 1e-6) if dtype == np.float32 else (16 * 2.0 ** -52, 1e-13)
    rng = np.random.default_rng(K)
    N = 1000
    x = (3.0 * rng.standard_normal((N, K))).astype(dtype)
    if K > 1:
        x[0, 0] = -np.inf
    x[5, 0] = np.inf                                   # this group falls back to the row loop
    t = rng.dirichlet(np.ones(K), N).astype(dtype)
    t.reshape(-1)[::3] = 0
    w = rng.uniform(0.5, 2.0, K).astype(dtype)
    loss, grad = fa.softmax_cross_entropy_with_grad(x, t, weight=w, reduction="none",
                                                    label_smoothing=label_smoothing)
    x64, t64, w64 = x.astype(np.float64), t.astype(np.float64), w.astype(np.float64)
    c = w64 * ((1 - label_smoothing) * t64 + label_smoothing / K)
    ok = np.isfinite(x64).all(-1)
    xs = x64[ok]
    m = xs.max(-1, keepdims=True)
    # lse - x_j = (m - x_j) + log1p(s'), s' the sum over all but one maximum (stable
    # when one class dominates, as the kernels are)
    e = np.exp(xs - m)
    first_max = np.arange(xs.shape[-1]) == np.argmax(xs, -1)[:, None]
    sp = np.where(first_max, 0.0, e).sum(-1, keepdims=True)
    lse_minus_x = (m - xs) + np.log1p(sp)
    p = e / (1 + sp)
    Y = c[ok].sum(-1, keepdims=True)
    terms = np.where(c[ok] != 0, c[ok] * lse_minus_x, 0.0)
    ref_loss = terms.sum(-1)
    ref_grad = p * Y - c[ok]
    np.testing.assert_allclose(loss[ok], ref_loss, rtol=loss_rtol, atol=1e-300)
    assert np.all(np.abs(grad[ok] - ref_grad) <= bound * (np.abs(p * Y) + np.abs(c[ok])))
    assert np.isnan(loss[5]) or not np.isfinite(loss[5])
    for i in (1, 15, 16, N - 1):
        l1, g1 = fa.softmax_cross_entropy_with_grad(x[i:i + 1], t[i:i + 1], weight=w,
                                                    reduction="none",
                                                    label_smoothing=label_smoothing)
        assert l1.tobytes() == loss[i:i + 1].tobytes() and g1.tobytes() == grad[i:i + 1].tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [10, 40, 256, 257])
def test_grouped_rows_do_not_depend_on_their_neighbours(dtype, K):
    # class-index rows go in groups: K <= 16 16 at a time across lanes, 16 < K <= 256
    # 8 at a time with their finishes vectorised together (fastact._rowvec); a row whose
    # max is not finite (all -inf, or +inf) is left to the row loop alone, and an ignored
    # row gets a zero gradient, so the other rows of its group give the bits they give
    # on their own; with class weights and with a far entry (the exact exp path)
    rng = np.random.default_rng(41)
    x = (3.0 * rng.standard_normal((40, K))).astype(dtype)
    x[3, :] = -np.inf                              # a fully masked row: NaN loss
    x[20, 4] = np.inf
    x[9, 2] = -60.0                                # more than 32 below the max
    t = rng.integers(0, K, 40)
    t[11] = -100
    w = rng.uniform(0.5, 2.0, K).astype(dtype)
    loss, grad = fa.softmax_cross_entropy_with_grad(x, t, weight=w, reduction="none")
    for i in range(40):
        l1, g1 = fa.softmax_cross_entropy_with_grad(x[i:i + 1], t[i:i + 1], weight=w,
                                                    reduction="none")
        assert l1.tobytes() == loss[i:i + 1].tobytes(), i
        assert g1.tobytes() == grad[i:i + 1].tobytes(), i
    assert np.isnan(loss[3]) and not np.isfinite(loss[20])
    assert loss[11] == 0 and not grad[11].any()
    # and against float64 arithmetic for the finite rows
    ok = np.ones(40, bool)
    ok[[3, 20, 11]] = False
    xd = x[ok].astype(np.float64)
    m = xd.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(xd - m).sum(axis=1))
    tt = t[ok]
    wt = w.astype(np.float64)[tt]
    ref = wt * (lse - xd[np.arange(len(tt)), tt])
    p = np.exp(xd - lse[:, None])
    gref = wt[:, None] * (p - np.eye(K)[tt])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss[ok], ref, rtol=tol, atol=0)
    np.testing.assert_allclose(grad[ok], gref, rtol=tol, atol=tol * np.abs(gref).max())


def _ulp32(v):
    """float32 spacing at |v| (2^-149 in the subnormal range), as float64."""
    return np.spacing(np.abs(v).astype(np.float32)).astype(np.float64)


@pytest.mark.parametrize("K", [1, 10, 300])
def test_cross_entropy_float32_terms_and_gradient(K):
    # cross_entropy computes float32 data in float32 (fa_logf, 0.76 ulp measured over
    # every positive float32): with y = 1 each term is −log p exactly as fa_logf gives
    # it (the product by 1 is exact), so within 1 ulp of −log p in float64, from
    # subnormal p to 1; the gradient −y/p is one division (0.5 ulp) with
    # reduction="sum"; a row's loss does not depend on the rows beside it (whole short
    # rows share a vectorised piece)
    rng = np.random.default_rng(K)
    n = 3000
    p = np.exp2(rng.uniform(-149, 0, (n, K))).astype(np.float32)
    p[0, 0] = np.float32(2.0 ** -149)
    p[1, 0] = 1.0
    p[2, 0] = 0.0                             # log clamped at -100
    y = np.ones_like(p)
    loss, grad = fa.cross_entropy_with_grad(p[:, :1].copy(), y[:, :1].copy(), reduction="none")
    with np.errstate(divide="ignore"):
        ref = -np.maximum(np.log(p[:, 0].astype(np.float64)), -100.0)
    assert np.all(np.abs(loss - ref) <= 1.0 * _ulp32(ref))
    _, g = fa.cross_entropy_with_grad(p[3:, :1].copy(), y[3:, :1].copy(), reduction="sum")
    gref = -1.0 / p[3:, :1].astype(np.float64)
    ok = np.abs(gref) < np.finfo(np.float32).max
    assert np.all(np.abs(g[ok] - gref[ok]) <= 0.5 * _ulp32(gref[ok]))
    # K classes per row: each row as in a call of its own
    t = rng.dirichlet(np.ones(K), n).astype(np.float32)
    t[:, ::3] = 0
    lr = fa.cross_entropy(p, t, reduction="none")
    for i in (0, 1, 17, n - 1):
        assert lr[i:i + 1].tobytes() == fa.cross_entropy(p[i:i + 1], t[i:i + 1], reduction="none").tobytes()
    with np.errstate(divide="ignore"):
        logp = np.maximum(np.log(p.astype(np.float64)), -100)
    ref_rows = -(np.where(t != 0, t.astype(np.float64) * logp, 0)).sum(-1)
    np.testing.assert_allclose(lr, ref_rows, rtol=4 * 2.0 ** -24)
