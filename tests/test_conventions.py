"""SPEC section 1 conventions, checked across every function that takes `out=`.

Each function is called through a small adapter so that the same checks run on
activations (forward and backward) and the softmax family.  The list grows by
introspection as functions are added to the package.
"""
import threading
import subprocess
import sys
import time

import numpy as np
import pytest

import fastact as fa
from conftest import child_env


def _unary_cases():
    cases = []
    for name, act in sorted(fa.ACTIVATIONS.items()):
        cases.append(pytest.param(getattr(fa, name), id=name))
    for name in ("softmax", "log_softmax"):
        if hasattr(fa, name):
            cases.append(pytest.param(getattr(fa, name), id=name))
    return cases


def _binary_cases():
    cases = []
    for name in sorted(fa.ACTIVATIONS):
        cases.append(pytest.param(getattr(fa, name + "_backward"), id=name + "_backward"))
    for name in ("softmax_backward", "log_softmax_backward"):
        if hasattr(fa, name):
            cases.append(pytest.param(getattr(fa, name), id=name))
    if hasattr(fa, "softmax_jvp"):
        cases.append(pytest.param(fa.softmax_jvp, id="softmax_jvp"))
    return cases


UNARY = _unary_cases()
BINARY = _binary_cases()


def _data(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(dtype)


def _saved(f, shape, dtype=np.float64, seed=1):
    """A valid second argument: a softmax/log_softmax output where the function needs one."""
    a = _data(shape, dtype, seed)
    name = f.__name__
    if name.startswith("softmax") and hasattr(fa, "softmax"):
        return fa.softmax(a)
    if name.startswith("log_softmax") and hasattr(fa, "log_softmax"):
        return fa.log_softmax(a)
    if name in ("sigmoid_backward",):
        return fa.sigmoid(a)
    if name in ("tanh_backward",):
        return fa.tanh(a)
    return a


# --- dtypes ---------------------------------------------------------------------

@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_dtypes_preserved(f, dtype):
    x = _data((3, 5), dtype)
    y = f(x)
    assert y.dtype == dtype and y.shape == x.shape


@pytest.mark.parametrize("f", UNARY)
def test_float16_computed_in_float32(f):
    x16 = _data((4, 6), np.float16)
    y = f(x16)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, f(x16.astype(np.float32)).astype(np.float16))


@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
def test_int_and_bool_promoted_to_float64(f, dtype):
    x = np.array([[0, 1, 1, 0, 1]], dtype=dtype)
    y = f(x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, f(x.astype(np.float64)))


@pytest.mark.parametrize("f", UNARY)
def test_python_scalars_and_lists(f):
    np.testing.assert_array_equal(f([[0.5, -1.0, 2.0]]), f(np.array([[0.5, -1.0, 2.0]])))
    y = f(0.25)
    assert np.asarray(y).shape == ()


@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array([object()]), np.array(["a"]),
                                 np.array(["2020-01-01"], dtype="datetime64[D]")],
                         ids=["complex", "object", "str", "datetime"])
def test_unsupported_dtypes_raise_typeerror(f, bad):
    with pytest.raises(TypeError, match=f.__name__) as ei:
        f(bad)
    assert str(bad.dtype) in str(ei.value)


@pytest.mark.parametrize("f", BINARY)
def test_mixed_float_dtypes_follow_result_type(f):
    a = _data((2, 4), np.float32)
    b = _saved(f, (2, 4), np.float64)
    r = f(a, b)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, f(a.astype(np.float64), b))


# --- shapes and layouts ------------------------------------------------------------

@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (1,), (2, 3, 4)])
def test_shapes_incl_empty(f, shape):
    x = _data(shape)
    y = f(x)
    assert y.shape == shape and y.dtype == np.float64


@pytest.mark.parametrize("f", UNARY)
def test_noncontiguous_and_negative_strides(f):
    base = _data((6, 10))
    for view in (base[::2, ::3], base[::-1, ::-2], base.T, base[:, 3]):
        np.testing.assert_array_equal(f(view), f(np.ascontiguousarray(view)))


@pytest.mark.parametrize("f", BINARY)
def test_binary_noncontiguous(f):
    a = _data((8, 6))
    b = _saved(f, (8, 6))
    np.testing.assert_array_equal(f(a[::-2], b[::-2]), f(a[::-2].copy(), b[::-2].copy()))


@pytest.mark.parametrize("f", BINARY)
def test_binary_shape_mismatch_names_both_shapes(f):
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)), np.ones((3, 2)))
    assert "(2, 3)" in str(ei.value) and "(3, 2)" in str(ei.value)
    with pytest.raises(ValueError):  # no broadcasting
        f(np.ones((2, 3)), np.ones((1, 3)))


# --- out= -------------------------------------------------------------------------

@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_out_is_filled_and_returned(f, dtype):
    x = _data((5, 7), dtype)
    out = np.full(x.shape, 7, dtype=dtype)
    r = f(x, out=out)
    assert r is out
    np.testing.assert_array_equal(out, f(x))


@pytest.mark.parametrize("f", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_aliasing_input_is_exact(f, dtype):
    x = _data((9, 33), dtype)
    expected = f(x)
    r = f(x, out=x)
    assert r is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("f", UNARY)
def test_out_partially_overlapping_input(f):
    a = _data((41,))
    x, out = a[1:], a[:-1]
    expected = f(x.copy())
    f(x, out=out)
    np.testing.assert_array_equal(a[:-1], expected)


@pytest.mark.parametrize("f", BINARY)
def test_binary_out_aliasing_each_input(f):
    a = _data((6, 9))
    b = _saved(f, (6, 9))
    expected = f(a, b)
    a1, b1 = a.copy(), b.copy()
    assert f(a1, b1, out=a1) is a1
    np.testing.assert_array_equal(a1, expected)
    a2, b2 = a.copy(), b.copy()
    assert f(a2, b2, out=b2) is b2
    np.testing.assert_array_equal(b2, expected)


@pytest.mark.parametrize("f", UNARY)
def test_noncontiguous_out(f):
    x = _data((4, 6))
    big = np.zeros((4, 12))
    out = big[:, ::2]
    f(x, out=out)
    np.testing.assert_array_equal(out, f(x))
    assert np.all(big[:, 1::2] == 0)


@pytest.mark.parametrize("f", UNARY)
def test_bad_out_raises_and_leaves_everything_untouched(f):
    x = _data((3, 4))
    x0 = x.copy()
    cases = [
        (np.zeros((4, 3)), ValueError),            # wrong shape
        (np.zeros((3, 4), np.float32), TypeError),  # wrong dtype
        ([[0.0] * 4] * 3, TypeError),               # not an ndarray
    ]
    ro = np.zeros((3, 4))
    ro.flags.writeable = False
    cases.append((ro, ValueError))
    for out, exc in cases:
        before = np.array(out, copy=True)
        with pytest.raises(exc, match=f.__name__):
            f(x, out=out)
        np.testing.assert_array_equal(np.asarray(out), before)
        np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("f", BINARY)
def test_binary_bad_input_leaves_out_untouched(f):
    out = np.full((2, 3), 5.0)
    with pytest.raises(ValueError):
        f(np.ones((2, 3)), np.ones((2, 4)), out=out)
    with pytest.raises(TypeError):
        f(np.ones((2, 3), complex), np.ones((2, 3)), out=out)
    assert np.all(out == 5.0)


# --- NaN, inf, warnings ------------------------------------------------------------

@pytest.mark.parametrize("f", UNARY)
def test_nan_propagates_and_no_warnings_for_extremes(f):
    x = np.array([[np.nan, 0.0, 1.0]])
    assert np.isnan(f(x)[0, 0])
    big = np.array([[-1e308, -1e4, -710.0, -88.7, 0.0, 88.7, 710.0, 1e4, 1e308]])
    for dt in (np.float32, np.float64):
        with np.errstate(all="raise"):
            y = f(big.astype(dt) if dt == np.float64 else np.clip(big, -3e38, 3e38).astype(dt))
        assert not np.any(np.isnan(y))


# --- threads and the GIL -------------------------------------------------------------

@pytest.fixture
def restore_threads():
    n = fa.get_num_threads()
    yield
    fa.set_num_threads(n)


def test_thread_settings(restore_threads):
    assert fa.get_num_threads() >= 1
    fa.set_num_threads(3)
    assert fa.get_num_threads() == 3
    with pytest.raises(ValueError):
        fa.set_num_threads(0)
    with pytest.raises(TypeError):
        fa.set_num_threads(1.5)
    assert fa.get_num_threads() == 3


def _python_with_env(value):
    env = child_env(FASTACT_NUM_THREADS=value)
    code = "import fastact as fa; print(fa.get_num_threads())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd="/")


def test_env_variable_sets_thread_count():
    r = _python_with_env("3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "3"
    bad = _python_with_env("many")
    assert bad.returncode != 0 and "FASTACT_NUM_THREADS" in bad.stderr


def _check_env_switch(var, getter, cases, bad_value):
    """In a fresh interpreter, each (value, printed state of _common.<getter>()) of
    cases holds with var=value, and var=bad_value is refused at import, naming var."""
    code = f"from fastact import _common; print(_common.{getter}())"

    def run(value):
        return subprocess.run([sys.executable, "-c", code], env=child_env(**{var: value}),
                              capture_output=True, text=True, cwd="/")
    for value, want in cases:
        r = run(value)
        assert r.returncode == 0 and r.stdout.strip() == want, (value, r.stderr)
    bad = run(bad_value)
    assert bad.returncode != 0 and var in bad.stderr


def test_env_variable_turns_streaming_stores_off():
    """FASTACT_STREAM=0 turns the streaming stores of large outputs off, 1 on; unset, this
    CPU's default holds (off on Intel family 6 model 85 only); anything else is refused
    at import, naming the variable."""
    from fastact import _common
    assert _common.streaming_default(("intel", 6, 85)) is False
    assert _common.streaming_default(("intel", 6, 207)) is True
    assert _common.streaming_default(("other", 25, 17)) is True
    assert _common.streaming_default(("amd", 26, 2)) is True
    _check_env_switch("FASTACT_STREAM", "_streaming_enabled",
                      (("0", "False"), ("1", "True"), ("", str(_common.streaming_default()))), "no")


def test_elementwise_streaming_default_and_env_switch():
    """The elementwise drivers' streaming stores follow the row kernels' default, and are
    off by default on AMD family 26 (Zen 5) while the rows' stay on; FASTACT_STREAM sets
    both; the bench header names the split."""
    from fastact import _common
    assert _common.elementwise_streaming_default(("amd", 26, 2)) is False
    assert _common.elementwise_streaming_default(("amd", 26, 17)) is False
    assert _common.elementwise_streaming_default(("amd", 25, 17)) is True
    assert _common.elementwise_streaming_default(("intel", 6, 207)) is True
    assert _common.elementwise_streaming_default(("intel", 6, 85)) is False
    assert _common.elementwise_streaming_default(("other", 26, 2)) is True
    _check_env_switch("FASTACT_STREAM", "_elementwise_streaming_enabled",
                      (("0", "False"), ("1", "True"),
                       ("", str(_common.elementwise_streaming_default()))), "no")
    before = (_common._streaming_enabled(), _common._elementwise_streaming_enabled())
    try:
        _common._set_streaming(True, False)
        assert _common.streaming_state().startswith("on, elementwise off (")
        _common._set_streaming(False)
        assert not _common._elementwise_streaming_enabled()
        assert _common.streaming_state().startswith("off (")
    finally:
        _common._set_streaming(*before)


def test_cpu_id_names_the_vendor():
    from fastact import _common
    vendor, family, model = _common.cpu_id()
    assert vendor in ("intel", "amd", "other")
    assert isinstance(family, int) and isinstance(model, int) and family >= 0 and model >= 0
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return
    if "GenuineIntel" in info:
        assert vendor == "intel"
    elif "AuthenticAMD" in info:
        assert vendor == "amd"


def test_streaming_stores_do_not_change_results(restore_threads):
    """Outputs large enough to stream (8 MB and 2 MB a thread) are the same bits with
    streaming stores on and off: an elementwise kernel that streams (relu, through the
    block buffer), the softmax rows and the cross-entropy gradient."""
    from fastact import _common
    x = _data((2100, 1024), np.float32, seed=21)       # 8.6 MB
    labels = np.arange(2100) % 1024
    fa.set_num_threads(2)
    out = {}
    before = (_common._streaming_enabled(), _common._elementwise_streaming_enabled())
    try:
        for on in (True, False):
            _common._set_streaming(on)
            out[on] = [fa.relu(x), fa.relu_backward(x, x), fa.softmax(x),
                       fa.softmax_cross_entropy_with_grad(x, labels)[1]]
    finally:
        _common._set_streaming(*before)
    for a, b in zip(out[True], out[False]):
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.mark.parametrize("f", UNARY)
def test_bitwise_identical_for_any_thread_count(f, restore_threads):
    x = _data((300, 1001), np.float32, seed=7)
    results = []
    for n in (1, 2, 3):
        fa.set_num_threads(n)
        results.append(f(x))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_result_does_not_depend_on_buffer_alignment(dtype, restore_threads):
    """The drivers peel elements until the output is 64-byte aligned: views starting
    at every element offset of a cache line give the same values as one aligned call,
    serially and threaded, forward and backward."""
    n = 70_001
    x = _data((n + 16,), dtype, seed=11)
    dy = _data((n + 16,), dtype, seed=12)
    for threads in (1, 2):
        fa.set_num_threads(threads)
        for k in range(0, 64 // np.dtype(dtype).itemsize + 1):
            xs, ds = x[k:k + n], dy[k:k + n]
            ref_f = np.array([fa.gelu(xs[i:i + 1])[0] for i in (0, 1, n // 2, n - 1)])
            out = np.empty(n + 16, dtype)[k:k + n]
            fa.gelu(xs, out=out)
            np.testing.assert_array_equal(out[[0, 1, n // 2, n - 1]], ref_f)
            np.testing.assert_array_equal(out, fa.gelu(xs.copy()))
            np.testing.assert_array_equal(fa.silu_backward(ds, xs), fa.silu_backward(ds.copy(), xs.copy()))


def _hard_tanh_narrow(x, out=None):
    return fa.hard_tanh(x, min_val=-0.3, max_val=0.7, out=out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_streamed_outputs_equal_the_plain_path(dtype, restore_threads):
    """Large outputs of the cheap kernels (relu, relu6, the hard_tanh forward, the sigmoid
    and tanh backwards, leaky_relu in float64) go out by streaming stores, block by
    block (forced on here: this CPU's default may be off): the bits equal those of
    calls small enough for plain stores, for 1 and 2 threads, guided or contiguous
    shares, a misaligned out, and in place.  On 8 threads each share is under
    STREAM_MIN_THREAD_BYTES, so plain stores again: same bits."""
    from fastact import _common
    n = (1 << 23) // np.dtype(dtype).itemsize + 1_048_576 + 37    # past both thresholds
    x = _data((n + 1,), dtype, seed=21)
    x[::1001] = np.nan
    dy = _data((n + 1,), dtype, seed=22)
    y_sig, y_tanh = fa.sigmoid(x[:n]), fa.tanh(x[:n])
    cases = [(fa.relu, (x[:n],)), (fa.relu6, (x[:n] * 3,)), (fa.relu_backward, (dy[:n], x[:n])),
             (fa.relu6_backward, (dy[:n], x[:n] * 3)), (fa.sigmoid_backward, (dy[:n], y_sig)),
             (_hard_tanh_narrow, (x[:n],)), (fa.leaky_relu, (x[:n],)),
             (fa.leaky_relu_backward, (dy[:n], x[:n])),
             (fa.tanh_backward, (dy[:n], y_tanh))]
    step = 100_003                                               # plain stores
    stream, ew_stream = _common._streaming_enabled(), _common._elementwise_streaming_enabled()
    shares = _common._contiguous_shares_enabled()
    try:
        _common._set_streaming(stream, True)
        for f, args in cases:
            ref = np.concatenate([f(*(a[i:i + step] for a in args)) for i in range(0, n, step)])
            for contiguous, threads in ((False, 1), (False, 2), (True, 2), (False, 8), (True, 8)):
                _common._set_contiguous_shares(contiguous)
                fa.set_num_threads(threads)
                np.testing.assert_array_equal(f(*args), ref, err_msg=f.__name__)
                out = np.empty(n + 1, dtype)[1:]                 # one element past alignment
                assert f(*args, out=out) is out
                np.testing.assert_array_equal(out, ref, err_msg=f.__name__)
                inplace = [a.copy() for a in args]
                f(*inplace, out=inplace[-1])
                np.testing.assert_array_equal(inplace[-1], ref, err_msg=f.__name__)
    finally:
        _common._set_streaming(stream, ew_stream)
        _common._set_contiguous_shares(shares)


def test_env_variable_turns_prefetching_off():
    """FASTACT_PREFETCH=0 turns the drivers' software prefetch off, 1 on (inputs and
    output, every cheap kernel); unset, this CPU's default: on, but on AMD family 26
    only the two-input kernels' inputs; anything else is refused at import, naming the
    variable.  The same family takes large inputs in contiguous shares."""
    from fastact import _common
    assert _common.read_prefetch_only_default(("amd", 26, 2)) is True
    assert _common.read_prefetch_only_default(("amd", 25, 17)) is False
    assert _common.read_prefetch_only_default(("intel", 6, 85)) is False
    assert _common.contiguous_shares_default(("amd", 26, 2)) is True
    assert _common.contiguous_shares_default(("intel", 6, 207)) is False
    _check_env_switch("FASTACT_PREFETCH", "_prefetching_enabled",
                      (("0", "False"), ("1", "True"), ("", "True")), "yes")
    default = "reads of two-input kernels" if _common.read_prefetch_only_default() else "on"
    _check_env_switch("FASTACT_PREFETCH", "_prefetch_state",
                      (("0", "off (FASTACT_PREFETCH=0)"), ("1", "on (FASTACT_PREFETCH=1)"),
                       ("", "{} (default for {} family {} model {})".format(default, *_common.cpu_id()))),
                      "2")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prefetched_inputs_equal_the_plain_path(dtype, restore_threads):
    """Inputs of 8 MB and more of the cheap kernels run in 512-byte steps after a software
    prefetch (streaming stores off, as they are where the output streams otherwise):
    the bits equal those of calls too small to prefetch and those with prefetching
    off, for 1, 2 and 8 threads (static and dynamic schedules), a misaligned out, a
    length that ends inside a step, and in place."""
    from fastact import _common
    n = (1 << 23) // np.dtype(dtype).itemsize + 1_048_576 + 37
    x = _data((n + 1,), dtype, seed=23)
    x[::997] = np.nan
    dy = _data((n + 1,), dtype, seed=24)
    y_sig = fa.sigmoid(x[:n])
    cases = [(fa.relu, (x[:n],)), (fa.softsign, (x[:n],)), (fa.hard_swish_backward, (dy[:n], x[:n])),
             (fa.sigmoid_backward, (dy[:n], y_sig)), (fa.elu_backward, (dy[:n], x[:n]))]
    if dtype == np.float64:
        cases.append((fa.silu, (x[:n],)))
    step = 100_003                                               # under PREFETCH_MIN_BYTES
    stream, prefetch = _common._streaming_enabled(), _common._prefetching_enabled()
    reads_only = _common._prefetch_state().startswith("reads")
    shares = _common._contiguous_shares_enabled()
    try:
        _common._set_streaming(False)
        for f, args in cases:
            ref = np.concatenate([f(*(a[i:i + step] for a in args)) for i in range(0, n, step)])
            for on, only, contiguous in ((True, False, False), (True, True, True), (False, False, True)):
                _common._set_prefetching(on, reads_only=only)
                _common._set_contiguous_shares(contiguous)
                for threads in (1, 2, 8):
                    fa.set_num_threads(threads)
                    np.testing.assert_array_equal(f(*args), ref, err_msg=f.__name__)
                    out = np.empty(n + 1, dtype)[1:]
                    assert f(*args, out=out) is out
                    np.testing.assert_array_equal(out, ref, err_msg=f.__name__)
                fa.set_num_threads(2)
                inplace = [a.copy() for a in args]
                f(*inplace, out=inplace[-1])
                np.testing.assert_array_equal(inplace[-1], ref, err_msg=f.__name__)
    finally:
        _common._set_streaming(stream)
        _common._set_prefetching(prefetch, reads_only=reads_only)
        _common._set_contiguous_shares(shares)


def test_mish64_prefetch_switch_keeps_the_bits(restore_threads):
    """The float64 mish kernels' own prefetch (off by default on AMD family 26, where
    they measured faster without it; on elsewhere) changes no bit: forward and backward,
    1 and 2 threads, a length that ends inside a chunk, a misaligned out, and in place;
    in the loaded build (FASTACT_ISA=avx2 or baseline runs the others)."""
    from fastact import _common, _dispatch
    assert _common.mish64_prefetch_default(("amd", 26, 2)) is False
    assert _common.mish64_prefetch_default(("amd", 25, 17)) is True
    assert _common.mish64_prefetch_default(("intel", 6, 85)) is True
    mod = _dispatch.load("_activations")
    assert mod._mish64_prefetch_enabled() is _common.mish64_prefetch_default()
    n = 1_000_003
    x = 3 * _data((n + 1,), np.float64, seed=31)
    x[::1009] = np.nan
    x[5::1013] = -800.0                          # the careful path's marks
    dy = _data((n + 1,), np.float64, seed=32)
    was = mod._mish64_prefetch_enabled()
    try:
        results = {}
        for on in (False, True):
            mod._set_mish64_prefetch(on)
            assert mod._mish64_prefetch_enabled() is on
            for threads in (1, 2):
                fa.set_num_threads(threads)
                got = [fa.mish(x[:n]), fa.mish_backward(dy[:n], x[:n])]
                out = np.empty(n + 1)[1:]
                got.append(fa.mish(x[:n], out=out).copy())
                inplace = x[:n].copy()
                fa.mish_backward(dy[:n], inplace, out=inplace)
                got.append(inplace)
                results[on, threads] = got
        ref = results[True, 1]
        np.testing.assert_array_equal(np.isnan(ref[0]), np.isnan(x[:n]))
        np.testing.assert_array_equal(ref[2], ref[0])
        for key, got in results.items():
            for a, b in zip(got, ref):
                np.testing.assert_array_equal(a, b, err_msg=str(key))
    finally:
        mod._set_mish64_prefetch(was)


def test_kernel_releases_the_gil():
    x = _data((24_000_000,), np.float64)
    window = {}

    def work():
        window["t0"] = time.perf_counter()
        fa.tanh(x)
        window["t1"] = time.perf_counter()

    stamps = []
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        stamps.append(time.perf_counter())
    t.join()
    inside = [s for s in stamps if window["t0"] < s < window["t1"]]
    # with the GIL held for the whole call, the main thread could not run inside the window
    assert len(inside) > 10


def test_concurrent_calls_from_python_threads():
    xs = [_data((200_000,), np.float64, seed=s) for s in range(4)]
    expected = [fa.sigmoid(x) for x in xs]
    results = [None] * 4

    def work(i):
        for _ in range(5):
            results[i] = fa.sigmoid(xs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, e in zip(results, expected):
        np.testing.assert_array_equal(r, e)
