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

import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ._common import (
    check_folds,
    csv_list,
    n_splits,
    nonnegative_float,
    output_dir_error,
    positive_int,
    seed_int,
)

DESCRIPTION = (
    "k-mixup with categorical columns averaged vs taken from one parent "
    "(categorical_features / onehot_groups), on the bundled datasets that have "
    "categorical columns."
)
MODELS = ("net", "linear")
VARIANTS = ("averaged", "aware")


def add_arguments(parser):
    parser.add_argument(
        "--datasets",
        type=csv_list,
        default=None,
        help="comma-separated names (default: every bundled classification "
        "dataset with categorical columns)",
    )
    parser.add_argument("--quick", action="store_true", help="3 datasets, 3 folds")
    parser.add_argument("--k", type=positive_int, default=16, help="default 16")
    parser.add_argument(
        "--alpha",
        type=nonnegative_float,
        default=1.0,
        help="Beta(alpha, alpha) (default 1.0)",
    )
    parser.add_argument("--outer-splits", type=n_splits, default=5)
    parser.add_argument("--outer-repeats", type=positive_int, default=2)
    parser.add_argument(
        "--steps", type=positive_int, default=300, help="gradient steps per net fit"
    )
    parser.add_argument("--seed", type=seed_int, default=0)
    parser.add_argument(
        "--output",
        default="benchmark_results/categorical",
        help="output folder (default: benchmark_results/categorical)",
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


def make_model(model, variant, groups, n_features, n_train, args, seed):
    """The pipeline of one model and mixing rule."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmixup import KMixupClassifier, KMixupEstimator

    onehot = sorted(j for g in groups for j in g)
    aware = variant == "aware"
    if model == "linear":
        inner = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return KMixupEstimator(
            inner,
            k=args.k,
            alpha=args.alpha,
            onehot_groups=groups if aware else None,
            random_state=seed,
        )
    numeric = [j for j in range(n_features) if j not in set(onehot)]
    prep = ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", "passthrough", onehot)]
    )
    mask = np.r_[np.zeros(len(numeric), bool), np.ones(len(onehot), bool)]
    epochs = max(1, round(args.steps / max(1, math.ceil(n_train / 64))))
    net = KMixupClassifier(
        k=args.k,
        alpha=args.alpha,
        categorical_features=mask if aware else None,
        max_epochs=epochs,
        batch_size=64,
        module__hidden_units=128,
        random_state=seed,
        device="cpu",
    )
    return make_pipeline(prep, net)


def run_fold(dataset, groups, train, test, args, seed):
    """Both models, both rules, on one outer fold."""
    from sklearn.metrics import accuracy_score, log_loss

    X, y = dataset.data, dataset.target
    rows = []
    for model in MODELS:
        for variant in VARIANTS:
            start = time.perf_counter()
            est = make_model(model, variant, groups, X.shape[1], len(train), args, seed)
            est.fit(X[train], y[train])
            proba = est.predict_proba(X[test])
            rows.append(
                {
                    "model": model,
                    "variant": variant,
                    "accuracy": accuracy_score(y[test], est.classes_[proba.argmax(1)]),
                    "log_loss": log_loss(y[test], proba, labels=est.classes_),
                    "seconds": time.perf_counter() - start,
                }
            )
    return rows


def summarise(folds, n_train, n_test):
    """Per dataset and model: means and the aware - averaged test."""
    import pandas as pd

    from ._stats import corrected_resampled_ttest, wilcoxon_signed_rank

    out = []
    for (name, model), df in folds.groupby(["dataset", "model"], sort=False):
        wide = df.pivot_table(
            index=["repeat", "fold"], columns="variant", values=["accuracy", "log_loss"]
        )
        row = {"dataset": name, "model": model}
        for metric in ("accuracy", "log_loss"):
            for v in VARIANTS:
                row[f"{metric}_{v}"] = wide[(metric, v)].mean()
            diff = wide[(metric, "aware")] - wide[(metric, "averaged")]
            row[f"{metric}_diff"] = diff.mean()
            row[f"{metric}_p"] = corrected_resampled_ttest(
                diff, n_train[name], n_test[name]
            )[1]
        out.append(row)
    table = pd.DataFrame(out)
    across = {}
    for model in MODELS:
        sub = table[table.model == model]
        for metric in ("accuracy", "log_loss"):
            d = sub[f"{metric}_diff"].to_numpy()
            sign = 1 if metric == "accuracy" else -1
            across[(model, metric)] = {
                "mean_diff": float(d.mean()),
                "wins": int((sign * d > 0).sum()),
                "losses": int((sign * d < 0).sum()),
                "p_wilcoxon": wilcoxon_signed_rank(d)[1],
            }
    return table, across


def _command():
    """The command line of this run, as typed."""
    argv = sys.argv[2:] if sys.argv[1:2] == ["categorical"] else []
    return " ".join(["python -m skmixup.benchmarks categorical", *argv])


def format_report(table, across, args, wall):
    lines = [
        f"`{_command()}` — k = {args.k}, alpha = {args.alpha}, {args.outer_repeats} x "
        f"{args.outer_splits} outer folds, {args.steps} steps per net fit, seed "
        f"{args.seed}; {wall:.0f} s. Accuracy in %, log-loss; `diff` is aware "
        "minus averaged, p the corrected paired t-test over folds.",
        "",
        "| dataset | model | acc averaged | acc aware | diff | p | logloss averaged "
        "| logloss aware | diff | p |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.dataset} | {r.model} | {100 * r.accuracy_averaged:.1f} | "
            f"{100 * r.accuracy_aware:.1f} | {100 * r.accuracy_diff:+.2f} | "
            f"{r.accuracy_p:.2f} | {r.log_loss_averaged:.3f} | {r.log_loss_aware:.3f} "
            f"| {r.log_loss_diff:+.3f} | {r.log_loss_p:.2f} |"
        )
    lines.append("")
    for (model, metric), a in across.items():
        what = " points" if metric == "accuracy" else ""
        scale = 100 if metric == "accuracy" else 1
        lines.append(
            f"- {model}, {metric.replace('_', '-')}: aware better on {a['wins']}, "
            f"worse on {a['losses']} of {len(table[table.model == model])} datasets, "
            f"mean difference {scale * a['mean_diff']:+.3f}{what}, Wilcoxon p = "
            f"{a['p_wilcoxon']:.2f}."
        )
    return "\n".join(lines) + "\n"


def run(args):
    import pandas as pd
    from sklearn.model_selection import RepeatedStratifiedKFold

    from skmixup.datasets import load_dataset

    error = output_dir_error(args.output)
    if error:
        print(error, file=sys.stderr)
        return 2
    names = args.datasets or categorical_datasets()
    if args.quick:
        names = names[:3]
        args.outer_splits, args.outer_repeats = 3, 1
    try:  # every dataset loaded and its folds checked before any fit
        loaded = {name: load_dataset(name) for name in names}
        for name, dataset in loaded.items():
            check_folds(name, dataset.target, outer_splits=args.outer_splits)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    rows, n_train, n_test = [], {}, {}
    for name, dataset in loaded.items():
        groups = onehot_groups(dataset)
        if not groups:
            print(f"{name}: no categorical columns, skipped", file=sys.stderr)
            continue
        cv = RepeatedStratifiedKFold(
            n_splits=args.outer_splits,
            n_repeats=args.outer_repeats,
            random_state=args.seed,
        )
        for i, (train, test) in enumerate(cv.split(dataset.data, dataset.target)):
            seed = args.seed + i
            for row in run_fold(dataset, groups, train, test, args, seed):
                rows.append(
                    {
                        "dataset": name,
                        "repeat": i // args.outer_splits,
                        "fold": i % args.outer_splits,
                        **row,
                    }
                )
            n_train[name], n_test[name] = len(train), len(test)
        print(f"{name}: done ({time.perf_counter() - start:.0f} s)", flush=True)
    folds = pd.DataFrame(rows)
    table, across = summarise(folds, n_train, n_test)
    wall = time.perf_counter() - start
    report = format_report(table, across, args, wall)
    print(report)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    folds.to_csv(out / "folds.csv", index=False)
    table.to_csv(out / "summary.csv", index=False)
    (out / "results.md").write_text(report, encoding="utf-8")
    run_info = {
        "command": " ".join(
            ["python -m skmixup.benchmarks categorical", *sys.argv[2:]]
        ),
        "datasets": list(names),
        "k": args.k,
        "alpha": args.alpha,
        "outer_splits": args.outer_splits,
        "outer_repeats": args.outer_repeats,
        "steps": args.steps,
        "seed": args.seed,
        "wall_seconds": round(wall, 1),
        "python": platform.python_version(),
    }
    (out / "run.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    return 0
