"""Render `python -m fastact bench --json FILE` output as the README's markdown table.

    python bench/bench_table.py bench.json [--min-size N] [--only NAME,NAME]
"""
import argparse
import json


def _fmt_time(t):
    return f"{t * 1e3:.2f} ms" if t >= 1e-3 else f"{t * 1e6:.2f} us"


def _fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--min-size", type=int, default=0, help="skip elementwise rows smaller than this")
    ap.add_argument("--only", default="", help="comma-separated function names (default: all)")
    args = ap.parse_args(argv)
    with open(args.json) as fh:
        data = json.load(fh)
    only = {s for s in args.only.split(",") if s}
    print("| function | dtype | shape | fastact | limit | fastact/limit | NumPy/fastact "
          "| PyTorch/fastact | SciPy/fastact |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in data.get("large", []) + data.get("small", []):
        if only and row["function"].split("[")[0] not in only:
            continue
        shape = row["shape"]
        if row.get("group") == "elementwise" and len(shape) == 1 and shape[0] < args.min_size:
            continue
        t = row["times"]
        print(f"| {row['function']} | {row['dtype']} | {'x'.join(map(str, shape))} "
              f"| {_fmt_time(t['fastact'])} | {_fmt_time(t['limit'])} | {_fmt_ratio(row['fastact/limit'])} "
              f"| {_fmt_ratio(row.get('numpy/fastact'))} | {_fmt_ratio(row.get('torch/fastact'))} "
              f"| {_fmt_ratio(row.get('scipy/fastact'))} |")


if __name__ == "__main__":
    main()
