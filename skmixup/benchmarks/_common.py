"""Command-line helpers shared by the benchmarks.

The options that several benchmarks share (seed, parallel tasks, folds, the
tuned grids) are declared and checked once here (:func:`add_cv_arguments`,
:func:`check_folds`), so that every command refuses a bad value before any
work starts, with one ``error:`` line and exit status 2.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import sys
import tempfile

import numpy as np

#: Largest --seed: seeds are offset by a dataset's index and handed to
#: numpy's RandomState, which takes values below 2**32.
MAX_SEED = 2**31 - 1


def load_average():
    """The 1, 5 and 15 minute load averages as text (timings are read next to it)."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "n/a"


def checked(cast, accept, expected, name):
    """argparse type: ``cast(text)`` where ``accept(value)`` holds, else the
    error ``expected ...; got ...`` (``name``: the type's name in argparse's
    messages)."""

    def parse(text):
        try:
            value = cast(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        return value

    parse.__name__ = name
    return parse


def int_at_least(low, why=""):
    """argparse type: an integer >= ``low`` (``why`` explains the bound)."""
    return checked(
        int, lambda v: v >= low, f"an integer >= {low}{why}", f"int >= {low}"
    )


#: argparse type: an integer >= 1.
positive_int = int_at_least(1)
#: argparse type: a finite number >= 0.
nonnegative_float = checked(
    float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0", "float"
)
#: argparse type: a seed, an integer in [0, MAX_SEED].
seed_int = checked(
    int, lambda v: 0 <= v <= MAX_SEED, f"an integer in [0, {MAX_SEED}]", "seed"
)
#: argparse type: a number of folds.
n_splits = int_at_least(2, " (a K-fold needs two folds)")
#: argparse type of --n-jobs: an integer >= 1, or -1 for one per core.
n_jobs_int = checked(
    int,
    lambda v: v >= 1 or v == -1,
    "a number of parallel tasks >= 1, or -1 for one per core",
    "n_jobs",
)


def resolve_n_jobs(n_jobs, default=None):
    """The number of parallel tasks: ``n_jobs`` from ``--n-jobs`` (-1: one per
    core), or ``default`` (one per core if None) when it was not given."""
    if n_jobs is None:
        n_jobs = default
    if n_jobs is None or n_jobs == -1:
        return os.cpu_count() or 1
    return n_jobs


def number_list(cast, low, why=""):
    """argparse type: a non-empty comma-separated list of finite numbers
    (``cast``: int or float), each >= ``low``."""

    def parse(text):
        items = csv_list(text, cast)
        bad = [v for v in items if not (math.isfinite(v) and v >= low)]
        if bad:
            raise argparse.ArgumentTypeError(
                f"expected {cast.__name__} values >= {low}{why}; got {text!r}"
            )
        return items

    parse.__name__ = f"list of {cast.__name__}"
    return parse


def add_device_argument(parser, *, default, help, choices=None):
    """The benchmarks' one ``--device`` option: the torch device the networks
    or tensors run on (``choices``, when given, narrows the accepted names)."""
    parser.add_argument("--device", choices=choices, default=default, help=help)


def add_timing_arguments(parser, *, repeats, threads, clock_default="auto"):
    """The options of a timing benchmark: ``--repeats`` (``repeats``: its
    default and help), ``--threads`` (likewise) and ``--clock``."""
    for option, (default, text) in (("--repeats", repeats), ("--threads", threads)):
        parser.add_argument(
            option, type=positive_int, default=default, metavar="N", help=text
        )
    parser.add_argument(
        "--clock",
        choices=("auto", "wall", "process"),
        default=clock_default,
        help="'process': CPU time of this process (all its threads), robust to "
        "other programs on the cores, CPU only; 'wall': elapsed time; 'auto': "
        "process on the CPU, wall on a GPU (default: %(default)s)",
    )


def resolve_device(name, clock="wall"):
    """The torch device of ``--device`` (None or 'auto': cuda when torch sees
    one, else cpu) and the clock of ``--clock`` ('auto': wall on a GPU,
    process on the CPU), as ``(device, clock)``; a ValueError names the
    option to change."""
    import torch

    if name in (None, "auto"):
        name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise ValueError(f"--device must be cpu, cuda, cuda:N or auto; got {name!r}.")
    on_gpu = device.type == "cuda"
    if on_gpu and not torch.cuda.is_available():
        raise ValueError("--device cuda, but torch sees no CUDA device; use cpu.")
    if clock == "auto":
        clock = "wall" if on_gpu else "process"
    if clock == "process" and on_gpu:
        raise ValueError("--clock process measures CPU time only; use --clock wall.")
    return str(device), clock


def clock_and_sync(device, clock):
    """The timer of ``clock`` ('wall' or 'process') and a function that waits
    for ``device``'s queued work (a no-op on the CPU)."""
    import time

    import torch

    now = {"wall": time.perf_counter, "process": time.process_time}[clock]
    if torch.device(device).type == "cuda":
        return now, lambda: torch.cuda.synchronize(device)
    return now, lambda: None


@contextlib.contextmanager
def limited_threads(n):
    """torch and BLAS (threadpoolctl) limited to ``n`` threads in the block
    (None: left as they are); yields torch's count before, restored after."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield before
    finally:
        torch.set_num_threads(before)


def write_tables(output, csv_name, rows, markdown):
    """Write ``rows`` (dicts or a DataFrame) to ``output/csv_name`` and
    ``markdown`` to ``output/results.md``; the CSV's path."""
    import pandas as pd

    os.makedirs(output, exist_ok=True)
    path = os.path.join(output, csv_name)
    pd.DataFrame(rows).to_csv(path, index=False)
    with open(os.path.join(output, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(markdown + "\n")
    return path


def interleaved_times(fits, repeats, now, sync=lambda: None, warmed=lambda: None):
    """Seconds of every fit of ``fits`` (name -> callable), ``repeats`` times
    each after one untimed warm-up call (then ``warmed()``), the order rotated
    every repeat so that slow drifts of a shared machine hit them alike;
    name -> list."""
    names = list(fits)

    def timed(name):
        sync()
        t0 = now()
        fits[name]()
        sync()
        return now() - t0

    for name in names:  # warm-up: allocator, caches, compiled kernels
        timed(name)
    warmed()
    times = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(name))
    return times


def add_cv_arguments(
    parser,
    *,
    n_jobs_help="parallel tasks (default or -1: one per core); each task uses 1 "
    "torch thread",
    ks_help="k values tuned for k-mixup (each >= 2)",
    inner=True,
    training=True,
):
    """The options of a cross-validated benchmark, each checked as it is parsed.

    ``--seed``, ``--n-jobs``, ``--outer-splits``, ``--outer-repeats``,
    ``--max-train``; with ``inner``, ``--inner-splits`` and ``--ks`` (the
    tuned k of k-mixup); with ``training``, ``--steps``, ``--batch-size`` and
    ``--alphas``.
    Checks that need the data (enough samples of every class for the folds)
    are :func:`check_folds`, run when the data is loaded, before any fit.
    """
    parser.add_argument(
        "--seed", type=seed_int, default=0, help="master seed (default 0)"
    )
    parser.add_argument("--n-jobs", type=n_jobs_int, default=None, help=n_jobs_help)
    parser.add_argument("--outer-splits", type=n_splits)
    parser.add_argument("--outer-repeats", type=positive_int)
    if inner:
        parser.add_argument("--inner-splits", type=n_splits)
    if training:
        parser.add_argument("--steps", type=positive_int, help="gradient steps per fit")
        parser.add_argument("--batch-size", type=positive_int)
        parser.add_argument(
            "--alphas", type=number_list(float, 0, " (Beta(alpha, alpha))")
        )
    parser.add_argument(
        "--max-train",
        type=positive_int,
        help="subsample training folds larger than this (stratified for "
        "classification)",
    )
    if inner:
        parser.add_argument(
            "--ks",
            type=number_list(int, 2, " (k=1 is the mixup baseline)"),
            help=ks_help,
        )


def check_folds(name, y, *, outer_splits, inner_splits=None, max_train=None,
                stratified=True):  # fmt: skip
    """Check that the folds of a run can be drawn from the targets ``y``.

    Raises a one-line ValueError that names the dataset and the options to
    change; returns the fewest samples of the smallest class (all samples
    without ``stratified``) that an outer training fold can hold, after
    the ``max_train`` subsample.
    """
    y = np.asarray(y)
    if stratified:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        what = "its smallest class has"
    else:
        smallest, what = len(y), "it has"
    if outer_splits > smallest:
        raise ValueError(
            f"{name!r}: {what} {smallest} samples, fewer than --outer-splits "
            f"{outer_splits}; every outer test fold needs one of "
            f"{'each class' if stratified else 'them'}. Lower --outer-splits or "
            "leave this dataset out."
        )
    # A (stratified) test fold takes at most ceil(count / splits) of a class;
    # a stratified subsample keeps at least the floor of the class's share.
    fewest = smallest - math.ceil(smallest / outer_splits)
    largest_train = len(y) - len(y) // outer_splits
    if max_train is not None and largest_train > max_train:
        fewest = fewest * max_train // largest_train
    if inner_splits is not None and inner_splits > fewest:
        raise ValueError(
            f"{name!r}: an outer training fold can hold as few as {fewest} samples"
            f"{' of its smallest class' if stratified else ''}, fewer than "
            f"--inner-splits {inner_splits}. Lower --inner-splits or "
            "--outer-splits"
            + (", raise --max-train" if max_train is not None else "")
            + ", or leave this dataset out."
        )
    return fewest


def csv_list(text, cast=str):
    """argparse type: a non-empty comma-separated list, each item cast."""
    try:
        items = [cast(t.strip()) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {cast.__name__}; got {text!r}"
        ) from exc
    if not items:
        raise argparse.ArgumentTypeError("expected a non-empty comma-separated list")
    return tuple(items)


def choice_list(choices):
    """argparse type: a comma-separated list of some of ``choices``."""
    expected = f"a comma-separated list of {', '.join(choices)}"
    return checked(csv_list, lambda v: set(v) <= set(choices), expected, "list")


def markdown_table(header, rows):
    """The lines of a markdown table: ``header`` and each of ``rows`` are its
    cells joined by ``" | "``."""
    rule = "|" + "---|" * (header.count(" | ") + 1)
    return [f"| {header} |", rule, *(f"| {row} |" for row in rows)]


def writable_output(path):
    """Create the folder ``path``; False, after one ``error:`` line on stderr,
    when no file can be written there."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        print(
            f"error: --output {path!r} is not a writable folder ({exc.strerror or exc}); "
            "pass --output with a folder you can write to.",
            file=sys.stderr,
        )
        return False
    return True


def outer_folds(config, data, *, stratified=True, seed_per_dataset=True):
    """The outer cross-validation splits of every dataset of a run, in order.

    Repeated K-fold (stratified on ``y`` for classification) with
    ``config.outer_splits`` folds and ``config.outer_repeats`` repeats,
    seeded by ``config.seed`` plus the dataset's index (or ``config.seed``
    alone), so that every method of a dataset is scored on the same folds.

    Parameters
    ----------
    config : object
        With ``datasets``, ``outer_splits``, ``outer_repeats`` and ``seed``.
    data : dict
        ``name -> (X, y, ...)``; ``X`` may have any trailing shape (images).
    stratified : bool, default=True
        Stratify on ``y`` (classification) or not (regression).
    seed_per_dataset : bool, default=True
        Add the dataset's index to the seed.

    Yields
    ------
    dataset_index, name, repeat, fold, train, test
    """
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold if stratified else RepeatedKFold
    for dataset_index, name in enumerate(config.datasets):
        X, y = data[name][:2]
        outer = splitter(
            n_splits=config.outer_splits,
            n_repeats=config.outer_repeats,
            random_state=config.seed + (dataset_index if seed_per_dataset else 0),
        )
        for split_index, (train, test) in enumerate(
            outer.split(X.reshape(len(X), -1), y)
        ):
            repeat, fold = divmod(split_index, config.outer_splits)
            yield dataset_index, name, repeat, fold, train, test


def command_line(benchmark):
    """The command line of this run of ``benchmark``, as typed (its options
    left out when the process was not started by that command)."""
    argv = sys.argv[2:] if sys.argv[1:2] == [benchmark] else []
    return " ".join(["python -m skmixup.benchmarks", benchmark, *argv])


def write_run(output, benchmark, *, config, report, wall, n_jobs, **extra):
    """Write ``run.json`` and ``results.md`` to ``output``.

    ``run.json`` records the configuration, the wall time, the parallelism,
    the machine's load at the end (``extra`` may add the load at the start
    and anything else the benchmark reports), the versions and the command
    line; ``results.md`` is ``report``.
    """
    import torch

    meta = {
        "config": config,
        "wall_seconds": wall,
        "n_jobs": n_jobs,
        **extra,
        "load_average_end": load_average(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
        "command": command_line(benchmark),
    }
    with open(os.path.join(output, "run.json"), "w") as fh:
        json.dump(meta, fh, indent=2, default=str)
    with open(os.path.join(output, "results.md"), "w") as fh:
        fh.write(report + "\n")


def run_costliest_first(function, tasks, costs, n_jobs, *, on_done, dask=None):
    """``function(*task)`` for every task, in parallel, the costliest first.

    Starting the longest tasks first (a stable sort: ties keep their order)
    keeps parallel workers from ending on one long task while the others
    idle. The results come back in the order of ``tasks``, whatever the
    order they finished in, so that a parallel or distributed run writes
    exactly what a serial one writes.

    Parameters
    ----------
    function : callable
        Run as ``function(*task)`` by joblib.
    tasks : sequence of tuple
        The arguments of every call.
    costs : sequence of float
        The relative cost of every task.
    n_jobs : int
        Parallel workers (ignored with ``dask``).
    on_done : callable
        Called as ``on_done(n_done, result)`` as each result arrives.
    dask : str or None, default=None
        The address of a Dask scheduler to run the tasks on instead.

    Returns
    -------
    results : list
        ``function(*task)`` for every task, in the order of ``tasks``.
    """
    from joblib import Parallel, delayed

    order = sorted(range(len(tasks)), key=lambda i: -costs[i])
    calls = (delayed(function)(*tasks[i]) for i in order)
    results = [None] * len(tasks)

    def collect(generator):
        done = 0
        for done, (i, result) in enumerate(zip(order, generator), 1):
            results[i] = result
            on_done(done, result)
        if done != len(tasks):
            raise RuntimeError(
                f"only {done} of {len(tasks)} tasks returned; no table written"
            )

    if dask is not None:
        from skmixup import dask_backend

        with dask_backend(dask):
            collect(Parallel(n_jobs=-1, return_as="generator")(calls))
    else:
        collect(Parallel(n_jobs=n_jobs, return_as="generator")(calls))
    return results
