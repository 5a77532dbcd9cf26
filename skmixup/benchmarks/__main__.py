"""Command line: ``python -m skmixup.benchmarks BENCHMARK --help`` (see BENCHMARKS)."""

import argparse
import sys
from importlib import import_module

from . import BENCHMARKS


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skmixup.benchmarks",
        description="Benchmarks of skmixup (k-mixup for scikit-learn).",
    )
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, module_name in BENCHMARKS.items():
        module = import_module(module_name)
        p = sub.add_parser(
            name, help=module.DESCRIPTION, description=module.DESCRIPTION
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args._run(args)


if __name__ == "__main__":
    sys.exit(main())
