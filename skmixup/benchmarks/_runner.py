"""The experiment runner every nested-CV benchmark is defined on
(``uci``, ``images``, ``imbalanced``, ``categorical``): see :class:`Experiment`.
"""

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, fields, replace

import numpy as np

from ._common import (
    check_folds,
    choice_list,
    csv_list,
    load_average,
    outer_folds,
    resolve_n_jobs,
    run_costliest_first,
    writable_output,
    write_run,
)


def add_run_arguments(parser, *, datasets, quick, output, listing=None, names=None):
    """The options of every experiment that :func:`add_cv_arguments` leaves:
    ``--datasets`` (among ``names`` when given), ``--quick``, ``--output``, and
    ``--list`` (with its ``listing`` help)."""
    kind = csv_list if names is None else choice_list(names)
    parser.add_argument("--datasets", type=kind, default=None, help=datasets)
    if listing:
        parser.add_argument("--list", action="store_true", help=listing)
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument(
        "--output",
        default=None,
        help=f"folder for the CSV, PNG and markdown files (default: {output})",
    )


@dataclass(frozen=True)
class Config:
    """What defines a cross-validated run (written next to its results).

    Each benchmark subclasses it with its own fields; the defaults are the
    full run's.
    """

    datasets: tuple = ()
    outer_splits: int = 5
    outer_repeats: int = 2
    inner_splits: int = 3
    seed: int = 0
    max_train: int | None = None

    @classmethod
    def from_args(cls, args, preset=None, **values):
        """The defaults, then ``preset``, then every field the command line
        gives (an option of the field's name, not None), then ``values``."""
        given = {
            f.name: getattr(args, f.name)
            for f in fields(cls)
            if getattr(args, f.name, None) is not None
        }
        return cls(**{**(preset or {}), **given, **values})


def task_seed(seed, dataset_index, repeat, fold):
    """The seed of every method of one outer fold (paired comparisons)."""
    state = np.random.SeedSequence([seed, dataset_index, repeat, fold])
    return int(state.generate_state(1)[0] % (2**31 - 1))


def epochs_for(steps, n_train, batch_size):
    """Epochs of ``n_train`` rows closest to ``steps`` gradient steps (>= 1)."""
    return max(1, round(steps / max(1, math.ceil(n_train / batch_size))))


def grid_size(grid):
    """Points of a parameter grid (1 for an empty grid)."""
    return int(np.prod([len(v) for v in grid.values()])) if grid else 1


def subsample(train, y, config, seed, stratified=True):
    """The training rows, subsampled to ``config.max_train`` when larger
    (stratified on ``y`` unless ``stratified=False``)."""
    from sklearn.model_selection import train_test_split

    max_train = getattr(config, "max_train", None)
    if max_train is None or len(train) <= max_train:
        return train
    stratify = y[train] if stratified else None
    return train_test_split(
        train, train_size=max_train, stratify=stratify, random_state=seed
    )[0]


def tune_and_fit(
    make_model,
    grid,
    X,
    y,
    train,
    *,
    config,
    seed,
    scoring,
    stratified=True,
    default=None,
):
    """Tune ``grid`` by inner CV on the training rows, refit on all of them.

    ``make_model(n_train)`` builds the model for ``n_train`` training rows (a
    net's epochs follow its size). Without a grid to search, ``default`` (or
    the grid's first point) is used.

    Returns
    -------
    model, best
        The fitted model and its tuned parameters.
    """
    from joblib import parallel_config
    from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

    best = default or {p: v[0] for p, v in grid.items()}
    if grid_size(grid) > 1:
        n_inner = int(len(train) * (config.inner_splits - 1) / config.inner_splits)
        splitter = StratifiedKFold if stratified else KFold
        search = GridSearchCV(
            make_model(n_inner),
            grid,
            cv=splitter(config.inner_splits, shuffle=True, random_state=seed),
            scoring=scoring,
            n_jobs=1,
            error_score="raise",
        )
        # In order: joblib's Dask backend ignores n_jobs=1 and would send the
        # inner fits back to the cluster from inside a task (seceding its
        # thread); the unit of parallel work is the task.
        with parallel_config(backend="sequential"):
            best = search.fit(X[train], y[train]).best_params_
    # Refit on the whole training fold with the same budget.
    model = make_model(len(train))
    model.set_params(**best)
    model.fit(X[train], y[train])
    return model, best


def fold_row(name, repeat, fold, train, test, **what):
    """The first columns of a row of ``folds.csv``: the dataset, what ran on
    it, the outer fold and its sizes."""
    return {
        "dataset": name,
        **what,
        "repeat": repeat,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
    }


def classification_scores(model, X, y):
    """Accuracy, log-loss and top-label ECE of a fitted classifier."""
    from sklearn.metrics import accuracy_score, log_loss

    from ._stats import expected_calibration_error

    proba = model.predict_proba(X)
    classes = model.classes_
    return {
        "accuracy": accuracy_score(y, classes[proba.argmax(axis=1)]),
        "log_loss": log_loss(y, proba, labels=classes),
        "ece": expected_calibration_error(y, proba, classes),
    }


def load_named(names, convert):
    """``{display name: convert(given, bunch)}`` for every dataset or CSV path.

    The display name is the bundled name, or a CSV file's stem (never its
    path), made unique with a numeric suffix when two files share a stem.
    """
    from skmixup.datasets import load_dataset

    data = {}
    for given in names:
        bunch = load_dataset(given)
        name, n = bunch.name, 2
        while name in data:
            name, n = f"{bunch.name}_{n}", n + 1
        data[name] = convert(given, bunch)
    return data


def fits(grid, inner_splits):
    """Model fits of one task: the inner grid search (if any) and the refit."""
    n_grid = grid_size(grid)
    return 1 + (n_grid * inner_splits if n_grid > 1 else 0)


def dask_address(text):
    """argparse type of ``--dask``: a scheduler address, or ``local:N`` with
    N >= 1 workers (Dask itself is required, and named, when the run starts)."""
    name, _, count = text.partition(":")
    if name == "local" and not (count.isdigit() and int(count) >= 1):
        raise argparse.ArgumentTypeError(
            f"dask address {text!r} is not valid: use 'local:N' with N >= 1 "
            "workers, or a scheduler address such as 'tcp://127.0.0.1:8786'."
        )
    return text


def pyplot():
    """matplotlib's pyplot, drawing to files only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path):
    """Lay out, write and close a matplotlib figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


class Experiment:
    """A nested-CV benchmark: its definitions on one skeleton, :meth:`run`.

    Configuration and data errors exit 2 with one ``error:`` line before any
    work, the output folder is checked, the tasks run the costliest first
    (joblib, or Dask with ``--dask``) and come back in task order, and the run
    is written (``folds.csv``, the benchmark's tables, ``results.md``,
    ``run.json``). A subclass names the command (``name``), its banner's
    ``title`` and its task, a picklable function of ``(config, dataset_index,
    name, *data[name], repeat, fold, train, test, *what)`` returning one row of
    ``folds.csv``, as class keywords::

        class UCI(Experiment, name="uci", title="UCI benchmark", task=run_task):

    and defines :meth:`configure`, :meth:`load`, :meth:`variants` (the
    ``what`` of every outer split), :meth:`cost` and :meth:`summarise`
    (:meth:`describe`, :meth:`progress`, :meth:`plot` and :meth:`run_info` as
    needed).
    """

    #: print every this many finished tasks
    progress_every = 1
    #: whether tasks tune by inner cross-validation (checked against the data)
    inner = True
    #: whether the outer folds' seed adds the dataset's index (:func:`outer_folds`)
    seed_per_dataset = True

    def __init_subclass__(cls, *, name, title, task, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.name, cls.title, cls.run_task = name, title, staticmethod(task)

    def run(self, args):
        """Run the benchmark from parsed arguments; the process exit code."""
        if getattr(args, "list", False):
            from skmixup.datasets import list_datasets

            print("\n".join(list_datasets(self.list_kind(args))))
            return 0
        try:
            config = self.configure(args)
            # a dataset named twice runs once
            config = replace(config, datasets=tuple(dict.fromkeys(config.datasets)))
            data = self.load(config)
            # every dataset's folds checked before any fit
            self.check(config, data)
        except (ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        # Tables and plots name datasets, never the paths they were read from.
        config = replace(config, datasets=tuple(data))
        output = args.output or self.default_output(args, config)
        if not writable_output(output):
            return 2
        return self.execute(args, config, data, output)

    def execute(self, args, config, data, output):
        """Run the tasks and write the results; the exit code."""
        n_jobs = resolve_n_jobs(
            getattr(args, "n_jobs", None), self.default_jobs(config)
        )
        dask = getattr(args, "dask", None)
        tasks = list(self.tasks(config, data))
        print(
            f"{self.title}: {len(config.datasets)} datasets, "
            f"{config.outer_repeats}x{config.outer_splits} outer folds, "
            f"{self.describe(config)}; {len(tasks)} tasks on {n_jobs} workers"
            + (f" (dask: {dask})" if dask else "")
            + f"; load average {load_average()}",
            flush=True,
        )
        load_at_start = load_average()
        start = time.perf_counter()

        def on_done(done, res):
            if done % self.progress_every == 0 or done == len(tasks):
                print(
                    f"[{done:5d}/{len(tasks)}] {res['dataset']:>14} "
                    f"r{res['repeat']}f{res['fold']} {self.progress(res)}  "
                    f"({time.perf_counter() - start:6.0f}s elapsed)",
                    flush=True,
                )

        results = run_costliest_first(
            self.run_task,
            [(config, d, name, *data[name], *rest) for (d, name, *rest) in tasks],
            [self.cost(config, data, task) for task in tasks],
            n_jobs,
            on_done=on_done,
            dask=dask,
        )
        wall = time.perf_counter() - start
        report = self.write(results, config, data, output, wall=wall, n_jobs=n_jobs)
        write_run(
            output,
            self.name,
            config={**config.__dict__, **self.run_info(config, data)},
            report=report,
            wall=wall,
            n_jobs=n_jobs,
            # timings are read next to the machine's load (1, 5, 15 min averages)
            load_average_start=load_at_start,
            dask=dask,
        )
        print(f"\n{report}\n\nwall time {wall:.0f} s; results in {output}/")
        return 0

    def write(self, results, config, data, output, **run):
        """Write ``folds.csv``, the tables and the figures; the report."""
        import pandas as pd

        pd.DataFrame(results).to_csv(os.path.join(output, "folds.csv"), index=False)
        tables, report = self.summarise(results, config, data, **run)
        for name, table in tables.items():
            if isinstance(table, pd.DataFrame):
                table.to_csv(os.path.join(output, f"{name}.csv"), index=False)
        self.plot(tables, config, output)
        return report

    def tasks(self, config, data):
        """Every outer split of every dataset, once per item of :meth:`variants`."""
        stratified = self.stratified(config)
        for split in outer_folds(
            config, data, stratified=stratified, seed_per_dataset=self.seed_per_dataset
        ):
            for what in self.variants(config):
                yield (*split, *what)

    def default_output(self, args, config):
        return os.path.join("benchmark_results", self.name)

    def list_kind(self, args):
        """The kind of dataset ``--list`` names."""
        return None

    def default_jobs(self, config):
        """Parallel tasks without ``--n-jobs`` (None: one per core)."""
        return None

    def check(self, config, data):
        """Refuse (ValueError) folds that a dataset cannot give."""
        for name, (_, y, *_) in data.items():
            check_folds(
                name,
                y,
                outer_splits=config.outer_splits,
                inner_splits=config.inner_splits if self.inner else None,
                max_train=config.max_train,
                stratified=self.stratified(config),
            )

    def stratified(self, config):
        """Whether the folds are stratified on the target."""
        return True

    def run_info(self, config, data):
        """More for ``run.json``'s configuration."""
        return {}

    def plot(self, tables, config, output):
        """Draw the figures into ``output`` (none by default)."""

    def progress(self, res):
        """The scores of one finished task, for the progress line."""
        return ""

    def describe(self, config):
        """The rest of the banner's protocol (after datasets and folds)."""
        return ""
