"""ERM vs mixup vs k-mixup on real tabular data, with nested cross-validation.

Classification (``KMixupClassifier``: accuracy, log-loss, calibration before
and after temperature scaling, beside gradient boosting, a logistic regression
and RealMLP-TD) and regression (``KMixupRegressor`` with C-Mixup and
label-aware k-mixup, and ``KMixupEstimator(Ridge)``: RMSE and R²). The
protocol and the statistics are described in ``docs/benchmarks.rst``.
"""

import collections
import functools
import math
import os
import time
from dataclasses import dataclass, replace

import numpy as np

from . import _runner, _stats
from ._common import add_cv_arguments, markdown_table, number_list
from ._stats import format_p as _fmt_p
from ._stats import format_p_equals as _fmt_eq

DESCRIPTION = (
    "ERM vs mixup vs k-mixup on real tabular datasets (nested CV; accuracy, "
    "log-loss, calibration; --task regression: RMSE and R2 with the nets and "
    "with a ridge regression). The main job of skmixup."
)

TASKS = ("classification", "regression")
METHODS = ("erm", "mixup", "kmixup")
#: the net's regression methods: the three above and the two that pair on y
REGRESSION_METHODS = ("erm", "mixup", "cmixup", "kmixup", "lkmixup")
RIDGE_METHODS = ("ridge_erm", "ridge_mixup", "ridge_kmixup")
#: model family -> its methods, ERM first and mixup second
FAMILIES = {
    "classification": {"net": METHODS},
    "regression": {"net": REGRESSION_METHODS, "ridge": RIDGE_METHODS},
}
LABELS = {
    "erm": "ERM",
    "mixup": "mixup",
    "kmixup": "k-mixup",
    "cmixup": "C-Mixup",
    "lkmixup": "label-aware k-mixup",
}
#: (method, baseline) variants compared per dataset (corrected t-test) and,
#: the first two and those after them, across datasets; a pair is used in a
#: family that has both
COMPARISONS = (
    ("kmixup", "erm"),
    ("kmixup", "mixup"),
    ("mixup", "erm"),
    ("cmixup", "erm"),
    ("cmixup", "mixup"),
    ("kmixup", "cmixup"),
    ("lkmixup", "erm"),
    ("lkmixup", "kmixup"),
    ("lkmixup", "cmixup"),
)
#: the pairs summarised across datasets (Wilcoxon), in report order
ACROSS = tuple(c for c in COMPARISONS if c != ("mixup", "erm"))
#: tuned parameter -> (column in folds.csv, symbol in the report)
TUNED = {
    "k": ("best_k", "k"),
    "alpha": ("best_alpha", "α"),
    "estimator__alpha": ("best_ridge_alpha", "ridge α"),
    "bandwidth": ("best_bandwidth", "σ"),
    "label_weight": ("best_label_weight", "γ"),
}
#: baselines a user would pick instead of a mixing net, per task; ``realmlp``
#: runs only where the optional ``pytabkit`` is installed (the ``baselines``
#: extra): without it the method is left out of the run, never replaced
BASELINES = {
    "classification": ("hgb", "logreg", "realmlp"),
    "regression": ("hgb",),
}
BASELINE_LABELS = {
    "hgb": "gradient boosting",
    "logreg": "logistic regression",
    "realmlp": "RealMLP-TD",
}
#: the small grids by which the inner CV tunes the baselines (RealMLP-TD
#: keeps its tuned defaults)
BASELINE_GRIDS = {
    "hgb": {"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
    "logreg": {"C": [0.1, 1.0, 10.0]},
    "realmlp": {},
}
#: calibration scores, before (``_raw``) and after (``_ts``) temperature scaling
CALIBRATION = {"ece": "ECE", "brier": "Brier", "log_loss": "log-loss"}
#: metric -> (column in folds.csv, higher is better, label)
METRICS = {
    "classification": {
        "accuracy": (True, "accuracy"),
        "log_loss": (False, "log-loss"),
        "ece": (False, "ECE"),
    },
    "regression": {"rmse": (False, "RMSE"), "r2": (True, "R²")},
}
#: metric -> its column in summary.csv (after the method's name)
COLUMNS = {
    "classification": {"accuracy": "acc", "log_loss": "logloss", "ece": "ece"},
    "regression": {"rmse": "rmse", "r2": "r2"},
}


def _variant(method):
    """'ridge_kmixup' -> 'kmixup'."""
    return method.rsplit("_", 1)[-1]


def _label(method):
    """'hgb' -> 'gradient boosting', 'ridge_kmixup' -> 'ridge k-mixup'."""
    if method in BASELINE_LABELS:
        return BASELINE_LABELS[method]
    family, _, variant = method.rpartition("_")
    name = LABELS.get(variant, variant)
    return f"{family} {name}" if family else name


@dataclass(frozen=True)
class Config(_runner.Config):
    steps: int = 600
    batch_size: int = 64
    hidden_units: int = 128
    n_layers: int = 2
    lr: float = 1e-3
    alphas: tuple = (0.2, 1.0)
    ks: tuple = (4, 16)
    task: str = "classification"
    ridge_alphas: tuple = (0.1, 1.0, 10.0)
    #: C-Mixup's bandwidths, in units of the standardised target's std
    bandwidths: tuple = (0.1, 1.0)
    #: label-aware k-mixup's label_weight grid
    label_weights: tuple = (1.0, 4.0)

    @property
    def methods(self):
        nets = tuple(m for family in FAMILIES[self.task].values() for m in family)
        return nets + available_baselines(self.task)


def available_baselines(task):
    """The baselines of ``task`` that this environment can run."""
    import importlib.util

    return tuple(
        m
        for m in BASELINES.get(task, ())
        if m != "realmlp" or importlib.util.find_spec("pytabkit") is not None
    )


def _baseline_model(method, task, seed):
    """A baseline model with its untuned settings."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.linear_model import LogisticRegression

    if method == "hgb":
        if task == "classification":
            return HistGradientBoostingClassifier(random_state=seed)
        return HistGradientBoostingRegressor(random_state=seed)
    if method == "logreg":
        return LogisticRegression(max_iter=2000)
    from pytabkit import RealMLP_TD_Classifier

    return RealMLP_TD_Classifier(
        random_state=seed, n_threads=1, device="cpu", verbosity=0
    )


QUICK = dict(
    outer_splits=3, outer_repeats=1, inner_splits=2, steps=300, ks=(16,), max_train=1000
)
#: --all: every bundled classification dataset (digits, not its superset
#: optdigits), 3 x 5 outer folds, 2 inner folds, 500 steps per fit, training
#: folds above 2,000 rows subsampled: sized to finish within an hour on 2 cores.
#: --task regression runs this protocol on every bundled regression dataset.
ALL = dict(outer_repeats=3, inner_splits=2, steps=500, max_train=2000)
QUICK_DATASETS = ("iris", "wine", "breast_cancer", "sonar", "ionosphere", "pima")
#: --quick --task regression: two small datasets, one grid point fewer
QUICK_REGRESSION_DATASETS = ("diabetes", "autompg")
QUICK_REGRESSION = dict(QUICK, alphas=(1.0,))


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
    _runner.add_run_arguments(
        parser,
        datasets="comma-separated dataset names or CSV paths (default: the "
        "12-dataset suite; with --quick: " + ",".join(QUICK_DATASETS) + "; with "
        "--task regression: every bundled regression dataset, with --quick "
        + ",".join(QUICK_REGRESSION_DATASETS)
        + "). List the names with --list.",
        listing="list datasets and exit",
        quick="small run (3 outer folds, 2 inner folds, 300 steps, k in {16}; "
        "--task regression: alpha in {1} too); a few minutes on 2 cores",
        output="benchmark_results/uci, or benchmark_results/regression with "
        "--task regression",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="classification: every bundled classification dataset (optdigits "
        "left out for digits), 3x5 outer folds, 2 inner folds, 500 steps, "
        "training folds subsampled to 2000 rows",
    )
    add_cv_arguments(parser)
    parser.add_argument(
        "--bandwidths",
        type=number_list(float, 1e-12, ""),
        help="C-Mixup bandwidths tuned (--task regression; in units of the "
        "standardised target's std; default 0.1,1)",
    )
    parser.add_argument(
        "--label-weights",
        type=number_list(float, 0, ""),
        help="label_weight values tuned for label-aware k-mixup (--task "
        "regression; default 1,4)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS|local:N",
        type=_runner.dask_address,
        default=None,
        help="run the tasks on a Dask cluster: a scheduler address, or local:N for a "
        "local cluster of N workers on 127.0.0.1 (needs the 'dask' extra)",
    )


def _prefix(config):
    """Parameter prefix of the mixing estimator inside the pipeline."""
    return "clf__" if config.task == "classification" else "reg__regressor__"


def make_estimator(config, n_train, seed, method="erm", **params):
    """The pipeline of ``method``: scaling, then the model with the run's budget.

    Classification: StandardScaler + KMixupClassifier. Regression: StandardScaler
    + TransformedTargetRegressor (standardised target) around KMixupRegressor
    (net methods) or KMixupEstimator(Ridge) (``ridge_*`` methods).
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skmixup import KMixupClassifier, KMixupEstimator, KMixupRegressor

    if method in RIDGE_METHODS:
        model = KMixupEstimator(Ridge(), random_state=seed, **params)
    elif method in BASELINE_LABELS:
        model = _baseline_model(method, config.task, seed).set_params(**params)
    else:
        net = KMixupClassifier if config.task == "classification" else KMixupRegressor
        if method == "cmixup":
            net = cmixup_regressor()
        model = net(
            max_epochs=_runner.epochs_for(config.steps, n_train, config.batch_size),
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
        return Pipeline([("scale", StandardScaler()), ("clf", model)])
    reg = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
    return Pipeline([("scale", StandardScaler()), ("reg", reg)])


@functools.cache
def cmixup_regressor():
    """:class:`~skmixup.KMixupRegressor` mixing its batches by C-Mixup.

    A subclass that overrides the public per-batch hook ``mix_batch``: the
    partners come from :func:`skmixup.cmixup_pairs` on the batch's targets
    (``bandwidth``, the net's ``alpha``), and :func:`skmixup.apply_draw`
    mixes with them as k-mixup mixes. Built on first use (torch loads
    lazily).
    """
    import inspect

    from skmixup import KMixupRegressor, apply_draw, cmixup_pairs

    class CMixupRegressor(KMixupRegressor):
        def __init__(self, *, bandwidth=1.0, **kwargs):
            super().__init__(**kwargs)
            self.bandwidth = bandwidth

        def fit(self, X, y, **fit_params):
            # C-Mixup's own stream, seeded by the net's random_state
            self.cmixup_rng_ = np.random.default_rng(self.random_state)
            return super().fit(X, y, **fit_params)

        def mix_batch(self, X, y, sample_weight=None, *, mix_layer=0):
            targets = y.detach().cpu().numpy()
            draw = cmixup_pairs(
                targets,
                bandwidth=self.bandwidth,
                alpha=self.alpha,
                random_state=self.cmixup_rng_,
            )
            arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
            mixed = apply_draw(draw, *arrays)
            return mixed if sample_weight is not None else (*mixed, None)

    params = list(inspect.signature(KMixupRegressor.__init__).parameters.values())
    own = inspect.Parameter("bandwidth", inspect.Parameter.KEYWORD_ONLY, default=1.0)
    tail = [q for q in params if q.kind is inspect.Parameter.VAR_KEYWORD]
    head = [q for q in params if q.kind is not inspect.Parameter.VAR_KEYWORD]
    CMixupRegressor.__init__.__signature__ = inspect.Signature([*head, own, *tail])
    return CMixupRegressor


def method_grid(method, config):
    p = _prefix(config)
    if method in BASELINE_LABELS:
        return {f"{p}{name}": v for name, v in BASELINE_GRIDS[method].items()}
    variant = _variant(method)
    alphas = [0.0] if variant == "erm" else list(config.alphas)
    grid = {
        f"{p}alpha": alphas,
        f"{p}k": list(config.ks) if variant in ("kmixup", "lkmixup") else [1],
    }
    if variant == "cmixup":
        grid[f"{p}bandwidth"] = list(config.bandwidths)
    if variant == "lkmixup":
        grid[f"{p}label_weight"] = list(config.label_weights)
    if method in RIDGE_METHODS:
        grid[f"{p}estimator__alpha"] = list(config.ridge_alphas)
    return grid


def run_task(config, dataset_index, name, X, y, repeat, fold, train, test, method):
    """Tune one method on one outer training fold, score it on the test fold."""
    import torch
    from sklearn.metrics import r2_score, root_mean_squared_error

    torch.set_num_threads(1)
    seed = _runner.task_seed(config.seed, dataset_index, repeat, fold)
    regression = config.task == "regression"
    start = time.perf_counter()
    train = _runner.subsample(train, y, config, seed, stratified=not regression)
    model, best = _runner.tune_and_fit(
        lambda n: make_estimator(config, n, seed, method),
        method_grid(method, config),
        X,
        y,
        train,
        config=config,
        seed=seed,
        scoring="neg_root_mean_squared_error" if regression else "accuracy",
        stratified=not regression,
    )
    if regression:
        pred = np.asarray(model.predict(X[test]), dtype=np.float64).ravel()
        scores = {
            "rmse": root_mean_squared_error(y[test], pred),
            "r2": r2_score(y[test], pred),
        }
    else:
        scores = _runner.classification_scores(model, X[test], y[test])
        scores.update(
            temperature_scaling_scores(
                lambda n: make_estimator(config, n, seed, method).set_params(**best),
                X,
                y,
                train,
                test,
                seed,
            )
        )
    p = _prefix(config)
    # bandwidth and label_weight: regression only (classification's folds.csv
    # keeps its columns)
    tuned = ("alpha", "k", "estimator__alpha")
    tuned += ("bandwidth", "label_weight") if regression else ()
    return {
        **_runner.fold_row(name, repeat, fold, train, test, method=method),
        **scores,
        **{TUNED[param][0]: best.get(p + param) for param in tuned},
        "best_params": (
            ", ".join(f"{k[len(p) :]}={v:g}" for k, v in sorted(best.items()))
            if method in BASELINE_LABELS
            else None
        ),
        "seconds": time.perf_counter() - start,
    }


def calibration_scores(proba, y, classes):
    """ECE, Brier score and log-loss of predicted probabilities."""
    from sklearn.metrics import brier_score_loss, log_loss

    # float32 probabilities can miss a sum of 1 by more than the metrics allow
    proba = np.asarray(proba, dtype=np.float64)
    proba = proba / proba.sum(axis=1, keepdims=True)
    return {
        "ece": _stats.expected_calibration_error(y, proba, classes),
        "brier": brier_score_loss(y, proba, labels=classes),
        "log_loss": log_loss(y, proba, labels=classes),
    }


def temperature_scaling_available():
    """Whether this scikit-learn calibrates by temperature
    (``CalibratedClassifierCV(method="temperature")``, scikit-learn 1.8 on);
    the classification run's calibration columns need it."""
    from sklearn.calibration import CalibratedClassifierCV

    try:
        CalibratedClassifierCV(method="temperature")._validate_params()
    except ValueError:
        return False
    return True


def temperature_scaling_scores(make_model, X, y, train, test, seed, held_out=0.2):
    """Calibration on the test rows before and after temperature scaling.

    The tuned model (``make_model(n_rows)``, its parameters set) is refit on
    80% of the training rows; scikit-learn's
    ``CalibratedClassifierCV(FrozenEstimator(model), method="temperature")``
    fits the temperature on the other 20%. Both are scored on the test rows:
    ``{metric}_raw`` before, ``{metric}_ts`` after, for ``metric`` in
    :data:`CALIBRATION`.
    """
    from joblib import parallel_config
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import train_test_split

    _, counts = np.unique(y[train], return_counts=True)
    # a class seen once cannot be on both sides of a stratified split
    stratify = y[train] if counts.min() >= 2 else None
    fit_rows, cal_rows = train_test_split(
        train, test_size=held_out, stratify=stratify, random_state=seed
    )
    # the temperature needs every class among the calibration rows: a class
    # the split left out lends one of its rows (when it has one to spare)
    spare = [
        fit_rows[y[fit_rows] == c][0]
        for c in np.setdiff1d(y[fit_rows], y[cal_rows])
        if (y[fit_rows] == c).sum() >= 2
    ]
    if spare:
        fit_rows = np.setdiff1d(fit_rows, spare)
        cal_rows = np.concatenate([cal_rows, spare])
    model = make_model(len(fit_rows)).fit(X[fit_rows], y[fit_rows])
    # The model is frozen: the cross-validated predictions are its own on every
    # calibration row whatever the split. Two halves given as index pairs (no
    # stratified folds) let a class with fewer rows than folds pass.
    rows = np.arange(len(cal_rows))
    halves = (rows[: len(rows) // 2], rows[len(rows) // 2 :])
    scaled = CalibratedClassifierCV(
        FrozenEstimator(model),
        method="temperature",
        cv=[(halves[1], halves[0]), (halves[0], halves[1])],
    )
    # in order, as the inner search: the unit of parallel work is the task
    with parallel_config(backend="sequential"):
        scaled.fit(X[cal_rows], y[cal_rows])
    scores, positive = {}, []
    for suffix, fitted in (("raw", model), ("ts", scaled)):
        proba = fitted.predict_proba(X[test])
        positive.append(proba[:, -1])
        calibration = calibration_scores(proba, y[test], fitted.classes_)
        scores.update({f"{m}_{suffix}": v for m, v in calibration.items()})
    if len(model.classes_) == 2:
        # the reliability diagrams' input, taken out of folds.csv by UCI.write
        scores["reliability"] = (y[test] == model.classes_[1], *positive)
    return scores


def _as_task(config, given, bunch):
    """``(X, y)`` of one dataset, its target checked against the task."""
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
    else:
        # Classes as 0..K-1, in their sorted order (the same folds and fits):
        # scikit-learn 1.9's temperature scaling misreads other integer
        # labels (1..7 gave uniform probabilities on segment).
        y = np.unique(y, return_inverse=True)[1].reshape(-1)
    return np.asarray(bunch.data, dtype=np.float32), y


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

    df = pd.DataFrame(results)
    main = "accuracy" if config.task == "classification" else "r2"
    rows, tests = [], []
    for name in config.datasets:
        row = {"dataset": name}
        for method in config.methods:
            m = _ordered(df, name, method)
            for metric, column in COLUMNS[config.task].items():
                row[f"{method}_{column}"] = m[metric].mean()
                if column in ("acc", "rmse"):
                    row[f"{method}_{column}_std"] = m[metric].std(ddof=1)
            # the calibration columns, before and after temperature scaling
            for column in (
                f"{c}_{when}" for when in ("raw", "ts") for c in CALIBRATION
            ):
                if column in m:
                    row[f"{method}_{column}"] = m[column].mean()
        for family, methods in FAMILIES[config.task].items():
            erm = methods[0]
            kmixup = next(m for m in methods if _variant(m) == "kmixup")
            base = _ordered(df, name, erm)[main].to_numpy()
            for method in methods:
                d = _ordered(df, name, method)[main].to_numpy() - base
                row[f"{method}_vs_erm_se"] = (
                    d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else 0.0
                )
            best_k = _ordered(df, name, kmixup).best_k.dropna()
            row[f"{kmixup}_best_k" if family != "net" else "best_k"] = (
                best_k.mode().iloc[0] if len(best_k) else None
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    for family, methods in FAMILIES[config.task].items():
        pairs = _pairs(methods, COMPARISONS)
        for test in _stats.fold_tests(
            df, ["dataset"], pairs, METRICS[config.task], family=family
        ):
            test.update(
                method=_variant(test["method"]), baseline=_variant(test["baseline"])
            )
            tests.append(test)
    return (table, pd.DataFrame(tests), *_across_datasets(table, config))


def _pairs(methods, comparisons):
    """``(method, baseline)`` of a family for each pair of variants it has."""
    have = {_variant(m): m for m in methods}
    return [(have[a], have[b]) for a, b in comparisons if a in have and b in have]


def _across_datasets(table, config):
    """Average ranks, Friedman and Nemenyi; Wilcoxon of each pair in :data:`ACROSS`.

    ``wtl`` is keyed ``(family, method, baseline, metric)`` (variants). Ranks
    also over every method of the run (family ``"all"``) when it has
    baselines; the net k-mixup against each baseline (``BASELINES``) under
    ``("net", "kmixup", baseline, metric)``; and, after temperature scaling,
    against ERM and mixup under ``("calibrated", "kmixup", base, metric)``."""
    ranks, wtl = {}, {}
    columns = COLUMNS[config.task]
    for family, methods in FAMILIES[config.task].items():
        for metric, (higher, _) in METRICS[config.task].items():
            scores = table[[f"{m}_{columns[metric]}" for m in methods]]
            ranks[(family, metric)] = _stats.rank_summary(
                scores, [_variant(m) for m in methods], higher
            )
        for first, base in _pairs(methods, ACROSS):
            for metric, (higher, _) in METRICS[config.task].items():
                key = (family, _variant(first), _variant(base), metric)
                wtl[key] = _compare(table, first, base, columns[metric], metric, higher)
    baselines = [m for m in config.methods if m in BASELINE_LABELS]
    for metric, (higher, _) in METRICS[config.task].items():
        if baselines and metric != "ece":
            scores = table[[f"{m}_{columns[metric]}" for m in config.methods]]
            ranks[("all", metric)] = _stats.rank_summary(scores, config.methods, higher)
        for base in baselines:
            wtl[("net", "kmixup", base, metric)] = _compare(
                table, "kmixup", base, columns[metric], metric, higher
            )
    for base in ("erm", "mixup"):
        for metric in CALIBRATION:
            column = f"{metric}_ts"
            if f"kmixup_{column}" in table:
                wtl[("calibrated", "kmixup", base, metric)] = _compare(
                    table, "kmixup", base, column, metric, False
                )
    return ranks, wtl


def _compare(table, method, base, column, metric, higher):
    """:func:`_stats.compare_over_datasets` of ``method`` minus ``base``."""
    k_col, b_col = table[f"{method}_{column}"], table[f"{base}_{column}"]
    # RMSE: scale-free, the relative change
    d = k_col / b_col - 1.0 if metric == "rmse" else k_col - b_col
    return _stats.compare_over_datasets(d, higher)


def _tuning_choices(results, config):
    """How often inner tuning chose each setting, per family's mixing method."""
    import pandas as pd

    df = pd.DataFrame(results)
    symbols = dict(TUNED.values())
    lines = []
    for family, methods in FAMILIES[config.task].items():
        for method in methods[1:]:
            tuned = {"kmixup": ["k"], "lkmixup": ["k", "label_weight"]}
            tuned["cmixup"] = ["bandwidth"]
            names = tuned.get(_variant(method), []) + ["alpha"]
            key = [TUNED[name][0] for name in names]
            sub = df[df.method == method]
            counts = sub.groupby(key).size()
            parts = []
            for idx, count in counts.items():
                idx = idx if isinstance(idx, tuple) else (idx,)
                label = ", ".join(f"{symbols[k]}={v:g}" for k, v in zip(key, idx))
                parts.append(f"{label}: {count}")
            prefix = "" if family == "net" else f"{family} "
            lines.append(
                f"Tuning chose ({prefix}{LABELS[_variant(method)]}, {len(sub)} outer "
                "folds): " + "; ".join(parts)
            )
    return lines


def format_report(table, tests, ranks, wtl, config, results=None):
    tests = tests.set_index(["dataset", "family", "method", "baseline", "metric"])
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
            head = f"{who}Average rank (1 = best) over {n} datasets, {label}: "
            order = {_variant(m): LABELS[_variant(m)] for m in methods}
            lines.append(_stats.rank_line(head, ranks[(family, metric)], order))
    lines.append("")
    for (family, first, base, metric), w in wtl.items():
        if metric == "ece" or family == "calibrated" or base in BASELINE_LABELS:
            continue
        who = "" if family == "net" else f"{family} "
        lines.append(
            _wtl_line(f"{who}{LABELS[first]} vs {who}{LABELS[base]}", w, metric, config)
        )
    if config.task == "classification":
        for base in ("erm", "mixup"):
            acc = tests.xs(("net", "kmixup", base, "accuracy"), level=[1, 2, 3, 4])
            lines.append(
                f"k-mixup vs {base} (accuracy, per dataset, corrected t-test p < 0.05): "
                f"{int(((acc.p_value < 0.05) & (acc.mean_diff > 0)).sum())} significant "
                f"wins, {int(((acc.p_value < 0.05) & (acc.mean_diff < 0)).sum())} "
                "significant losses"
            )
    lines += _baseline_report(table, ranks, wtl, config)
    lines += _calibration_report(table, wtl, config)
    if results is not None:
        lines.append("")
        lines += _tuning_choices(results, config)
    return "\n".join(lines)


def _wtl_line(head, w, metric, config):
    """``head (metric): wins / ties / losses, mean difference; Wilcoxon``."""
    label = CALIBRATION.get(metric) or METRICS[config.task][metric][1]
    if metric == "rmse":
        diff = f"mean {100 * w['mean_diff']:+.2f}% RMSE"
    elif metric in ("accuracy",):
        diff = f"mean {100 * w['mean_diff']:+.2f} points"
    else:
        diff = f"mean {w['mean_diff']:+.4f}"
    return (
        f"{head} ({label}): {w['wins']} wins / {w['ties']} ties / {w['losses']} "
        f"losses, {diff}; Wilcoxon signed-rank over datasets: "
        f"W = {w['wilcoxon_stat']:g}, p {_fmt_eq(w['wilcoxon_p'])}"
    )


def _wide_table(table, methods, labels, cell):
    """A row per dataset, a column per ``labels`` item and method, filled by
    ``cell(row, key, method)``."""
    header = " | ".join(
        f"{_label(m)} {label}" for label in labels.values() for m in methods
    )
    return markdown_table(
        f"dataset | {header}",
        (
            f"{r.dataset} | "
            + " | ".join(cell(r, key, m) for key in labels for m in methods)
            for _, r in table.iterrows()
        ),
    )


def _baseline_report(table, ranks, wtl, config):
    """The baselines' table, the ranks of every method and k-mixup vs each."""
    baselines = [m for m in config.methods if m in BASELINE_LABELS]
    if not baselines:
        return []
    labels = {m: v[1] for m, v in METRICS[config.task].items() if m != "ece"}
    columns = COLUMNS[config.task]
    shown = [m for m in config.methods if _variant(m) == "kmixup"] + baselines

    def cell(r, metric, m):
        value = r[f"{m}_{columns[metric]}"]
        return f"{100 * value:.1f}" if metric == "accuracy" else f"{value:.4g}"

    lines = ["", *_wide_table(table, shown, labels, cell), ""]
    for metric, label in labels.items():
        head = (
            f"Average rank over every method (1 = best) over {len(table)} datasets, "
            f"{label}: "
        )
        names = {m: _label(m) for m in config.methods}
        lines.append(_stats.rank_line(head, ranks[("all", metric)], names))
    for base in baselines:
        for metric in labels:
            w = wtl[("net", "kmixup", base, metric)]
            lines.append(_wtl_line(f"k-mixup net vs {_label(base)}", w, metric, config))
    return lines


def _calibration_report(table, wtl, config):
    """Per dataset, ECE / Brier / log-loss before -> after temperature scaling;
    k-mixup vs ERM and mixup after scaling across datasets."""
    if "kmixup_ece_ts" not in table:
        return []
    methods = [m for m in config.methods if f"{m}_ece_ts" in table]
    lines = [
        "",
        "Calibration on the test folds, before → after temperature scaling "
        "(temperature fitted on a held-out 20% of the training fold, the model "
        "refit on the other 80%):",
        "",
        *_wide_table(
            table,
            methods,
            CALIBRATION,
            lambda r, metric, m: (
                f"{r[f'{m}_{metric}_raw']:.3f} → {r[f'{m}_{metric}_ts']:.3f}"
            ),
        ),
        "",
    ]
    for (family, _, base, metric), w in wtl.items():
        if family == "calibrated":
            head = f"k-mixup vs {LABELS[base]} after temperature scaling"
            lines.append(_wtl_line(head, w, metric, config))
    return lines


def _classification_table(table, tests):
    rows = []
    for _, r in table.iterrows():
        t = tests.loc[(r.dataset, "net", "kmixup", "mixup", "accuracy")]
        accs = [
            f"{100 * r[f'{m}_acc']:.1f} ± {100 * r[f'{m}_acc_std']:.1f}"
            for m in METHODS
        ]
        best = max(METHODS, key=lambda m: r[f"{m}_acc"])
        accs = [f"**{a}**" if m == best else a for a, m in zip(accs, METHODS)]
        lls = [f"{r[f'{m}_logloss']:.3f}" for m in METHODS]
        eces = [f"{r[f'{m}_ece']:.3f}" for m in METHODS]
        ci = f"{100 * t.mean_diff:+.1f} [{100 * t.ci_low:+.1f}, {100 * t.ci_high:+.1f}]"
        rows.append(" | ".join([r.dataset, *accs, *lls, *eces, ci, _fmt_p(t.p_value)]))
    return markdown_table(
        "dataset | ERM acc | mixup acc | k-mixup acc | ERM logloss | mixup logloss "
        "| k-mixup logloss | ERM ECE | mixup ECE | k-mixup ECE | k-mix − mixup acc "
        "(95% CI) | p (k-mix vs mixup, acc)",
        rows,
    )


def _regression_table(table, tests, config):
    header = ["dataset"]
    for family, methods in FAMILIES[config.task].items():
        for score in ("RMSE", "R²"):
            header += [f"{family} {LABELS[_variant(m)]} {score}" for m in methods]
    header.append("net k-mix − mixup R² (95% CI)")
    rows = []
    for _, r in table.iterrows():
        cells = [r.dataset]
        for methods in FAMILIES[config.task].values():
            best = min(methods, key=lambda m: r[f"{m}_rmse"])
            for m in methods:
                text = f"{r[f'{m}_rmse']:.4g} ± {r[f'{m}_rmse_std']:.2g}"
                cells.append(f"**{text}**" if m == best else text)
            cells += [f"{r[f'{m}_r2']:.3f}" for m in methods]
        t = tests.loc[(r.dataset, "net", "kmixup", "mixup", "r2")]
        cells.append(f"{t.mean_diff:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}]")
        rows.append(" | ".join(cells))
    return markdown_table(" | ".join(header), rows)


def plot(table, config, path):
    """Per-dataset bars: the main score's difference to ERM (± s.e.) and the
    other scores, one panel each."""
    plt = _runner.pyplot()
    names = list(table.dataset)
    x = np.arange(len(names))
    families = FAMILIES[config.task]
    # (score, shown as, y label, family): the difference to ERM with its
    # standard error, the ratio to ERM, or the score itself
    if config.task == "classification":
        panels = [
            ("acc", "diff", "accuracy − ERM (points, ± s.e.)", "net"),
            ("logloss", "value", "test log-loss", "net"),
            ("ece", "value", "ECE", "net"),
        ]
    else:
        panels = [("r2", "diff", f"{f}: R² − ERM (± s.e.)", f) for f in families]
        panels += [("rmse", "ratio", f"{f}: RMSE / ERM's", f) for f in families]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(8, 0.9 * len(names)), 3 * len(panels)), sharex=True
    )
    for ax, (column, shown, ylabel, family) in zip(axes, panels):
        methods = families[family]
        width = min(0.27, 0.8 / len(methods))
        scale = 100 if column == "acc" else 1
        for i, m in enumerate(methods):
            score, erm = table[f"{m}_{column}"], table[f"{methods[0]}_{column}"]
            vals, err = {
                "diff": (scale * (score - erm), scale * table[f"{m}_vs_erm_se"]),
                "ratio": (score / erm, None),
                "value": (score, None),
            }[shown]
            offset = (i - (len(methods) - 1) / 2) * width
            ax.bar(x + offset, vals, width, yerr=err, label=LABELS[_variant(m)])
        ax.set_ylabel(ylabel, fontsize=8)
        ax.axhline(1 if shown == "ratio" else 0, color="k", lw=0.5)
    axes[0].legend(ncol=len(families["net"]), fontsize=8)
    axes[-1].set_xticks(x, names, rotation=30, ha="right")
    fig.suptitle(
        f"ERM vs mixup vs k-mixup ({config.task}): {config.outer_repeats}x"
        f"{config.outer_splits}-fold outer CV, {config.steps} steps"
    )
    _runner.save_figure(fig, path)


def plot_statistics(tests, ranks, config, path):
    """Critical-difference diagrams (one per family and metric) and the
    per-dataset differences of k-mixup with 95% corrected intervals."""
    plt = _runner.pyplot()
    keys = [
        (family, metric)
        for family in (*FAMILIES[config.task], "all")
        for metric in METRICS[config.task]
        if metric != "ece" and "cd" in ranks.get((family, metric), {})
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
    tests = tests.set_index(["dataset", "family", "method", "baseline", "metric"])
    n_cols = max(len(keys), len(forest))
    fig = plt.figure(
        figsize=(4.2 * n_cols, 1.6 * max(len(keys), 1) + 0.3 * len(names) + 2)
    )
    grid = fig.add_gridspec(2, n_cols, height_ratios=[1.3, 0.2 * len(names) + 1])
    for i, (family, metric) in enumerate(keys):
        r = ranks[(family, metric)]
        key = (lambda m: m) if family == "all" else _variant
        # the methods ranked together: the family's, or all of the run's
        methods = config.methods if family == "all" else FAMILIES[config.task][family]
        _stats.plot_critical_difference(
            fig.add_subplot(grid[0, i]),
            {_label(key(m)): r[key(m)] for m in methods},
            r["cd"],
            f"{'' if family == 'net' else family + ': '}{METRICS[config.task][metric][1]}",
            r["friedman_p"],
        )
    y = np.arange(len(names))[::-1]
    for i, (family, base, metric) in enumerate(forest):
        ax = fig.add_subplot(grid[1, i])
        sub = tests.xs((family, "kmixup", base, metric), level=[1, 2, 3, 4]).loc[names]
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
    _runner.save_figure(fig, path)


#: binary datasets drawn in the reliability diagrams, at most
RELIABILITY_DATASETS = 3


def plot_reliability(results, curves, config, path):
    """Reliability diagrams (CalibrationDisplay) of the net methods on the
    first binary datasets, pooled over outer folds, before and after
    temperature scaling. Nothing is drawn without a binary dataset."""
    from sklearn.calibration import CalibrationDisplay

    pooled = collections.defaultdict(lambda: collections.defaultdict(list))
    for row, curve in zip(results, curves):
        if curve is not None and row["method"] in METHODS:
            pooled[row["dataset"]][row["method"]].append(curve)
    names = [n for n in config.datasets if n in pooled][:RELIABILITY_DATASETS]
    if not names:
        return
    plt = _runner.pyplot()
    fig, axes = plt.subplots(2, len(names), figsize=(4 * len(names), 8), squeeze=False)
    for j, name in enumerate(names):
        for i, when in enumerate(("before", "after")):
            ax = axes[i, j]
            for method, parts in pooled[name].items():
                y_true = np.concatenate([p[0] for p in parts])
                y_prob = np.concatenate([p[1 + i] for p in parts])
                CalibrationDisplay.from_predictions(
                    y_true, y_prob, n_bins=10, name=LABELS[method], ax=ax
                )
            ax.set_title(f"{name}: {when} temperature scaling", fontsize=9)
            ax.legend(fontsize=7)
    fig.suptitle("Reliability diagrams on the outer test folds (pooled)")
    _runner.save_figure(fig, path)


class UCI(_runner.Experiment, name="uci", title="UCI benchmark", task=run_task):
    """The UCI benchmark on the experiment runner."""

    def configure(self, args):
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
        regression = task == "regression"
        if not regression and not temperature_scaling_available():
            import sklearn

            raise ValueError(
                "the classification run reports calibration after temperature "
                "scaling, which needs CalibratedClassifierCV(method='temperature') "
                f"from scikit-learn >= 1.8; this is scikit-learn {sklearn.__version__}. "
                'Upgrade it: pip install -U "scikit-learn>=1.8" (or pip install -e '
                '".[benchmarks]").'
            )
        quick = QUICK_REGRESSION if regression else QUICK
        preset = quick if args.quick else (ALL if use_all or regression else {})
        config = Config.from_args(args, preset)
        if args.datasets:
            datasets = args.datasets
        elif regression:
            datasets = (
                QUICK_REGRESSION_DATASETS
                if args.quick
                else tuple(list_datasets("regression"))
            )
        elif use_all:
            datasets = all_classification_datasets()
        else:
            datasets = QUICK_DATASETS if args.quick else DEFAULT_SUITE
        return replace(config, datasets=datasets)

    def load(self, config):
        return _runner.load_named(config.datasets, functools.partial(_as_task, config))

    def list_kind(self, args):
        return getattr(args, "task", None)

    def default_output(self, args, config):
        folder = "regression" if config.task == "regression" else "uci"
        return os.path.join("benchmark_results", folder)

    def stratified(self, config):
        return config.task != "regression"

    def variants(self, config):
        return [(method,) for method in config.methods]

    def cost(self, config, data, task):
        # every network fit takes the same steps; the ridge fits cost ~0
        # (RealMLP-TD: one fit, no grid; gradient boosting and the linear
        # models cost next to nothing beside a network)
        method = task[-1]
        if method in RIDGE_METHODS or method in ("hgb", "logreg"):
            return 0
        return _runner.fits(method_grid(method, config), config.inner_splits)

    def describe(self, config):
        return (
            f"task {config.task}, {config.inner_splits}-fold inner tuning, "
            f"{config.steps} steps/fit"
        )

    def progress(self, res):
        return f"{res['method']:>12}: " + "  ".join(
            f"{metric} {res[metric]:.3f}"
            for metric in ("accuracy", "log_loss", "rmse", "r2")
            if metric in res
        )

    def summarise(self, results, config, data, **run):
        table, tests, ranks, wtl = summarise(results, config)
        report = format_report(table, tests, ranks, wtl, config, results)
        return {"summary": table, "tests": tests, "ranks": ranks}, report

    def write(self, results, config, data, output, **run):
        curves = [row.pop("reliability", None) for row in results]
        report = super().write(results, config, data, output, **run)
        path = os.path.join(output, "reliability.png")
        plot_reliability(results, curves, config, path)
        return report

    def plot(self, tables, config, output):
        figure = "uci.png" if config.task == "classification" else "regression.png"
        plot(tables["summary"], config, os.path.join(output, figure))
        if len(config.datasets) >= 2:
            path = os.path.join(output, "statistics.png")
            plot_statistics(tables["tests"], tables["ranks"], config, path)

    def run_info(self, config, data):
        return {"methods": config.methods}


run = UCI().run
