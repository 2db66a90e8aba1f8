"""`python -m fastact demo`: the source material's small sigmoid network, trained by gradient descent.

The network maps three inputs to one output through two sigmoid hidden units:

    h4 = σ(w14·x1 + w24·x2 + w34·x3 + b4)
    h5 = σ(w15·x1 + w25·x2 + w35·x3 + b5)
    h(x) = σ(w46·h4 + w56·h5 + b6)

with the squared-error cost J = ½ Σ (y − h(x))² over the training set.  The
parameters are held as W1 = [[w14, w15], [w24, w25], [w34, w35]], b1 = [b4, b5],
w2 = [w46, w56] and b6.  Backpropagation uses fastact's kernels: `sigmoid` for
the forward pass, `sigmoid_backward(dy, y)` = dy·y·(1−y) from the saved
outputs, and `mse_loss_with_grad` for J and ∂J/∂h when the build has it
(otherwise ∂J/∂h = h − y directly).

The task is synthetic regression: targets produced by a "teacher" network of
the same shape with fixed weights, plus a little noise; the student starts from
small random weights (fixed seed, so runs are reproducible).
"""
import argparse
import sys

import numpy as np

import fastact as fa

PARAM_NAMES = ("w14", "w24", "w34", "b4", "w15", "w25", "w35", "b5", "w46", "w56", "b6")


def params_from_names(p):
    """Arrays (W1, b1, w2, b6) from a dict holding the eleven named weights."""
    W1 = np.array([[p["w14"], p["w15"]], [p["w24"], p["w25"]], [p["w34"], p["w35"]]])
    return W1, np.array([p["b4"], p["b5"]]), np.array([p["w46"], p["w56"]]), float(p["b6"])


def names_from_params(W1, b1, w2, b6):
    return {"w14": W1[0, 0], "w24": W1[1, 0], "w34": W1[2, 0], "b4": b1[0],
            "w15": W1[0, 1], "w25": W1[1, 1], "w35": W1[2, 1], "b5": b1[1],
            "w46": w2[0], "w56": w2[1], "b6": b6}


def forward(params, X):
    """Hidden outputs H (n, 2) and network outputs h (n,)."""
    W1, b1, w2, b6 = params
    H = fa.sigmoid(X @ W1 + b1)
    h = fa.sigmoid(H @ w2 + b6)
    return H, h


def cost_and_output_grad(h, y):
    """J = ½ Σ (y − h)² and ∂J/∂h = h − y."""
    with_grad = getattr(fa, "mse_loss_with_grad", None)
    if with_grad is not None:
        sq_sum, grad = with_grad(h, y, reduction="sum")   # Σ (h − y)², 2(h − y)
        return 0.5 * float(sq_sum), 0.5 * grad
    r = h - y
    return 0.5 * float(r @ r), r


def cost(params, X, y):
    return cost_and_output_grad(forward(params, X)[1], y)[0]


def cost_and_gradients(params, X, y):
    """J and (∂J/∂W1, ∂J/∂b1, ∂J/∂w2, ∂J/∂b6) by backpropagation through fastact kernels."""
    W1, b1, w2, b6 = params
    H, h = forward(params, X)
    J, dJ_dh = cost_and_output_grad(h, y)
    dJ_dz_out = fa.sigmoid_backward(dJ_dh, h)            # through h = σ(z_out)
    dJ_dw2 = H.T @ dJ_dz_out                             # z_out = H·w2 + b6
    dJ_db6 = float(dJ_dz_out.sum())
    dJ_dH = np.outer(dJ_dz_out, w2)
    dJ_dZ_hidden = fa.sigmoid_backward(dJ_dH, H)         # through H = σ(Z_hidden)
    dJ_dW1 = X.T @ dJ_dZ_hidden                          # Z_hidden = X·W1 + b1
    dJ_db1 = dJ_dZ_hidden.sum(axis=0)
    return J, (dJ_dW1, dJ_db1, dJ_dw2, dJ_db6)


def gradient_step(params, grads, lr):
    return tuple(p - lr * g for p, g in zip(params, grads))


def make_task(rng, n=200):
    """Inputs X (n, 3) and targets y (n,) from a fixed teacher network plus noise."""
    teacher = (np.array([[2.0, -1.5], [-1.0, 2.5], [0.5, 1.0]]), np.array([0.5, -0.5]),
               np.array([3.0, -2.5]), 0.2)
    X = rng.standard_normal((n, 3))
    y = forward(teacher, X)[1] + 0.01 * rng.standard_normal(n)
    return X, y


def init_params(rng):
    return (0.5 * rng.standard_normal((3, 2)), np.zeros(2), 0.5 * rng.standard_normal(2), 0.0)


def train(epochs=2000, lr=0.5, seed=0, report_every=None, log=print):
    """Full-batch gradient descent on J / n; returns the list of (epoch, J)."""
    rng = np.random.default_rng(seed)
    X, y = make_task(rng)
    params = init_params(rng)
    n = len(y)
    report_every = report_every or max(1, epochs // 10)
    history = []
    for epoch in range(epochs + 1):
        J, grads = cost_and_gradients(params, X, y)
        if epoch % report_every == 0 or epoch == epochs:
            history.append((epoch, J))
            log(f"epoch {epoch:6d}   J = {J:.6f}   mean squared error = {2 * J / n:.6f}")
        if epoch < epochs:
            params = gradient_step(params, [g / n for g in grads], lr)
    return history, params


def add_arguments(parser):
    parser.add_argument("--epochs", type=int, default=2000, help="gradient-descent epochs (default 2000)")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate on J/n (default 2.0)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def run(args):
    print(__doc__.split("\n\n")[1])
    print("\ntraining on 200 synthetic samples, full-batch gradient descent "
          f"(lr={args.lr}, seed={args.seed})\n")
    history, params = train(args.epochs, args.lr, args.seed)
    print("\nlearned weights: " + ", ".join(f"{k}={v:+.3f}"
                                             for k, v in names_from_params(*params).items()))
    first, last = history[0][1], history[-1][1]
    print(f"J fell from {first:.4f} to {last:.4f}")
    return 0 if last < first else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastact demo", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
