"""Argument checking and dtype dispatch, shared by every public function.

This is the slow, general path.  Kernel modules first try a fast path for the
common case (C-contiguous, aligned float32/float64 ndarrays); everything else --
Python scalars and lists, bool/int/float16 inputs, strided or negative-stride
views, partially overlapping `out` -- comes here, is validated completely, and
is normalised into arrays the fast path accepts.  Nothing is written before
every check has passed, so a failed call leaves `out` and the inputs untouched.

Dtype rules (SPEC section 1):
  float32, float64  computed natively
  float16           computed in float32, returned as float16
  bool, integers    promoted to float64
  anything else     TypeError naming the function and the dtype
"""
import operator

import numpy as np

F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
_NATIVE = (F32, F64)


def as_float_array(x, fname, argname):
    """np.asarray(x) with bool/int promoted to float64; TypeError for non-real dtypes."""
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"fastact.{fname}: argument '{argname}' cannot be converted "
                        f"to an array: {exc}") from None
    k = a.dtype.kind
    if k == "f" and a.dtype in (F16, F32, F64):
        return a
    if k in "biu":
        return a.astype(F64)
    raise TypeError(f"fastact.{fname}: argument '{argname}' has unsupported dtype "
                    f"{a.dtype}; expected a real floating, integer or bool array")


def compute_dtype(dtype):
    """The dtype a kernel runs in for a result of `dtype` (float16 runs in float32)."""
    return F32 if dtype == F16 else dtype


def result_dtype(*arrays):
    return np.result_type(*[a.dtype for a in arrays])


def check_same_shape(fname, a, b, aname, bname):
    if a.shape != b.shape:
        raise ValueError(f"fastact.{fname}: '{aname}' has shape {a.shape} but '{bname}' has "
                         f"shape {b.shape}; they must be equal (no broadcasting)")


def check_out(fname, out, shape, dtype):
    """`out` must be a writable ndarray of exactly `shape` and `dtype`."""
    if out is None:
        return
    if not isinstance(out, np.ndarray):
        raise TypeError(f"fastact.{fname}: 'out' must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"fastact.{fname}: 'out' has dtype {out.dtype} but the result has "
                        f"dtype {dtype}")
    if out.shape != tuple(shape):
        raise ValueError(f"fastact.{fname}: 'out' has shape {out.shape} but the result has "
                         f"shape {tuple(shape)}")
    if not out.flags.writeable:
        raise ValueError(f"fastact.{fname}: 'out' is read-only")


def is_kernel_ready(a, dtype):
    """True when the fast kernels can use `a` directly (C-contiguous, aligned, right dtype)."""
    return a.dtype == dtype and a.flags.c_contiguous and a.flags.aligned


def as_kernel_array(a, dtype):
    """A C-contiguous aligned copy of `a` in `dtype`, or `a` itself when it already is one."""
    if is_kernel_ready(a, dtype):
        return a
    return np.array(a, dtype=dtype, order="C", copy=True)


def same_buffer(a, b):
    """a and b view exactly the same memory with the same layout."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.strides == b.strides and a.shape == b.shape)


def can_write_directly(out, inputs, dtype):
    """`out` may be the kernel's target: right layout and no partial overlap with any input.

    An input that is exactly `out` (in-place use) is fine: every kernel reads a
    position before it writes it.  Any other overlap goes through a temporary.
    """
    if not is_kernel_ready(out, dtype):
        return False
    for a in inputs:
        if np.may_share_memory(out, a) and not same_buffer(out, a):
            return False
    return True


def deliver(target, out, res_dtype):
    """Copy the kernel's result into `out` (if given) or cast it to the result dtype."""
    if out is not None:
        if target is not out:
            np.copyto(out, target, casting="unsafe")
        return out
    if target.dtype != res_dtype:
        return target.astype(res_dtype)
    return target


def elementwise_call(fname, kernel, arrays, names, out):
    """Slow path of an elementwise function of one or more same-shape arrays.

    kernel(inputs, target) receives kernel-ready inputs of the compute dtype and a
    kernel-ready target of the same shape, and fills the target.
    """
    arrs = [as_float_array(a, fname, n) for a, n in zip(arrays, names)]
    for a, n in zip(arrs[1:], names[1:]):
        check_same_shape(fname, a, arrs[0], n, names[0])
    res = result_dtype(*arrs)
    comp = compute_dtype(res)
    shape = arrs[0].shape
    check_out(fname, out, shape, res)
    ins = [as_kernel_array(a, comp) for a in arrs]
    if out is not None and can_write_directly(out, ins, comp):
        target = out
    else:
        target = np.empty(shape, dtype=comp)
    if target.size:
        kernel(ins, target)
    return deliver(target, out, res)


def normalize_axis(fname, axis, ndim):
    try:
        ax = operator.index(axis)
    except TypeError:
        raise TypeError(f"fastact.{fname}: 'axis' must be an integer, got {type(axis).__name__}") from None
    nd = max(ndim, 1)
    if not -nd <= ax < nd:
        raise np.exceptions.AxisError(ax, ndim, f"fastact.{fname}")
    return ax % nd


def check_real_param(fname, name, value):
    """A scalar parameter (alpha, beta, ...) as a Python float; TypeError/ValueError otherwise."""
    if type(value) is float and value == value:   # the common case, kept cheap for tiny calls
        return value
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        raise TypeError(f"fastact.{fname}: '{name}' must be a real number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"fastact.{fname}: '{name}' must be a real number, got {value!r}") from None
    if v != v:
        raise ValueError(f"fastact.{fname}: '{name}' must not be NaN")
    return v
