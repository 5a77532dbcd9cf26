"""Oversampling for imbalanced binary classification: k-mixup vs SMOTE and friends.

Each resampler (none, random oversampling, SMOTE, ADASYN, mixup, k-mixup) in
front of each classifier, by nested cross-validation; the protocol and the
statistics are described in ``docs/benchmarks.rst``.
"""

import itertools
import math
import os
import time
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from sklearn.base import BaseEstimator

from . import _runner, _stats
from ._common import (
    add_cv_arguments,
    check_folds,
    choice_list,
    markdown_table,
    number_list,
)
from ._stats import format_p_equals as _fmt_eq

DESCRIPTION = (
    "Imbalanced binary classification: no resampling vs random oversampling vs "
    "SMOTE vs ADASYN vs k-mixup oversampling (KMixupAugmenter(sampling_strategy="
    "'auto')), in front of a logistic regression and gradient-boosted trees."
)

SAMPLERS = ("none", "ros", "smote", "adasyn", "mixup", "kmixup")
SAMPLER_LABELS = dict(
    zip(SAMPLERS, ("none", "ROS", "SMOTE", "ADASYN", "mixup (k=1)", "k-mixup"))
)
CLASSIFIERS = ("logreg", "hgb")
CLASSIFIER_LABELS = {
    "logreg": "LogisticRegression",
    "hgb": "HistGradientBoosting",
}
#: metric -> label (all: higher is better)
METRICS = {
    "balanced_accuracy": "balanced accuracy",
    "g_mean": "G-mean",
    "roc_auc": "ROC AUC",
    "average_precision": "average precision",
}


@dataclass(frozen=True)
class Config(_runner.Config):
    classifiers: tuple = CLASSIFIERS
    ks: tuple = (4, 16)
    neighbors: tuple = (3, 5)


QUICK = dict(outer_splits=3, outer_repeats=1, inner_splits=2)
QUICK_DATASETS = ("glass4", "new-thyroid2", "ecoli3", "yeast-2_vs_4")


def add_arguments(parser):
    _runner.add_run_arguments(
        parser,
        datasets="comma-separated dataset names or CSV paths with a binary target "
        "(the rarer class is the positive one); default: every bundled imbalanced "
        "dataset; with --quick: " + ",".join(QUICK_DATASETS),
        listing="list the imbalanced datasets and exit",
        quick="small run (4 datasets, 3 outer folds, 2 inner folds) for tests",
        output="benchmark_results/imbalanced",
    )
    parser.add_argument(
        "--classifiers",
        type=choice_list(CLASSIFIERS),
        default=None,
        help="comma-separated subset of " + ",".join(CLASSIFIERS) + " (default: both)",
    )
    add_cv_arguments(
        parser,
        ks_help="k values tuned for k-mixup (each >= 2; default 4,16)",
        training=False,
    )
    parser.add_argument(
        "--neighbors",
        type=number_list(int, 1),
        help="k_neighbors (SMOTE) and n_neighbors (ADASYN) tuned (default 3,5)",
    )


def _binary(config, given, bunch):
    """``(X, y01)``: y01 is 1 for the positive class, the rarer of the two
    (every bundled imbalanced dataset names its minority class positive)."""
    y = np.asarray(bunch.target)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) != 2:
        raise ValueError(
            f"The imbalanced benchmark needs a binary target; {given!r} has "
            f"{len(classes)} classes. Pick a two-class dataset (see --list)."
        )
    n_minority = int(counts.min())
    fewest_outer = check_folds(
        given,
        y,
        outer_splits=config.outer_splits,
        inner_splits=config.inner_splits,
        max_train=config.max_train,
    )
    fewest = fewest_outer - math.ceil(fewest_outer / config.inner_splits)
    if fewest < 2:
        raise ValueError(
            f"{given!r}: its minority class has {n_minority} samples, so with "
            f"{config.outer_splits} outer and {config.inner_splits} inner "
            f"folds an inner training fold would hold {fewest} of them; "
            "oversampling needs at least 2. Lower --outer-splits or "
            "--inner-splits, or leave this dataset out."
        )
    positive = classes[np.argmin(counts)]
    return np.asarray(bunch.data, dtype=np.float64), (y == positive).astype(np.int64)


class _ADASYNOrUnchanged(BaseEstimator):
    """ADASYN that leaves the data unchanged where ADASYN raises (it does when
    no minority point has a majority neighbour); ``failed_`` says so."""

    def __init__(self, *, n_neighbors=5, random_state=None):
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def fit_resample(self, X, y):
        from imblearn.over_sampling import ADASYN

        try:
            out = ADASYN(
                n_neighbors=self.n_neighbors, random_state=self.random_state
            ).fit_resample(X, y)
        except (RuntimeError, ValueError):
            self.failed_ = True
            return X, y
        self.failed_ = False
        return out


def make_sampler(name, seed):
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from skmixup import KMixupAugmenter

    if name == "none":
        return "passthrough"
    if name == "ros":
        return RandomOverSampler(random_state=seed)
    if name == "smote":
        return SMOTE(random_state=seed)
    if name == "adasyn":
        return _ADASYNOrUnchanged(random_state=seed)
    if name == "mixup":
        return KMixupAugmenter(k=1, sampling_strategy="auto", random_state=seed)
    return KMixupAugmenter(sampling_strategy="auto", random_state=seed)


def make_classifier(name, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    if name == "logreg":
        return LogisticRegression(max_iter=1000)
    return HistGradientBoostingClassifier(random_state=seed)


def sampler_grid(name, config, n_minority=None):
    """The tuned parameters of a resampler.

    SMOTE and ADASYN need more minority points than neighbours: with
    ``n_minority`` given (the fewest minority points an inner training fold
    holds), larger neighbour counts are left out of the grid (down to
    ``n_minority - 1`` if none fits), as a user would do on so few points.
    """
    if name in ("smote", "adasyn"):
        values = list(config.neighbors)
        if n_minority is not None:
            fitting = [n for n in values if n < n_minority]
            values = fitting or [max(1, n_minority - 1)]
        key = "k_neighbors" if name == "smote" else "n_neighbors"
        return {f"sample__{key}": values}
    if name == "kmixup":
        return {"sample__k": list(config.ks)}
    return {}


def make_pipeline(sampler, classifier, seed):
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("sample", make_sampler(sampler, seed)),
            ("clf", make_classifier(classifier, seed)),
        ]
    )


def scores(y_true, proba_positive, threshold=0.5):
    """Balanced accuracy, G-mean, ROC AUC and average precision (positive = 1)."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import (
        average_precision_score,
        balanced_accuracy_score,
        roc_auc_score,
    )

    pred = (proba_positive >= threshold).astype(np.int64)
    return {
        "balanced_accuracy": balanced_accuracy_score(y_true, pred),
        "g_mean": geometric_mean_score(y_true, pred),
        "roc_auc": roc_auc_score(y_true, proba_positive),
        "average_precision": average_precision_score(y_true, proba_positive),
    }


def run_task(
    config, dataset_index, name, X, y, repeat, fold, train, test, clf, sampler
):
    """Tune one resampler in front of one classifier on a training fold; score it."""
    import torch

    torch.set_num_threads(1)
    seed = _runner.task_seed(config.seed, dataset_index, repeat, fold)
    train = _runner.subsample(train, y, config, seed)
    start = time.perf_counter()
    n_positive = int(y[train].sum())
    # the fewest minority points of an inner training fold (stratified folds)
    n_inner = n_positive - math.ceil(n_positive / config.inner_splits)
    grid = sampler_grid(sampler, config, n_inner)
    # without a search, the grid that fits the whole training fold
    default = {k: v[0] for k, v in sampler_grid(sampler, config, n_positive).items()}
    model, best = _runner.tune_and_fit(
        lambda n: make_pipeline(sampler, clf, seed),
        grid,
        X,
        y,
        train,
        config=config,
        seed=seed,
        scoring="balanced_accuracy",
        default=default,
    )
    proba = model.predict_proba(X[test])[:, list(model.classes_).index(1)]
    step = model.named_steps["sample"]
    what = {"classifier": clf, "sampler": sampler}
    return {
        **_runner.fold_row(name, repeat, fold, train, test, **what),
        "n_positive_train": int(y[train].sum()),
        **scores(y[test], proba),
        "best_param": next(iter(best.values()), None),
        "adasyn_unchanged": bool(getattr(step, "failed_", False)),
        "seconds": time.perf_counter() - start,
    }


def summarise(results, config):
    """Per-dataset means, per-dataset corrected t-tests of k-mixup against each
    resampler, and across datasets: average ranks, Friedman, Nemenyi CD and
    Wilcoxon signed-rank tests."""
    import pandas as pd

    df = pd.DataFrame(results)
    means = (
        df.groupby(["classifier", "dataset", "sampler"])[list(METRICS)]
        .mean()
        .reset_index()
    )
    pairs = [("kmixup", base) for base in SAMPLERS[:-1]]
    tests = _stats.fold_tests(df, ["classifier", "dataset"], pairs, METRICS, "sampler")
    ranks, wilcoxon = {}, []
    for clf in config.classifiers:
        m = means[means.classifier == clf]
        for metric in METRICS:
            table = m.pivot(index="dataset", columns="sampler", values=metric).loc[
                list(config.datasets), list(SAMPLERS)
            ]
            ranks[(clf, metric)] = _stats.rank_summary(table, SAMPLERS)
            for base in SAMPLERS[:-1]:
                diff = table["kmixup"] - table[base]
                wilcoxon.append(
                    dict(classifier=clf, metric=metric, baseline=base)
                    | _stats.compare_over_datasets(diff, tol=1e-12)
                )
    return means, pd.DataFrame(tests), ranks, pd.DataFrame(wilcoxon)


def format_report(results, means, ranks, wilcoxon, config):
    import pandas as pd

    df = pd.DataFrame(results)
    lines = []
    for clf in config.classifiers:
        # the metrics' line first, then a row per dataset
        rows = ["*balanced accuracy / ROC AUC*" + " |" * len(SAMPLERS)]
        m = means[means.classifier == clf].set_index(["dataset", "sampler"])
        for name in config.datasets:
            one = df[(df.dataset == name) & (df.classifier == clf)].iloc[0]
            best = max(SAMPLERS, key=lambda s: m.loc[(name, s), "balanced_accuracy"])
            cells = [f"{name} ({one.n_positive_train}/{one.n_train})"]
            for s in SAMPLERS:
                text = (
                    f"{m.loc[(name, s), 'balanced_accuracy']:.3f} / "
                    f"{m.loc[(name, s), 'roc_auc']:.3f}"
                )
                cells.append(f"**{text}**" if s == best else text)
            rows.append(" | ".join(cells))
        header = "dataset (minority / training rows) | " + " | ".join(
            SAMPLER_LABELS[s] for s in SAMPLERS
        )
        lines += [
            f"### {CLASSIFIER_LABELS[clf]}",
            "",
            *markdown_table(header, rows),
            "",
        ]
        for metric, label in METRICS.items():
            r = ranks[(clf, metric)]
            order = {s: SAMPLER_LABELS[s] for s in sorted(SAMPLERS, key=r.get)}
            head = f"Average rank over {len(config.datasets)} datasets, {label}: "
            lines.append(_stats.rank_line(head, r, order))
        lines.append("")
        w = wilcoxon[wilcoxon.classifier == clf]
        for metric, label in METRICS.items():
            parts = [
                f"vs {SAMPLER_LABELS[row.baseline]} {row.wins}/{row.ties}/"
                f"{row.losses}, {row.mean_diff:+.4f}, p {_fmt_eq(row.wilcoxon_p)}"
                for row in w[w.metric == metric].itertuples()
            ]
            lines.append(
                f"k-mixup {label} (wins/ties/losses over datasets, mean difference, "
                "Wilcoxon signed-rank p): " + "; ".join(parts)
            )
        chosen = df[(df.classifier == clf) & (df.sampler == "kmixup")].best_param
        counts = chosen.value_counts().sort_index().items()
        choices = "; ".join(f"k={int(k)}: {c}" for k, c in counts)
        lines += ["", f"Tuning chose k (k-mixup, all outer folds): {choices}", ""]
    unchanged = df[df.sampler == "adasyn"].adasyn_unchanged
    lines.append(
        f"ADASYN could not generate points (data left unchanged) in "
        f"{int(unchanged.sum())} of {len(unchanged)} final fits."
    )
    return "\n".join(lines)


def plot(means, ranks, config, path):
    """Average-rank CD diagrams, one per classifier and metric."""
    plt = _runner.pyplot()
    keys = [(clf, metric) for clf in config.classifiers for metric in METRICS]
    n_cols = len(METRICS)
    n_rows = len(config.classifiers)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.5 * n_cols, 2.6 * n_rows), squeeze=False
    )
    for ax, (clf, metric) in zip(axes.ravel(), keys):
        r = ranks[(clf, metric)]
        if "cd" not in r:
            ax.axis("off")
            continue
        _stats.plot_critical_difference(
            ax,
            {SAMPLER_LABELS[s]: r[s] for s in SAMPLERS},
            r["cd"],
            f"{CLASSIFIER_LABELS[clf]}: {METRICS[metric]}",
            r["friedman_p"],
        )
    fig.suptitle(
        f"Resamplers on {len(config.datasets)} imbalanced datasets: average ranks "
        f"(1 = best), {config.outer_repeats}x{config.outer_splits}-fold outer CV",
        fontsize=10,
    )
    _runner.save_figure(fig, path)


class Imbalanced(
    _runner.Experiment, name="imbalanced", title="Imbalanced benchmark", task=run_task
):
    """The imbalanced benchmark on the experiment runner."""

    progress_every = 50

    def configure(self, args):
        from skmixup.datasets import list_datasets

        config = Config.from_args(args, QUICK if args.quick else None)
        datasets = args.datasets or (
            QUICK_DATASETS if args.quick else tuple(list_datasets("imbalanced"))
        )
        return replace(
            config,
            datasets=datasets,
            classifiers=tuple(dict.fromkeys(config.classifiers)),
        )

    def load(self, config):
        return _runner.load_named(config.datasets, partial(_binary, config))

    def list_kind(self, args):
        return "imbalanced"

    def check(self, config, data):
        """Done by the loader, which needs the fewest minority points."""

    def variants(self, config):
        return itertools.product(config.classifiers, SAMPLERS)

    def cost(self, config, data, task):
        clf, sampler = task[-2:]
        return _runner.fits(sampler_grid(sampler, config), config.inner_splits) * (
            10 if clf == "hgb" else 1
        )

    def describe(self, config):
        return (
            f"{config.inner_splits}-fold inner tuning, classifiers "
            f"{', '.join(config.classifiers)}"
        )

    def progress(self, res):
        return f"{res['classifier']} {res['sampler']}"

    def summarise(self, results, config, data, **run):
        means, tests, ranks, wilcoxon = summarise(results, config)
        report = format_report(results, means, ranks, wilcoxon, config)
        tables = {"summary": means, "tests": tests, "wilcoxon": wilcoxon}
        return {**tables, "ranks": ranks}, report

    def plot(self, tables, config, output):
        if len(config.datasets) >= 2:
            path = os.path.join(output, "imbalanced.png")
            plot(tables["summary"], tables["ranks"], config, path)

    def run_info(self, config, data):
        return {"samplers": SAMPLERS}


run = Imbalanced().run
