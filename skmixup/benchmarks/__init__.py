"""Benchmarks of skmixup, run as ``python -m skmixup.benchmarks <name>``.

Each benchmark is a submodule exposing ``DESCRIPTION``, ``add_arguments(parser)``
and ``run(args) -> int``; :mod:`skmixup.benchmarks.__main__` builds one command
line over all of them.
"""

BENCHMARKS = {
    "uci": "skmixup.benchmarks.uci",
    "toy": "skmixup.benchmarks.toy",
    "matching": "skmixup.benchmarks.matching",
    "neural": "skmixup.benchmarks.neural",
    "imbalanced": "skmixup.benchmarks.imbalanced",
    "images": "skmixup.benchmarks.images",
    "categorical": "skmixup.benchmarks.categorical",
    "scale": "skmixup.benchmarks.scale",
}
