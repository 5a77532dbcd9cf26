"""ERM vs mixup vs k-mixup vs manifold k-mixup on images, with robustness.

On the digits and a 5,000-image MNIST subset, each method tuned by nested
cross-validation at every learning rate of ``--lrs``, scored on accuracy,
log-loss, calibration and accuracy under Gaussian noise and FGSM; described
in ``docs/images.rst``. (``python -m skmixup.benchmarks neural --images``
times the same network's fits.)
"""

import itertools
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from . import _runner, _stats
from ._common import (
    add_cv_arguments,
    add_device_argument,
    load_average,
    markdown_table,
    number_list,
    positive_int,
    resolve_device,
)

DESCRIPTION = (
    "ERM vs mixup vs k-mixup vs manifold k-mixup with a CNN on digits and "
    "MNIST (nested CV; accuracy, log-loss, calibration, Gaussian noise and FGSM "
    "robustness)."
)

METHODS = ("erm", "mixup", "kmixup", "manifold")
LABELS = dict(zip(METHODS, ("ERM (α=0)", "mixup (k=1)", "k-mixup", "manifold k-mixup")))
#: (method, baseline) pairs of the paired tests
COMPARISONS = (
    ("kmixup", "mixup"),
    ("kmixup", "erm"),
    ("manifold", "mixup"),
    ("manifold", "kmixup"),
)
DATASETS = ("digits", "mnist_5k")
#: the scores of a fold that the tables summarise and the paired tests compare
SCORES = ("accuracy", "log_loss", "ece", "noise_mean", "fgsm_mean")


@dataclass(frozen=True)
class Config(_runner.Config):
    datasets: tuple = DATASETS
    outer_repeats: int = 1
    inner_splits: int = 2
    steps: int = 1000
    batch_size: int = 64
    channels: tuple = (32, 64)
    hidden_units: int = 128
    #: learning rates, each a separate run of every method (side by side)
    lrs: tuple = (1e-3, 3e-3)
    alphas: tuple = (0.2, 1.0)
    ks: tuple = (16,)
    manifold_layers: tuple = (0, 1)
    sigmas: tuple = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    epsilons: tuple = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)
    noise_repeats: int = 3
    device: str = "cpu"


QUICK = dict(
    datasets=("digits",),
    outer_splits=3,
    steps=200,
    channels=(16, 32),
    hidden_units=64,
    noise_repeats=2,
)


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    _runner.add_run_arguments(
        parser,
        datasets="comma-separated subset of " + ",".join(DATASETS),
        names=DATASETS,
        quick="small run (digits only, 3 outer folds, 200 steps, a smaller CNN); "
        "a few minutes on 2 cores",
        output="benchmark_results/images",
    )
    add_device_argument(
        parser,
        choices=("cpu", "cuda", "auto"),
        default="cpu",
        help="where the networks train (default: cpu; auto: cuda when available)",
    )
    add_cv_arguments(
        parser,
        n_jobs_help="parallel tasks (default: one per core on the CPU, 1 on cuda; "
        "-1: one per core); each task uses 1 torch thread",
        ks_help="k values tuned for k-mixup and manifold k-mixup (each >= 2)",
    )
    parser.add_argument(
        "--channels", type=number_list(int, 1), help="filters per conv block"
    )
    parser.add_argument("--hidden-units", type=positive_int)
    parser.add_argument(
        "--lrs",
        type=number_list(float, 1e-12, " (learning rates are positive)"),
        help="learning rates, comma-separated: every method runs at each, on the "
        "same folds and seeds, reported side by side (default 0.001,0.003)",
    )


def load_images(name):
    """Images of shape (n, H, W), float32 in [0, 1], and integer labels.

    Parameters
    ----------
    name : {"digits", "mnist_5k"}
        scikit-learn's 8 x 8 digits (grey levels 0-16) or the bundled
        5,000-image MNIST subset (:func:`skmixup.datasets.load_dataset`,
        grey levels 0-255).

    Returns
    -------
    X : ndarray of shape (n_samples, H, W), float32
    y : ndarray of shape (n_samples,), int
    """
    from skmixup.datasets import load_dataset

    if name not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}; got {name!r}")
    bunch = load_dataset(name)
    X = np.asarray(bunch.data, dtype=np.float64)
    side = math.isqrt(X.shape[1])
    X = X.reshape(-1, side, side) / (16.0 if name == "digits" else 255.0)
    return X.astype(np.float32), np.asarray(bunch.target).astype(np.int64)


def make_estimator(config, n_train, seed, lr=None, **params):
    """The run's KMixupClassifier (default ConvNet), with its step budget.

    Every method gets the same network, optimiser, batch size and number of
    gradient steps (``config.steps``, converted to epochs of ``n_train``
    images), at learning rate ``lr`` (default: the run's first).
    """
    from skmixup import KMixupClassifier

    return KMixupClassifier(
        max_epochs=_runner.epochs_for(config.steps, n_train, config.batch_size),
        batch_size=config.batch_size,
        lr=config.lrs[0] if lr is None else lr,
        module__channels=tuple(config.channels),
        module__hidden_units=config.hidden_units,
        random_state=seed,
        device=config.device,
        verbose=0,
        **params,
    )


def method_grid(method, config):
    """The inner grid of one method (one point: no inner search)."""
    if method == "erm":
        return {"alpha": [0.0], "k": [1], "mix_layer": [0]}
    if method == "mixup":
        return {"alpha": list(config.alphas), "k": [1], "mix_layer": [0]}
    layer = 0 if method == "kmixup" else tuple(config.manifold_layers)
    return {"alpha": list(config.alphas), "k": list(config.ks), "mix_layer": [layer]}


def run_task(config, dataset_index, name, X, y, repeat, fold, train, test, method, lr):
    """Tune one method at one learning rate on one outer training fold, score
    it on the test fold."""
    import torch

    from skmixup.robustness import fgsm_accuracy, noise_accuracy

    torch.set_num_threads(1)
    seed = _runner.task_seed(config.seed, dataset_index, repeat, fold)
    start = time.perf_counter()
    cpu_start = time.process_time()
    train = _runner.subsample(train, y, config, seed)
    model, best = _runner.tune_and_fit(
        lambda n: make_estimator(config, n, seed, lr),
        method_grid(method, config),
        X,
        y,
        train,
        config=config,
        seed=seed,
        scoring="accuracy",
    )
    fit_seconds = time.perf_counter() - start
    # The same noise for every method of a fold: paired curves.
    noise = noise_accuracy(
        model,
        X[test],
        y[test],
        sigmas=config.sigmas,
        n_repeats=config.noise_repeats,
        random_state=seed,
    )
    fgsm = fgsm_accuracy(model, X[test], y[test], epsilons=config.epsilons, clip=(0, 1))
    result = {
        **_runner.fold_row(name, repeat, fold, train, test, method=method, lr=lr),
        **_runner.classification_scores(model, X[test], y[test]),
        "best_alpha": best["alpha"],
        "best_k": best["k"],
        "mix_layer": str(best["mix_layer"]),
        "fit_seconds": fit_seconds,
        "seconds": time.perf_counter() - start,
        # this worker's CPU time: the task's cost without the waits for a
        # shared core (one torch thread per task)
        "cpu_seconds": time.process_time() - cpu_start,
    }
    for kind, curve, levels in (
        ("noise", noise, config.sigmas),
        ("fgsm", fgsm, config.epsilons),
    ):
        result.update({f"{kind}_{v:g}": a for v, a in zip(levels, curve.accuracy)})
        # one number per curve for the paired tests: mean over the levels > 0
        result[f"{kind}_mean"] = float(np.mean(curve.accuracy[np.asarray(levels) > 0]))
    return result


def summarise(results, config):
    """Per dataset and method: means and spreads; paired corrected t-tests."""
    import pandas as pd

    df = pd.DataFrame(results).sort_values(
        ["dataset", "method", "lr", "repeat", "fold"]
    )
    curves = [f"noise_{s:g}" for s in config.sigmas]
    curves += [f"fgsm_{e:g}" for e in config.epsilons]
    rows = []
    # in the order of the tables
    for name, lr, method in itertools.product(config.datasets, config.lrs, METHODS):
        m = df[(df.dataset == name) & (df.method == method) & (df.lr == lr)]
        row = {"dataset": name, "lr": lr, "method": method, "n_folds": len(m)}
        for column in (*SCORES, *curves):
            row[column] = m[column].mean()
            row[f"{column}_std"] = m[column].std(ddof=1)
        row["alpha_mode"] = m.best_alpha.mode().iloc[0]
        row["fit_seconds"] = m.fit_seconds.mean()
        rows.append(row)
    tests = _stats.fold_tests(df, ["dataset", "lr"], COMPARISONS, SCORES)
    return pd.DataFrame(rows), pd.DataFrame(tests)


def format_report(table, tests, config):
    """Markdown tables: scores, curves and paired tests."""
    lines = markdown_table(
        "dataset | lr | method | accuracy (%) | log-loss | ECE | acc. under noise "
        "(%) | acc. under FGSM (%) | α chosen (mode)",
        (
            f"{r.dataset} | {r.lr:g} | {LABELS[r.method]} | {100 * r.accuracy:.1f} ± "
            f"{100 * r.accuracy_std:.1f} | {r.log_loss:.3f} ± {r.log_loss_std:.3f} "
            f"| {r.ece:.3f} | {100 * r.noise_mean:.1f} ± {100 * r.noise_mean_std:.1f} "
            f"| {100 * r.fgsm_mean:.1f} ± {100 * r.fgsm_mean_std:.1f} | {r.alpha_mode:g}"
            for _, r in table.iterrows()
        ),
    )
    lines.append("")
    lines.append(
        "Mean ± standard deviation over the outer folds. Noise: mean accuracy over "
        "σ in {" + ", ".join(f"{s:g}" for s in config.sigmas if s > 0) + "}; FGSM: "
        "mean accuracy over ε in {"
        + ", ".join(f"{e:g}" for e in config.epsilons if e > 0)
        + "} (pixels in [0, 1])."
    )
    for kind, levels, symbol, title in (
        ("noise", config.sigmas, "σ", "Gaussian noise"),
        ("fgsm", config.epsilons, "ε", "FGSM"),
    ):
        lines += ["", f"Accuracy (%) under {title}:", ""]
        lines += markdown_table(
            "dataset | lr | method | " + " | ".join(f"{symbol}={v:g}" for v in levels),
            (
                f"{r.dataset} | {r.lr:g} | {LABELS[r.method]} | "
                + " | ".join(f"{100 * r[f'{kind}_{v:g}']:.1f}" for v in levels)
                for _, r in table.iterrows()
            ),
        )
    lines += [
        "",
        "Paired differences (method − baseline, mean over folds) and corrected "
        "resampled t-test p-values:",
        "",
    ]
    by = tests.set_index(["dataset", "lr", "method", "baseline", "metric"])
    rows = []
    for name, lr in ((n, lr) for n in config.datasets for lr in config.lrs):
        for method, base in COMPARISONS:
            cells = [name, f"{lr:g}", f"{LABELS[method]} vs {LABELS[base]}"]
            for metric in ("accuracy", "log_loss", "noise_mean", "fgsm_mean"):
                row = by.loc[(name, lr, method, base, metric)]
                scale, digits = (1, 3) if metric == "log_loss" else (100, 2)
                cells += [f"{scale * row.mean_diff:+.{digits}f}", _p(row.p_value)]
            rows.append(" | ".join(cells))
    lines += markdown_table(
        "dataset | lr | comparison | Δ accuracy (points) | p | Δ log-loss | p "
        "| Δ noise acc. (points) | p | Δ FGSM acc. (points) | p",
        rows,
    )
    if len(config.lrs) > 1:
        lines += _across_lrs(table, by, config)
    return "\n".join(lines)


#: the scores whose conclusions are checked across learning rates
LR_METRICS = {
    "accuracy": "clean accuracy",
    "noise_mean": "accuracy under noise",
    "fgsm_mean": "accuracy under FGSM",
}


def _across_lrs(table, by, config):
    """Per method and learning rate side by side; which conclusions (the best
    method, the sign of each paired difference) hold at every learning rate
    (``by``: the paired tests indexed by dataset, lr, method, baseline and
    metric)."""
    lrs = list(config.lrs)
    lines = [
        "",
        "Learning rates side by side (accuracy %, mean over the outer folds):",
        "",
    ]
    rows = []
    for name in config.datasets:
        for method in METHODS:
            sub = table[(table.dataset == name) & (table.method == method)]
            by_lr = sub.set_index("lr").loc[lrs]
            cells = [f"{100 * v:.1f}" for metric in LR_METRICS for v in by_lr[metric]]
            rows.append(f"{name} | {LABELS[method]} | " + " | ".join(cells))
    header = [f"{label}, lr={lr:g}" for label in LR_METRICS.values() for lr in lrs]
    lines += markdown_table("dataset | method | " + " | ".join(header), rows)
    lines += ["", "Which conclusions hold across the learning rates:", ""]
    for name in config.datasets:
        sub = table[table.dataset == name]
        for metric, label in LR_METRICS.items():
            best = [
                sub[sub.lr == lr].set_index("method")[metric].idxmax() for lr in lrs
            ]
            verdict = "holds" if len(set(best)) == 1 else "changes"
            lines.append(
                f"- {name}, {label}: best method "
                + ", ".join(f"{LABELS[b]} at lr={lr:g}" for b, lr in zip(best, lrs))
                + f" ({verdict})"
            )
            for method, base in COMPARISONS:
                rows = [by.loc[(name, lr, method, base, metric)] for lr in lrs]
                signs = {np.sign(row.mean_diff) for row in rows}
                verdict = "same sign" if len(signs) == 1 else "sign changes"
                lines.append(
                    f"  - {LABELS[method]} − {LABELS[base]}: "
                    + ", ".join(
                        f"{100 * row.mean_diff:+.1f} points (p {_p(row.p_value)}) "
                        f"at lr={lr:g}"
                        for row, lr in zip(rows, lrs)
                    )
                    + f" ({verdict})"
                )
    return lines


def _p(p):
    return "n/a" if not np.isfinite(p) else f"{p:.2f}"


def plot(table, config, path):
    """Noise and FGSM curves (mean ± s.d. over folds), one row per dataset."""
    plt = _runner.pyplot()
    n = len(config.datasets)
    fig, axes = plt.subplots(n, 2, figsize=(10, 3.6 * n), squeeze=False)
    for row, name in zip(axes, config.datasets):
        sub = table[table.dataset == name]
        for ax, kind, levels, xlabel in (
            (row[0], "noise", config.sigmas, "noise σ (pixels in [0, 1])"),
            (row[1], "fgsm", config.epsilons, "FGSM ε (pixels in [0, 1])"),
        ):
            for _, r in sub.iterrows():
                mean = np.array([r[f"{kind}_{v:g}"] for v in levels])
                std = np.nan_to_num([r[f"{kind}_{v:g}_std"] for v in levels])
                style = dict(
                    marker="o", ms=3, capsize=2, color=f"C{METHODS.index(r.method)}"
                )
                style["ls"] = ("-", "--", ":", "-.")[config.lrs.index(r.lr) % 4]
                label = f"{LABELS[r.method]}, lr={r.lr:g}"
                ax.errorbar(levels, 100 * mean, yerr=100 * std, label=label, **style)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("test accuracy (%)")
            ax.set_title(f"{name}: {'Gaussian noise' if kind == 'noise' else 'FGSM'}")
            ax.grid(alpha=0.3)
        row[0].legend(fontsize=8)
    fig.suptitle(
        f"{config.outer_repeats}x{config.outer_splits}-fold outer CV, "
        f"{config.steps} steps per fit, ConvNet{tuple(config.channels)}"
    )
    _runner.save_figure(fig, path)


def _timing_notes(results, data, config, wall, n_jobs):
    """The pixels' spread and the run's times, for the report."""
    cpu = sum(r["cpu_seconds"] for r in results)
    # The levels are in pixel units; divided by the pixels' standard
    # deviation they are in the units of standardised input.
    pixel_std = {name: float(np.std(X)) for name, (X, _) in data.items()}
    return (
        "\n\nStandard deviation of the pixels (all images): "
        + ", ".join(f"{name} {std:.3f}" for name, std in pixel_std.items())
        + "; a noise σ or FGSM ε divided by it is the same level in units of "
        "standardised input."
        f"\n\nWall time {wall:.0f} s, {n_jobs} parallel tasks on "
        f"{os.cpu_count()} cores, device {config.device}; load average "
        f"{load_average()} (1, 5, 15 min) at the end. CPU time of the tasks "
        f"{cpu:.0f} s in all (the wall time on {n_jobs} idle cores would be "
        f"about {cpu / n_jobs:.0f} s)."
    )


class Images(
    _runner.Experiment, name="images", title="Images benchmark", task=run_task
):
    """The images benchmark on the experiment runner."""

    def configure(self, args):
        # resolved once, so that run.json says where the nets trained
        device = resolve_device(args.device)[0]
        return Config.from_args(args, QUICK if args.quick else None, device=device)

    def load(self, config):
        return {name: load_images(name) for name in config.datasets}

    def default_jobs(self, config):
        return 1 if config.device != "cpu" else None

    def variants(self, config):
        return itertools.product(METHODS, config.lrs)

    def cost(self, config, data, task):
        # its fits, weighted by the image size
        return _runner.fits(method_grid(task[-2], config), config.inner_splits) * (
            data[task[1]][0][0].size
        )

    def describe(self, config):
        return (
            f"{config.inner_splits}-fold inner tuning, {config.steps} steps/fit, "
            f"lr {', '.join(f'{lr:g}' for lr in config.lrs)}, "
            f"ConvNet channels={tuple(config.channels)}, device {config.device}"
        )

    def progress(self, res):
        return (
            f"{res['method']:>8} lr={res['lr']:g}: acc {res['accuracy']:.3f}  logloss "
            f"{res['log_loss']:.3f}  noise {res['noise_mean']:.3f}  fgsm "
            f"{res['fgsm_mean']:.3f}"
        )

    def summarise(self, results, config, data, wall, n_jobs):
        table, tests = summarise(results, config)
        report = format_report(table, tests, config)
        report += _timing_notes(results, data, config, wall, n_jobs)
        return {"summary": table, "tests": tests}, report

    def plot(self, tables, config, output):
        plot(tables["summary"], config, os.path.join(output, "images.png"))

    def run_info(self, config, data):
        return {"pixel_std": {name: float(np.std(X)) for name, (X, _) in data.items()}}


run = Images().run
