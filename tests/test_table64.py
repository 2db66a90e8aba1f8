"""The float64 exact gelu's piecewise tables (fastact/_table64.h, the AVX-512 kernels).

The tables are generated here with mpmath: `python tests/test_table64.py --regen`
rewrites the block between the BEGIN/END GENERATED TABLE64 TABLES markers of
_table64.h.  The tests check the stored coefficients against mpmath (a wrong
coefficient, slot, centre or zero fails); the kernels' results are checked against
mpmath by the accuracy tests of test_activations.py and test_accuracy.py.

With a = |x| and e = e^(-a^2/2):
  M(a) = Phi(-a) e^(a^2/2)                     gelu(x) = x e M (x <= 0), x - x e M (x > 0)
  G(a) = (M(a) - a/sqrt(2 pi))/d(a)            gelu'(x) = e d G (x < 0), 1 - that (x >= 0)
on 16 pieces of a picked by the bits of a + 1 (quarters of each binade: a in [0, 0.25),
..., [13, 15)); d = a - a0 (a0 the derivative's zero, 0.7518) on the pieces of [0, 2),
d = 1 beyond (a factor a - 0 would put a pole at 0 into the fits of the far pieces).
Each piece's polynomial in t = a - centre has degree TABLE64_DEGREE, c0 a double-double.
"""
import math
import os
import re

import mpmath as mp
import numpy as np
import pytest

TABLE64_DEGREE = 13
# the slots whose G is divided by a - a0 (the pieces of a in [0, 2)); by 1 elsewhere
TABLE64_A0_SLOTS = (0, 1, 12, 13, 14, 15)
# relative error of each piece's polynomial (rounded coefficients, c0 exact as hi + lo)
# over its piece widened by the margin the rounded a + 1 can move a piece boundary
TABLE64_TOL = 2.0 ** -56


def table64_pieces():
    """slot -> (lo, hi) of a, for pieces of a + 1."""
    pieces = {}
    for e in range(4):
        for q in range(4):
            lo, hi = 2.0 ** e * (1 + q / 4) - 1, 2.0 ** e * (1 + (q + 1) / 4) - 1
            pieces[(((1023 + e) & 3) << 2) | q] = (lo, hi)
    return pieces


def _mills(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


def gelu_a0():
    return mp.findroot(lambda a: _mills(a) - a / mp.sqrt(2 * mp.pi), 0.75)


def table64_targets(slot, a0):
    """{"M": M, "G": G} for a slot, and the zero its G is divided by (None: d = 1)."""
    r = a0 if slot in TABLE64_A0_SLOTS else None

    def g(a):
        a = mp.mpf(a)
        return (_mills(a) - a / mp.sqrt(2 * mp.pi)) / (1 if r is None else a - r)
    return {"M": _mills, "G": g}, r


def _margin(hi):
    return 4.0 * 2.0 ** -52 * max(1.0, hi)


def table64_fit(f, lo, hi, c):
    """Coefficients c0 (as hi, lo) ... cD of a polynomial in t = a - c for f on [lo, hi]
    (widened by the margin): least squares in relative error at Chebyshev nodes, each
    coefficient rounded to a double in turn from c0 up and the rest refitted."""
    eps = _margin(hi)
    left, right = (lo - eps if lo > 0 else 0.0), hi + eps
    nodes = 3 * (TABLE64_DEGREE + 1)
    xs = [mp.mpf(left + right) / 2 + mp.mpf(right - left) / 2 * mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes)
          for k in range(nodes)]
    ts = [x - mp.mpf(c) for x in xs]
    fs = [f(x) for x in xs]
    fixed = {}
    for _ in range(TABLE64_DEGREE + 1):
        free = [k for k in range(TABLE64_DEGREE + 1) if k not in fixed]
        lhs = mp.matrix([[t ** k / abs(fv) for k in free] for t, fv in zip(ts, fs)])
        rhs = mp.matrix([(fv - sum(v * t ** k for k, v in fixed.items())) / abs(fv) for t, fv in zip(ts, fs)])
        sol = mp.qr_solve(lhs, rhs)[0]
        k = free[0]
        fixed[k] = sol[0] if k == 0 else mp.mpf(float(sol[0]))
    c0hi = float(fixed[0])
    return [c0hi] + [float(fixed[k]) for k in range(1, TABLE64_DEGREE + 1)], float(fixed[0] - c0hi)


def generate_table64():
    def dbl(v):
        return "0.0" if v == 0 else float(v).hex()

    def row(vals):
        return "{" + ", ".join(dbl(v) for v in vals) + "}"

    al = "__attribute__((aligned(64)))"
    lines = []
    with mp.workdps(40):
        a0 = gelu_a0()
        a0hi = float(a0)
        pieces = table64_pieces()
        centre = [(pieces[s][0] + pieces[s][1]) / 2 for s in range(16)]
        tabs = {name: [[0.0] * 16 for _ in range(TABLE64_DEGREE + 1)] for name in ("M", "G")}
        lows = {name: [0.0] * 16 for name in ("M", "G")}
        for s in range(16):
            funcs, _ = table64_targets(s, a0)
            for name in ("M", "G"):
                coefs, lows[name][s] = table64_fit(funcs[name], pieces[s][0], pieces[s][1], centre[s])
                for k, v in enumerate(coefs):
                    tabs[name][k][s] = v
        lines.append(f"static const double FA_GELU64_CENTRE[16] {al} = {row(centre)};")
        for name in ("M", "G"):
            lines.append(f"static const double FA_GELU64_{name}[{TABLE64_DEGREE + 1}][16] {al} = {{")
            lines += [f"    {row(v)}," for v in tabs[name]]
            lines.append("};")
            lines.append(f"static const double FA_GELU64_{name}_C0LO[16] {al} = {row(lows[name])};")
        lines.append(f"#define FA_GELU64_A0_HI {dbl(a0hi)}")
        lines.append(f"#define FA_GELU64_NEG_A0_LO {dbl(-(a0 - a0hi))}")
    return "\n".join(lines) + "\n"


def _header_path():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "fastact", "_table64.h")


def _read_table64():
    """The generated tables of _table64.h as {name: list of floats}."""
    path = _header_path()
    if not os.path.exists(path):
        pytest.skip("source tree not available")
    with open(path) as fh:
        text = fh.read()
    out = {}
    for name, body in re.findall(r"static const double (FA_GELU64_\w+)\[[^=]*= \{(.*?)\};", text, re.S):
        out[name] = [float.fromhex(v) if v != "0.0" else 0.0 for v in re.findall(r"-?0x[0-9a-f.p+-]+|0\.0", body)]
    return out


def _read_defines():
    with open(_header_path()) as fh:
        text = fh.read()
    return {k: float.fromhex(v) for k, v in re.findall(r"#define (FA_GELU64_\w+) (-?0x\S+)", text)}


def test_table64_pieces_tile_the_range_in_their_slots():
    """The 16 pieces cover [0, 15) without gaps, and the bits the kernel reads from a + 1
    (exponent's low two, mantissa's top two: (bits >> 50) & 15) pick each piece's slot at
    its ends and middle."""
    pieces = table64_pieces()
    ends = sorted(pieces.values())
    assert ends[0][0] == 0.0 and ends[-1][1] == 15.0
    assert all(p[1] == q[0] for p, q in zip(ends, ends[1:]))
    for s, (lo, hi) in pieces.items():
        for a in (lo, (lo + hi) / 2, np.nextafter(hi, 0.0) - 1e-15 * hi):
            bits = int(np.array(a + 1.0).view(np.uint64))
            assert (bits >> 50) & 15 == s, (s, a)


@pytest.mark.parametrize("name", ["M", "G"])
def test_table64_matches_mpmath(name):
    """Each piece's polynomial (double coefficients, c0 a double-double) reproduces its
    function to 2^-56 relative over the piece widened by the margin (a wrong
    coefficient, slot or centre fails); a0 = A0_HI - NEG_A0_LO to 2^-100."""
    tabs = _read_table64()
    coef = np.array(tabs[f"FA_GELU64_{name}"]).reshape(TABLE64_DEGREE + 1, 16)
    c0lo = tabs[f"FA_GELU64_{name}_C0LO"]
    centre = tabs["FA_GELU64_CENTRE"]
    worst = 0
    with mp.workdps(40):
        a0 = gelu_a0()
        defs = _read_defines()
        assert abs(mp.mpf(defs["FA_GELU64_A0_HI"]) - mp.mpf(defs["FA_GELU64_NEG_A0_LO"]) - a0) <= 2.0 ** -100
        for s, (lo, hi) in table64_pieces().items():
            assert lo <= centre[s] <= hi
            funcs, r = table64_targets(s, a0)
            eps = _margin(hi)
            for a in np.linspace(max(lo - eps, 0.0), hi + eps, 33):
                if name == "G" and r is not None and abs(a - float(r)) < 1e-9:
                    continue
                t = mp.mpf(a) - mp.mpf(centre[s])
                p = mp.mpf(0)
                for k in range(TABLE64_DEGREE, 0, -1):
                    p = p * t + mp.mpf(coef[k][s])
                p = p * t + mp.mpf(c0lo[s]) + mp.mpf(coef[0][s])
                ref = funcs[name](a)
                err = abs(p - ref) / abs(ref)
                worst = max(worst, err)
                assert err <= TABLE64_TOL, (name, s, a, float(mp.log(err, 2)))
    assert worst > 2.0 ** -80          # (the check reads real numbers)


if __name__ == "__main__":
    import sys
    if "--regen" in sys.argv:
        h = _header_path()
        with open(h) as fh:
            s = fh.read()
        begin, end = "/* BEGIN GENERATED TABLE64 TABLES */\n", "/* END GENERATED TABLE64 TABLES */"
        i, j = s.index(begin) + len(begin), s.index(end)
        with open(h, "w") as fh:
            fh.write(s[:i] + generate_table64() + s[j:])
    else:
        print(generate_table64())


def _gelu_mp(x):
    x = mp.mpf(x)
    return x * mp.ncdf(x)


def _gelu_deriv_mp(x):
    x = mp.mpf(x)
    return mp.ncdf(x) + x * mp.npdf(x)


def _ulps(got, ref):
    """|got - ref| in ulps of ref (the float64 spacing at |ref|; ref an mpf)."""
    return float(abs(mp.mpf(float(got)) - ref) / mp.mpf(np.spacing(abs(float(ref)))))


def _edge_points():
    """Both signs of: each piece's ends and the 8 doubles either side of them (where the
    rounded a + 1 can pick the neighbouring piece), the clamp at 14, the derivative's
    zero a0, and 64 random points in each piece."""
    rng = np.random.default_rng(7)
    pts = []
    for lo, hi in table64_pieces().values():
        for b in (lo, hi):
            v = np.float64(b)
            for _ in range(9):
                pts.append(v)
                v = np.nextafter(v, np.inf)
            v = np.float64(b)
            for _ in range(8):
                v = np.nextafter(v, -np.inf)
                pts.append(v)
        pts += list(rng.uniform(lo, hi, 64))
    with mp.workdps(40):
        a0 = float(gelu_a0())
    pts += [np.float64(14.0), np.nextafter(14.0, 0.0), np.nextafter(14.0, 20.0), a0,
            np.nextafter(a0, 0.0), np.nextafter(a0, 1.0)]
    a = np.array([p for p in pts if p >= 0], dtype=np.float64)
    return np.concatenate([a, -a])


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_gelu64_at_piece_edges_against_mpmath(direction):
    """The float64 exact gelu at and beside every piece boundary, within 2.5 ulp of mpmath
    where the table kernel runs (about 1.5 measured; the contract's 4 elsewhere: the
    baseline build's careful path measures 2.86 at x = -6); near the derivative's zero,
    and where the rounded a + 1 picks the next piece (x = -(2 - 2^-52) took the wrong
    zero factor in a first version: 1.5e15 ulp)."""
    import fastact as fa
    from fastact._dispatch import load
    limit = 2.5 if load("_activations").TABLE64_VECTOR else 4.0
    x = _edge_points()
    with mp.workdps(50):
        if direction == "forward":
            got = fa.gelu(x)
            refs = [_gelu_mp(v) for v in x]
        else:
            got = fa.gelu_backward(np.ones_like(x), x)
            refs = [_gelu_deriv_mp(v) for v in x]
        errs = np.array([_ulps(g, r) for g, r in zip(got, refs)])
    worst = int(np.argmax(errs))
    assert errs[worst] <= limit, (x[worst], errs[worst])
