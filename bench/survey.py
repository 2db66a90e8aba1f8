"""Per-kernel survey: nanoseconds per element of every kernel, one thread, in cache.

    python bench/survey.py [--json FILE] [--size N]
    python bench/survey.py --compare OLD.json NEW.json [--threshold 1.3]
    python bench/survey.py --floor [--threads T] [--only NAME,...] [--json FILE]

Times every activation (forward and backward), every softmax-family function and
every loss (with and without the gradient) on data that stays in cache, on one
thread, so that each number is the kernel's arithmetic alone: no memory bandwidth,
no threads. Run it once per build (another compiler, another `FASTACT_ISA`,
another commit) and compare the JSON files: a kernel that a compiler failed to
vectorise stands out by a factor of 3 to 10, far above this machine's noise
(10 to 20% run to run).

This is how two such failures were found: GCC 13 left the losses on probabilities
scalar (11 ns an element against 1.4 with GCC 12), and the AVX2 build of the
softmax family ran 7 to 11x slower than the AVX-512 build instead of about 2x.

--floor turns the in-cache times of the activations into a lower bound for the
16M-element targets of `python -m fastact bench`: the arithmetic alone of 16M
elements on T threads (the one-thread in-cache time per element, times 16M, over
T, as if the threads scaled perfectly and memory were free) against np.copyto
over the bytes a 16M-element call must move (the bench's limit).  A kernel whose
floor is above the speed issue's target (1.3x at the default thread count, 2x on
one thread) cannot meet it on this machine with its algorithm and accuracy,
whatever its memory traffic; PyTorch's kernel, timed the same way where it is
installed, shows what the peer's algorithm costs.
"""
import argparse
import json
import sys
import time

import numpy as np

SHAPES = ((128, 1000), (13107, 10))


def best_seconds(fn, calls=10, repeats=7, warmup=5):
    """Best of `repeats` batches of `calls` calls, after `warmup` calls, in s per call."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def ns_per_element(fn, elements, calls=10, repeats=7):
    """best_seconds in ns per element."""
    return best_seconds(fn, calls, repeats) / elements * 1e9


def activation_calls(fa, x, dy, out):
    """(label, call) for every activation forward and backward with its timed settings
    as `python -m fastact bench` has them, on x (and dy), writing out.  The backward's
    saved input is computed only when its call is first made."""
    from fastact.cli.bench import BENCH_SETTINGS, _label
    for name, act in sorted(fa.ACTIVATIONS.items()):
        fwd, bwd = getattr(fa, name), getattr(fa, name + "_backward")
        for kw in BENCH_SETTINGS.get(name, [{}]):
            yield _label(name, kw), lambda fwd=fwd, kw=kw: fwd(x, out=out, **kw)
            saved = []

            def backward(fwd=fwd, bwd=bwd, kw=kw, act=act, saved=saved):
                if not saved:
                    saved.append(fwd(x, **kw) if act.saves == "output" else x)
                return bwd(dy, saved[0], out=out, **kw)
            yield _label(name + "_backward", kw), backward


def activation_timings(fa, n, scale, time_call, only=()):
    """{"label dtype": time_call(call)} for every activation call of activation_calls
    (or those whose label contains one of `only`), both dtypes, on n standard normal
    inputs times `scale`."""
    rng = np.random.default_rng(0)
    res = {}
    for dt in (np.float32, np.float64):
        x = (rng.standard_normal(n) * scale).astype(dt)
        dy = rng.standard_normal(n).astype(dt)
        out = np.empty_like(x)
        for label, call in activation_calls(fa, x, dy, out):
            if not only or any(o in label for o in only):
                res[f"{label} {np.dtype(dt).name}"] = time_call(call)
    return res


def survey(fa, n):
    res = activation_timings(fa, n, 4, lambda call: ns_per_element(call, n))
    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64):
        d = np.dtype(dt).name
        for shape in SHAPES:
            sh = f"{shape[0]}x{shape[1]}"
            e = shape[0] * shape[1]
            z = (rng.standard_normal(shape) * 3).astype(dt)
            v = rng.standard_normal(shape).astype(dt)
            o = np.empty_like(z)
            s = fa.softmax(z)
            res[f"softmax {sh} {d}"] = ns_per_element(lambda: fa.softmax(z, out=o), e)
            res[f"log_softmax {sh} {d}"] = ns_per_element(lambda: fa.log_softmax(z, out=o), e)
            res[f"logsumexp {sh} {d}"] = ns_per_element(lambda: fa.logsumexp(z), e)
            res[f"softmax_backward {sh} {d}"] = ns_per_element(
                lambda: fa.softmax_backward(v, s, out=o), e)
            res[f"softmax_jvp {sh} {d}"] = ns_per_element(lambda: fa.softmax_jvp(s, v, out=o), e)
            res[f"log_softmax_backward {sh} {d}"] = ns_per_element(
                lambda: fa.log_softmax_backward(v, s, out=o), e)
            labels = rng.integers(0, shape[1], shape[0])
            p = rng.uniform(0.02, 0.98, shape).astype(dt)
            t = rng.uniform(0.0, 1.0, shape).astype(dt)
            for label, a, b in (("softmax_cross_entropy", z, labels),
                                ("softmax_cross_entropy[probabilities]", z, s),
                                ("nll_loss", np.log(s), labels), ("cross_entropy", s, s),
                                ("binary_cross_entropy", p, t),
                                ("binary_cross_entropy_with_logits", z, t), ("mse_loss", z, v)):
                name = label.split("[")[0]
                loss, with_grad = getattr(fa, name), getattr(fa, name + "_with_grad")
                res[f"{label} {sh} {d}"] = ns_per_element(lambda: loss(a, b), e)
                res[f"{label}_with_grad {sh} {d}"] = ns_per_element(lambda: with_grad(a, b), e)
    return res


FLOOR_ELEMENTS = 1 << 24


def floor_table(fa, n, threads, only=()):
    """[(label, dtype, fastact ns, fastact floor, torch ns or None, torch floor or None)]
    for every activation call of `python -m fastact bench` (or those whose label
    contains one of `only`): one-thread ns per element on n elements (in cache), and
    that time for FLOOR_ELEMENTS elements on `threads` threads over the median
    np.copyto time of the bytes that many elements move."""
    import statistics
    from fastact.cli.bench import CopyLimit, elementwise_cases, load_peers
    peers = {k: v for k, v in load_peers().items() if k == "torch"}
    if "torch" in peers:
        peers["torch"].set_num_threads(1)
    limit = CopyLimit()
    copy_ms = {}
    rows = []
    for dt in (np.float32, np.float64):
        for case in elementwise_cases(n, dt, peers):
            if only and not any(o in case.function for o in only):
                continue
            moved = case.bytes_moved // n * FLOOR_ELEMENTS
            if moved not in copy_ms:
                copy = limit.callable(moved)
                copy()
                copy_ms[moved] = statistics.median(best_seconds(copy, 1, 3, 0) for _ in range(5)) * 1e3
            times = {}
            for impl in ("fastact", "torch"):
                if impl in case.impls:
                    ns = ns_per_element(case.impls[impl], n)
                    times[impl] = (ns, ns * FLOOR_ELEMENTS / threads / 1e6 / copy_ms[moved])
            tns, tfloor = times.get("torch", (None, None))
            rows.append((case.function, case.dtype) + times["fastact"] + (tns, tfloor))
    return rows


def floor_target(threads):
    """The speed issue's limit ratio at this thread count: 2x on one thread, else 1.3x."""
    return 2.0 if threads == 1 else 1.3


def print_floor(rows, threads):
    target = floor_target(threads)
    print(f"# compute floor: one-thread in-cache time x {FLOOR_ELEMENTS} elements / {threads} "
          f"threads, over np.copyto of the bytes moved (> {target}: the {target}x target is "
          f"out of reach)")
    print(f"{'function':40s} {'dtype':8s} {'ns/elem':>8s} {'floor':>6s} {'torch ns':>9s} {'floor':>6s}")
    for label, dt, ns, fl, tns, tfl in rows:
        torch_part = f"{tns:9.2f} {tfl:6.2f}" if tns is not None else f"{'-':>9s} {'-':>6s}"
        mark = f"  > {target}" if fl > target else ""
        print(f"{label:40s} {dt:8s} {ns:8.2f} {fl:6.2f} {torch_part}{mark}")


def compare(old_file, new_file, threshold):
    with open(old_file) as f:
        old = json.load(f)
    with open(new_file) as f:
        new = json.load(f)
    print(f"old: {old_file} ({old['isa']}), new: {new_file} ({new['isa']}); ns per element; "
          f"kernels whose time changed by more than {threshold}x either way")
    shown = 0
    for key in sorted(old["ns"], key=lambda k: -new["ns"].get(k, 0) / old["ns"][k]):
        if key not in new["ns"]:
            continue
        a, b = old["ns"][key], new["ns"][key]
        if b / a > threshold or a / b > threshold:
            print(f"  {key:60s} {a:8.2f} -> {b:8.2f}  ({b / a:5.2f}x)")
            shown += 1
    if not shown:
        print("  none")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="FILE", help="write the times as JSON")
    ap.add_argument("--size", type=int, default=1 << 17,
                    help="elements of the elementwise arrays (default 131072: fits in L2; "
                         "--floor takes at most 16384)")
    ap.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"),
                    help="compare two JSON files of this script instead of timing")
    ap.add_argument("--threshold", type=float, default=1.3,
                    help="with --compare, the change worth showing (default 1.3)")
    ap.add_argument("--floor", action="store_true",
                    help="the compute floor of every activation at 16M elements (see above)")
    ap.add_argument("--threads", type=int, default=None,
                    help="with --floor, the thread count to project to (default: fastact's)")
    ap.add_argument("--only", default="",
                    help="with --floor, only the activations whose label contains one of "
                         "these comma-separated names")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare, args.threshold)
    import fastact as fa
    from fastact import _dispatch
    threads = args.threads or fa.get_num_threads()
    fa.set_num_threads(1)
    if args.floor:
        only = tuple(o for o in args.only.split(",") if o)
        rows = floor_table(fa, min(args.size, 1 << 14), threads, only)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"isa": _dispatch.kernel_isa(), "threads": threads, "floor": rows}, f,
                          indent=1)
        print_floor(rows, threads)
        return 0
    res = survey(fa, args.size)
    isa = _dispatch.kernel_isa()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"isa": isa, "ns": res}, f, indent=1)
    print(f"# fastact {fa.__version__}, kernels built for {isa}, one thread, "
          f"ns per element ({len(res)} kernels)")
    for key, value in res.items():
        print(f"{key:60s} {value:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
