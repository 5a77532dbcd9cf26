"""Categorical columns: k-mixup with categories averaged vs taken from a parent.

On every bundled classification dataset that has categorical columns (one-hot
encoded by :func:`skmixup.datasets.load_dataset`), two models are trained with
k-mixup on the same outer folds, seeds and budget, once mixing the one-hot
columns linearly like numeric ones (``averaged``: a synthetic row may read
``0.3 x red + 0.7 x blue``) and once taking each categorical feature whole
from one of the two parents (``aware``: ``categorical_features`` /
``onehot_groups``, so every value occurs):

* ``net``: numeric columns standardised, one-hot columns passed through
  (a :class:`~sklearn.compose.ColumnTransformer`), then
  :class:`~skmixup.KMixupClassifier` with the UCI benchmark's network and
  quick budget;
* ``linear``: :class:`~skmixup.KMixupEstimator` around a standardised
  logistic regression.

``k`` and ``alpha`` are fixed (the question is the mixing rule, not the
tuning). Per dataset, ``aware - averaged`` is tested with the Nadeau-Bengio
corrected paired t-test over the folds; across datasets with the Wilcoxon
signed-rank test. Writes ``folds.csv``, ``summary.csv``, ``results.md`` and
``run.json``.
"""

import itertools
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import _runner, _stats
from ._common import (
    add_cv_arguments,
    command_line,
    markdown_table,
    nonnegative_float,
    positive_int,
)

DESCRIPTION = (
    "k-mixup with categorical columns averaged vs taken from one parent "
    "(categorical_features / onehot_groups), on the bundled datasets that have "
    "categorical columns."
)
MODELS = ("net", "linear")
VARIANTS = ("averaged", "aware")
SCORES = ("accuracy", "log_loss")


@dataclass(frozen=True)
class Config(_runner.Config):
    k: int = 16
    alpha: float = 1.0
    steps: int = 300


def add_arguments(parser):
    _runner.add_run_arguments(
        parser,
        datasets="comma-separated names (default: every bundled classification "
        "dataset with categorical columns)",
        quick="3 datasets, 3 folds",
        output="benchmark_results/categorical",
    )
    parser.add_argument("--k", type=positive_int, default=16, help="default 16")
    parser.add_argument(
        "--alpha",
        type=nonnegative_float,
        default=1.0,
        help="Beta(alpha, alpha) (default 1.0)",
    )
    add_cv_arguments(parser, inner=False, training=False)
    parser.add_argument(
        "--steps", type=positive_int, default=300, help="gradient steps per net fit"
    )


def categorical_datasets():
    """Bundled classification datasets with at least one categorical column."""
    from skmixup.datasets import list_datasets, load_dataset

    return tuple(
        n for n in list_datasets("classification") if load_dataset(n).categorical
    )


def onehot_groups(dataset):
    """Column indices of each one-hot encoded categorical feature."""
    names = list(dataset.feature_names)
    return [
        [j for j, f in enumerate(names) if f.startswith(f"{col}=")]
        for col in dataset.categorical
    ]


def make_model(model, variant, groups, n_features, n_train, config, seed):
    """The pipeline of one model and mixing rule."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmixup import KMixupClassifier, KMixupEstimator

    onehot = sorted(j for g in groups for j in g)
    aware = variant == "aware"
    mixing = dict(k=config.k, alpha=config.alpha, random_state=seed)
    if model == "linear":
        inner = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return KMixupEstimator(inner, onehot_groups=groups if aware else None, **mixing)
    numeric = [j for j in range(n_features) if j not in set(onehot)]
    prep = ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", "passthrough", onehot)]
    )
    mask = np.r_[np.zeros(len(numeric), bool), np.ones(len(onehot), bool)]
    net = KMixupClassifier(
        categorical_features=mask if aware else None,
        max_epochs=_runner.epochs_for(config.steps, n_train, 64),
        batch_size=64,
        module__hidden_units=128,
        device="cpu",
        **mixing,
    )
    return make_pipeline(prep, net)


def run_task(
    config, index, name, X, y, groups, repeat, fold, train, test, model, variant
):
    """One model with one mixing rule on one outer fold."""
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    # one seed per outer split, shared by the four fits of the split
    seed = config.seed + repeat * config.outer_splits + fold
    train = _runner.subsample(train, y, config, seed)
    est = make_model(model, variant, groups, X.shape[1], len(train), config, seed)
    est.fit(X[train], y[train])
    scores = _runner.classification_scores(est, X[test], y[test])
    return {
        **_runner.fold_row(name, repeat, fold, train, test, model=model),
        "variant": variant,
        **{score: scores[score] for score in SCORES},
        "seconds": time.perf_counter() - start,
    }


def summarise(folds):
    """Per dataset and model: means and the aware - averaged test; across
    datasets, per model and score: wins, ties and losses, and Wilcoxon."""
    import pandas as pd

    tests = _stats.fold_tests(
        folds, ["dataset", "model"], [("aware", "averaged")], SCORES, "variant"
    )
    tests = pd.DataFrame(tests).set_index(["dataset", "model", "metric"])
    rows = []
    for (name, model), df in folds.groupby(["dataset", "model"], sort=False):
        row = {"dataset": name, "model": model}
        for metric in SCORES:
            for v in VARIANTS:
                row[f"{metric}_{v}"] = df[df.variant == v][metric].mean()
            test = tests.loc[(name, model, metric)]
            row[f"{metric}_diff"], row[f"{metric}_p"] = test.mean_diff, test.p_value
        rows.append(row)
    table = pd.DataFrame(rows)
    across = {
        (model, score): _stats.compare_over_datasets(
            table[table.model == model][f"{score}_diff"], score == "accuracy"
        )
        for model in MODELS
        for score in SCORES
    }
    return table, across


def format_report(table, across, config, wall):
    lines = [
        f"`{command_line('categorical')}` — k = {config.k}, alpha = {config.alpha}, "
        f"{config.outer_repeats} x {config.outer_splits} outer folds, {config.steps} "
        f"steps per net fit, seed {config.seed}; {wall:.0f} s. Accuracy in %, log-loss; `diff` is aware "
        "minus averaged, p the corrected paired t-test over folds.",
        "",
        *markdown_table(
            "dataset | model | acc averaged | acc aware | diff | p | logloss averaged "
            "| logloss aware | diff | p",
            (
                f"{r.dataset} | {r.model} | {100 * r.accuracy_averaged:.1f} | "
                f"{100 * r.accuracy_aware:.1f} | {100 * r.accuracy_diff:+.2f} | "
                f"{r.accuracy_p:.2f} | {r.log_loss_averaged:.3f} | {r.log_loss_aware:.3f} "
                f"| {r.log_loss_diff:+.3f} | {r.log_loss_p:.2f}"
                for r in table.itertuples()
            ),
        ),
        "",
    ]
    for (model, metric), a in across.items():
        what = " points" if metric == "accuracy" else ""
        scale = 100 if metric == "accuracy" else 1
        lines.append(
            f"- {model}, {metric.replace('_', '-')}: aware better on {a['wins']}, "
            f"worse on {a['losses']} of {len(table[table.model == model])} datasets, "
            f"mean difference {scale * a['mean_diff']:+.3f}{what}, Wilcoxon p = "
            f"{a['wilcoxon_p']:.2f}."
        )
    return "\n".join(lines)


class Categorical(
    _runner.Experiment, name="categorical", title="Categorical benchmark", task=run_task
):
    """The categorical benchmark on the experiment runner (no inner tuning)."""

    inner = False

    def configure(self, args):
        names = tuple(args.datasets or categorical_datasets())
        if args.quick:
            return Config.from_args(
                args, datasets=names[:3], outer_splits=3, outer_repeats=1
            )
        return Config.from_args(args, datasets=names)

    def load(self, config):
        from skmixup.datasets import load_dataset

        data = {}
        for name in config.datasets:
            dataset = load_dataset(name)
            groups = onehot_groups(dataset)
            if not groups:
                print(f"{name}: no categorical columns, skipped", file=sys.stderr)
                continue
            data[name] = (dataset.data, dataset.target, groups)
        return data

    seed_per_dataset = False

    def variants(self, config):
        return itertools.product(MODELS, VARIANTS)

    def cost(self, config, data, task):
        return 1 if task[-2] == "net" else 0

    def describe(self, config):
        return (
            f"k = {config.k}, alpha = {config.alpha}, {config.steps} steps per net fit"
        )

    def progress(self, res):
        return f"{res['model']} {res['variant']}: accuracy {res['accuracy']:.3f}"

    def summarise(self, results, config, data, wall, n_jobs):
        import pandas as pd

        table, across = summarise(pd.DataFrame(results))
        return {"summary": table}, format_report(table, across, config, wall)


run = Categorical().run
