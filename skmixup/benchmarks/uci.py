"""ERM vs mixup vs k-mixup on real tabular data, with nested cross-validation.

For every dataset and every outer fold (repeated K-fold, stratified for
classification), each method is tuned by an inner grid search on the
training part only and scored on the held-out part:

* ``erm``: the same model trained without mixing (``alpha=0``);
* ``mixup``: ``k=1``, ``alpha`` tuned;
* ``kmixup``: ``k`` and ``alpha`` tuned.

Classification (``--task classification``, the default) trains
:class:`~skmixup.KMixupClassifier` and scores accuracy, log-loss and top-label
expected calibration error (ECE). Regression (``--task regression``) runs the
three methods twice: with :class:`~skmixup.KMixupRegressor` (``erm``,
``mixup``, ``kmixup``) and with :class:`~skmixup.KMixupEstimator` around a
ridge regression (``ridge_erm``, ``ridge_mixup``, ``ridge_kmixup``; the ridge
penalty is tuned for all three), features and target standardised, and scores
RMSE and R².

All methods of a family share the model, the optimiser and the number of
gradient steps, and, within a fold, the same seed. Per dataset, k-mixup is
compared with each baseline by the Nadeau-Bengio corrected resampled t-test
(which accounts for the overlap of training sets between folds); across
datasets by the Wilcoxon signed-rank test, average ranks, the Friedman test
and the Nemenyi critical difference (Demsar, 2006).
"""

import math
import os
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from ._common import (
    add_cv_arguments,
    check_folds,
    csv_list,
    inner_search,
    load_average,
    outer_folds,
    output_dir_error,
    resolve_n_jobs,
    run_costliest_first,
    write_run,
)
from ._stats import format_p as _fmt_p
from ._stats import format_p_equals as _fmt_eq

DESCRIPTION = (
    "ERM vs mixup vs k-mixup on real tabular datasets (nested CV; accuracy, "
    "log-loss, calibration; --task regression: RMSE and R2 with the nets and "
    "with a ridge regression). The main job of skmixup."
)

TASKS = ("classification", "regression")
METHODS = ("erm", "mixup", "kmixup")
RIDGE_METHODS = ("ridge_erm", "ridge_mixup", "ridge_kmixup")
#: model family -> its methods, in the order ERM, mixup, k-mixup
FAMILIES = {
    "classification": {"net": METHODS},
    "regression": {"net": METHODS, "ridge": RIDGE_METHODS},
}
LABELS = {"erm": "ERM", "mixup": "mixup", "kmixup": "k-mixup"}
#: metric -> (column in folds.csv, higher is better, label)
METRICS = {
    "classification": {
        "accuracy": (True, "accuracy"),
        "log_loss": (False, "log-loss"),
        "ece": (False, "ECE"),
    },
    "regression": {"rmse": (False, "RMSE"), "r2": (True, "R²")},
}


def _variant(method):
    """'ridge_kmixup' -> 'kmixup'."""
    return method.rsplit("_", 1)[-1]


@dataclass(frozen=True)
class Config:
    """Everything that defines a run (written next to the results)."""

    datasets: tuple
    outer_splits: int
    outer_repeats: int
    inner_splits: int
    steps: int
    batch_size: int
    hidden_units: int
    n_layers: int
    lr: float
    alphas: tuple
    ks: tuple
    seed: int
    max_train: int | None
    task: str = "classification"
    ridge_alphas: tuple = (0.1, 1.0, 10.0)

    @property
    def methods(self):
        return tuple(m for family in FAMILIES[self.task].values() for m in family)


FULL = dict(
    outer_splits=5,
    outer_repeats=2,
    inner_splits=3,
    steps=600,
    batch_size=64,
    hidden_units=128,
    n_layers=2,
    lr=1e-3,
    alphas=(0.2, 1.0),
    ks=(4, 16),
    max_train=None,
)
QUICK = dict(
    FULL,
    outer_splits=3,
    outer_repeats=1,
    inner_splits=2,
    steps=300,
    alphas=(0.2, 1.0),
    ks=(16,),
    max_train=1000,
)
#: --all: every bundled classification dataset (digits, not its superset
#: optdigits), 3 x 5 outer folds, 2 inner folds, 500 steps per fit, training
#: folds above 2,000 rows subsampled: sized to finish within an hour on 2 cores.
ALL = dict(FULL, outer_repeats=3, inner_splits=2, steps=500, max_train=2000)
QUICK_DATASETS = ("iris", "wine", "breast_cancer", "sonar", "ionosphere", "pima")
#: --task regression: the --all protocol (3 x 5 outer folds, 2 inner folds,
#: 500 steps per fit) on every bundled regression dataset; the large ones
#: (diamonds, randhie) are subsampled to 2,000 training rows.
REGRESSION_FULL = dict(ALL)
REGRESSION_QUICK = dict(QUICK)


def all_classification_datasets():
    """Every bundled classification dataset, optdigits left out (digits is part
    of it), imbalanced variants and images excluded."""
    from skmixup.datasets import list_datasets

    return tuple(n for n in list_datasets("classification") if n != "optdigits")


def add_arguments(parser):
    parser.add_argument(
        "--task",
        choices=TASKS,
        default="classification",
        help="classification (KMixupClassifier; default) or regression "
        "(KMixupRegressor and KMixupEstimator(Ridge); default datasets: every "
        "bundled regression dataset, with the --all protocol)",
    )
    parser.add_argument(
        "--datasets",
        type=csv_list,
        default=None,
        help="comma-separated dataset names or CSV paths (default: the 12-dataset "
        "suite; with --quick: " + ",".join(QUICK_DATASETS) + "; with --task "
        "regression: every bundled regression dataset). List the names with --list.",
    )
    parser.add_argument("--list", action="store_true", help="list datasets and exit")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (3 outer folds, 2 inner folds, 300 steps, k in {16}); a few "
        "minutes on 2 cores",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="classification: every bundled classification dataset (optdigits "
        "left out for digits), 3x5 outer folds, 2 inner folds, 500 steps, "
        "training folds subsampled to 2000 rows",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="folder for CSV, PNG and markdown (default: benchmark_results/uci, "
        "or benchmark_results/regression with --task regression)",
    )
    add_cv_arguments(
        parser,
        n_jobs_help="parallel tasks (default or -1: one per core); each task uses "
        "1 torch thread",
        ks_help="k values tuned for k-mixup (each >= 2)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS|local:N",
        type=_dask_address,
        default=None,
        help="run the tasks on a Dask cluster: a scheduler address, or local:N for a "
        "local cluster of N workers on 127.0.0.1 (needs the 'dask' extra)",
    )


def _dask_address(text):
    """argparse type of --dask: checked (and Dask's presence) before any work."""
    import argparse

    from skmixup._dask import _parse_local, require_dask

    try:
        if text.startswith("local"):
            _parse_local(text)
        require_dask("--dask")
    except (ImportError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _make_config(args):
    from skmixup.datasets import DEFAULT_SUITE, list_datasets

    task = getattr(args, "task", "classification")
    use_all = getattr(args, "all", False)
    if use_all and args.quick:
        raise ValueError("--all and --quick exclude each other; pass one of them.")
    if use_all and task != "classification":
        raise ValueError(
            "--all selects the classification datasets; with --task regression "
            "every bundled regression dataset is the default already."
        )
    if task == "regression":
        base = REGRESSION_QUICK if args.quick else REGRESSION_FULL
    else:
        base = QUICK if args.quick else (ALL if use_all else FULL)
    values = dict(base)
    for name in (
        "outer_splits",
        "outer_repeats",
        "inner_splits",
        "steps",
        "batch_size",
        "alphas",
        "ks",
        "max_train",
    ):
        given = getattr(args, name)
        if given is not None:
            values[name] = given
    if args.datasets:
        datasets = args.datasets
    elif task == "regression":
        datasets = tuple(list_datasets("regression"))
    elif use_all:
        datasets = all_classification_datasets()
    else:
        datasets = QUICK_DATASETS if args.quick else DEFAULT_SUITE
    datasets = tuple(dict.fromkeys(datasets))  # drop repeats, keep order
    return Config(datasets=datasets, seed=args.seed, task=task, **values)


def _prefix(method, config):
    """Parameter prefix of the mixing estimator inside the pipeline."""
    if config.task == "classification":
        return "clf__"
    return "reg__regressor__"


def make_estimator(config, n_train, seed, method="erm", **params):
    """The pipeline of ``method``: scaling, then the model with the run's budget.

    Classification: StandardScaler + KMixupClassifier. Regression: StandardScaler
    + TransformedTargetRegressor (standardised target) around KMixupRegressor
    (net methods) or KMixupEstimator(Ridge) (``ridge_*`` methods).
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if method in RIDGE_METHODS:
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.linear_model import Ridge

        from skmixup import KMixupEstimator

        model = KMixupEstimator(Ridge(), random_state=seed, **params)
        reg = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
        return Pipeline([("scale", StandardScaler()), ("reg", reg)])

    steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
    epochs = max(1, round(config.steps / steps_per_epoch))
    net_params = dict(
        max_epochs=epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        module__hidden_units=config.hidden_units,
        module__n_layers=config.n_layers,
        random_state=seed,
        device="cpu",
        verbose=0,
        **params,
    )
    if config.task == "classification":
        from skmixup.neural import KMixupClassifier

        return Pipeline(
            [("scale", StandardScaler()), ("clf", KMixupClassifier(**net_params))]
        )
    from sklearn.compose import TransformedTargetRegressor

    from skmixup.neural import KMixupRegressor

    reg = TransformedTargetRegressor(
        regressor=KMixupRegressor(**net_params), transformer=StandardScaler()
    )
    return Pipeline([("scale", StandardScaler()), ("reg", reg)])


def method_grid(method, config):
    p = _prefix(method, config)
    variant = _variant(method)
    if variant == "erm":
        grid = {f"{p}alpha": [0.0], f"{p}k": [1]}
    elif variant == "mixup":
        grid = {f"{p}alpha": list(config.alphas), f"{p}k": [1]}
    else:
        grid = {f"{p}alpha": list(config.alphas), f"{p}k": list(config.ks)}
    if method in RIDGE_METHODS:
        grid[f"{p}estimator__alpha"] = list(config.ridge_alphas)
    return grid


def _task_seed(config, dataset_index, repeat, fold):
    return int(
        np.random.SeedSequence(
            [config.seed, dataset_index, repeat, fold]
        ).generate_state(1)[0]
        % (2**31 - 1)
    )


def _scores(config, model, X_test, y_test):
    if config.task == "regression":
        from sklearn.metrics import r2_score, root_mean_squared_error

        pred = np.asarray(model.predict(X_test), dtype=np.float64).ravel()
        return {
            "rmse": root_mean_squared_error(y_test, pred),
            "r2": r2_score(y_test, pred),
        }
    from sklearn.metrics import accuracy_score, log_loss

    from ._stats import expected_calibration_error

    # KMixupClassifier.predict_proba already returns renormalised float64 rows.
    proba = model.predict_proba(X_test)
    classes = model.classes_
    pred = classes[proba.argmax(axis=1)]
    return {
        "accuracy": accuracy_score(y_test, pred),
        "log_loss": log_loss(y_test, proba, labels=classes),
        "ece": expected_calibration_error(y_test, proba, classes),
    }


def run_task(config, dataset_index, name, X, y, repeat, fold, train, test, method):
    """Tune one method on one outer training fold, score it on the test fold."""
    import torch
    from sklearn.model_selection import train_test_split

    torch.set_num_threads(1)
    seed = _task_seed(config, dataset_index, repeat, fold)
    regression = config.task == "regression"
    if config.max_train is not None and len(train) > config.max_train:
        train, _ = train_test_split(
            train,
            train_size=config.max_train,
            stratify=None if regression else y[train],
            random_state=seed,
        )
    start = time.perf_counter()
    grid = method_grid(method, config)
    best = {p: v[0] for p, v in grid.items()}
    if any(len(v) > 1 for v in grid.values()):
        n_inner_train = int(
            len(train) * (config.inner_splits - 1) / config.inner_splits
        )
        best = inner_search(
            make_estimator(config, n_inner_train, seed, method),
            grid,
            X[train],
            y[train],
            n_splits=config.inner_splits,
            seed=seed,
            scoring="neg_root_mean_squared_error" if regression else "accuracy",
            stratified=not regression,
        )
    # Refit on the whole training fold with the same number of gradient steps.
    model = make_estimator(config, len(train), seed, method)
    model.set_params(**best)
    model.fit(X[train], y[train])
    p = _prefix(method, config)
    return {
        "dataset": name,
        "method": method,
        "repeat": repeat,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
        **_scores(config, model, X[test], y[test]),
        "best_alpha": best.get(f"{p}alpha"),
        "best_k": best.get(f"{p}k"),
        "best_ridge_alpha": best.get(f"{p}estimator__alpha"),
        "seconds": time.perf_counter() - start,
    }


def _load_all(config):
    """Load every dataset: ``{display name: (X, y)}`` in the config's order.

    The display name is the bundled name, or a CSV file's stem (never its
    path), made unique with a numeric suffix when two files share a stem.
    """
    from skmixup.datasets import load_dataset

    data = {}
    for given in config.datasets:
        bunch = load_dataset(given)
        name = bunch.name
        n = 2
        while name in data:
            name, n = f"{bunch.name}_{n}", n + 1
        y = np.asarray(bunch.target)
        if config.task == "regression":
            if y.dtype.kind not in "iuf":
                raise ValueError(
                    f"--task regression needs a numeric target; {given!r} has "
                    f"labels such as {y[0]!r}. Use --task classification."
                )
            y = y.astype(np.float64)
        elif bunch.get("task") == "regression":
            raise ValueError(
                f"{given!r} is a regression dataset (real-valued target); pass "
                "--task regression."
            )
        check_folds(
            given,
            y,
            outer_splits=config.outer_splits,
            inner_splits=config.inner_splits,
            max_train=config.max_train,
            stratified=config.task == "classification",
        )
        data[name] = (np.asarray(bunch.data, dtype=np.float32), y)
    return data


def _tasks(config, data):
    stratified = config.task != "regression"
    for split in outer_folds(config, data, stratified=stratified):
        for method in config.methods:
            yield (*split, method)


def _ordered(df, name, method):
    return df[(df.dataset == name) & (df.method == method)].sort_values(
        ["repeat", "fold"]
    )


def summarise(results, config):
    """Per-dataset table, corrected t-tests, and the across-dataset statistics.

    Returns ``(table, tests, ranks, wtl)``: ``table`` one row per dataset,
    ``tests`` one row per dataset, family, comparison and metric (mean
    difference, corrected t and p, 95% corrected interval), ``ranks`` the
    average ranks per family and metric, ``wtl`` the k-mixup comparisons
    across datasets (wins/ties/losses, Wilcoxon signed-rank test).
    """
    import pandas as pd

    from ._stats import corrected_interval, corrected_resampled_ttest

    df = pd.DataFrame(results)
    metrics = METRICS[config.task]
    classification = config.task == "classification"
    rows, tests = [], []
    for name in config.datasets:
        row = {"dataset": name}
        for method in config.methods:
            m = _ordered(df, name, method)
            if classification:
                row[f"{method}_acc"] = m.accuracy.mean()
                row[f"{method}_acc_std"] = m.accuracy.std(ddof=1)
                row[f"{method}_logloss"] = m.log_loss.mean()
                row[f"{method}_ece"] = m.ece.mean()
            else:
                row[f"{method}_rmse"] = m.rmse.mean()
                row[f"{method}_rmse_std"] = m.rmse.std(ddof=1)
                row[f"{method}_r2"] = m.r2.mean()
        for family, (erm, mixup, kmixup) in FAMILIES[config.task].items():
            main = "accuracy" if classification else "r2"
            base = _ordered(df, name, erm)[main].to_numpy()
            for method in (erm, mixup, kmixup):
                d = _ordered(df, name, method)[main].to_numpy() - base
                row[f"{method}_vs_erm_se"] = (
                    d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else 0.0
                )
            k_rows = _ordered(df, name, kmixup)
            n_train = int(k_rows.n_train.mean())
            n_test = int(k_rows.n_test.mean())
            for first, second in ((kmixup, erm), (kmixup, mixup), (mixup, erm)):
                a = _ordered(df, name, first)
                b = _ordered(df, name, second)
                for metric in metrics:
                    diff = a[metric].to_numpy() - b[metric].to_numpy()
                    t, p = corrected_resampled_ttest(diff, n_train, n_test)
                    mean, low, high = corrected_interval(diff, n_train, n_test)
                    tests.append(
                        {
                            "dataset": name,
                            "family": family,
                            "method": _variant(first),
                            "baseline": _variant(second),
                            "metric": metric,
                            "mean_diff": mean,
                            "ci_low": low,
                            "ci_high": high,
                            "t": t,
                            "p_value": p,
                        }
                    )
            best_k = k_rows.best_k.dropna()
            row[f"{kmixup}_best_k" if family != "net" else "best_k"] = (
                best_k.mode().iloc[0] if len(best_k) else None
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    tests = pd.DataFrame(tests)
    return (table, tests, *_across_datasets(table, config))


def _metric_column(metric, method):
    return {
        "accuracy": f"{method}_acc",
        "log_loss": f"{method}_logloss",
        "ece": f"{method}_ece",
        "rmse": f"{method}_rmse",
        "r2": f"{method}_r2",
    }[metric]


def _across_datasets(table, config):
    """Average ranks, Friedman and Nemenyi, Wilcoxon of k-mixup vs each baseline."""
    from ._stats import (
        average_ranks,
        friedman_test,
        nemenyi_critical_difference,
        wilcoxon_signed_rank,
    )

    ranks, wtl = {}, {}
    n = len(table)
    for family, methods in FAMILIES[config.task].items():
        for metric, (higher, _) in METRICS[config.task].items():
            scores = table[[_metric_column(metric, m) for m in methods]].to_numpy()
            entry = dict(
                zip(map(_variant, methods), average_ranks(scores, higher).tolist())
            )
            if n >= 2:
                entry["friedman_p"] = friedman_test(scores)[1]
                entry["cd"] = nemenyi_critical_difference(len(methods), n)
            ranks[(family, metric)] = entry
        kmixup = methods[2]
        for base in methods[:2]:
            for metric, (higher, _) in METRICS[config.task].items():
                if metric == "rmse":
                    # scale-free: relative change of the RMSE
                    d = (
                        table[_metric_column(metric, kmixup)]
                        / table[_metric_column(metric, base)]
                        - 1.0
                    )
                else:
                    d = (
                        table[_metric_column(metric, kmixup)]
                        - table[_metric_column(metric, base)]
                    )
                better = d if higher else -d
                stat, p = wilcoxon_signed_rank(d.to_numpy())
                wtl[(family, _variant(base), metric)] = {
                    # wins/ties/losses by the mean over folds; ties are exact
                    "wins": int((better > 1e-9).sum()),
                    "ties": int((better.abs() <= 1e-9).sum()),
                    "losses": int((better < -1e-9).sum()),
                    "mean_diff": float(d.mean()),
                    "median_diff": float(d.median()),
                    "wilcoxon_stat": stat,
                    "wilcoxon_p": p,
                }
    return ranks, wtl


def _tuning_choices(results, config):
    """How often inner tuning chose each (k, alpha), per family's k-mixup and mixup."""
    import pandas as pd

    df = pd.DataFrame(results)
    lines = []
    for family, (_, mixup, kmixup) in FAMILIES[config.task].items():
        for method, key in (
            (mixup, ["best_alpha"]),
            (kmixup, ["best_k", "best_alpha"]),
        ):
            sub = df[df.method == method]
            counts = sub.groupby(key).size()
            parts = []
            for idx, count in counts.items():
                idx = idx if isinstance(idx, tuple) else (idx,)
                label = ", ".join(
                    f"{'α' if k == 'best_alpha' else 'k'}={v:g}"
                    for k, v in zip(key, idx)
                )
                parts.append(f"{label}: {count}")
            prefix = "" if family == "net" else f"{family} "
            lines.append(
                f"Tuning chose ({prefix}{LABELS[_variant(method)]}, {len(sub)} outer "
                "folds): " + "; ".join(parts)
            )
    return lines


def format_report(table, tests, ranks, wtl, config, results=None):
    if config.task == "classification":
        lines = _classification_table(table, tests)
    else:
        lines = _regression_table(table, tests, config)
    lines.append("")
    n = len(table)
    for family, methods in FAMILIES[config.task].items():
        who = "" if family == "net" else f"{family}: "
        for metric, (_, label) in METRICS[config.task].items():
            if metric == "ece":
                continue
            r = ranks[(family, metric)]
            text = (
                f"{who}Average rank (1 = best) over {n} datasets, {label}: "
                + ", ".join(
                    f"{LABELS[_variant(m)]} {r[_variant(m)]:.2f}" for m in methods
                )
            )
            if "cd" in r:
                text += (
                    f" (Friedman p {_fmt_eq(r['friedman_p'])}; Nemenyi critical "
                    f"difference {r['cd']:.2f})"
                )
            lines.append(text)
    lines.append("")
    for (family, base, metric), w in wtl.items():
        if metric == "ece":
            continue
        who = "" if family == "net" else f"{family} "
        label = METRICS[config.task][metric][1]
        if metric == "rmse":
            diff = f"mean {100 * w['mean_diff']:+.2f}% RMSE"
        elif metric in ("accuracy",):
            diff = f"mean {100 * w['mean_diff']:+.2f} points"
        else:
            diff = f"mean {w['mean_diff']:+.4f}"
        stat = w["wilcoxon_stat"]
        lines.append(
            f"{who}k-mixup vs {who}{LABELS[base]} ({label}): {w['wins']} wins / "
            f"{w['ties']} ties / {w['losses']} losses, {diff}; Wilcoxon signed-rank "
            f"over datasets: W = {stat:g}, p {_fmt_eq(w['wilcoxon_p'])}"
        )
    if config.task == "classification":
        for base in ("erm", "mixup"):
            acc = tests[
                (tests.family == "net")
                & (tests.method == "kmixup")
                & (tests.baseline == base)
                & (tests.metric == "accuracy")
            ]
            lines.append(
                f"k-mixup vs {base} (accuracy, per dataset, corrected t-test p < 0.05): "
                f"{int(((acc.p_value < 0.05) & (acc.mean_diff > 0)).sum())} significant "
                f"wins, {int(((acc.p_value < 0.05) & (acc.mean_diff < 0)).sum())} "
                "significant losses"
            )
    if results is not None:
        lines.append("")
        lines += _tuning_choices(results, config)
    return "\n".join(lines)


def _classification_table(table, tests):
    lines = []
    header = (
        "| dataset | ERM acc | mixup acc | k-mixup acc | ERM logloss | mixup logloss "
        "| k-mixup logloss | ERM ECE | mixup ECE | k-mixup ECE | k-mix − mixup acc "
        "(95% CI) | p (k-mix vs mixup, acc) |"
    )
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    for _, r in table.iterrows():
        t = tests[
            (tests.dataset == r.dataset)
            & (tests.method == "kmixup")
            & (tests.baseline == "mixup")
            & (tests.metric == "accuracy")
        ].iloc[0]
        accs = [
            f"{100 * r[f'{m}_acc']:.1f} ± {100 * r[f'{m}_acc_std']:.1f}"
            for m in METHODS
        ]
        best = max(METHODS, key=lambda m: r[f"{m}_acc"])
        accs = [f"**{a}**" if m == best else a for a, m in zip(accs, METHODS)]
        lls = [f"{r[f'{m}_logloss']:.3f}" for m in METHODS]
        eces = [f"{r[f'{m}_ece']:.3f}" for m in METHODS]
        ci = f"{100 * t.mean_diff:+.1f} [{100 * t.ci_low:+.1f}, {100 * t.ci_high:+.1f}]"
        lines.append(
            f"| {r.dataset} | "
            + " | ".join(accs + lls + eces + [ci, _fmt_p(t.p_value)])
            + " |"
        )
    return lines


def _regression_table(table, tests, config):
    lines = []
    header = "| dataset |"
    for family, methods in FAMILIES[config.task].items():
        who = "net" if family == "net" else family
        header += "".join(f" {who} {LABELS[_variant(m)]} RMSE |" for m in methods)
        header += "".join(f" {who} {LABELS[_variant(m)]} R² |" for m in methods)
    header += " net k-mix − mixup R² (95% CI) |"
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    for _, r in table.iterrows():
        cells = []
        for methods in FAMILIES[config.task].values():
            best = min(methods, key=lambda m: r[f"{m}_rmse"])
            for m in methods:
                text = f"{r[f'{m}_rmse']:.4g} ± {r[f'{m}_rmse_std']:.2g}"
                cells.append(f"**{text}**" if m == best else text)
            cells += [f"{r[f'{m}_r2']:.3f}" for m in methods]
        t = tests[
            (tests.dataset == r.dataset)
            & (tests.family == "net")
            & (tests.method == "kmixup")
            & (tests.baseline == "mixup")
            & (tests.metric == "r2")
        ].iloc[0]
        cells.append(f"{t.mean_diff:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}]")
        lines.append(f"| {r.dataset} | " + " | ".join(cells) + " |")
    return lines


def plot(table, config, path):
    """Per-dataset bars: the main score's difference to ERM (± s.e.) and the
    other scores, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(table.dataset)
    x = np.arange(len(names))
    families = FAMILIES[config.task]
    if config.task == "classification":
        panels = [
            ("acc", "accuracy − ERM (points, ± s.e.)", "net"),
            ("logloss", "test log-loss", "net"),
            ("ece", "ECE", "net"),
        ]
    else:
        panels = [
            (f"r2:{family}", f"{family}: R² − ERM (± s.e.)", family)
            for family in families
        ] + [
            (f"rmse:{family}", f"{family}: RMSE / ERM's", family) for family in families
        ]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(8, 0.9 * len(names)), 3 * len(panels)), sharex=True
    )
    width = 0.27
    for ax, (metric, ylabel, family) in zip(axes, panels):
        methods = families[family]
        for i, m in enumerate(methods):
            label = LABELS[_variant(m)]
            erm = methods[0]
            err = None
            if metric == "acc":
                vals = 100 * (table[f"{m}_acc"] - table[f"{erm}_acc"])
                err = 100 * table[f"{m}_vs_erm_se"]
            elif metric.startswith("r2:"):
                vals = table[f"{m}_r2"] - table[f"{erm}_r2"]
                err = table[f"{m}_vs_erm_se"]
            elif metric.startswith("rmse:"):
                vals = table[f"{m}_rmse"] / table[f"{erm}_rmse"]
            else:
                vals = table[f"{m}_{metric}"]
            ax.bar(x + (i - 1) * width, vals, width, yerr=err, label=label)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.axhline(1 if metric.startswith("rmse:") else 0, color="k", lw=0.5)
    axes[0].legend(ncol=3, fontsize=8)
    axes[-1].set_xticks(x, names, rotation=30, ha="right")
    fig.suptitle(
        f"ERM vs mixup vs k-mixup ({config.task}): {config.outer_repeats}x"
        f"{config.outer_splits}-fold outer CV, {config.steps} steps"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_statistics(tests, ranks, config, path):
    """Critical-difference diagrams (one per family and metric) and the
    per-dataset differences of k-mixup with 95% corrected intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._stats import plot_critical_difference

    keys = [
        (family, metric)
        for family in FAMILIES[config.task]
        for metric in METRICS[config.task]
        if metric != "ece" and "cd" in ranks[(family, metric)]
    ]
    forest = [
        (family, base, metric)
        for family in FAMILIES[config.task]
        for base in ("erm", "mixup")
        for metric in (
            ("accuracy", "log_loss") if config.task == "classification" else ("r2",)
        )
    ]
    names = list(dict.fromkeys(tests.dataset))
    n_rows = max(len(keys), 1)
    fig = plt.figure(figsize=(4.2 * len(forest), 1.6 * n_rows + 0.3 * len(names) + 2))
    grid = fig.add_gridspec(
        2, max(len(keys), len(forest)), height_ratios=[1.3, 0.2 * len(names) + 1]
    )
    for i, (family, metric) in enumerate(keys):
        r = ranks[(family, metric)]
        methods = FAMILIES[config.task][family]
        plot_critical_difference(
            fig.add_subplot(grid[0, i]),
            {LABELS[_variant(m)]: r[_variant(m)] for m in methods},
            r["cd"],
            title=f"{'' if family == 'net' else family + ': '}"
            f"{METRICS[config.task][metric][1]} (Friedman p {_fmt_eq(r['friedman_p'])})",
        )
    y = np.arange(len(names))[::-1]
    for i, (family, base, metric) in enumerate(forest):
        ax = fig.add_subplot(grid[1, i])
        sub = (
            tests[
                (tests.family == family)
                & (tests.method == "kmixup")
                & (tests.baseline == base)
                & (tests.metric == metric)
            ]
            .set_index("dataset")
            .loc[names]
        )
        scale = 100 if metric == "accuracy" else 1
        mean = scale * sub.mean_diff.to_numpy()
        err = np.vstack([mean - scale * sub.ci_low, scale * sub.ci_high - mean])
        ax.errorbar(mean, y, xerr=err, fmt="o", ms=3, lw=1, capsize=2)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_yticks(y, names, fontsize=7)
        unit = " (points)" if metric == "accuracy" else ""
        who = "" if family == "net" else f"{family} "
        ax.set_title(
            f"{who}k-mixup − {LABELS[base]}: {METRICS[config.task][metric][1]}{unit}",
            fontsize=8,
        )
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(
        "Across datasets: average ranks (CD diagrams) and per-dataset "
        "differences with 95% corrected intervals",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fits_per_task(method, config):
    """Network fits of one task: the inner grid search (if any) and the refit.

    Every network fit takes the same number of gradient steps, so this is the
    task's relative cost; the ridge methods fit no network (cost 0, run last).
    """
    if method in RIDGE_METHODS:
        return 0
    n_grid = int(np.prod([len(v) for v in method_grid(method, config).values()]))
    return 1 + (n_grid * config.inner_splits if n_grid > 1 else 0)


def _execute(tasks_list, config, data, n_jobs, dask_address):
    total = len(tasks_list)
    start = time.perf_counter()

    def progress(done, res):
        elapsed = time.perf_counter() - start
        scores = "  ".join(
            f"{metric} {res[metric]:.3f}"
            for metric in METRICS[config.task]
            if metric in res and metric != "ece"
        )
        print(
            f"[{done:4d}/{total}] {res['dataset']:>14} r{res['repeat']}f{res['fold']} "
            f"{res['method']:>12}: {scores}  ({elapsed:6.0f}s elapsed)",
            flush=True,
        )

    return run_costliest_first(
        run_task,
        [(config, d, name, *data[name], *rest) for (d, name, *rest) in tasks_list],
        [_fits_per_task(task[-1], config) for task in tasks_list],
        n_jobs,
        on_done=progress,
        dask=dask_address,
    )


def run(args):
    from skmixup.datasets import list_datasets

    if args.list:
        kind = None if getattr(args, "task", None) is None else args.task
        print("\n".join(list_datasets(kind)))
        return 0
    if args.output is None:
        regression = getattr(args, "task", "classification") == "regression"
        args.output = "benchmark_results/" + ("regression" if regression else "uci")
    try:
        config = _make_config(args)
        data = _load_all(config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Tables and plots name datasets, never the paths they were read from.
    config = replace(config, datasets=tuple(data))
    message = output_dir_error(args.output)
    if message:
        print(message, file=sys.stderr)
        return 2
    n_jobs = resolve_n_jobs(args.n_jobs)
    tasks_list = list(_tasks(config, data))
    print(
        f"UCI benchmark ({config.task}): {len(config.datasets)} datasets, "
        f"{config.outer_repeats}x{config.outer_splits} outer folds, "
        f"{config.inner_splits}-fold inner tuning, {config.steps} steps/fit, "
        f"{len(tasks_list)} tasks on {n_jobs} workers"
        + (f" (dask: {args.dask})" if args.dask else ""),
        flush=True,
    )
    load_at_start = load_average()
    start = time.perf_counter()
    results = _execute(tasks_list, config, data, n_jobs, args.dask)
    wall = time.perf_counter() - start
    # Results come back in task order whatever the backend (see
    # run_costliest_first), so a parallel or distributed run writes exactly
    # the table a serial run writes.
    import pandas as pd

    table, tests, ranks, wtl = summarise(results, config)
    report = format_report(table, tests, ranks, wtl, config, results)
    pd.DataFrame(results).to_csv(os.path.join(args.output, "folds.csv"), index=False)
    table.to_csv(os.path.join(args.output, "summary.csv"), index=False)
    tests.to_csv(os.path.join(args.output, "tests.csv"), index=False)
    figure = "uci.png" if config.task == "classification" else "regression.png"
    plot(table, config, os.path.join(args.output, figure))
    if len(config.datasets) >= 2:
        plot_statistics(
            tests, ranks, config, os.path.join(args.output, "statistics.png")
        )
    write_run(
        args.output,
        "uci",
        config={**config.__dict__, "methods": config.methods},
        report=report,
        wall=wall,
        n_jobs=n_jobs,
        # timings are read next to the machine's load (1, 5, 15 min averages)
        load_average_start=load_at_start,
        dask=args.dask,
    )
    print()
    print(report)
    print(f"\nwall time {wall:.0f} s; results in {args.output}/")
    return 0
