"""A/B of an on/off environment switch on large inputs, every activation both ways.

    python bench/ab_env.py FASTACT_PREFETCH [--size 16777216] [--threads 2]
                           [--rounds 3] [--filter A,B] [--json FILE]

Each round runs two child processes, one with VAR=0 and one with VAR=1, in
alternating order; each child times every activation forward and backward, both
dtypes, with `out=` given (best of 5 batches of 2 calls).  Prints, per function,
the range of the times over the rounds with the switch off and on, and the ratio
of the best times (off/on > 1: the switch makes it faster).  Alternating whole
processes keeps one side from getting the machine's good minutes only.

This is how the activation module's STREAMED and PREFETCHED tables were chosen
(FASTACT_STREAM, FASTACT_PREFETCH): results are the same bits either way.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile



def child(size, threads, only):
    import fastact as fa
    from survey import activation_timings, best_seconds   # bench/survey.py, next to this
    fa.set_num_threads(threads)
    return activation_timings(fa, size, 3,
                              lambda call: best_seconds(call, calls=2, repeats=5, warmup=1) * 1e3,
                              only)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("var", help="environment variable taking 0 or 1, e.g. FASTACT_PREFETCH")
    ap.add_argument("--size", type=int, default=1 << 24)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--filter", default="", help="comma-separated substrings of the names")
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    only = [s for s in a.filter.split(",") if s]
    if a.child:
        with open(a.child, "w") as f:
            json.dump(child(a.size, a.threads, only), f)
        return 0
    runs = {"0": [], "1": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            for side in ("0", "1") if r % 2 == 0 else ("1", "0"):
                path = os.path.join(tmp, f"{r}_{side}.json")
                env = dict(os.environ, **{a.var: side})
                cmd = [sys.executable, os.path.abspath(__file__), a.var, "--size", str(a.size),
                       "--threads", str(a.threads), "--filter", a.filter, "--child", path]
                subprocess.run(cmd, env=env, check=True)
                with open(path) as f:
                    runs[side].append(json.load(f))
    print(f"{a.var}: 0 against 1, {a.size} elements, {a.threads} threads, {a.rounds} rounds "
          "(ms, min-max over the rounds)")
    print(f"{'function':44s} {a.var}=0          {a.var}=1          0/1")
    for key in runs["0"][0]:
        off = [d[key] for d in runs["0"]]
        on = [d[key] for d in runs["1"]]
        print(f"{key:44s} {min(off):7.2f}-{max(off):7.2f}  {min(on):7.2f}-{max(on):7.2f}  "
              f"{min(off) / min(on):5.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"var": a.var, "size": a.size, "threads": a.threads, "runs": runs}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
