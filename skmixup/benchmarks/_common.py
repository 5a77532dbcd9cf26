"""Command-line helpers shared by the benchmarks."""

import argparse
import os
import tempfile

__all__ = [
    "csv_list",
    "inner_search",
    "load_average",
    "output_dir_error",
    "positive_int",
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
