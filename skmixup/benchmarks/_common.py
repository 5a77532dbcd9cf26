"""Command-line helpers shared by the benchmarks."""

import argparse
import json
import os
import platform
import sys
import tempfile

__all__ = [
    "csv_list",
    "inner_search",
    "load_average",
    "outer_folds",
    "output_dir_error",
    "positive_int",
    "run_costliest_first",
    "write_run",
]


def load_average():
    """The 1, 5 and 15 minute load averages as text (timings are read next to it)."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "n/a"


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {text!r}")
    return value


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


def output_dir_error(path):
    """Create ``path`` and check a file can be written there; the error text, or None."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return (
            f"error: --output {path!r} is not a writable folder ({exc.strerror or exc}); "
            "pass --output with a folder you can write to."
        )
    return None


def inner_search(estimator, grid, X, y, *, n_splits, seed, scoring, stratified=True):
    """Best parameters of ``estimator`` over ``grid`` by inner cross-validation
    on a training fold (``GridSearchCV``, shuffled folds seeded by ``seed``).

    The grid runs in order: joblib's Dask backend ignores ``n_jobs=1`` and
    would send the inner fits back to the cluster from inside a benchmark
    task (seceding its thread); the unit of parallel work is the task.
    """
    from joblib import parallel_config
    from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

    splitter = StratifiedKFold if stratified else KFold
    search = GridSearchCV(
        estimator,
        grid,
        cv=splitter(n_splits, shuffle=True, random_state=seed),
        scoring=scoring,
        n_jobs=1,
        error_score="raise",
    )
    with parallel_config(backend="sequential"):
        search.fit(X, y)
    return search.best_params_


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
        "command": f"python -m skmixup.benchmarks {benchmark} "
        + " ".join(sys.argv[2:]),
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
