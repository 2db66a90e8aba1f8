"""`python -m fastact` (and the `fastact` console script): the command line.

Subcommands, each in its own module under fastact/cli/:
  check     every derivative against central finite differences (exit 1 on failure)
  bench     timings against careful NumPy, the copy limit and installed peers
  demo      train the source material's small sigmoid network by gradient descent
  accuracy  maximum ulp error of every elementwise function (fastact.cli.accuracy)

Each module provides add_arguments(parser) and run(args) -> exit status; the
accuracy module, written separately, is imported only when asked for.
"""
import argparse
import importlib
import sys

from fastact._version import __version__

COMMANDS = {
    "check": "check every derivative against central finite differences",
    "bench": "time fastact against careful NumPy, the copy limit and installed peers",
    "demo": "train the small sigmoid network of the source material by gradient descent",
    "accuracy": "measure the maximum ulp error of every elementwise function",
}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m fastact",
                                     description="fastact command line")
    parser.add_argument("--version", action="version", version=f"fastact {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "accuracy":
            # options belong to fastact.cli.accuracy, which parses them itself
            p.add_argument("args", nargs=argparse.REMAINDER, help="options of the accuracy command")
        else:
            importlib.import_module(f"fastact.cli.{name}").add_arguments(p)
    return parser


def run_accuracy(argv):
    try:
        accuracy = importlib.import_module("fastact.cli.accuracy")
    except ModuleNotFoundError as exc:
        if exc.name != "fastact.cli.accuracy":
            raise
        print("fastact accuracy: the accuracy command (fastact/cli/accuracy.py) is not "
              "part of this build", file=sys.stderr)
        return 2
    return accuracy.main(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["accuracy"]:   # pass everything after the command through untouched
        return run_accuracy(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return importlib.import_module(f"fastact.cli.{args.command}").run(args)


if __name__ == "__main__":
    sys.exit(main())
