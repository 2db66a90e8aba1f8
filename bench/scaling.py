"""Thread scaling of fastact kernels: time per call at 1, 2, 4, ... threads.

    python bench/scaling.py [--max-threads N] [--size 16777216] [--filter A,B] [--json FILE]

Prints, per kernel, the median time at each thread count, the speed-up over one
thread, the bitwise equality of every result with the one-thread result (SPEC:
results are identical for any thread count), and, at the largest thread count,
the time over a threaded copy of the same bytes (read once, written once).

Copy references: `np.copyto` (NumPy copies on one thread) and, when PyTorch is
installed, `Tensor.copy_` at the same thread count, which is the memory
bandwidth a threaded kernel can reach.  A last section times 16-element and
just-under/over-threshold calls at 1 and at the largest thread count: small
inputs must not pay for threads.
"""
import argparse
import json
import os
import time

import numpy as np

import fastact as fa

try:  # optional: threaded copy reference and peer
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def median_time(fn, repeats=7):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def small_time(fn, number=2000, repeats=7):
    """Median per-call time of a tiny call, timed in batches of `number`."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return sorted(times)[len(times) // 2]


def cases(n):
    """(name, call, array holding the result, bytes read + written)."""
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal(n) * 3
    x32 = x64.astype(np.float32)
    dy32 = rng.standard_normal(n).astype(np.float32)
    o64, o32 = np.empty_like(x64), np.empty_like(x32)
    logits = rng.standard_normal((4096, 1000)).astype(np.float32)
    s_out = np.empty_like(logits)
    g_s = rng.standard_normal(logits.shape).astype(np.float32)
    s_saved = fa.softmax(logits)
    labels = rng.integers(0, 1000, 4096)
    b32, b64, bl = x32.nbytes, x64.nbytes, logits.nbytes
    return [
        ("gelu float64 (compute-bound)", lambda: fa.gelu(x64, out=o64), o64, 2 * b64),
        ("gelu float32", lambda: fa.gelu(x32, out=o32), o32, 2 * b32),
        ("gelu[tanh] float32", lambda: fa.gelu(x32, approximate="tanh", out=o32), o32, 2 * b32),
        ("sigmoid float32", lambda: fa.sigmoid(x32, out=o32), o32, 2 * b32),
        ("sigmoid_backward float32", lambda: fa.sigmoid_backward(dy32, x32, out=o32), o32, 3 * b32),
        ("tanh float32", lambda: fa.tanh(x32, out=o32), o32, 2 * b32),
        ("tanh float64", lambda: fa.tanh(x64, out=o64), o64, 2 * b64),
        ("silu float32", lambda: fa.silu(x32, out=o32), o32, 2 * b32),
        ("relu float32 (memory-bound)", lambda: fa.relu(x32, out=o32), o32, 2 * b32),
        ("relu float64 (memory-bound)", lambda: fa.relu(x64, out=o64), o64, 2 * b64),
        ("softmax (4096, 1000) float32", lambda: fa.softmax(logits, out=s_out), s_out, 2 * bl),
        ("log_softmax (4096, 1000) float32", lambda: fa.log_softmax(logits, out=s_out), s_out, 2 * bl),
        ("softmax_backward (4096, 1000) float32",
         lambda: fa.softmax_backward(g_s, s_saved, out=s_out), s_out, 3 * bl),
        ("softmax_cross_entropy_with_grad (4096, 1000)",
         lambda: fa.softmax_cross_entropy_with_grad(logits, labels)[1], None, 2 * bl),
    ]


def thread_counts(max_threads):
    counts = [1]
    while counts[-1] * 2 <= max_threads:
        counts.append(counts[-1] * 2)
    if counts[-1] != max_threads:
        counts.append(max_threads)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--size", type=int, default=1 << 24)
    ap.add_argument("--json", metavar="FILE", help="write every time as JSON")
    ap.add_argument("--filter", metavar="A,B", default="",
                    help="only kernels whose name contains one of these comma-separated substrings")
    ap.add_argument("--no-torch", action="store_true",
                    help="skip the PyTorch copy reference (its own OpenMP threads stay idle)")
    args = ap.parse_args(argv)
    global torch
    if args.no_torch:
        torch = None
    counts = thread_counts(args.max_threads)
    top = counts[-1]
    report = {"cpus": len(os.sched_getaffinity(0)), "size": args.size, "threads": counts,
              "kernels": {}, "small": {}}

    # Copy references over 2 * 16M float32 bytes, scaled per byte below.
    src = np.ones(args.size, np.float32)
    dst = np.empty_like(src)
    np_copy = median_time(lambda: np.copyto(dst, src))
    per_byte = {"np.copyto": np_copy / (2 * src.nbytes)}
    if torch is not None:
        ts, td = torch.from_numpy(src), torch.from_numpy(dst)
        tcopy = {}
        for n in counts:
            torch.set_num_threads(n)
            tcopy[n] = median_time(lambda: td.copy_(ts))
        per_byte["torch copy_"] = tcopy[top] / (2 * src.nbytes)
        report["torch_copy"] = tcopy
    report["np_copy"] = np_copy
    print(f"cpus {report['cpus']}, size {args.size}, threads {counts}")
    print(f"np.copyto float32 {args.size} (1 thread): {np_copy * 1e3:.2f} ms")
    if torch is not None:
        print("torch copy_ float32 " + ", ".join(f"{n}: {t * 1e3:.2f} ms" for n, t in tcopy.items()))
    ref = "torch copy_" if torch is not None else "np.copyto"
    print(f"{'kernel':46s} " + " ".join(f"{n:>9d}" for n in counts)
          + f"   speed-up  same bits  x {ref}@{top}")

    wanted = [w for w in args.filter.split(",") if w]
    for name, fn, out, nbytes in cases(args.size):
        if wanted and not any(w in name for w in wanted):
            continue
        times, results = [], []
        for n in counts:
            fa.set_num_threads(n)
            times.append(median_time(fn))
            r = fn()
            results.append(np.array(out if out is not None else r, copy=True))
        same = all(np.array_equal(results[0], r, equal_nan=True) for r in results[1:])
        vs_copy = times[-1] / (per_byte[ref] * nbytes)
        report["kernels"][name] = {"times": times, "same_bits": same, "vs_copy": vs_copy,
                                   "bytes": nbytes}
        print(f"{name:46s} " + " ".join(f"{t * 1e3:7.2f}ms" for t in times)
              + f"   {times[0] / times[-1]:6.2f}x  {str(same):9s}  {vs_copy:6.2f}x")

    # Small inputs must not pay for threads: the same call at 1 and `top` threads.
    print(f"\nsmall calls (per call, threads 1 vs {top}; np.tanh for scale)")
    for n in (16, 32767, 32768, 65536):
        x = np.linspace(-3, 3, n, dtype=np.float32)
        o = np.empty_like(x)
        row = {}
        for k in (1, top):
            fa.set_num_threads(k)
            row[k] = small_time(lambda: fa.tanh(x, out=o), number=2000 if n == 16 else 50)
        t_np = small_time(lambda: np.tanh(x, out=o), number=2000 if n == 16 else 50)
        report["small"][n] = {"fastact": row, "np.tanh": t_np}
        print(f"  tanh float32 n={n:6d}: 1 thread {row[1] * 1e6:8.2f} us, {top} threads "
              f"{row[top] * 1e6:8.2f} us, np.tanh {t_np * 1e6:8.2f} us")
    fa.set_num_threads(top)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
