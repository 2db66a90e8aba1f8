"""`python -m fastact check`: every derivative in the library against finite differences.

Design note
-----------
Two kinds of check, each a row of the printed table:

* float64: the analytic derivative (an activation's `_backward`, the softmax
  family's VJP/JVP/Jacobian, a loss's `_with_grad` gradient) against central
  finite differences of fastact's own float64 forward function,
  (f(x+h) - f(x-h)) / 2h with h = 1e-5 * max(1, |x|).  Elementwise errors are
  relative to max(1, |fd|); softmax-family and loss gradients normwise,
  relative to max |fd|.  For smooth f the
  difference quotient errs by about h^2 |f'''| / 6 (truncation, ~1e-10) plus
  eps64 |f| / h (rounding, ~1e-11 |f|), so the tolerance 1e-6 (relative, with
  an absolute floor of 1) leaves four orders of margin while any wrong formula
  -- a missing factor, a sign, a term -- errs by 1e-2 or more.
* float32: the float32 kernel against the float64 kernel evaluated on the very
  same (float32-representable) inputs.  The float32 kernels promise a few ulp
  (eps32 = 1.2e-7) per operation and SPEC section 1 allows 1e-5 relative error
  for the softmax family and losses; the tolerance is therefore 1e-5, about 80
  ulp: loose enough for a handful of rounded operations, tight enough that a
  float32-only formula error (e.g. a cancellation) shows.  Elementwise errors
  are measured relative to max(|ref|, 1e-3) (an absolute floor below 1e-3);
  softmax-family and loss results normwise, relative to max |ref|, because
  their entries are sums that can legitimately cancel to near zero.

Functions are discovered at run time (`fa.ACTIVATIONS`, `getattr(fa, name)`),
so functions added later are checked automatically and functions not yet in
the build are listed as missing rather than failing.  Activation samples avoid
the kinks (a list per activation plus a generic test that the left and right
one-sided differences agree), where a derivative is a convention, not a limit.

Exit status: 0 when every check passes, 1 when any fails (an exception inside a
check counts as a failure).
"""
import argparse
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

import fastact as fa

FD_TOL = 1e-6       # float64 derivative vs central differences (see design note)
F32_TOL = 1e-5      # float32 kernel vs float64 kernel on the same inputs
REL_FLOOR = 1e-3    # elementwise float32 errors are relative to max(|ref|, REL_FLOOR)


@dataclass
class Result:
    function: str
    dtype: str
    case: str
    error: float
    tol: float
    note: str = ""

    @property
    def ok(self):
        return bool(self.error <= self.tol)   # NaN error -> not ok


# --- error measures -----------------------------------------------------------------

def fd_error(analytic, fd):
    """max |analytic - fd| / max(1, |fd|)."""
    a = np.asarray(analytic, dtype=np.float64)
    r = np.asarray(fd, dtype=np.float64)
    if a.shape != r.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - r) / np.maximum(1.0, np.abs(r))))


def elementwise_rel_error(actual, ref):
    """max |actual - ref| / max(|ref|, REL_FLOOR), for float32 vs float64 elementwise."""
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    if a.shape != r.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - r) / np.maximum(np.abs(r), REL_FLOOR)))


def normwise_rel_error(actual, ref):
    """max |actual - ref| / max |ref| (0 when both are all zero)."""
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    if a.shape != r.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    scale = float(np.max(np.abs(r)))
    diff = float(np.max(np.abs(a - r)))
    if scale == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / scale


def fd_step(x):
    return 1e-5 * np.maximum(1.0, np.abs(x))


def grad_by_central_differences(f, x):
    """∇ of the scalar f at x (float64), one coordinate at a time."""
    x = np.array(x, dtype=np.float64)
    g = np.empty_like(x)
    xf, gf = x.reshape(-1), g.reshape(-1)
    for i in range(xf.size):
        old = xf[i]
        h = 1e-5 * max(1.0, abs(old))
        xf[i] = old + h
        fp = f(x)
        xf[i] = old - h
        fm = f(x)
        xf[i] = old
        gf[i] = (fp - fm) / (2 * h)
    return g


def vjp_along_axis(f, x, dy, axis):
    """Σ_k dy_k ∂f(x)_k/∂x_j along `axis` by central differences.

    f maps along `axis` independently for each position of the other axes, so
    index j of every slice can be perturbed at once: K pairs of calls.
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.empty_like(x)
    axis = axis % x.ndim
    for j in range(x.shape[axis]):
        idx = [slice(None)] * x.ndim
        idx[axis] = j
        idx = tuple(idx)
        h = fd_step(x[idx])
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        diff = np.asarray(f(xp), dtype=np.float64) - np.asarray(f(xm), dtype=np.float64)
        g[idx] = np.sum(dy * diff, axis=axis) / (2 * h)
    return g


# --- activations ---------------------------------------------------------------------

# Parameter settings worth checking (besides the defaults) and the kinks of each
# activation for those parameters.  Activations not listed are checked at their
# defaults, with kinks found by the generic one-sided-difference test.
ACTIVATION_SETTINGS = {
    "leaky_relu": [{}, {"negative_slope": 0.2}],
    "elu": [{}, {"alpha": 0.5}],
    "gelu": [{"approximate": "none"}, {"approximate": "tanh"}],
    "softplus": [{}, {"beta": 2.0, "threshold": 5.0}],
    "hard_tanh": [{}, {"min_val": -0.5, "max_val": 2.0}],
}


def activation_kinks(name, params):
    if name in ("relu", "leaky_relu", "elu", "selu"):
        return [0.0]
    if name == "relu6":
        return [0.0, 6.0]
    if name in ("hard_sigmoid", "hard_swish"):
        return [-3.0, 3.0]
    if name == "hard_tanh":
        return [params.get("min_val", -1.0), params.get("max_val", 1.0)]
    if name == "softplus":
        return [params.get("threshold", 20.0) / params.get("beta", 1.0)]
    return []


def activation_points(rng, name, params):
    """Float32-representable sample points in [-12, 12] plus tails, away from kinks."""
    x = np.concatenate([np.linspace(-12, 12, 241) + rng.uniform(-0.04, 0.04, 241),
                        [-30.0, -20.5, 20.5, 30.0], rng.standard_normal(40)])
    x = x.astype(np.float32).astype(np.float64)
    keep = np.ones(x.shape, bool)
    for k in activation_kinks(name, params):
        keep &= np.abs(x - k) > 1e-3
    return x[keep]


def smooth_points(f, x):
    """Mask of points where the left and right one-sided differences agree (no kink)."""
    h = fd_step(x)
    f0 = f(x)
    right = (f(x + h) - f0) / h
    left = (f0 - f(x - h)) / h
    return np.abs(right - left) <= 1e-3 * np.maximum(1.0, np.abs(right))


def params_label(params):
    return ",".join(f"{k}={v}" for k, v in params.items())


def check_activation(name, act, rng):
    forward = getattr(fa, name, None) or act.forward
    backward = getattr(fa, name + "_backward", None)
    saves_output = act.saves == "output"
    results = []
    settings = ACTIVATION_SETTINGS.get(name, [{}])
    for params in settings:
        label = params_label(params)
        fname = name + "_backward"

        def f(v, params=params):
            return np.asarray(forward(v, **params), dtype=np.float64)

        def bwd(dy, x, y, params=params):
            if backward is not None:
                return backward(dy, y if saves_output else x, **params)
            return act.backward(dy, x=x, y=y, **params)

        x = activation_points(rng, name, params)
        x = x[smooth_points(f, x)]
        dy = rng.standard_normal(x.shape)
        # float64: dx against dy * (f(x+h) - f(x-h)) / 2h
        h = fd_step(x)
        fd = dy * (f(x + h) - f(x - h)) / (2 * h)
        y = forward(x, **params)
        results.append(Result(fname, "float64", label, fd_error(bwd(dy, x, y), fd), FD_TOL))
        # float32 kernel against the float64 kernel on the same inputs
        x32, dy32 = x.astype(np.float32), dy.astype(np.float32)
        y32 = forward(x32, **params)
        got = bwd(dy32, x32, y32)
        ref = bwd(dy32.astype(np.float64), x32.astype(np.float64), y32.astype(np.float64))
        err = elementwise_rel_error(got, ref) if got.dtype == np.float32 else math.inf
        results.append(Result(fname, "float32", label, err, F32_TOL,
                              "" if got.dtype == np.float32 else f"returned {got.dtype}"))
    return results


# --- softmax family ------------------------------------------------------------------

SOFTMAX_SHAPES = [((4, 7), -1), ((3, 5, 4), 1), ((6, 3), 0), ((5,), 0)]


def softmax_family_checks(rng):
    """(function, case label, apply, inputs, fd reference thunk) for every softmax-family derivative.

    `apply(*inputs)` evaluates the analytic derivative; the float64 row compares
    it with the finite-difference thunk, the float32 row compares apply() on the
    inputs rounded to float32 with apply() on the same rounded values in float64.
    """
    softmax = getattr(fa, "softmax", None)
    log_softmax = getattr(fa, "log_softmax", None)
    logsumexp = getattr(fa, "logsumexp", None)
    checks = []
    for shape, axis in SOFTMAX_SHAPES:
        label = f"shape={shape},axis={axis}"
        x = 2.0 * rng.standard_normal(shape)
        dy = rng.standard_normal(shape)
        v = rng.standard_normal(shape)
        if softmax is not None:
            y = softmax(x, axis=axis)
            checks.append(("softmax_backward", label,
                           lambda dy, y, axis=axis: fa.softmax_backward(dy, y, axis=axis), (dy, y),
                           lambda x=x, dy=dy, axis=axis: vjp_along_axis(
                               lambda t: softmax(t, axis=axis), x, dy, axis)))
            checks.append(("softmax_jvp", label,
                           lambda y, v, axis=axis: fa.softmax_jvp(y, v, axis=axis), (y, v),
                           lambda x=x, v=v, axis=axis: (softmax(x + 1e-5 * v, axis=axis)
                                                        - softmax(x - 1e-5 * v, axis=axis)) / 2e-5))
            if logsumexp is not None:
                # d/dx logsumexp(x) = softmax(x): checks softmax as logsumexp's gradient
                checks.append(("logsumexp (grad = softmax)", label,
                               lambda x, axis=axis: softmax(x, axis=axis), (x,),
                               lambda x=x, axis=axis: vjp_along_axis(
                                   lambda t: logsumexp(t, axis=axis, keepdims=True), x,
                                   np.ones(()), axis)))
        if log_softmax is not None:
            ly = log_softmax(x, axis=axis)
            checks.append(("log_softmax_backward", label,
                           lambda dy, ly, axis=axis: fa.log_softmax_backward(dy, ly, axis=axis),
                           (dy, ly),
                           lambda x=x, dy=dy, axis=axis: vjp_along_axis(
                               lambda t: log_softmax(t, axis=axis), x, dy, axis)))
    # the explicit Jacobian, J[..., i, j] = ∂s_i/∂x_j, on the last axis
    if softmax is not None:
        for shape in [(4, 5), (6,), (2, 3, 4)]:
            x = rng.standard_normal(shape)

            def jacobian_fd(x=x):
                K = x.shape[-1]
                J = np.empty(x.shape + (K,))
                for j in range(K):
                    h = fd_step(x[..., j])
                    xp, xm = x.copy(), x.copy()
                    xp[..., j] += h
                    xm[..., j] -= h
                    J[..., :, j] = (softmax(xp) - softmax(xm)) / (2 * h)[..., None]
                return J

            checks.append(("softmax_jacobian", f"shape={shape}",
                           lambda y: fa.softmax_jacobian(y), (softmax(x),), jacobian_fd))
    return checks


def check_softmax_family(rng):
    results = []
    for fname, label, apply, inputs, fd in softmax_family_checks(rng):
        if getattr(fa, fname.split(" ")[0], None) is None:
            continue
        results.append(Result(fname, "float64", label,
                              normwise_rel_error(apply(*inputs), fd()), FD_TOL))
        inputs32 = [np.asarray(a, dtype=np.float32) for a in inputs]
        got = apply(*inputs32)
        ref = apply(*[a.astype(np.float64) for a in inputs32])
        ok_dtype = got.dtype == np.float32
        results.append(Result(fname, "float32", label,
                              normwise_rel_error(got, ref) if ok_dtype else math.inf,
                              F32_TOL, "" if ok_dtype else f"returned {got.dtype}"))
    return results


# --- losses ---------------------------------------------------------------------------

REDUCTIONS = ("mean", "sum", "none")


def f32_exact(a):
    """Round to float32 and back, so float32 and float64 runs see the same values."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def loss_cases(rng):
    """(loss name, case label, input, target, keyword arguments) for every option worth checking."""
    B, K = 4, 5
    logits = f32_exact(2.0 * rng.standard_normal((B, K)))
    probs_in = f32_exact(rng.uniform(0.05, 0.95, (B, K)))
    soft_target = f32_exact(rng.uniform(0.0, 1.0, (B, K)))
    dist_target = np.exp(rng.standard_normal((B, K)))
    dist_target[0, 1] = 0.0                      # a zero-probability class
    dist_target = f32_exact(dist_target / dist_target.sum(-1, keepdims=True))
    class_probs = np.exp(rng.standard_normal((B, K)))
    class_probs = f32_exact(class_probs / class_probs.sum(-1, keepdims=True))
    log_probs = f32_exact(np.log(class_probs))
    labels = np.array([0, 3, 1, 4])
    labels_ignored = np.array([0, -100, 2, 4])   # one ignored row (default ignore_index)
    weight = f32_exact(rng.uniform(0.5, 2.0, K))
    pos_weight = f32_exact(rng.uniform(0.5, 3.0, K))
    cases = []
    for r in REDUCTIONS:
        red = {"reduction": r}
        cases.append(("mse_loss", r, logits, f32_exact(rng.standard_normal((B, K))), red))
        cases.append(("binary_cross_entropy", r, probs_in, soft_target, red))
        cases.append(("cross_entropy", r, probs_in, dist_target, red))
        for pw_label, pw in (("", None), ("pos_weight", pos_weight)):
            kw = dict(red, pos_weight=pw) if pw is not None else red
            cases.append(("binary_cross_entropy_with_logits", ",".join(filter(None, [pw_label, r])),
                          logits, soft_target, kw))
        for w_label, w in (("", None), ("weight", weight)):
            for t_label, t, extra in (("labels", labels, {}),
                                      ("ignore=-100", labels_ignored, {}),
                                      ("ignore_index=3", labels, {"ignore_index": 3})):
                kw = dict(red, **extra)
                if w is not None:
                    kw["weight"] = w
                tag = ",".join(filter(None, [t_label, w_label, r]))
                cases.append(("nll_loss", tag, log_probs, t, kw))
                for ls in (0.0, 0.1):
                    kw_ls = dict(kw, label_smoothing=ls) if ls else kw
                    cases.append(("softmax_cross_entropy", tag + (f",label_smoothing={ls}" if ls else ""),
                                  logits, t, kw_ls))
            for ls in (0.0, 0.1):
                kw = dict(red, label_smoothing=ls) if ls else dict(red)
                if w is not None:
                    kw["weight"] = w
                tag = ",".join(filter(None, ["probabilities", w_label, r]))
                cases.append(("softmax_cross_entropy", tag + (f",label_smoothing={ls}" if ls else ""),
                              logits, dist_target, kw))
    return cases


def check_losses(rng):
    results = []
    for name, label, inp, target, kw in loss_cases(rng):
        loss_fn = getattr(fa, name, None)
        with_grad = getattr(fa, name + "_with_grad", None)
        if loss_fn is None or with_grad is None:
            continue
        fname = name + "_with_grad"
        # float64: grad against central differences of the summed loss; the fused
        # loss value must equal the plain function's.
        loss64, grad64 = with_grad(inp, target, **kw)
        fd = grad_by_central_differences(
            lambda z: float(np.sum(loss_fn(z, target, **kw), dtype=np.float64)), inp)
        grad_err = normwise_rel_error(grad64, fd)
        value_err = normwise_rel_error(loss64, loss_fn(inp, target, **kw))
        if value_err <= 1e-12:
            results.append(Result(fname, "float64", label, grad_err, FD_TOL))
        else:
            results.append(Result(fname, "float64", label, math.inf, FD_TOL,
                                  f"loss differs from {name}() by {value_err:.1e}"))
        # float32 input: loss and grad against the float64 run on the same values
        kw32 = {k: (np.asarray(v, dtype=np.float32) if isinstance(v, np.ndarray) else v)
                for k, v in kw.items()}
        t32 = target.astype(np.float32) if target.dtype.kind == "f" else target
        loss32, grad32 = with_grad(inp.astype(np.float32), t32, **kw32)
        ok_dtype = grad32.dtype == np.float32 and np.asarray(loss32).dtype == np.float32
        err32 = max(normwise_rel_error(loss32, loss64), normwise_rel_error(grad32, grad64))
        results.append(Result(fname, "float32", label, err32 if ok_dtype else math.inf, F32_TOL,
                              "" if ok_dtype else "result dtype is not float32"))
    return results


# --- driver ---------------------------------------------------------------------------

SOFTMAX_FUNCTIONS = ("softmax_backward", "softmax_jvp", "log_softmax_backward", "softmax_jacobian")
LOSS_NAMES = ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
              "cross_entropy", "softmax_cross_entropy", "nll_loss")


def guarded(fname, thunk):
    """Run one group of checks; an exception becomes a failing row naming it."""
    try:
        return thunk()
    except Exception as exc:   # noqa: BLE001 -- report, never crash the table
        return [Result(fname, "-", "", math.inf, 0.0, f"{type(exc).__name__}: {exc}")]


def run_checks(filter_substr=None, seed=20240611):
    """All check rows (list of Result), plus the names not in this build."""
    rng = np.random.default_rng(seed)
    results = []
    for name, act in sorted(getattr(fa, "ACTIVATIONS", {}).items()):
        if filter_substr and filter_substr not in name + "_backward":
            continue
        results += guarded(name + "_backward", lambda: check_activation(name, act, rng))
    if not filter_substr or any(filter_substr in n for n in SOFTMAX_FUNCTIONS + ("logsumexp",)):
        rows = guarded("softmax family", lambda: check_softmax_family(rng))
        results += [r for r in rows if not filter_substr or filter_substr in r.function]
    if not filter_substr or any(filter_substr in n + "_with_grad" for n in LOSS_NAMES):
        rows = guarded("losses", lambda: check_losses(rng))
        results += [r for r in rows if not filter_substr or filter_substr in r.function]
    missing = [n for n in SOFTMAX_FUNCTIONS + tuple(n + "_with_grad" for n in LOSS_NAMES)
               if getattr(fa, n, None) is None and (not filter_substr or filter_substr in n)]
    return results, missing


def summarize(results):
    """One row per (function, dtype): worst error over its cases and whether all passed."""
    groups = {}
    for r in results:
        groups.setdefault((r.function, r.dtype), []).append(r)
    rows = []
    for (function, dtype), rs in groups.items():
        failing = [r for r in rs if not r.ok]
        worst = failing[0] if failing else max(rs, key=lambda r: r.error)
        rows.append((function, dtype, len(rs), worst, not failing))
    return rows


def format_table(results, verbose=False):
    w = max([len("function")] + [len(r.function) for r in results])
    lines = [f"{'function':{w}s} {'dtype':7s} {'cases':>5s} {'max error':>10s} {'tol':>8s}  ok"]
    if verbose:
        for r in results:
            lines.append(f"{r.function:{w}s} {r.dtype:7s} {'':>5s} {r.error:10.2e} {r.tol:8.0e}  "
                         f"{'ok' if r.ok else 'FAIL'}  {r.case} {r.note}".rstrip())
        return lines
    for function, dtype, n, worst, ok in summarize(results):
        extra = "" if ok else f"  [{worst.case}] {worst.note}".rstrip()
        lines.append(f"{function:{w}s} {dtype:7s} {n:5d} {worst.error:10.2e} {worst.tol:8.0e}  "
                     f"{'ok' if ok else 'FAIL'}{extra}")
    return lines


def add_arguments(parser):
    parser.add_argument("--filter", metavar="SUBSTR", help="only functions whose name contains SUBSTR")
    parser.add_argument("--verbose", "-v", action="store_true", help="one row per case, not per function")


def run(args):
    t0 = time.perf_counter()
    results, missing = run_checks(args.filter)
    for line in format_table(results, args.verbose):
        print(line)
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results)} checks ({len(summarize(results))} function/dtype rows), "
          f"{len(failed)} failed, {time.perf_counter() - t0:.1f} s")
    print(f"float64: analytic vs central differences, tol {FD_TOL:g}; "
          f"float32: float32 kernel vs float64 kernel, tol {F32_TOL:g}")
    if missing:
        print("not in this build (skipped): " + ", ".join(missing))
    if not results:
        print("nothing matched", file=sys.stderr)
        return 1
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastact check", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
