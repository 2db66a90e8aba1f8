"""The source material's worked example, backpropagated through fastact kernels.

    h(x) = σ(w46·σ(w14x1 + w24x2 + w34x3 + b4) + w56·σ(w15x1 + w25x2 + w35x3 + b5) + b6)
    J = ½ Σ (y − h(x))²

Every parameter's gradient obtained by backpropagation with fa.sigmoid and
fa.sigmoid_backward (the demo's code, and ∂J/∂w14 also written out by hand)
must equal central finite differences of J evaluated independently of fastact
(plain NumPy, float64); a few gradient-descent steps must lower J.
"""
import numpy as np
import pytest

import fastact as fa
from fastact.cli import demo


def sigmoid_ref(z):
    return 1.0 / (1.0 + np.exp(-z))          # |z| stays small here: no overflow


def cost_ref(p, X, y):
    """J from named parameters, plain NumPy (no fastact)."""
    h4 = sigmoid_ref(p["w14"] * X[:, 0] + p["w24"] * X[:, 1] + p["w34"] * X[:, 2] + p["b4"])
    h5 = sigmoid_ref(p["w15"] * X[:, 0] + p["w25"] * X[:, 1] + p["w35"] * X[:, 2] + p["b5"])
    h = sigmoid_ref(p["w46"] * h4 + p["w56"] * h5 + p["b6"])
    return 0.5 * np.sum((y - h) ** 2)


def central_difference_grads(p, X, y, eps=1e-6):
    grads = {}
    for name in demo.PARAM_NAMES:
        plus, minus = dict(p), dict(p)
        plus[name] += eps
        minus[name] -= eps
        grads[name] = (cost_ref(plus, X, y) - cost_ref(minus, X, y)) / (2 * eps)
    return grads


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 3))
    y = rng.uniform(0.1, 0.9, 12)
    p = dict(zip(demo.PARAM_NAMES, rng.uniform(-1.5, 1.5, len(demo.PARAM_NAMES))))
    return p, X, y


def test_cost_matches_independent_forward(problem):
    p, X, y = problem
    assert demo.cost(demo.params_from_names(p), X, y) == pytest.approx(cost_ref(p, X, y), rel=1e-13)


def test_dJ_dw14_by_hand(problem):
    """∂J/∂w14 = Σ (h − y)·h(1 − h)·w46·h4(1 − h4)·x1, each factor from a fastact kernel."""
    p, X, y = problem
    h4 = fa.sigmoid(p["w14"] * X[:, 0] + p["w24"] * X[:, 1] + p["w34"] * X[:, 2] + p["b4"])
    h5 = fa.sigmoid(p["w15"] * X[:, 0] + p["w25"] * X[:, 1] + p["w35"] * X[:, 2] + p["b5"])
    h = fa.sigmoid(p["w46"] * h4 + p["w56"] * h5 + p["b6"])
    dJ_dz6 = fa.sigmoid_backward(h - y, h)              # (h − y)·h(1 − h)
    dJ_dz4 = fa.sigmoid_backward(dJ_dz6 * p["w46"], h4)  # ·w46·h4(1 − h4)
    dJ_dw14 = np.sum(dJ_dz4 * X[:, 0])                   # ·x1
    fd = central_difference_grads(p, X, y)["w14"]
    assert dJ_dw14 == pytest.approx(fd, rel=1e-7, abs=1e-9)


def test_every_gradient_equals_finite_differences(problem):
    p, X, y = problem
    J, grads = demo.cost_and_gradients(demo.params_from_names(p), X, y)
    assert J == pytest.approx(cost_ref(p, X, y), rel=1e-13)
    backprop = demo.names_from_params(*grads)
    fd = central_difference_grads(p, X, y)
    for name in demo.PARAM_NAMES:
        assert backprop[name] == pytest.approx(fd[name], rel=1e-7, abs=1e-9), name


def test_gradients_with_named_parameters_are_not_all_equal(problem):
    """Guard against a test that passes vacuously: the gradients are distinct and nonzero."""
    p, X, y = problem
    fd = central_difference_grads(p, X, y)
    values = np.array([fd[n] for n in demo.PARAM_NAMES])
    assert np.all(np.abs(values) > 1e-6)
    assert len(np.unique(np.round(values, 9))) == len(values)


def test_gradient_descent_steps_lower_J(problem):
    p, X, y = problem
    params = demo.params_from_names(p)
    costs = []
    for _ in range(6):
        J, grads = demo.cost_and_gradients(params, X, y)
        costs.append(J)
        params = demo.gradient_step(params, grads, lr=0.2)
    costs.append(cost_ref(demo.names_from_params(*params), X, y))
    assert all(b < a for a, b in zip(costs, costs[1:])), costs
    assert costs[-1] < 0.95 * costs[0]


def test_demo_training_lowers_J():
    history, _ = demo.train(epochs=300, lr=2.0, seed=0, log=lambda line: None)
    costs = [J for _, J in history]
    assert costs[-1] < 0.2 * costs[0]
