"""ERM vs mixup vs k-mixup on real tabular data, with nested cross-validation.

For every dataset and every outer fold (repeated stratified K-fold), each
method is tuned by an inner grid search on the training part only and scored
on the held-out part:

* ``erm``: the same network trained without mixing (``alpha=0``);
* ``mixup``: ``k=1``, ``alpha`` tuned;
* ``kmixup``: ``k`` and ``alpha`` tuned.

All methods share the network, the optimiser and the number of gradient
steps, and, within a fold, the same seed. Scores: accuracy, log-loss and
top-label expected calibration error (ECE). The comparison of k-mixup with
each baseline uses the Nadeau-Bengio corrected resampled t-test, which
accounts for the overlap of training sets between folds.
"""

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np

from ._common import output_dir_error, positive_int

DESCRIPTION = (
    "ERM vs mixup vs k-mixup on real tabular datasets (nested CV; accuracy, "
    "log-loss, calibration). The main job of skmixup."
)

METHODS = ("erm", "mixup", "kmixup")


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
QUICK_DATASETS = ("iris", "wine", "breast_cancer", "sonar", "ionosphere", "pima")


def _csv_list(text, cast=str):
    try:
        items = [cast(t.strip()) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {cast.__name__}; got {text!r}"
        ) from exc
    if not items:
        raise argparse.ArgumentTypeError("expected a non-empty comma-separated list")
    return tuple(items)


def add_arguments(parser):
    parser.add_argument(
        "--datasets",
        type=_csv_list,
        default=None,
        help="comma-separated dataset names or CSV paths (default: the 12-dataset "
        "suite; with --quick: " + ",".join(QUICK_DATASETS) + "). "
        "List the names with --list.",
    )
    parser.add_argument("--list", action="store_true", help="list datasets and exit")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (3 outer folds, 2 inner folds, 300 steps, k in {16}); a few "
        "minutes on 2 cores",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results/uci",
        help="folder for CSV, PNG and markdown (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="parallel tasks (default: number of cores); each task uses 1 torch thread",
    )
    parser.add_argument("--outer-splits", type=positive_int)
    parser.add_argument("--outer-repeats", type=positive_int)
    parser.add_argument("--inner-splits", type=positive_int)
    parser.add_argument("--steps", type=positive_int, help="gradient steps per fit")
    parser.add_argument("--batch-size", type=positive_int)
    parser.add_argument("--alphas", type=lambda s: _csv_list(s, float))
    parser.add_argument("--ks", type=lambda s: _csv_list(s, int))
    parser.add_argument(
        "--max-train",
        type=positive_int,
        help="subsample training folds larger than this (stratified)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS|local:N",
        default=None,
        help="run the tasks on a Dask cluster: a scheduler address, or local:N for a "
        "local cluster of N workers on 127.0.0.1 (needs the 'dask' extra)",
    )


def _make_config(args):
    from skmixup.datasets import DEFAULT_SUITE

    base = QUICK if args.quick else FULL
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
    if any(a < 0 for a in values["alphas"]):
        raise ValueError(f"--alphas must be >= 0; got {values['alphas']}")
    if any(k < 2 for k in values["ks"]):
        raise ValueError(
            f"--ks are the k of k-mixup and must be >= 2 (k=1 is the mixup "
            f"baseline); got {values['ks']}"
        )
    datasets = args.datasets or (QUICK_DATASETS if args.quick else DEFAULT_SUITE)
    datasets = tuple(dict.fromkeys(datasets))  # drop repeats, keep order
    return Config(datasets=datasets, seed=args.seed, **values)


def make_estimator(config, n_train, seed, **params):
    """Scaler + KMixupClassifier with the run's network and step budget."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skmixup.neural import KMixupClassifier

    steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
    epochs = max(1, round(config.steps / steps_per_epoch))
    clf = KMixupClassifier(
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
    return Pipeline([("scale", StandardScaler()), ("clf", clf)])


def method_grid(method, config):
    if method == "erm":
        return {"clf__alpha": [0.0], "clf__k": [1]}
    if method == "mixup":
        return {"clf__alpha": list(config.alphas), "clf__k": [1]}
    return {"clf__alpha": list(config.alphas), "clf__k": list(config.ks)}


def _task_seed(config, dataset_index, repeat, fold):
    return int(
        np.random.SeedSequence(
            [config.seed, dataset_index, repeat, fold]
        ).generate_state(1)[0]
        % (2**31 - 1)
    )


def run_task(config, dataset_index, name, X, y, repeat, fold, train, test, method):
    """Tune one method on one outer training fold, score it on the test fold."""
    import torch
    from joblib import parallel_config
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from ._stats import expected_calibration_error

    torch.set_num_threads(1)
    seed = _task_seed(config, dataset_index, repeat, fold)
    if config.max_train is not None and len(train) > config.max_train:
        from sklearn.model_selection import train_test_split

        train, _ = train_test_split(
            train, train_size=config.max_train, stratify=y[train], random_state=seed
        )
    start = time.perf_counter()
    grid = method_grid(method, config)
    best = {p: v[0] for p, v in grid.items()}
    if any(len(v) > 1 for v in grid.values()):
        n_inner_train = int(
            len(train) * (config.inner_splits - 1) / config.inner_splits
        )
        # joblib's Dask backend ignores n_jobs=1 and would send the inner fits
        # back to the cluster from inside this task (seceding its thread);
        # the unit of parallel work is this task, so its grid runs in order.
        search = GridSearchCV(
            make_estimator(config, n_inner_train, seed),
            grid,
            cv=StratifiedKFold(config.inner_splits, shuffle=True, random_state=seed),
            scoring="accuracy",
            n_jobs=1,
            error_score="raise",
        )
        with parallel_config(backend="sequential"):
            search.fit(X[train], y[train])
        best = search.best_params_
    # Refit on the whole training fold with the same number of gradient steps.
    model = make_estimator(config, len(train), seed)
    model.set_params(**best)
    model.fit(X[train], y[train])
    # KMixupClassifier.predict_proba already returns renormalised float64 rows.
    proba = model.predict_proba(X[test])
    classes = model.classes_
    pred = classes[proba.argmax(axis=1)]
    return {
        "dataset": name,
        "method": method,
        "repeat": repeat,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
        "accuracy": accuracy_score(y[test], pred),
        "log_loss": log_loss(y[test], proba, labels=classes),
        "ece": expected_calibration_error(y[test], proba, classes),
        "best_alpha": best.get("clf__alpha"),
        "best_k": best.get("clf__k"),
        "seconds": time.perf_counter() - start,
    }


def _load_all(config):
    from skmixup.datasets import load_dataset

    data = {}
    for name in config.datasets:
        bunch = load_dataset(name)
        data[name] = (
            np.asarray(bunch.data, dtype=np.float32),
            np.asarray(bunch.target),
        )
    return data


def _tasks(config, data):
    from sklearn.model_selection import RepeatedStratifiedKFold

    for d_index, name in enumerate(config.datasets):
        X, y = data[name]
        outer = RepeatedStratifiedKFold(
            n_splits=config.outer_splits,
            n_repeats=config.outer_repeats,
            random_state=config.seed + d_index,
        )
        for split_index, (train, test) in enumerate(outer.split(X, y)):
            repeat, fold = divmod(split_index, config.outer_splits)
            for method in METHODS:
                yield (d_index, name, repeat, fold, train, test, method)


def summarise(results, config):
    """Per-dataset table, wins/ties/losses, ranks and corrected t-tests."""
    import pandas as pd

    from ._stats import average_ranks, corrected_resampled_ttest

    df = pd.DataFrame(results)
    rows = []
    tests = []
    for name in config.datasets:
        sub = df[df.dataset == name]
        row = {"dataset": name}
        for method in METHODS:
            m = sub[sub.method == method].sort_values(["repeat", "fold"])
            row[f"{method}_acc"] = m.accuracy.mean()
            row[f"{method}_acc_std"] = m.accuracy.std(ddof=1)
            row[f"{method}_logloss"] = m.log_loss.mean()
            row[f"{method}_ece"] = m.ece.mean()
        erm_acc = sub[sub.method == "erm"].sort_values(["repeat", "fold"]).accuracy
        for method in METHODS:
            m_acc = sub[sub.method == method].sort_values(["repeat", "fold"]).accuracy
            d = m_acc.to_numpy() - erm_acc.to_numpy()
            row[f"{method}_vs_erm_se"] = (
                d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else 0.0
            )
        k_rows = sub[sub.method == "kmixup"].sort_values(["repeat", "fold"])
        n_train = int(k_rows.n_train.mean())
        n_test = int(k_rows.n_test.mean())
        for base in ("erm", "mixup"):
            b_rows = sub[sub.method == base].sort_values(["repeat", "fold"])
            for metric in ("accuracy", "log_loss"):
                diff = k_rows[metric].to_numpy() - b_rows[metric].to_numpy()
                t, p = corrected_resampled_ttest(diff, n_train, n_test)
                tests.append(
                    {
                        "dataset": name,
                        "baseline": base,
                        "metric": metric,
                        "mean_diff": diff.mean(),
                        "t": t,
                        "p_value": p,
                    }
                )
        row["best_k"] = (
            k_rows.best_k.mode().iloc[0] if len(k_rows.best_k.dropna()) else None
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    tests = pd.DataFrame(tests)
    acc = table[[f"{m}_acc" for m in METHODS]].to_numpy()
    ll = table[[f"{m}_logloss" for m in METHODS]].to_numpy()
    ranks = {
        "accuracy": dict(zip(METHODS, average_ranks(acc))),
        "log_loss": dict(zip(METHODS, average_ranks(ll, higher_is_better=False))),
    }
    wtl = {}
    for base in ("erm", "mixup"):
        d = table["kmixup_acc"] - table[f"{base}_acc"]
        acc_tests = tests[(tests.baseline == base) & (tests.metric == "accuracy")]
        wtl[base] = {
            # wins/ties/losses by mean accuracy; ties are exact equalities
            "wins": int((d > 1e-9).sum()),
            "ties": int((d.abs() <= 1e-9).sum()),
            "losses": int((d < -1e-9).sum()),
            "mean_diff_points": float(100 * d.mean()),
            "significant_wins": int(
                ((acc_tests.p_value < 0.05) & (acc_tests.mean_diff > 0)).sum()
            ),
            "significant_losses": int(
                ((acc_tests.p_value < 0.05) & (acc_tests.mean_diff < 0)).sum()
            ),
        }
    return table, tests, ranks, wtl


def format_report(table, tests, ranks, wtl, config):
    lines = []
    header = "| dataset | ERM acc | mixup acc | k-mixup acc | ERM logloss | mixup logloss | k-mixup logloss | ERM ECE | mixup ECE | k-mixup ECE | p (k-mix vs mixup, acc) |"
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    for _, r in table.iterrows():
        p = tests[
            (tests.dataset == r.dataset)
            & (tests.baseline == "mixup")
            & (tests.metric == "accuracy")
        ].p_value.iloc[0]
        accs = [
            f"{100 * r[f'{m}_acc']:.1f} ± {100 * r[f'{m}_acc_std']:.1f}"
            for m in METHODS
        ]
        best = max(METHODS, key=lambda m: r[f"{m}_acc"])
        accs = [f"**{a}**" if m == best else a for a, m in zip(accs, METHODS)]
        lls = [f"{r[f'{m}_logloss']:.3f}" for m in METHODS]
        eces = [f"{r[f'{m}_ece']:.3f}" for m in METHODS]
        pstr = "n/a" if not np.isfinite(p) else f"{p:.2f}"
        lines.append(
            f"| {r.dataset} | " + " | ".join(accs + lls + eces + [pstr]) + " |"
        )
    lines.append("")
    lines.append(
        "Average rank (1 = best), accuracy: "
        + ", ".join(f"{m} {ranks['accuracy'][m]:.2f}" for m in METHODS)
        + "; log-loss: "
        + ", ".join(f"{m} {ranks['log_loss'][m]:.2f}" for m in METHODS)
    )
    for base, w in wtl.items():
        lines.append(
            f"k-mixup vs {base} (accuracy): {w['wins']} wins / {w['ties']} ties / "
            f"{w['losses']} losses, mean {w['mean_diff_points']:+.2f} points; "
            f"significant (corrected t-test, p < 0.05): {w['significant_wins']} wins, "
            f"{w['significant_losses']} losses"
        )
    return "\n".join(lines)


def plot(table, config, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(table.dataset)
    x = np.arange(len(names))
    width = 0.27
    fig, axes = plt.subplots(3, 1, figsize=(max(8, 0.9 * len(names)), 9), sharex=True)
    labels = {"erm": "ERM (α=0)", "mixup": "mixup (k=1)", "kmixup": "k-mixup"}
    for ax, metric, ylabel in zip(
        axes,
        ("acc", "logloss", "ece"),
        ("accuracy − ERM (points, ± s.e.)", "test log-loss", "ECE"),
    ):
        for i, m in enumerate(METHODS):
            if metric == "acc":
                # error bars: standard error of the paired per-fold differences
                vals = 100 * (table[f"{m}_acc"] - table["erm_acc"])
                err = 100 * table[f"{m}_vs_erm_se"]
            else:
                vals, err = table[f"{m}_{metric}"], None
            ax.bar(x + (i - 1) * width, vals, width, yerr=err, label=labels[m])
        ax.set_ylabel(ylabel)
        ax.axhline(0, color="k", lw=0.5)
    axes[0].legend(ncol=3, fontsize=8)
    axes[-1].set_xticks(x, names, rotation=30, ha="right")
    fig.suptitle(
        f"ERM vs mixup vs k-mixup: {config.outer_repeats}x{config.outer_splits}-fold "
        f"outer CV, {config.steps} steps"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fits_per_task(method, config):
    """Network fits of one task: the inner grid search (if any) and the refit.

    Every fit takes the same number of gradient steps, so this is the task's
    relative cost.
    """
    n_grid = int(np.prod([len(v) for v in method_grid(method, config).values()]))
    return 1 + (n_grid * config.inner_splits if n_grid > 1 else 0)


def _execute(tasks_list, config, data, n_jobs, dask_address):
    from joblib import Parallel, delayed

    total = len(tasks_list)
    start = time.perf_counter()
    # Longest tasks first (a stable sort: ties keep their order), so that
    # parallel workers do not end on one long task while the others idle;
    # the results are put back in task order.
    order = sorted(
        range(total), key=lambda i: -_fits_per_task(tasks_list[i][-1], config)
    )
    results = [None] * total

    def report(i, res):
        elapsed = time.perf_counter() - start
        print(
            f"[{i:4d}/{total}] {res['dataset']:>14} r{res['repeat']}f{res['fold']} "
            f"{res['method']:>6}: acc {res['accuracy']:.3f}  "
            f"logloss {res['log_loss']:.3f}  ({elapsed:6.0f}s elapsed)",
            flush=True,
        )

    calls = (
        delayed(run_task)(config, d, name, *data[name], r, f, tr, te, m)
        for (d, name, r, f, tr, te, m) in (tasks_list[i] for i in order)
    )

    def collect(gen):
        for done, (i, res) in enumerate(zip(order, gen), 1):
            results[i] = res
            report(done, res)

    if dask_address is not None:
        from skmixup._dask import dask_backend

        with dask_backend(dask_address):
            collect(Parallel(n_jobs=-1, return_as="generator")(calls))
    else:
        collect(Parallel(n_jobs=n_jobs, return_as="generator")(calls))
    return results


def run(args):
    from skmixup.datasets import list_datasets

    if args.list:
        print("\n".join(list_datasets()))
        return 0
    try:
        config = _make_config(args)
        data = _load_all(config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    message = output_dir_error(args.output)
    if message:
        print(message, file=sys.stderr)
        return 2
    n_jobs = args.n_jobs or os.cpu_count() or 1
    tasks_list = list(_tasks(config, data))
    print(
        f"UCI benchmark: {len(config.datasets)} datasets, "
        f"{config.outer_repeats}x{config.outer_splits} outer folds, "
        f"{config.inner_splits}-fold inner tuning, {config.steps} steps/fit, "
        f"{len(tasks_list)} tasks on {n_jobs} workers"
        + (f" (dask: {args.dask})" if args.dask else ""),
        flush=True,
    )
    start = time.perf_counter()
    results = _execute(tasks_list, config, data, n_jobs, args.dask)
    wall = time.perf_counter() - start
    # Results are ordered like the tasks whatever the backend, so a parallel
    # or distributed run writes exactly the table a serial run writes.
    import pandas as pd

    results = sorted(
        results,
        key=lambda r: (
            config.datasets.index(r["dataset"]),
            r["repeat"],
            r["fold"],
            METHODS.index(r["method"]),
        ),
    )
    if len(results) != len(tasks_list):
        raise RuntimeError(
            f"only {len(results)} of {len(tasks_list)} tasks returned; no table written"
        )
    table, tests, ranks, wtl = summarise(results, config)
    report = format_report(table, tests, ranks, wtl, config)
    pd.DataFrame(results).to_csv(os.path.join(args.output, "folds.csv"), index=False)
    table.to_csv(os.path.join(args.output, "summary.csv"), index=False)
    tests.to_csv(os.path.join(args.output, "tests.csv"), index=False)
    plot(table, config, os.path.join(args.output, "uci.png"))
    meta = {
        "config": {k: v for k, v in config.__dict__.items()},
        "wall_seconds": wall,
        "n_jobs": n_jobs,
        "dask": args.dask,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "command": "python -m skmixup.benchmarks uci " + " ".join(sys.argv[2:]),
    }
    with open(os.path.join(args.output, "run.json"), "w") as fh:
        json.dump(meta, fh, indent=2, default=str)
    with open(os.path.join(args.output, "results.md"), "w") as fh:
        fh.write(report + "\n")
    print()
    print(report)
    print(f"\nwall time {wall:.0f} s; results in {args.output}/")
    return 0
