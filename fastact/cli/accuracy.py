"""python -m fastact accuracy: measured worst-case error, in ulp, of every activation.

Design
------
* A *case* is (activation, direction, parameters, dtype).  Directions are the
  forward value and the backward pass with dy = 1 (so dx is the derivative).
  The backward of sigmoid/tanh takes the forward output y: x is swept and
  y = f(x) (the reference, rounded to the dtype) is fed, the reference being
  computed from that rounded y.  Every other backward takes x itself.
* The references live in fastact/cli/references.py and never call fastact.
  float32 is measured against the float64 evaluation of a stable formula,
  float64 against its x86 80-bit longdouble evaluation, or against mpmath
  where no longdouble formula exists (erf-based gelu; on a smaller sample).
* Error of a result a at reference r: |a - r| / ulp(round(r)), where round
  is to a's dtype and ulp(v) = spacing(|v|) (the smallest subnormal for zero
  and subnormals; the spacing at the largest finite value beyond it).  Both
  rounding to the same infinity counts as 0; NaN or an infinity where the
  reference is finite counts as inf.
* Every reported maximum is confirmed in mpmath (MP_DPS digits): the worst
  points of each batch are re-measured against the mpmath reference until the
  worst one is a confirmed one, and so are all points near a zero of a
  derivative, where a fixed-precision reference itself cancels.
* float32: every finite float32 (all 2^32 bit patterns, 2^chunk_bits per
  chunk, every case measured on a chunk before the next is made).  float64:
  for every binade (exponent -1074..1023) a fixed number of random mantissas,
  both signs, plus the edges (0, tiny, kinks, ±20, ±88.7, ±710, ±1e4, max,
  and their neighbours), plus 256 times that number of uniform points on
  [-40, 40], where the binades are few and the kernels' pieces many.
  --quick samples float32 (2^20 random patterns and the edges) and uses fewer
  float64 mantissas.
* Optional peer columns (--peers): PyTorch (torch.nn.functional forward,
  autograd backward; aten's sigmoid_backward/tanh_backward from y) and SciPy
  (expit, log_expit), measured on the same inputs against the same references.
* Activations that the installed fastact does not have yet are skipped.

Use from Python: `run(...)` returns the measured rows; `ulp_error`,
`mp_ulp_error` and `measure_case` are what the tests exercise.
"""
import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

import fastact as fa

try:  # mpmath is needed by the references (a test dependency, not a runtime one)
    from mpmath import mp
    from fastact.cli.references import (REFERENCES, LONGDOUBLE_IS_EXTENDED, MP_DPS,
                                         mp_value, vector_value)
    _MISSING = None
except ImportError as exc:  # pragma: no cover - reported by main()
    _MISSING = exc
    REFERENCES, LONGDOUBLE_IS_EXTENDED = {}, False

DEFAULT_LIMIT = 4.0
DIRECTIONS = ("forward", "backward")
DTYPES = ("float32", "float64")

# sample sizes: (full, quick)
F32_CHUNK_BITS = 22
F32_QUICK_BITS = 20
F64_PER_BINADE = (256, 16)       # random mantissas per binade and sign, longdouble reference
F64_PER_BINADE_MP = (24, 2)      # the same for cases whose reference is mpmath only
F64_UNIFORM_PER_BINADE = 256     # and this many times as many uniform points on
F64_UNIFORM_RANGE = 40.0         # [-40, 40] (see f64_sample)
# near a zero of a derivative, re-measure in mpmath within this distance
ROOT_WINDOW = {np.float32: 2.0 ** -16, np.float64: 2.0 ** -3}
VERIFY_TOP = 16                  # worst points taken at once for confirmation in mpmath
CONFIRM_SLACK = 1e-3             # ulp; the vectorised references are far more accurate than this

_WIDE = {np.float32: np.float64, np.float64: np.longdouble}


# --- the ulp metric -----------------------------------------------------------

def _spacing_at_max(dt):
    """The spacing of the top binade (np.spacing(max) itself is inf)."""
    big = np.finfo(dt).max
    return big - np.nextafter(big, dt(0))


def ulp_error(actual, ref):
    """|actual - ref| in ulps of ref rounded to actual's dtype (float64 array).

    `ref` is the higher-precision reference (float64 for float32 results,
    longdouble for float64 results).  ulp(v) = spacing(|v|), which is the
    smallest subnormal for 0 and subnormals; a reference beyond the largest
    finite value uses the spacing there.  Both rounding to the same infinity
    (or both NaN) is 0; any other NaN or infinity is inf.
    """
    actual = np.asarray(actual)
    dt = actual.dtype.type
    ref = np.asarray(ref)
    wide = np.promote_types(ref.dtype, actual.dtype)
    with np.errstate(all="ignore"):
        r = np.atleast_1d(ref.astype(dt))
        sp = np.spacing(r)
        np.abs(sp, out=sp)
        inf_ref = np.isinf(r)
        if inf_ref.any():
            sp[inf_ref] = _spacing_at_max(dt)
        d = np.atleast_1d(actual.astype(wide))
        d -= ref
        np.abs(d, out=d)
        d /= sp
        err = d if d.dtype == np.float64 else d.astype(np.float64)
        if inf_ref.any():                     # both rounded to the same infinity: exact
            err[inf_ref & (np.atleast_1d(actual) == r)] = 0.0
        bad = np.isnan(err)
        if bad.any():                         # NaN against a number: inf; NaN against NaN: 0
            err[bad] = np.where(np.isnan(np.broadcast_to(ref, err.shape)[bad])
                                & np.isnan(np.broadcast_to(actual, err.shape)[bad]), 0.0, np.inf)
    return err


def mp_ulp_error(actual, ref, dtype):
    """The same metric for one result against an mpmath reference value."""
    dt = np.dtype(dtype).type
    a = float(actual)
    with np.errstate(all="ignore"):
        r = dt(float(ref))            # float(mpf) rounds to nearest double
    if math.isnan(a):
        return math.inf
    if np.isinf(r):
        if a == r:
            return 0.0
        sp = _spacing_at_max(dt)
    else:
        sp = abs(np.spacing(r))
    if math.isinf(a):
        return math.inf
    with mp.workdps(MP_DPS):
        return float(abs(mp.mpf(a) - ref) / mp.mpf(float(sp)))


def _mp_to_wide(r):
    """An mpmath value rounded to longdouble (64-bit significand on x86)."""
    with mp.workdps(MP_DPS):
        if r == 0 or not mp.isfinite(r):
            return np.longdouble(float(r))
        m, e = mp.frexp(r)                    # r = m 2^e, 1/2 <= |m| < 1
        big = int(mp.nint(m * mp.mpf(2) ** 64))
    sign, big = (-1, -big) if big < 0 else (1, big)
    v = np.longdouble(big >> 32) * np.longdouble(2.0 ** 32) + np.longdouble(big & 0xFFFFFFFF)
    return sign * np.ldexp(v, e - 64)


# --- samples -------------------------------------------------------------------

EDGE_VALUES = [0.0, 1e-30, 1e-8, 1e-4, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 6.0, 10.0, 15.0, 20.0,
               30.0, 40.0, 88.7, 100.0, 710.0, 745.0, 1e4, 1e30, 1e38, 1e300]


def edges(dtype, extra=()):
    """±(edge values, kinks, thresholds, derivative zeros, tiny, smallest normal,
    max), each with its two neighbours on either side, in `dtype` (finite only)."""
    dt = np.dtype(dtype).type
    fi = np.finfo(dt)
    base = [*EDGE_VALUES, *extra, float(fi.smallest_subnormal), float(fi.smallest_normal),
            float(fi.max)]
    for ref in REFERENCES.values():
        base.extend(abs(r) for r in ref.roots)
    with np.errstate(all="ignore"):
        v = np.array(base + [-b for b in base], dtype=np.float64).astype(dt)
    v = v[np.isfinite(v)]
    out = [v]
    with np.errstate(over="ignore"):
        for direction in (np.inf, -np.inf):
            w = v
            for _ in range(2):
                w = np.nextafter(w, dt(direction))
                out.append(w)
    v = np.unique(np.concatenate(out))
    return v[np.isfinite(v)]


def f32_chunks(quick, chunk_bits=F32_CHUNK_BITS, seed=0, chunks=None):
    """(number of chunks, iterator of finite float32 arrays).

    Full mode: chunk k holds the bit patterns [k 2^chunk_bits, (k+1) 2^chunk_bits);
    `chunks` = (start, stop) restricts the sweep to those chunk indices.
    """
    if quick:
        rng = np.random.default_rng(seed)
        bits = rng.integers(0, 2 ** 32, size=2 ** F32_QUICK_BITS, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        x = np.concatenate([edges(np.float32), x[np.isfinite(x)]])
        return 1, iter([x])
    n = 1 << chunk_bits
    first, last = (0, (1 << 32) // n) if chunks is None else chunks
    count = last - first

    def gen():
        ramp = np.arange(n, dtype=np.uint32)
        for k in range(first, last):
            x = (ramp + np.uint32(k * n)).view(np.float32)
            yield x[np.isfinite(x)]
    return count, gen()


def f64_sample(per_binade, seed=0):
    """per_binade random mantissas in every binade [2^e, 2^(e+1)), e = -1074..1023,
    both signs, plus the edges, plus F64_UNIFORM_PER_BINADE * per_binade uniform points
    on [-F64_UNIFORM_RANGE, F64_UNIFORM_RANGE]: the binades there are where the
    activations' polynomials and tails change, and per_binade points each sample them
    thinly (the float64 gelu's worst forward error, 2.68 ulp at x = -15.34 in a form not
    kept, showed as 1.97 in the binade sample alone)."""
    rng = np.random.default_rng(seed + 1)
    expo = np.repeat(np.arange(1, 2047, dtype=np.uint64), per_binade)
    normal = (expo << np.uint64(52)) | rng.integers(0, 2 ** 52, size=expo.size, dtype=np.uint64)
    sub = [np.uint64(1 << k) + rng.integers(0, 1 << k, size=per_binade, dtype=np.uint64)
           for k in range(52)]                            # subnormal binades
    pos = np.concatenate([normal, *sub]).view(np.float64)
    uniform = rng.uniform(-F64_UNIFORM_RANGE, F64_UNIFORM_RANGE,
                          F64_UNIFORM_PER_BINADE * per_binade)
    return np.concatenate([edges(np.float64), pos, -pos, uniform])


# --- cases ---------------------------------------------------------------------

def _fmt_params(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


@dataclass
class Stat:
    """Running worst case of one implementation on one case."""
    max_ulp: float = 0.0
    at: float = math.nan          # the saved-tensor value (x, or y for sigmoid/tanh backward)
    #                               where max_ulp occurs; NaN while max_ulp == 0
    count: int = 0

    def update(self, err, s):
        self.count += err.size
        if err.size:
            i = int(np.argmax(err))
            if err[i] > self.max_ulp:
                self.max_ulp = float(err[i])
                self.at = float(s[i])


@dataclass
class Case:
    name: str
    direction: str
    params: dict
    dtype: str
    impl: object = None            # fastact's function: f(x) or f(dy, saved)
    peers: dict = field(default_factory=dict)   # peer name -> function
    stats: dict = field(default_factory=dict)   # "fastact"/peer -> Stat
    seconds: float = 0.0

    @property
    def ref(self):
        return REFERENCES[self.name]

    @property
    def saved(self):
        if self.direction == "forward":
            return "x"
        return "y" if self.ref.saves == "output" else "x"

    @property
    def mp_only(self):
        return self.dtype == "float64" and not (self.ref.longdouble and LONGDOUBLE_IS_EXTENDED)

    def as_dict(self, limit=DEFAULT_LIMIT):
        d = {"function": self.name, "direction": self.direction, "params": self.params,
             "dtype": self.dtype, "saved": self.saved, "seconds": round(self.seconds, 3)}
        for who, st in self.stats.items():
            d[who] = {"max_ulp": st.max_ulp if math.isfinite(st.max_ulp) else "inf",
                      "at": None if math.isnan(st.at) else st.at, "count": st.count}
        d["ok"] = self.stats["fastact"].max_ulp <= limit
        return d


def fastact_impl(name, direction, params):
    """fastact's forward f(x) or backward f(dy, saved) through fa.ACTIVATIONS."""
    act = fa.ACTIVATIONS[name]
    if direction == "forward":
        return lambda x: act.forward(x, **params)
    if act.saves == "output":
        return lambda dy, y: act.backward(dy, y=y, **params)
    return lambda dy, x: act.backward(dy, x=x, **params)


def _torch_peer(name, direction, params):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    fwd = {
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "relu6": F.relu6,
        "leaky_relu": lambda t, negative_slope=0.01: F.leaky_relu(t, negative_slope),
        "elu": lambda t, alpha=1.0: F.elu(t, alpha), "selu": F.selu,
        "gelu": lambda t, approximate="none": F.gelu(t, approximate=approximate),
        "silu": F.silu, "mish": F.mish,
        "softplus": lambda t, beta=1.0, threshold=20.0: F.softplus(t, beta, threshold),
        "softsign": F.softsign, "log_sigmoid": F.logsigmoid, "hard_sigmoid": F.hardsigmoid,
        "hard_swish": F.hardswish,
        "hard_tanh": lambda t, min_val=-1.0, max_val=1.0: F.hardtanh(t, min_val, max_val),
    }.get(name)
    if fwd is None:
        return None
    if direction == "forward":
        def f(x):
            with torch.no_grad():
                return fwd(torch.from_numpy(x), **params).numpy()
        return f
    if name in ("sigmoid", "tanh"):          # autograd's own backward from the saved y
        op = torch.ops.aten.sigmoid_backward if name == "sigmoid" else torch.ops.aten.tanh_backward

        def g(dy, y):
            with torch.no_grad():
                return op(torch.from_numpy(dy), torch.from_numpy(y)).numpy()
        return g

    def b(dy, x):
        t = torch.from_numpy(x.copy()).requires_grad_(True)
        (grad,) = torch.autograd.grad(fwd(t, **params), t, torch.from_numpy(dy))
        return grad.numpy()
    return b


def _scipy_peer(name, direction, params):
    try:
        import scipy.special as sc
    except ImportError:
        return None
    if direction != "forward" or params:
        return None
    f = {"sigmoid": getattr(sc, "expit", None), "log_sigmoid": getattr(sc, "log_expit", None)}.get(name)
    return (lambda x: f(x)) if f is not None else None


PEERS = {"torch": _torch_peer, "scipy": _scipy_peer}


def make_cases(names=None, dtypes=DTYPES, directions=DIRECTIONS, peers=(), log=None):
    """Every case fastact can be measured on now; names it lacks are skipped."""
    cases, missing = [], []
    for name, ref in REFERENCES.items():
        if names and name not in names:
            continue
        act = getattr(fa, "ACTIVATIONS", {}).get(name)
        if act is None:
            missing.append(name)
            continue
        if act.saves != ref.saves:
            raise RuntimeError(f"fastact.{name} saves its {act.saves}, SPEC says {ref.saves}")
        known = getattr(act, "params", None)
        for params in ref.settings:
            if known is not None and not set(params) <= set(known):
                if log:
                    log(f"accuracy: skipping {name}({_fmt_params(params)}): "
                        f"fastact.{name} has no such parameter yet")
                continue
            for direction in directions:
                for dtype in dtypes:
                    c = Case(name, direction, dict(params), dtype,
                             impl=fastact_impl(name, direction, params))
                    for p in peers:
                        fn = PEERS[p](name, direction, params)
                        if fn is not None:
                            c.peers[p] = fn
                    c.stats = {"fastact": Stat(), **{p: Stat() for p in c.peers}}
                    cases.append(c)
    if names:
        unknown = set(names) - set(REFERENCES)
        if unknown:
            raise KeyError(f"no reference for {sorted(unknown)}; known: {', '.join(REFERENCES)}")
    if missing and log:
        log(f"accuracy: fastact has no {', '.join(missing)} yet; skipped")
    return cases


# --- measuring -----------------------------------------------------------------

def _reference(case, x, cache):
    """(saved tensor s in the case's dtype, reference values at s in the wide type)."""
    dt = np.dtype(case.dtype).type
    wide = _WIDE[dt]
    ref, p = case.ref, case.params

    def wide_values(direction, s, params):
        if case.mp_only:
            return np.array([_mp_to_wide(mp_value(ref, direction, v, **params)) for v in s],
                            dtype=np.longdouble)
        return vector_value(ref, direction, s.astype(wide), **params)

    if case.direction == "backward" and ref.saves == "output":
        key = (case.name, "forward", ())
        if key not in cache:
            cache[key] = wide_values("forward", x, {})
        with np.errstate(all="ignore"):
            s = cache[key].astype(dt)
    else:
        s = x
    if case.direction == "forward" and ref.saves == "output":
        key = (case.name, "forward", ())
        if key not in cache:
            cache[key] = wide_values("forward", x, {})
        return s, cache[key]
    return s, wide_values(case.direction, s, p)


def _confirm(err, s, out, case, mp_cache):
    """Re-measure in mpmath the points near a derivative's zero and the worst points,
    until the worst remaining point is a confirmed one (err is updated in place)."""
    def mp_err(i):
        i = int(i)
        if i not in mp_cache:
            mp_cache[i] = mp_value(case.ref, case.direction, s[i], **case.params)
        return mp_ulp_error(out[i], mp_cache[i], case.dtype)

    dt = np.dtype(case.dtype).type
    done = set()
    if case.direction == "backward" and case.ref.roots and not case.mp_only:
        near = np.zeros(s.shape, dtype=bool)
        for r in case.ref.roots:
            near |= np.abs(s.astype(np.float64) - r) < ROOT_WINDOW[dt]
        for i in np.flatnonzero(near):
            err[i] = mp_err(i)
            done.add(int(i))
    if not err.size or not err.max() > 0:
        return
    k = VERIFY_TOP
    while True:
        # the k worst points by the vectorised measurement, worst first; every other
        # point is at most err[top[-1]]
        k = min(k, err.size)
        top = np.argpartition(err, err.size - k)[err.size - k:]
        top = top[np.argsort(err[top])[::-1]]
        confirmed = max((err[i] for i in done), default=-np.inf)
        for j, i in enumerate(top):
            i = int(i)
            # stop once no unconfirmed point can be worse than the worst confirmed one by
            # more than the vectorised reference's own error (far below CONFIRM_SLACK ulp)
            if i not in done and err[i] <= confirmed + CONFIRM_SLACK:
                return
            if i not in done:
                err[i] = mp_err(i)
                done.add(i)
                confirmed = max(confirmed, err[i])
        if k == err.size or err[top[-1]] <= confirmed + CONFIRM_SLACK:
            return
        k *= 8


def measure_case(case, x, cache=None):
    """Measure fastact (and the peers) on case at the sample x (in the case's dtype)."""
    t0 = time.perf_counter()
    cache = {} if cache is None else cache
    s, ref = _reference(case, x, cache)
    ones = cache.get(("ones", s.size, case.dtype))
    if ones is None:
        ones = cache[("ones", s.size, case.dtype)] = np.ones(s.size, dtype=case.dtype)
    mp_cache = {}
    for who, fn in [("fastact", case.impl), *case.peers.items()]:
        with np.errstate(all="ignore"):
            out = fn(s) if case.direction == "forward" else fn(ones, s)
        out = np.asarray(out)
        if out.dtype != s.dtype or out.shape != s.shape:
            raise TypeError(f"{who} {case.name} {case.direction} returned {out.dtype}{out.shape} "
                            f"for {s.dtype}{s.shape}")
        err = ulp_error(out, ref)
        _confirm(err, s, out, case, mp_cache)
        case.stats[who].update(err, s)
    case.seconds += time.perf_counter() - t0
    return case


def _progress(log, label, k, count, t0):
    el = time.perf_counter() - t0
    eta = el / k * (count - k) if k else 0.0
    log(f"accuracy: {label} {k}/{count} ({100.0 * k / count:.1f}%) "
        f"elapsed {el:7.1f} s, eta {eta:7.1f} s")


def run(names=None, dtypes=DTYPES, directions=DIRECTIONS, quick=False, peers=(),
        chunk_bits=F32_CHUNK_BITS, seed=0, log=None, cases=None, chunks=None):
    """Measure every case; returns the list of Case objects with their stats."""
    if cases is None:
        cases = make_cases(names, dtypes, directions, peers, log)
    f32 = [c for c in cases if c.dtype == "float32"]
    f64 = [c for c in cases if c.dtype == "float64"]
    if f32:
        count, batches = f32_chunks(quick, chunk_bits, seed, chunks)
        t0 = time.perf_counter()
        step = max(1, count // 200)
        for k, x in enumerate(batches, 1):
            cache = {}
            for c in f32:
                measure_case(c, x, cache)
            if log and count > 1 and (k % step == 0 or k == count):
                _progress(log, "float32 chunk", k, count, t0)
    if f64:
        t0 = time.perf_counter()
        mode = 1 if quick else 0
        x_ld = f64_sample(F64_PER_BINADE[mode], seed)
        x_mp = f64_sample(F64_PER_BINADE_MP[mode], seed)
        cache_ld, cache_mp = {}, {}
        for k, c in enumerate(f64, 1):
            if c.mp_only:
                measure_case(c, x_mp, cache_mp)
            else:
                measure_case(c, x_ld, cache_ld)
            if log and not quick:
                _progress(log, f"float64 {c.name} {c.direction}", k, len(f64), t0)
    return cases


# --- report --------------------------------------------------------------------

def _fmt_ulp(v):
    return "inf" if math.isinf(v) else f"{v:.3f}"


def _fmt_at(v, dtype):
    if math.isnan(v):
        return "-"
    return repr(float(np.dtype(dtype).type(v)))


def table(cases, limit=DEFAULT_LIMIT):
    peers = [p for p in PEERS if any(p in c.stats for c in cases)]
    head = ["function", "direction", "params", "dtype", "max ulp", "at"]
    for p in peers:
        head += [f"{p} ulp", f"{p} at"]
    head += ["points", "seconds"]
    rows = []
    for c in cases:
        st = c.stats["fastact"]
        flag = "" if st.max_ulp <= limit else " FAIL"
        row = [c.name, c.direction, _fmt_params(c.params) or "-", c.dtype,
               _fmt_ulp(st.max_ulp) + flag, f"{c.saved}={_fmt_at(st.at, c.dtype)}"]
        for p in peers:
            ps = c.stats.get(p)
            row += ["-", "-"] if ps is None else [_fmt_ulp(ps.max_ulp), _fmt_at(ps.at, c.dtype)]
        row += [str(st.count), f"{c.seconds:.1f}"]
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m fastact accuracy",
        description="Maximum error in ulp of every elementwise forward and backward function "
                    "against independent high-precision references: every finite float32 "
                    "input, a dense sample of every float64 binade.")
    ap.add_argument("--quick", action="store_true",
                    help="sample float32 (2^20 random bit patterns + edges) and fewer float64 "
                         "mantissas; well under a minute")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="only these activations (repeatable, or comma separated)")
    ap.add_argument("--dtype", choices=DTYPES + ("both",), default="both")
    ap.add_argument("--direction", choices=DIRECTIONS + ("both",), default="both")
    ap.add_argument("--peers", action="store_true",
                    help="add PyTorch and SciPy columns (when installed), measured the same way")
    ap.add_argument("--limit", type=float, default=DEFAULT_LIMIT,
                    help="exit status 1 if a fastact entry exceeds this many ulp (default 4)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--threads", type=int, help="fastact (and torch) threads")
    ap.add_argument("--chunk-bits", type=int, default=F32_CHUNK_BITS,
                    help="float32 patterns per chunk = 2^BITS (default 22)")
    ap.add_argument("--chunks", metavar="START:STOP",
                    help="full float32 sweep over these chunk indices only (to split or sample "
                         "the sweep; there are 2^(32-BITS) chunks)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    if _MISSING is not None:
        print(f"fastact accuracy needs mpmath (and scipy for gelu): {_MISSING}", file=sys.stderr)
        return 2

    names = None
    if args.only:
        names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    dtypes = DTYPES if args.dtype == "both" else (args.dtype,)
    directions = DIRECTIONS if args.direction == "both" else (args.direction,)
    if not 10 <= args.chunk_bits <= 32:
        ap.error("--chunk-bits must be in [10, 32]")
    chunks = None
    if args.chunks:
        try:
            chunks = tuple(int(v) for v in args.chunks.split(":"))
            assert len(chunks) == 2 and 0 <= chunks[0] < chunks[1] <= 1 << (32 - args.chunk_bits)
        except (ValueError, AssertionError):
            ap.error(f"--chunks wants START:STOP within [0, {1 << (32 - args.chunk_bits)}]")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.threads:
        fa.set_num_threads(args.threads)
    peers = tuple(PEERS) if args.peers else ()
    if args.peers:
        try:
            import torch
            torch.set_num_threads(fa.get_num_threads())
        except ImportError:
            log("accuracy: torch is not installed; no torch column")
    try:
        cases = make_cases(names, dtypes, directions, peers, log)
    except KeyError as e:
        ap.error(str(e.args[0]))
    if not cases:
        log("accuracy: nothing to measure")
        return 1
    t0 = time.perf_counter()
    run(quick=args.quick, chunk_bits=args.chunk_bits, seed=args.seed,
        log=None if args.no_progress else log, cases=cases, chunks=chunks)
    total = time.perf_counter() - t0

    mode = ("quick (sampled)" if args.quick else
             f"float32 chunks {args.chunks} of 2^{args.chunk_bits} patterns" if chunks else
             "full (every finite float32; float64 per binade)")
    print(f"fastact {fa.__version__} accuracy, {mode}; limit {args.limit:g} ulp; "
          f"{total:.1f} s\n")
    print(table(cases, args.limit))
    failed = [c for c in cases if c.stats["fastact"].max_ulp > args.limit]
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"fastact_version": fa.__version__, "mode": mode,
                       "limit_ulp": args.limit, "seconds": round(total, 2),
                       "longdouble_extended": LONGDOUBLE_IS_EXTENDED,
                       "cases": [c.as_dict(args.limit) for c in cases]}, fh, indent=1)
    if failed:
        print(f"\n{len(failed)} case(s) above {args.limit:g} ulp", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
