"""Oversampling for imbalanced binary classification: k-mixup vs SMOTE and friends.

On binary imbalanced datasets (by default every bundled one,
``list_datasets("imbalanced")``), each resampler is put in front of each
classifier in an imbalanced-learn pipeline (scaling, resampler, classifier)
and evaluated with nested cross-validation: stratified repeated outer folds;
in each training fold, the resampler's own parameters are tuned by an inner
stratified grid search on balanced accuracy; the refitted pipeline is scored
on the test fold.

Resamplers:

* ``none``: no resampling;
* ``ros``: :class:`~imblearn.over_sampling.RandomOverSampler`;
* ``smote``: :class:`~imblearn.over_sampling.SMOTE`, ``k_neighbors`` tuned;
* ``adasyn``: :class:`~imblearn.over_sampling.ADASYN`, ``n_neighbors`` tuned;
  where ADASYN finds no minority point with majority neighbours it raises;
  the fold then keeps its data unchanged, and the run counts such fits;
* ``mixup``: :class:`~skmixup.KMixupAugmenter` with ``k=1`` (random pairs
  inside the class, no matching; an ablation);
* ``kmixup``: :class:`~skmixup.KMixupAugmenter` with ``k`` tuned.

Both mixing resamplers use ``sampling_strategy="auto"``: the minority class
is oversampled up to the majority's size, its synthetic points mixed inside
the class (so their label is the class).

Scores, with the minority class as positive: balanced accuracy, G-mean (the
geometric mean of the two recalls), ROC AUC and average precision. Across
datasets: average ranks with the Friedman test and the Nemenyi critical
difference, and the Wilcoxon signed-rank test of k-mixup against each other
resampler; per dataset: the corrected resampled t-test.
"""

import math
import os
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import BaseEstimator

from ._common import (
    add_cv_arguments,
    check_folds,
    csv_list,
    inner_search,
    load_average,
    number_list,
    outer_folds,
    output_dir_error,
    resolve_n_jobs,
    run_costliest_first,
    write_run,
)
from ._stats import format_p_equals as _fmt_eq

DESCRIPTION = (
    "Imbalanced binary classification: no resampling vs random oversampling vs "
    "SMOTE vs ADASYN vs k-mixup oversampling (KMixupAugmenter(sampling_strategy="
    "'auto')), in front of a logistic regression and gradient-boosted trees."
)

SAMPLERS = ("none", "ros", "smote", "adasyn", "mixup", "kmixup")
SAMPLER_LABELS = {
    "none": "none",
    "ros": "ROS",
    "smote": "SMOTE",
    "adasyn": "ADASYN",
    "mixup": "mixup (k=1)",
    "kmixup": "k-mixup",
}
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
class Config:
    """Everything that defines a run (written next to the results)."""

    datasets: tuple
    classifiers: tuple
    outer_splits: int
    outer_repeats: int
    inner_splits: int
    ks: tuple
    neighbors: tuple
    seed: int
    max_train: int | None


FULL = dict(
    classifiers=CLASSIFIERS,
    outer_splits=5,
    outer_repeats=2,
    inner_splits=3,
    ks=(4, 16),
    neighbors=(3, 5),
    max_train=None,
)
QUICK = dict(FULL, outer_splits=3, outer_repeats=1, inner_splits=2)
QUICK_DATASETS = ("glass4", "new-thyroid2", "ecoli3", "yeast-2_vs_4")


def add_arguments(parser):
    parser.add_argument(
        "--datasets",
        type=csv_list,
        default=None,
        help="comma-separated dataset names or CSV paths with a binary target "
        "(the rarer class is the positive one); default: every bundled imbalanced "
        "dataset; with --quick: " + ",".join(QUICK_DATASETS),
    )
    parser.add_argument(
        "--list", action="store_true", help="list the imbalanced datasets and exit"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (4 datasets, 3 outer folds, 2 inner folds) for tests",
    )
    parser.add_argument(
        "--classifiers",
        type=csv_list,
        default=None,
        help="comma-separated subset of " + ",".join(CLASSIFIERS) + " (default: both)",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results/imbalanced",
        help="folder for CSV, PNG and markdown (default: %(default)s)",
    )
    add_cv_arguments(
        parser,
        n_jobs_help="parallel tasks (default or -1: one per core)",
        ks_help="k values tuned for k-mixup (each >= 2; default 4,16)",
        training=False,
    )
    parser.add_argument(
        "--neighbors",
        type=number_list(int, 1),
        help="k_neighbors (SMOTE) and n_neighbors (ADASYN) tuned (default 3,5)",
    )


def _make_config(args):
    from skmixup.datasets import list_datasets

    values = dict(QUICK if args.quick else FULL)
    for name in ("outer_splits", "outer_repeats", "inner_splits", "ks", "neighbors"):
        given = getattr(args, name)
        if given is not None:
            values[name] = given
    if args.max_train is not None:
        values["max_train"] = args.max_train
    if args.classifiers is not None:
        unknown = sorted(set(args.classifiers) - set(CLASSIFIERS))
        if unknown:
            raise ValueError(
                f"--classifiers: unknown {unknown}; choose from {', '.join(CLASSIFIERS)}."
            )
        values["classifiers"] = tuple(dict.fromkeys(args.classifiers))
    if args.datasets:
        datasets = args.datasets
    else:
        datasets = QUICK_DATASETS if args.quick else tuple(list_datasets("imbalanced"))
    return Config(datasets=tuple(dict.fromkeys(datasets)), seed=args.seed, **values)


def _load_all(config):
    """``{display name: (X, y01)}``: y01 is 1 for the positive (minority) class.

    Bundled datasets name their positive class; for a CSV file it is the
    rarer of its two classes. The display name is never a path.
    """
    from skmixup.datasets import _metadata, load_dataset

    data = {}
    for given in config.datasets:
        bunch = load_dataset(given)
        y = np.asarray(bunch.target)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) != 2:
            raise ValueError(
                f"The imbalanced benchmark needs a binary target; {given!r} has "
                f"{len(classes)} classes. Pick a two-class dataset (see --list)."
            )
        meta = _metadata()["datasets"].get(bunch.name, {})
        positive_text = meta.get("positive_class")
        if positive_text is not None and bunch.name == str(given).lower():
            positive = next(c for c in classes if str(c) == positive_text)
        else:
            positive = classes[np.argmin(counts)]
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
        name = bunch.name
        n = 2
        while name in data:
            name, n = f"{bunch.name}_{n}", n + 1
        data[name] = (
            np.asarray(bunch.data, dtype=np.float64),
            (y == positive).astype(np.int64),
        )
    return data


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


def _task_seed(config, dataset_index, repeat, fold):
    return int(
        np.random.SeedSequence(
            [config.seed, dataset_index, repeat, fold]
        ).generate_state(1)[0]
        % (2**31 - 1)
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
    from sklearn.model_selection import train_test_split

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    seed = _task_seed(config, dataset_index, repeat, fold)
    if config.max_train is not None and len(train) > config.max_train:
        train, _ = train_test_split(
            train, train_size=config.max_train, stratify=y[train], random_state=seed
        )
    start = time.perf_counter()
    n_positive = int(y[train].sum())
    # the fewest minority points of an inner training fold (stratified folds)
    n_inner = n_positive - math.ceil(n_positive / config.inner_splits)
    grid = sampler_grid(sampler, config, n_inner)
    best = {}
    if any(len(v) > 1 for v in grid.values()):
        best = inner_search(
            make_pipeline(sampler, clf, seed),
            grid,
            X[train],
            y[train],
            n_splits=config.inner_splits,
            seed=seed,
            scoring="balanced_accuracy",
        )
    else:
        best = {
            key: values[0]
            for key, values in sampler_grid(sampler, config, n_positive).items()
        }
    model = make_pipeline(sampler, clf, seed)
    model.set_params(**best)
    model.fit(X[train], y[train])
    proba = model.predict_proba(X[test])[:, list(model.classes_).index(1)]
    step = model.named_steps["sample"]
    return {
        "dataset": name,
        "classifier": clf,
        "sampler": sampler,
        "repeat": repeat,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
        "n_positive_train": int(y[train].sum()),
        **scores(y[test], proba),
        "best_param": next(iter(best.values()), None),
        "adasyn_unchanged": bool(getattr(step, "failed_", False)),
        "seconds": time.perf_counter() - start,
    }


def _tasks(config, data):
    for split in outer_folds(config, data):
        for clf in config.classifiers:
            for sampler in SAMPLERS:
                yield (*split, clf, sampler)


def summarise(results, config):
    """Per-dataset means, per-dataset corrected t-tests of k-mixup against each
    resampler, and across datasets: average ranks, Friedman, Nemenyi CD and
    Wilcoxon signed-rank tests."""
    import pandas as pd

    from ._stats import (
        average_ranks,
        corrected_interval,
        corrected_resampled_ttest,
        friedman_test,
        nemenyi_critical_difference,
        wilcoxon_signed_rank,
    )

    df = pd.DataFrame(results)
    means = (
        df.groupby(["classifier", "dataset", "sampler"])[list(METRICS)]
        .mean()
        .reset_index()
    )
    tests, ranks, wilcoxon = [], {}, []
    for clf in config.classifiers:
        for name in config.datasets:
            sub = df[(df.classifier == clf) & (df.dataset == name)]
            k_rows = sub[sub.sampler == "kmixup"].sort_values(["repeat", "fold"])
            n_train, n_test = int(k_rows.n_train.mean()), int(k_rows.n_test.mean())
            for base in SAMPLERS[:-1]:
                b_rows = sub[sub.sampler == base].sort_values(["repeat", "fold"])
                for metric in METRICS:
                    diff = k_rows[metric].to_numpy() - b_rows[metric].to_numpy()
                    t, p = corrected_resampled_ttest(diff, n_train, n_test)
                    mean, low, high = corrected_interval(diff, n_train, n_test)
                    tests.append(
                        dict(
                            classifier=clf,
                            dataset=name,
                            baseline=base,
                            metric=metric,
                            mean_diff=mean,
                            ci_low=low,
                            ci_high=high,
                            t=t,
                            p_value=p,
                        )
                    )
        m = means[means.classifier == clf]
        for metric in METRICS:
            table = m.pivot(index="dataset", columns="sampler", values=metric).loc[
                list(config.datasets), list(SAMPLERS)
            ]
            scores_ = table.to_numpy()
            entry = dict(zip(SAMPLERS, average_ranks(scores_).tolist()))
            if len(table) >= 2:
                entry["friedman_p"] = friedman_test(scores_)[1]
                entry["cd"] = nemenyi_critical_difference(len(SAMPLERS), len(table))
            ranks[(clf, metric)] = entry
            for base in SAMPLERS[:-1]:
                d = table["kmixup"] - table[base]
                stat, p = wilcoxon_signed_rank(d.to_numpy())
                wilcoxon.append(
                    dict(
                        classifier=clf,
                        metric=metric,
                        baseline=base,
                        wins=int((d > 1e-12).sum()),
                        ties=int((d.abs() <= 1e-12).sum()),
                        losses=int((d < -1e-12).sum()),
                        mean_diff=float(d.mean()),
                        wilcoxon_stat=stat,
                        wilcoxon_p=p,
                    )
                )
    return means, pd.DataFrame(tests), ranks, pd.DataFrame(wilcoxon)


def format_report(results, means, ranks, wilcoxon, config):
    import pandas as pd

    df = pd.DataFrame(results)
    lines = []
    for clf in config.classifiers:
        lines.append(f"### {CLASSIFIER_LABELS[clf]}")
        lines.append("")
        header = "| dataset (minority / training rows) | " + " | ".join(
            SAMPLER_LABELS[s] for s in SAMPLERS
        )
        lines.append(header + " |")
        lines.append("|" + "---|" * (len(SAMPLERS) + 1))
        lines.append("| *balanced accuracy / ROC AUC* |" + " |" * len(SAMPLERS))
        m = means[means.classifier == clf].set_index(["dataset", "sampler"])
        for name in config.datasets:
            one = df[(df.dataset == name) & (df.classifier == clf)].iloc[0]
            ratio = f"{name} ({one.n_positive_train}/{one.n_train})"
            best = max(SAMPLERS, key=lambda s: m.loc[(name, s), "balanced_accuracy"])
            cells = []
            for s in SAMPLERS:
                text = (
                    f"{m.loc[(name, s), 'balanced_accuracy']:.3f} / "
                    f"{m.loc[(name, s), 'roc_auc']:.3f}"
                )
                cells.append(f"**{text}**" if s == best else text)
            lines.append(f"| {ratio} | " + " | ".join(cells) + " |")
        lines.append("")
        n = len(config.datasets)
        for metric, label in METRICS.items():
            r = ranks[(clf, metric)]
            text = f"Average rank over {n} datasets, {label}: " + ", ".join(
                f"{SAMPLER_LABELS[s]} {r[s]:.2f}" for s in sorted(SAMPLERS, key=r.get)
            )
            if "cd" in r:
                text += (
                    f" (Friedman p {_fmt_eq(r['friedman_p'])}; Nemenyi critical "
                    f"difference {r['cd']:.2f})"
                )
            lines.append(text)
        lines.append("")
        w = wilcoxon[wilcoxon.classifier == clf]
        for metric, label in METRICS.items():
            parts = []
            for _, row in w[w.metric == metric].iterrows():
                parts.append(
                    f"vs {SAMPLER_LABELS[row.baseline]} {row.wins}/{row.ties}/"
                    f"{row.losses}, {row.mean_diff:+.4f}, p {_fmt_eq(row.wilcoxon_p)}"
                )
            lines.append(
                f"k-mixup {label} (wins/ties/losses over datasets, mean difference, "
                "Wilcoxon signed-rank p): " + "; ".join(parts)
            )
        lines.append("")
        chosen = df[(df.classifier == clf) & (df.sampler == "kmixup")].best_param
        lines.append(
            "Tuning chose k (k-mixup, all outer folds): "
            + "; ".join(
                f"k={int(k)}: {c}"
                for k, c in chosen.value_counts().sort_index().items()
            )
        )
        lines.append("")
    unchanged = df[df.sampler == "adasyn"].adasyn_unchanged
    lines.append(
        f"ADASYN could not generate points (data left unchanged) in "
        f"{int(unchanged.sum())} of {len(unchanged)} final fits."
    )
    return "\n".join(lines)


def plot(means, ranks, config, path):
    """Average-rank CD diagrams, one per classifier and metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._stats import plot_critical_difference

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
        plot_critical_difference(
            ax,
            {SAMPLER_LABELS[s]: r[s] for s in SAMPLERS},
            r["cd"],
            title=f"{CLASSIFIER_LABELS[clf]}: {METRICS[metric]} "
            f"(Friedman p {_fmt_eq(r['friedman_p'])})",
        )
    fig.suptitle(
        f"Resamplers on {len(config.datasets)} imbalanced datasets: average ranks "
        f"(1 = best), {config.outer_repeats}x{config.outer_splits}-fold outer CV",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cost(sampler, clf, config):
    grid = sampler_grid(sampler, config)
    n_grid = int(np.prod([len(v) for v in grid.values()])) if grid else 1
    fits = 1 + (n_grid * config.inner_splits if n_grid > 1 else 0)
    return fits * (10 if clf == "hgb" else 1)


def run(args):
    from skmixup.datasets import list_datasets

    if args.list:
        print("\n".join(list_datasets("imbalanced")))
        return 0
    try:
        config = _make_config(args)
        data = _load_all(config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    config = replace(config, datasets=tuple(data))
    message = output_dir_error(args.output)
    if message:
        print(message, file=sys.stderr)
        return 2
    n_jobs = resolve_n_jobs(args.n_jobs)
    tasks = list(_tasks(config, data))
    print(
        f"Imbalanced benchmark: {len(config.datasets)} datasets, "
        f"{config.outer_repeats}x{config.outer_splits} outer folds, "
        f"{config.inner_splits}-fold inner tuning, classifiers "
        f"{', '.join(config.classifiers)}, {len(tasks)} tasks on {n_jobs} workers",
        flush=True,
    )
    load_at_start = load_average()
    start = time.perf_counter()

    def progress(done, res):
        if done % 50 == 0 or done == len(tasks):
            print(
                f"[{done:5d}/{len(tasks)}] {time.perf_counter() - start:6.0f}s elapsed",
                flush=True,
            )

    results = run_costliest_first(
        run_task,
        [(config, d, name, *data[name], *rest) for (d, name, *rest) in tasks],
        [_cost(task[7], task[6], config) for task in tasks],
        n_jobs,
        on_done=progress,
    )
    wall = time.perf_counter() - start

    import pandas as pd

    means, tests, ranks, wilcoxon = summarise(results, config)
    report = format_report(results, means, ranks, wilcoxon, config)
    pd.DataFrame(results).to_csv(os.path.join(args.output, "folds.csv"), index=False)
    means.to_csv(os.path.join(args.output, "summary.csv"), index=False)
    tests.to_csv(os.path.join(args.output, "tests.csv"), index=False)
    wilcoxon.to_csv(os.path.join(args.output, "wilcoxon.csv"), index=False)
    if len(config.datasets) >= 2:
        plot(means, ranks, config, os.path.join(args.output, "imbalanced.png"))
    write_run(
        args.output,
        "imbalanced",
        config=dict(config.__dict__),
        report=report,
        wall=wall,
        n_jobs=n_jobs,
        # timings are read next to the machine's load (1, 5, 15 min averages)
        load_average_start=load_at_start,
        samplers=SAMPLERS,
    )
    print()
    print(report)
    print(f"\nwall time {wall:.0f} s; results in {args.output}/")
    return 0
