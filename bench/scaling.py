"""Thread scaling of fastact kernels: time per call at 1, 2, 4, ... threads.

    python bench/scaling.py [--max-threads N] [--size 16777216]

Prints, per kernel, the median time at each thread count, the speed-up over one
thread, and the bitwise equality of every result with the one-thread result
(SPEC: results are identical for any thread count).  The copy row (np.copyto
of the same bytes, single-threaded NumPy) is the memory-bandwidth reference.
"""
import argparse
import os
import time

import numpy as np

import fastact as fa


def median_time(fn, repeats=7):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def cases(n):
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal(n) * 3
    x32 = x64.astype(np.float32)
    o64, o32 = np.empty_like(x64), np.empty_like(x32)
    logits = rng.standard_normal((4096, 1000)).astype(np.float32)
    s_out = np.empty_like(logits)
    labels = rng.integers(0, 1000, 4096)
    return [
        ("gelu float64 (compute-bound)", lambda: fa.gelu(x64, out=o64), o64),
        ("gelu[tanh] float32", lambda: fa.gelu(x32, approximate="tanh", out=o32), o32),
        ("sigmoid float32", lambda: fa.sigmoid(x32, out=o32), o32),
        ("tanh float64", lambda: fa.tanh(x64, out=o64), o64),
        ("relu float32 (memory-bound)", lambda: fa.relu(x32, out=o32), o32),
        ("softmax (4096, 1000) float32", lambda: fa.softmax(logits, out=s_out), s_out),
        ("softmax_cross_entropy_with_grad (4096, 1000)",
         lambda: fa.softmax_cross_entropy_with_grad(logits, labels)[1], None),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--size", type=int, default=1 << 24)
    args = ap.parse_args(argv)
    counts = [1]
    while counts[-1] * 2 <= args.max_threads:
        counts.append(counts[-1] * 2)
    if counts[-1] != args.max_threads:
        counts.append(args.max_threads)
    x32 = np.ones(args.size, np.float32)
    o32 = np.empty_like(x32)
    copy = median_time(lambda: np.copyto(o32, x32))
    print(f"cpus {len(os.sched_getaffinity(0))}, size {args.size}, threads {counts}")
    print(f"np.copyto float32 {args.size}: {copy * 1e3:.2f} ms")
    print(f"{'kernel':46s} " + " ".join(f"{n:>9d}" for n in counts) + "   speed-up  same bits")
    fa.set_num_threads(1)
    for name, fn, out in cases(args.size):
        times, results = [], []
        for n in counts:
            fa.set_num_threads(n)
            times.append(median_time(fn))
            r = fn()
            results.append(np.array(out if out is not None else r, copy=True))
        same = all(np.array_equal(results[0], r, equal_nan=True) for r in results[1:])
        print(f"{name:46s} " + " ".join(f"{t * 1e3:7.2f}ms" for t in times)
              + f"   {times[0] / times[-1]:6.2f}x  {same}")


if __name__ == "__main__":
    main()
