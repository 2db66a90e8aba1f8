"""Softmax family (SPEC section 3): values against exact references, derivatives
against finite differences and PyTorch, every axis, the edges, bad input.

References are independent of fastact: mpmath at 60 digits (or long double) for
the forward values, scipy.special and torch.nn.functional / torch.autograd as
oracles, central differences in float64 for every derivative.
"""
import mpmath
import numpy as np
import pytest
import scipy.special as sps

import fastact as fa
from fastact import _dispatch
from conftest import central_difference, requires_torch, torch

F32, F64 = np.float32, np.float64


# --- references -----------------------------------------------------------------

def mp_rows(x, axis=-1):
    """(softmax, log_softmax, logsumexp) of finite x along axis, exact to float64 (mpmath).

    400 digits: log_softmax at the max of a row is −log(1 + ε) with ε down to the
    smallest double, which must survive next to a logsumexp of size 1e4.
    """
    x = np.moveaxis(np.asarray(x, dtype=F64), axis, -1)
    rows = x.reshape(-1, x.shape[-1])
    sm = np.empty(rows.shape)
    lsm = np.empty(rows.shape)
    lse = np.empty(rows.shape[0])
    with mpmath.workdps(400):
        for r, row in enumerate(rows):
            xs = [mpmath.mpf(float(v)) for v in row]
            z = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in xs))
            lse[r] = float(z)
            lsm[r] = [float(v - z) for v in xs]
            sm[r] = [float(mpmath.exp(v - z)) for v in xs]
    back = lambda a: np.moveaxis(a.reshape(x.shape), -1, axis)
    return back(sm), back(lsm), lse.reshape(x.shape[:-1])


def assert_rel(actual, expected, rtol, dtype):
    """|actual − expected| <= rtol·|expected|, with an absolute floor only below the
    dtype's normal range (subnormal results cannot carry relative precision)."""
    actual = np.asarray(actual, dtype=F64)
    expected = np.asarray(expected, dtype=F64)
    assert actual.shape == expected.shape
    floor = np.finfo(dtype).tiny * 1e-3
    err = np.abs(actual - expected)
    bad = ~(err <= rtol * np.abs(expected) + floor)
    assert not bad.any(), (f"max rel err {np.max(err / np.maximum(np.abs(expected), floor)):.3g} "
                           f"at {np.argwhere(bad)[:3].tolist()}: {actual[bad][:3]} vs {expected[bad][:3]}")


RTOL = {F64: 1e-12, F32: 1e-5}


def logits(shape, scale, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.fixture
def restore_threads():
    n = fa.get_num_threads()
    yield
    fa.set_num_threads(n)


# --- forward values against the exact reference -------------------------------------

@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_forward_exact_reference(dtype, scale):
    x = logits((7, 23), scale, seed=int(scale)).astype(dtype)
    sm, lsm, lse = mp_rows(x)
    assert_rel(fa.softmax(x), sm, RTOL[dtype], dtype)
    assert_rel(fa.log_softmax(x), lsm, RTOL[dtype], dtype)
    assert_rel(fa.logsumexp(x), lse, RTOL[dtype], dtype)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_logits_of_plus_minus_1e4(dtype):
    x = np.array([[1e4, -1e4, 1e4 - 3.0, 0.0, -1e4 + 1.0],
                  [-1e4, -1e4 + 0.5, -1e4 - 20.0, -1e4, -1e4 - 700.0],
                  [1e4, 1e4, 1e4, 1e4, 1e4 - 1e-2]], dtype=dtype)
    sm, lsm, lse = mp_rows(x)
    assert_rel(fa.softmax(x), sm, RTOL[dtype], dtype)
    assert_rel(fa.log_softmax(x), lsm, RTOL[dtype], dtype)
    assert_rel(fa.logsumexp(x), lse, RTOL[dtype], dtype)


@pytest.mark.parametrize("gap", [30.0, 36.0, 50.0, 700.0])
def test_log_softmax_of_dominant_entry_keeps_relative_precision(gap):
    # log_softmax at the max is −log(1 + e^−gap) ≈ −e^−gap: a naive log(Σ) loses it
    x = np.array([0.0, -gap, -gap - 1.0])
    _, lsm, lse = mp_rows(x)
    assert_rel(fa.log_softmax(x), lsm, 1e-12, F64)
    assert_rel(fa.logsumexp(x), lse, 1e-12, F64)
    assert fa.log_softmax(x)[0] < 0.0


@pytest.mark.parametrize("dtype", [F64, F32])
def test_long_rows_against_long_double(dtype):
    # 20000 entries: accumulation error of the sums must stay far below the tolerance
    x = logits((3, 20000), 8.0, seed=3).astype(dtype)
    xl = x.astype(np.longdouble)
    m = xl.max(axis=-1, keepdims=True)
    s = np.exp(xl - m).sum(axis=-1, keepdims=True)
    lse = m + np.log(s)
    assert_rel(fa.softmax(x), np.exp(xl - m) / s, RTOL[dtype], dtype)
    assert_rel(fa.log_softmax(x), xl - lse, RTOL[dtype], dtype)
    assert_rel(fa.logsumexp(x), lse[:, 0], RTOL[dtype], dtype)


@pytest.mark.parametrize("K", [3, 24, 256, 257])
def test_log_softmax_rows_do_not_depend_on_their_neighbours(K):
    # float32 rows of up to 256 entries go 8 at a time, their logs vectorised together
    # (AVX-512 build); a row whose max is not finite goes through the row loop alone, so
    # every row gives the bits it gives on its own, and matches long double arithmetic
    x = logits((30, K), 4.0, seed=K).astype(F32)
    x[2, :] = -np.inf
    x[5, K // 2] = np.inf
    x[8, 0] = np.nan
    x[11, -1] = x[11].max() - 60.0                # far from the max: the exact exps
    y = fa.log_softmax(x)
    for i in range(30):
        assert fa.log_softmax(x[i:i + 1]).tobytes() == y[i:i + 1].tobytes(), i
    assert np.isnan(y[[2, 5, 8]]).all(axis=-1).all()
    ok = np.ones(30, bool)
    ok[[2, 5, 8]] = False
    xl = x[ok].astype(np.longdouble)
    m = xl.max(axis=-1, keepdims=True)
    assert_rel(y[ok], xl - (m + np.log(np.exp(xl - m).sum(axis=-1, keepdims=True))),
               RTOL[F32], F32)


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_every_axis_of_3d_against_scipy_and_exact(dtype, axis):
    x = logits((4, 5, 6), 4.0, seed=axis + 10).astype(dtype)
    sm, lsm, lse = mp_rows(x, axis)
    y = fa.softmax(x, axis)
    ly = fa.log_softmax(x, axis)
    z = fa.logsumexp(x, axis)
    assert y.dtype == ly.dtype == z.dtype == dtype
    assert_rel(y, sm, RTOL[dtype], dtype)
    assert_rel(ly, lsm, RTOL[dtype], dtype)
    assert_rel(z, lse, RTOL[dtype], dtype)
    x64 = x.astype(F64)
    np.testing.assert_allclose(y, sps.softmax(x64, axis=axis), rtol=RTOL[dtype] * 10)
    # scipy's log_softmax is only absolutely accurate near 0 (where ours is relatively so)
    np.testing.assert_allclose(ly, sps.log_softmax(x64, axis=axis), rtol=RTOL[dtype] * 10,
                               atol=1e-15)
    np.testing.assert_allclose(z, sps.logsumexp(x64, axis=axis), rtol=RTOL[dtype] * 10)
    zk = fa.logsumexp(x, axis, keepdims=True)
    np.testing.assert_array_equal(zk, np.expand_dims(z, axis))


@pytest.mark.parametrize("shape,axis", [((3, 300, 2), 1), ((2, 40, 600), 1), ((600, 9), 0),
                                        ((5, 3, 257), 0), ((2, 7, 3, 130), 2)])
def test_strided_axis_tiles(shape, axis):
    # axes that are not last: inner dimension processed as vectors, in tiles (incl. partial tiles)
    x = logits(shape, 5.0, seed=sum(shape))
    np.testing.assert_allclose(fa.softmax(x, axis), sps.softmax(x, axis=axis), rtol=1e-13, atol=0)
    np.testing.assert_allclose(fa.log_softmax(x, axis), sps.log_softmax(x, axis=axis), rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(fa.logsumexp(x, axis), sps.logsumexp(x, axis=axis), rtol=1e-13)
    y = fa.softmax(x, axis)
    dy = logits(shape, 1.0, seed=1)
    ref = y * (dy - np.sum(dy * y, axis=axis, keepdims=True))
    np.testing.assert_allclose(fa.softmax_backward(dy, y, axis), ref, rtol=1e-10, atol=1e-15)
    ly = fa.log_softmax(x, axis)
    ref = dy - np.exp(ly) * np.sum(dy, axis=axis, keepdims=True)
    np.testing.assert_allclose(fa.log_softmax_backward(dy, ly, axis), ref, rtol=1e-10, atol=1e-14)


# --- derivatives: finite differences ---------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_backward_finite_differences(axis):
    x = logits((3, 4, 5), 2.0, seed=axis)
    dy = logits((3, 4, 5), 1.0, seed=axis + 100)
    fd = central_difference(lambda t: fa.softmax(t, axis), x, dy)
    got = fa.softmax_backward(dy, fa.softmax(x, axis), axis)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_log_softmax_backward_finite_differences(axis):
    x = logits((3, 4, 5), 2.0, seed=axis + 20)
    dy = logits((3, 4, 5), 1.0, seed=axis + 200)
    fd = central_difference(lambda t: fa.log_softmax(t, axis), x, dy)
    got = fa.log_softmax_backward(dy, fa.log_softmax(x, axis), axis)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_jvp_finite_differences(axis):
    x = logits((3, 4, 5), 2.0, seed=axis + 30)
    v = logits((3, 4, 5), 1.0, seed=axis + 300)
    h = 1e-6
    fd = (fa.softmax(x + h * v, axis) - fa.softmax(x - h * v, axis)) / (2 * h)
    got = fa.softmax_jvp(fa.softmax(x, axis), v, axis)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_logsumexp_gradient_is_softmax_finite_differences():
    x = logits((4, 6), 3.0, seed=5)
    fd = central_difference(lambda t: fa.logsumexp(t), x, np.ones(4))
    np.testing.assert_allclose(fa.softmax(x), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_jacobian_finite_differences(axis):
    x = logits((2, 3, 4), 2.0, seed=axis + 40)
    y = fa.softmax(x, axis)
    jac = fa.softmax_jacobian(y, axis)
    xm = np.moveaxis(x, axis, -1)
    K = xm.shape[-1]
    assert jac.shape == xm.shape + (K,)
    h = 1e-6
    for j in range(K):
        e = np.zeros(K)
        e[j] = h
        col = (fa.softmax(xm + e, -1) - fa.softmax(xm - e, -1)) / (2 * h)   # ∂y_i/∂x_j
        np.testing.assert_allclose(jac[..., :, j], col, rtol=1e-6, atol=1e-9)
    # J v equals the jvp, and vᵀ J the vjp (J is symmetric)
    v = logits(y.shape, 1.0, seed=9)
    vm = np.moveaxis(v, axis, -1)
    jv = np.einsum("...ij,...j->...i", jac, vm)
    np.testing.assert_allclose(np.moveaxis(fa.softmax_jvp(y, v, axis), axis, -1), jv,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jac, np.swapaxes(jac, -1, -2), rtol=0, atol=0)


def test_softmax_jacobian_diagonal_precision_and_edges():
    y = np.array([1.0 - 2.0 ** -40, 2.0 ** -40])
    jac = fa.softmax_jacobian(y)
    # y0·(1 − y0) = y0·2^-40 exactly representable; y0 − y0² would cancel
    assert jac[0, 0] == y[0] * 2.0 ** -40
    assert jac[0, 1] == -y[0] * y[1]
    assert fa.softmax_jacobian(np.float64(1.0)).shape == (1, 1)
    assert fa.softmax_jacobian(np.zeros((0, 3))).shape == (0, 3, 3)
    j16 = fa.softmax_jacobian(np.full(4, 0.25, dtype=np.float16))
    assert j16.dtype == np.float16
    np.testing.assert_array_equal(j16, (np.diag(np.full(4, 0.25)) - 0.0625).astype(np.float16))
    with pytest.raises(ValueError, match="4097"):
        fa.softmax_jacobian(np.zeros((1, 4097)))
    with pytest.raises(TypeError, match="softmax_jacobian"):
        fa.softmax_jacobian(np.zeros(3, dtype=complex))
    with pytest.raises(np.exceptions.AxisError):
        fa.softmax_jacobian(np.zeros((2, 3)), axis=2)


# --- PyTorch as oracle ------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_against_torch_forward_and_vjp(dtype, axis):
    x = logits((3, 4, 5), 3.0, seed=axis + 50).astype(dtype)
    dy = logits((3, 4, 5), 1.0, seed=axis + 500).astype(dtype)
    rtol = 1e-12 if dtype == F64 else 2e-5
    atol = 1e-15 if dtype == F64 else 1e-6
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.softmax(xt, axis)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(dy))
    y = fa.softmax(x, axis)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(fa.softmax_backward(dy, y, axis), gt.numpy(), rtol=rtol, atol=atol)
    lyt = torch.log_softmax(xt, axis)
    (lgt,) = torch.autograd.grad(lyt, xt, torch.tensor(dy))
    ly = fa.log_softmax(x, axis)
    np.testing.assert_allclose(ly, lyt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(fa.log_softmax_backward(dy, ly, axis), lgt.numpy(),
                               rtol=rtol, atol=atol)
    np.testing.assert_allclose(fa.logsumexp(x, axis), torch.logsumexp(xt, axis).detach().numpy(),
                               rtol=rtol, atol=atol)


@requires_torch
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_against_torch_jvp_and_jacobian(axis):
    x = logits((3, 4, 5), 3.0, seed=axis + 60)
    v = logits((3, 4, 5), 1.0, seed=axis + 600)
    f = lambda t: torch.softmax(t, axis)
    _, jvp_t = torch.func.jvp(f, (torch.tensor(x),), (torch.tensor(v),))
    y = fa.softmax(x, axis)
    np.testing.assert_allclose(fa.softmax_jvp(y, v, axis), jvp_t.numpy(), rtol=1e-12, atol=1e-16)
    row = x[1, 2] if axis == -1 else np.moveaxis(x, axis, -1)[0, 0]
    jt = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), torch.tensor(row))
    np.testing.assert_allclose(fa.softmax_jacobian(fa.softmax(row)), jt.numpy(),
                               rtol=1e-12, atol=1e-16)


@requires_torch
def test_infinities_and_nan_match_torch():
    inf, nan = np.inf, np.nan
    x = np.array([[inf, 1.0, 2.0], [inf, inf, 0.0], [inf, -inf, 1.0], [-inf, -inf, -inf],
                  [nan, 1.0, 2.0], [inf, nan, 1.0], [-inf, nan, -inf], [1.0, -inf, 2.0],
                  [-inf, 0.0, -inf], [-1e308, 1e308, 0.0]])
    xt = torch.tensor(x)
    for axis_x, axis in ((x, -1), (np.ascontiguousarray(x.T), 0)):
        np.testing.assert_array_equal(np.moveaxis(fa.softmax(axis_x, axis), axis, -1),
                                      torch.softmax(xt, -1).numpy())
        np.testing.assert_array_equal(np.moveaxis(fa.log_softmax(axis_x, axis), axis, -1),
                                      torch.log_softmax(xt, -1).numpy())
        np.testing.assert_array_equal(fa.logsumexp(axis_x, axis), torch.logsumexp(xt, -1).numpy())


# --- edges ----------------------------------------------------------------------------

def test_nonfinite_semantics_explicit():
    inf, nan = np.inf, np.nan
    x = np.array([[1.0, -inf, 2.0], [-inf, -inf, -inf], [nan, 0.0, 1.0], [inf, 0.0, -inf]])
    y = fa.softmax(x)
    ly = fa.log_softmax(x)
    z = fa.logsumexp(x)
    e = np.exp(np.array([1.0, 2.0]) - np.logaddexp(1.0, 2.0))
    np.testing.assert_allclose(y[0], [e[0], 0.0, e[1]], rtol=1e-15)
    assert ly[0, 1] == -inf and np.isfinite(ly[0, [0, 2]]).all()
    assert np.isnan(y[1:]).all() and np.isnan(ly[1:]).all()
    assert z[0] == pytest.approx(np.logaddexp(1.0, 2.0), rel=1e-15)
    assert z[1] == -inf and np.isnan(z[2]) and z[3] == inf
    # same along a strided axis
    np.testing.assert_array_equal(fa.softmax(np.ascontiguousarray(x.T), 0), y.T)
    np.testing.assert_array_equal(fa.log_softmax(np.ascontiguousarray(x.T), 0), ly.T)
    np.testing.assert_array_equal(fa.logsumexp(np.ascontiguousarray(x.T), 0), z)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_k_equals_one(dtype):
    x = np.array([[3.0], [-1e4], [0.0]], dtype=dtype)
    np.testing.assert_array_equal(fa.softmax(x), np.ones_like(x))
    np.testing.assert_array_equal(fa.log_softmax(x), np.zeros_like(x))
    np.testing.assert_array_equal(fa.logsumexp(x), x[:, 0])
    np.testing.assert_allclose(fa.softmax(x, 0), sps.softmax(x.astype(F64), axis=0), rtol=RTOL[dtype])


def test_empty_batch_and_empty_axis():
    for shape, axis in (((0, 5), -1), ((0, 5), 0), ((5, 0), -1), ((5, 0), 0), ((2, 0, 3), 1)):
        x = np.zeros(shape)
        assert fa.softmax(x, axis).shape == shape
        assert fa.log_softmax(x, axis).shape == shape
        z = fa.logsumexp(x, axis)
        ref = sps.logsumexp(x, axis=axis)
        assert z.shape == ref.shape
        np.testing.assert_array_equal(z, ref)   # -inf for an empty axis, as scipy
        dy = np.zeros(shape)
        assert fa.softmax_backward(dy, x, axis).shape == shape
        assert fa.log_softmax_backward(dy, x, axis).shape == shape
        assert fa.softmax_jvp(x, dy, axis).shape == shape
    assert fa.logsumexp(np.zeros((5, 0)), keepdims=True).shape == (5, 1)


def test_zero_d_is_one_element_row():
    for x in (np.float64(2.5), np.array(2.5), 2.5, np.array(-7.0, dtype=F32)):
        assert fa.softmax(x) == 1.0 and fa.softmax(x).shape == ()
        assert fa.log_softmax(x) == 0.0 and fa.log_softmax(x, axis=0).shape == ()
        assert fa.logsumexp(x) == float(np.asarray(x))
    assert np.isnan(fa.softmax(np.float64(np.inf)))
    assert fa.logsumexp(np.float64(-np.inf)) == -np.inf
    assert fa.softmax_backward(np.float64(3.0), np.float64(1.0)) == 0.0
    assert fa.log_softmax_backward(np.float64(3.0), np.float64(0.0)) == 0.0
    with pytest.raises(np.exceptions.AxisError):
        fa.softmax(np.float64(1.0), axis=1)


def test_logsumexp_returns_numpy_scalar_for_full_reduction():
    z = fa.logsumexp(np.array([1.0, 2.0, 3.0]))
    assert isinstance(z, np.float64)
    assert z == pytest.approx(sps.logsumexp([1.0, 2.0, 3.0]), rel=1e-15)
    assert isinstance(fa.logsumexp(np.array([1.0, 2.0], dtype=F32)), np.float32)
    assert fa.logsumexp(np.array([1.0, 2.0]), keepdims=True).shape == (1,)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_noncontiguous_and_negative_strides(axis):
    base = logits((6, 8, 10), 3.0, seed=70)
    views = [base[::2, :, ::3], base[::-1, ::-1], base.transpose(2, 0, 1), base[:, 1:-1, ::-2]]
    for v in views:
        c = np.ascontiguousarray(v)
        np.testing.assert_array_equal(fa.softmax(v, axis), fa.softmax(c, axis))
        np.testing.assert_allclose(fa.softmax(v, axis), sps.softmax(c, axis=axis), rtol=1e-13)
        np.testing.assert_allclose(fa.log_softmax(v, axis), sps.log_softmax(c, axis=axis),
                                   rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fa.logsumexp(v, axis), sps.logsumexp(c, axis=axis), rtol=1e-13)
        y = fa.softmax(c, axis)
        dy = np.asarray(v) * 0.5 + 1.0
        ref = y * (dy - np.sum(dy * y, axis=axis, keepdims=True))
        np.testing.assert_allclose(fa.softmax_backward(dy, y[::1], axis), ref, rtol=1e-10, atol=1e-14)
        # non-contiguous out
        out = np.empty(tuple(s * 2 for s in v.shape))[::2, ::2, ::2]
        assert fa.softmax(v, axis, out=out) is out
        np.testing.assert_array_equal(out, fa.softmax(c, axis))


def test_float16_and_integer_inputs():
    x16 = np.array([[1.0, 2.0, -3.0], [0.5, 0.25, 8.0]], dtype=np.float16)
    y = fa.softmax(x16)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.astype(F64), sps.softmax(x16.astype(F64), axis=-1), rtol=1e-3)
    ly = fa.log_softmax(x16)
    assert ly.dtype == np.float16
    np.testing.assert_allclose(ly.astype(F64), sps.log_softmax(x16.astype(F64), axis=-1), rtol=1e-3)
    z = fa.logsumexp(x16)
    assert z.dtype == np.float16
    np.testing.assert_allclose(z.astype(F64), sps.logsumexp(x16.astype(F64), axis=-1), rtol=1e-3)
    g = fa.softmax_backward(x16, y)
    assert g.dtype == np.float16
    xi = np.array([[1, 2, 3], [4, 4, 4]])
    for f, ref in ((fa.softmax, sps.softmax), (fa.log_softmax, sps.log_softmax),
                   (fa.logsumexp, sps.logsumexp)):
        r = f(xi)
        assert r.dtype == F64
        np.testing.assert_allclose(r, ref(xi.astype(F64), axis=-1), rtol=1e-14)
    assert fa.softmax(np.array([True, False])).dtype == F64
    # mixed float dtypes follow np.result_type
    y32 = fa.softmax(np.array([1.0, 2.0], dtype=F32))
    assert fa.softmax_backward(np.array([1.0, 0.0]), y32).dtype == F64


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("dtype", [F64, F32])
def test_out_aliasing_input_gives_exact_result(axis, dtype):
    x = logits((40, 300), 4.0, seed=80).astype(dtype)
    for f in (fa.softmax, fa.log_softmax):
        want = f(x, axis)
        xc = x.copy()
        assert f(xc, axis, out=xc) is xc
        np.testing.assert_array_equal(xc, want)
    y = fa.softmax(x, axis)
    ly = fa.log_softmax(x, axis)
    dy = logits(x.shape, 1.0, seed=81).astype(dtype)
    for f, a, b in ((fa.softmax_backward, dy, y), (fa.softmax_jvp, y, dy),
                    (fa.log_softmax_backward, dy, ly)):
        want = f(a, b, axis)
        for which in (0, 1):
            ac, bc = a.copy(), b.copy()
            target = (ac, bc)[which]
            assert f(ac, bc, axis, out=target) is target
            np.testing.assert_array_equal(target, want)
    # partially overlapping out goes through a temporary and is still exact
    buf = np.concatenate([x.ravel(), np.zeros(7, dtype)])
    xv = buf[:x.size].reshape(x.shape)
    ov = buf[7:7 + x.size].reshape(x.shape)
    want = fa.softmax(x, axis)
    fa.softmax(xv, axis, out=ov)
    np.testing.assert_array_equal(ov, want)


# --- bad input --------------------------------------------------------------------------

def _calls(out):
    x = np.ones((3, 4))
    y = fa.softmax(x)
    return [
        lambda **kw: fa.softmax(kw.get("x", x), kw.get("axis", -1), out=out),
        lambda **kw: fa.log_softmax(kw.get("x", x), kw.get("axis", -1), out=out),
        lambda **kw: fa.softmax_backward(kw.get("x", x), kw.get("y", y), kw.get("axis", -1), out=out),
        lambda **kw: fa.softmax_jvp(kw.get("y", y), kw.get("x", x), kw.get("axis", -1), out=out),
        lambda **kw: fa.log_softmax_backward(kw.get("x", x), kw.get("y", y), kw.get("axis", -1), out=out),
    ]


@pytest.mark.parametrize("i", range(5))
def test_bad_input_raises_and_leaves_out_untouched(i):
    sentinel = np.full((3, 4), 7.0)
    out = sentinel.copy()
    call = _calls(out)[i]
    with pytest.raises(TypeError, match=r"fastact\.\w+:.*complex128"):
        call(x=np.ones((3, 4), dtype=complex))
    with pytest.raises(np.exceptions.AxisError):
        call(axis=2)
    with pytest.raises(np.exceptions.AxisError):
        call(axis=-3)
    with pytest.raises(TypeError, match="axis"):
        call(axis=1.0)
    if i >= 2:
        with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 5\)|\(3, 5\).*\(3, 4\)"):
            call(y=np.ones((3, 5)))
        with pytest.raises(TypeError, match="complex128"):
            call(y=np.ones((3, 4), dtype=complex))
    np.testing.assert_array_equal(out, sentinel)
    for bad_out, exc in ((np.zeros((3, 5)), ValueError), (np.zeros((4, 3)), ValueError),
                         (np.zeros((3, 4), dtype=F32), TypeError), ([[0.0] * 4] * 3, TypeError)):
        keep = np.copy(bad_out)
        with pytest.raises(exc):
            _calls(bad_out)[i]()
        np.testing.assert_array_equal(bad_out, keep)
    ro = np.zeros((3, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _calls(ro)[i]()
    assert not ro.any()


def test_logsumexp_bad_input():
    with pytest.raises(TypeError, match=r"fastact\.logsumexp.*complex"):
        fa.logsumexp(np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="logsumexp"):
        fa.logsumexp(np.array(["a", "b"]))
    with pytest.raises(np.exceptions.AxisError):
        fa.logsumexp(np.ones((2, 3)), axis=5)
    with pytest.raises(np.exceptions.AxisError):
        fa.logsumexp(np.ones((2, 3), dtype=np.float16), axis=5)
    with pytest.raises(TypeError):
        fa.logsumexp(np.ones((2, 3)), axis=None)


# --- threads --------------------------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((600, 1000), -1), ((1000, 600), 0), ((40, 500, 30), 1)])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_bitwise_identical_for_one_and_two_threads(shape, axis, dtype, restore_threads):
    x = logits(shape, 5.0, seed=90).astype(dtype)
    dy = logits(shape, 1.0, seed=91).astype(dtype)
    results = []
    for n in (1, 2):
        fa.set_num_threads(n)
        y = fa.softmax(x, axis)
        ly = fa.log_softmax(x, axis)
        results.append([y, ly, fa.logsumexp(x, axis), fa.softmax_backward(dy, y, axis),
                        fa.softmax_jvp(y, dy, axis), fa.log_softmax_backward(dy, ly, axis)])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("offset", [0, 1, 3])
@pytest.mark.parametrize("k", [100, 512, 1000, 50000])
def test_large_outputs_equal_row_by_row_results(dtype, offset, k, restore_threads):
    # outputs of 8 MB and more are written by streaming stores from an aligned point of
    # each row on (softmax through a scratch row for rows of up to 4 KB: k = 512 both
    # dtypes, 1000 float32; in place in the output beyond); every row must still equal
    # the same row computed alone (small output,
    # plain stores), whatever the alignment of the output buffer (log_softmax_backward:
    # the head and tail of a float32 row of 16 or more are computed as whole vectors and
    # stored entry by entry)
    rows = 8_400_000 // np.dtype(dtype).itemsize // k               # 8.4e6 bytes
    x = logits((rows, k), 4.0, seed=92).astype(dtype)
    x[::7, ::5] *= 30.0                     # some rows far from their max (TwoSum path)
    x[3, 10] = -np.inf
    dy = logits((rows, k), 1.0, seed=93).astype(dtype)
    y = fa.softmax(x)
    ly = fa.log_softmax(x)
    buf = np.empty(x.size + 8, dtype)
    for n in (1, 2):
        fa.set_num_threads(n)
        big = [fa.softmax(x, out=buf[offset:offset + x.size].reshape(x.shape)).copy(),
               fa.log_softmax(x, out=buf[offset:offset + x.size].reshape(x.shape)).copy(),
               fa.softmax_backward(dy, y, out=buf[offset:offset + x.size].reshape(x.shape)).copy(),
               fa.softmax_jvp(y, dy),
               fa.log_softmax_backward(dy, ly, out=buf[offset:offset + x.size].reshape(x.shape)).copy()]
        for j, f in ((0, fa.softmax), (1, fa.log_softmax)):      # in place
            xi = x.copy()
            assert f(xi, out=xi).tobytes() == big[j].tobytes()
        di = dy.copy()
        assert fa.softmax_backward(di, y, out=di).tobytes() == big[2].tobytes()
        di = dy.copy()
        assert fa.log_softmax_backward(di, ly, out=di).tobytes() == big[4].tobytes()
        li = ly.copy()
        assert fa.log_softmax_backward(dy, li, out=li).tobytes() == big[4].tobytes()
        for i in sorted({0, 3, 7, min(1000, rows - 2), rows - 1}):
            small = [fa.softmax(x[i:i + 1]), fa.log_softmax(x[i:i + 1]),
                     fa.softmax_backward(dy[i:i + 1], y[i:i + 1]),
                     fa.softmax_jvp(y[i:i + 1], dy[i:i + 1]),
                     fa.log_softmax_backward(dy[i:i + 1], ly[i:i + 1])]
            for a, b in zip(big, small):
                assert a[i:i + 1].tobytes() == b.tobytes()


@pytest.mark.parametrize("K", [3, 16, 17, 64, 100])
def test_short_rows_into_offset_outputs_touch_nothing_else(K, restore_threads):
    # the short-row kernels pack a group's rows into full vector stores: into an out=
    # that starts anywhere in a cache line, every row must equal the row alone and no
    # float before or after the output may change
    x = logits((37, K), 3.0, seed=97).astype(F32)
    dy = logits((37, K), 1.0, seed=98).astype(F32)
    y, ly = fa.softmax(x), fa.log_softmax(x)
    cases = ((fa.softmax, (x,)), (fa.log_softmax, (x,)), (fa.softmax_backward, (dy, y)),
             (fa.softmax_jvp, (y, dy)), (fa.log_softmax_backward, (dy, ly)))
    for f, args in cases:
        ref = np.concatenate([f(*(a[i:i + 1] for a in args)) for i in range(37)])
        for off in range(17):
            buf = np.full(37 * K + 40, 7.0, F32)
            out = buf[off:off + 37 * K].reshape(37, K)
            assert f(*args, out=out) is out
            assert out.tobytes() == ref.tobytes(), (f.__name__, off)
            assert (buf[:off] == 7.0).all() and (buf[off + 37 * K:] == 7.0).all(), (f.__name__, off)


@pytest.mark.parametrize("K", [1, 3, 8, 13, 16, 17, 32, 45, 64, 65, 100, 128, 129])
def test_short_float32_rows_in_groups(K, restore_threads):
    # float32 rows of up to 128 entries (backwards: 64) go 16 at a time in the AVX-512
    # build (up to eight registers a row, the outputs packed into full stores): every
    # row must give the bits of the same row alone, in place on each input too, on 1
    # and 2 threads, also in a group with rows left to the row loop (an entry -inf,
    # +inf or NaN; a huge dot; a y above 60), and be right against NumPy in float64
    x = logits((37, K), 5.0, seed=95).astype(F32)
    x[4, 0] = -np.inf
    x[21, K - 1] = np.nan
    x[30, 0] = np.inf
    x[9] = 40.0 * x[9] - 200.0          # far from its max (subnormal and zero exps)
    dy = logits((37, K), 1.0, seed=96).astype(F32)
    dy[26] = 3e38                       # dot overflows float32: the row loop
    y = fa.softmax(x)
    ly = fa.log_softmax(x)
    ly[33, 0] = 70.0                    # not a log-probability: the row loop
    forwards = {"softmax": fa.softmax, "log_softmax": fa.log_softmax}
    backwards = {"softmax_backward": (fa.softmax_backward, dy, y),      # f(first, second)
                 "softmax_jvp": (fa.softmax_jvp, y, dy),
                 "log_softmax_backward": (fa.log_softmax_backward, dy, ly)}
    for name in (*forwards, *backwards):
        bwd = name in backwards
        if bwd:
            g, first, second = backwards[name]
            f = lambda rows: g(first[rows], second[rows])
        else:
            f = lambda rows: forwards[name](x[rows])
        alone = np.concatenate([f(slice(i, i + 1)) for i in range(len(x))])
        for n in (1, 2):
            fa.set_num_threads(n)
            for rows in (slice(None), slice(1, None), slice(3, 20), slice(17, 37)):
                assert f(rows).tobytes() == alone[rows].tobytes(), (name, n, rows)
            if not bwd:
                xi = x.copy()
                forwards[name](xi, out=xi)
                assert xi.tobytes() == alone.tobytes()
            else:
                fi = first.copy()
                g(fi, second, out=fi)
                assert fi.tobytes() == alone.tobytes()
                si = second.copy()
                g(first, si, out=si)
                assert si.tobytes() == alone.tobytes()
        # against float64 NumPy, the sum as the kernels take it (the maxima counted,
        # log1p of the rest: log(1 + tiny) would lose it)
        xd, yd, dd = x.astype(F64), y.astype(F64), dy.astype(F64)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            m = np.max(xd, axis=-1, keepdims=True)
            ed = np.exp(xd - m)
            rest = np.where(xd < m, ed, 0.0).sum(-1, keepdims=True) + ((xd == m).sum(-1, keepdims=True) - 1)
            if name == "softmax":
                ref = ed / (1.0 + rest)
            elif name == "log_softmax":
                ref = (xd - m) - np.log1p(rest)
            elif name == "log_softmax_backward":
                ref = dd - np.exp(ly.astype(F64)) * dd.sum(-1, keepdims=True)
            else:
                ref = yd * (dd - (dd * yd).sum(-1, keepdims=True))
        if not bwd:         # a NaN or +inf entry: a NaN row (as PyTorch)
            ref[(np.isnan(x) | (x == np.inf)).any(-1)] = np.nan
        assert np.array_equal(np.isnan(alone), np.isnan(ref)), name
        # forwards: rows of finite entries take the lanes in the AVX-512 build, whose
        # exps are TwoSum-corrected: 2.5 ulp; the others the row loop, whose exps skip
        # the TwoSum when every finite entry lies within 32 of the max (|x - m| 2^-24
        # relative)
        ok = np.abs(ref) < 3e38         # finite, and in float32's range
        ref = np.where(ok, ref, 0.0)
        ulp = np.spacing(np.abs(ref).astype(F32))
        if name == "log_softmax_backward":  # e^y (~1 ulp) times the sum, then two roundings
            scale = np.exp(ly.astype(F64)) * np.abs(dd.sum(-1, keepdims=True))
            tol = 4 * ulp + 2 * np.spacing(np.minimum(scale, 3e38).astype(F32))
        elif bwd:   # y (dy - dot): rounded twice past the dot's float32 split
            tol = 4 * ulp + 1e-45
        else:
            wide = _dispatch.kernel_isa("_softmax") == "avx512"
            lanes = np.isfinite(x).all(-1, keepdims=True) & wide & (K <= 128)
            tol = np.where(lanes, 2.5, 40.0) * ulp
        err = np.abs(alone[ok] - ref[ok])
        tol = tol[ok]
        assert (err <= tol).all(), (name, np.max(err / tol))


@pytest.mark.parametrize("K", [257, 300, 4099])
def test_log_softmax_float32_rows_in_pairs_equal_rows_alone(K, restore_threads):
    # float32 rows longer than 256 entries go two at a time in the AVX-512 build (the
    # exp-sum of one beside the last pass of the other): every row must give the bits
    # of the same row alone, also next to rows that go alone (a non-finite max: all
    # -inf, +inf, NaN), rows far from their max (the TwoSum exps) and in place
    x = logits((23, K), 4.0, seed=94).astype(F32)
    x[2] = -np.inf
    x[5, 7] = np.inf
    x[6, 1] = np.nan
    x[7] = -np.inf
    x[8, 3] = -np.inf
    x[9, ::3] -= 60.0
    x[10, 0] = 1e30
    x[11:13] = 0.0
    x[22] = np.nan
    alone = np.concatenate([fa.log_softmax(x[i:i + 1]) for i in range(len(x))])
    assert np.isnan(alone[[5, 6, 22]]).all() and np.isnan(alone[[2, 7]]).all()
    assert np.isfinite(alone[[0, 1, 3, 4, 9, 10, 11, 12]]).all() and alone[8, 3] == -np.inf
    for n in (1, 2):
        fa.set_num_threads(n)
        for rows in (slice(None), slice(1, None), slice(0, 2), slice(3, 9)):
            got = fa.log_softmax(x[rows])
            assert got.tobytes() == alone[rows].tobytes()
            xi = x[rows].copy()
            assert fa.log_softmax(xi, out=xi).tobytes() == alone[rows].tobytes()
    # and the values: against float64 (three roundings of at most half an ulp each;
    # row 10's maximum, whose exact value is -4098 e^-1e30, comes out as about -2e-44:
    # its 4098 others are each raised to e^-109, hence the subnormal allowance)
    ref = fa.log_softmax(x.astype(F64))
    ok = np.isfinite(ref)
    assert np.array_equal(np.isnan(alone), np.isnan(ref))
    assert np.array_equal(np.isneginf(alone), np.isneginf(ref))
    err = np.abs(alone[ok] - ref[ok])
    assert (err <= 1.5 * np.spacing(np.abs(ref[ok]).astype(F32)) + 1e-40).all()


@pytest.mark.parametrize("K", [5, 37, 1000])
def test_log_softmax_backward_float32_rows(K):
    # float32 rows run in float (fastact._rowvec fa_rv_lsm_bwd_f): against a float64
    # evaluation with the same y, the error stays within 4 * 2^-24 of |dy| + |e^y Σdy|
    # (the scale of the two terms; measured max 2.3), large outputs (streaming stores,
    # an unaligned head) included; each row alone gives the same bits as inside the
    # array, and rows that are not log-probabilities (y > 60) still come out right
    rng = np.random.default_rng(K)
    n = max(8, (1 << 23) // (4 * K) + 3)          # past the streaming-store size
    x = (3.0 * rng.standard_normal((n, K))).astype(F32)
    dy = rng.standard_normal((n, K)).astype(F32)
    ly = fa.log_softmax(x)
    ly[1, 0] = -np.inf                             # a zero probability
    ly[2] = np.linspace(-200.0, 0.0, K, dtype=F32)  # e^y below every float32
    ly[3, :] = (ly[3, :] + F32(70.0))              # not log-probabilities: the fallback
    for out_offset in (0, 1):
        buf = np.empty(n * K + 1, F32)
        out = buf[out_offset:out_offset + n * K].reshape(n, K)
        got = fa.log_softmax_backward(dy, ly, out=out)
        d64, y64 = dy.astype(F64), ly.astype(F64)
        e = np.exp(y64)
        s = d64.sum(-1, keepdims=True)
        ref = d64 - e * s
        scale = np.abs(d64) + np.abs(e * s)
        assert np.all(np.abs(got - ref) <= 4 * 2.0 ** -24 * scale)
        for i in (0, 1, 2, 3, n - 1):
            alone = fa.log_softmax_backward(dy[i], ly[i])
            assert alone.tobytes() == got[i].tobytes()
    # in place (out is dy or y: y is checked before dx is written, in the pass that sums
    # dy; with out apart, the vector pass reports y > 60 and the row is rewritten)
    for which in (0, 1):
        a, b = dy.copy(), ly.copy()
        res = fa.log_softmax_backward(a, b, out=(a, b)[which])
        assert res is (a, b)[which] and res.tobytes() == got.tobytes()


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("shape,axis", [((7,), -1), ((300, 64), -1), ((64, 300), 0), ((3, 5, 4), 1)])
def test_softmax_jacobian_kernel_equals_the_elementwise_formula(dtype, shape, axis):
    # the C kernel (threaded for large outputs, any axis through a moved copy) gives the
    # bits of NumPy's y_i * (eye - y_j), signed zeros included
    rng = np.random.default_rng(5)
    y = fa.softmax(rng.standard_normal(shape).astype(dtype), axis)
    flat = np.moveaxis(y, axis, -1)
    flat.reshape(-1, flat.shape[-1])[0, :] = 0          # a one-hot row with -0.0 entries
    flat.reshape(-1, flat.shape[-1])[0, 1] = -0.0
    flat.reshape(-1, flat.shape[-1])[0, 0] = 1
    s = np.moveaxis(y, axis, -1)
    k = s.shape[-1]
    ref = s[..., :, None] * (np.eye(k, dtype=dtype) - s[..., None, :])
    got = fa.softmax_jacobian(y, axis)
    assert got.dtype == dtype and got.shape == ref.shape
    assert got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("shape", [(3, 0), (0,), (0, 4), (2, 0, 3)])
def test_softmax_jacobian_of_empty_arrays(shape):
    # an empty class axis or no rows: an empty (..., K, K) result, no error
    for dtype in (F32, F64):
        y = np.zeros(shape, dtype)
        got = fa.softmax_jacobian(y)
        assert got.shape == shape + (shape[-1],) and got.dtype == dtype
