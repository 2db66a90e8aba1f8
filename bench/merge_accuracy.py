"""Merge the JSON files of a float32 sweep split with `python -m fastact accuracy --chunks A:B`.

    python bench/merge_accuracy.py part-*.json [--limit 4]

Prints one row per case (function, direction, params, dtype) with the largest
error over all parts and where it occurs, and exits 1 if any exceeds --limit.
Used to run the full 2^32 sweep in parallel processes on a many-core machine.
"""
import argparse
import json
import sys


def merge(paths):
    rows = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for case in data["cases"]:
            key = (case["function"], case["direction"], json.dumps(case["params"], sort_keys=True),
                   case["dtype"])
            row = rows.setdefault(key, {"max_ulp": 0.0, "at": None, "count": 0, "peers": {}})
            stat = case["fastact"]
            row["count"] += stat["count"]
            if stat["max_ulp"] > row["max_ulp"] or row["at"] is None:
                row["max_ulp"], row["at"] = stat["max_ulp"], stat["at"]
            for peer in ("torch", "scipy"):
                if peer in case:
                    best = row["peers"].get(peer, 0.0)
                    row["peers"][peer] = max(best, case[peer]["max_ulp"])
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--limit", type=float, default=4.0)
    args = ap.parse_args(argv)
    rows = merge(args.paths)
    print("| function | direction | params | dtype | max ulp | at | inputs |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for (fn, direction, params, dtype), r in sorted(rows.items()):
        p = ", ".join(f"{k}={v}" for k, v in json.loads(params).items()) or "-"
        print(f"| {fn} | {direction} | {p} | {dtype} | {r['max_ulp']:.3f} | {r['at']} | {r['count']} |")
        worst = max(worst, r["max_ulp"])
    print(f"\nworst {worst:.3f} ulp over {len(rows)} cases (limit {args.limit})")
    return 1 if worst > args.limit else 0


if __name__ == "__main__":
    sys.exit(main())
