"""Fit time per epoch of the skorch estimator: k-mixup against mixup and ERM.

The same :class:`~skmixup.KMixupClassifier` (default :class:`~skmixup.TabularMLP`,
same seed, same batch size) is trained on the same synthetic data with three
settings:

* ``kmixup``: ``k=16`` (exact optimal-transport matching of 16 x 16 blocks);
* ``mixup``: ``k=1`` (random partners, no matching);
* ``erm``: ``alpha=0`` (no mixing at all).

Fits of the three settings are interleaved (the order rotates every repeat)
so that slow drifts of a shared machine hit them alike; each epoch of every
timed fit is one measurement, and the table reports medians and ratios. The
time spent in the mixing step of every batch is recorded during the same
fits (median per batch), to show where a difference comes from.

Run ``python -m skmixup.benchmarks neural --help``.
"""

import csv
import platform
import time
from pathlib import Path

import numpy as np

from ._common import load_average

DESCRIPTION = (
    "Fit time per epoch of KMixupClassifier: k-mixup (k=16) against mixup "
    "(k=1) and ERM (alpha=0), same net and batch size, interleaved repeats."
)

#: The issue's target: k-mixup at most this many times slower than mixup.
TARGET_RATIO = 1.05

CSV_FIELDS = [
    "setting",
    "k",
    "alpha",
    "median_epoch_s",
    "q25_epoch_s",
    "q75_epoch_s",
    "ratio_to_mixup",
    "ratio_to_erm",
    "mixing_us_per_batch",
    "n_epochs_timed",
    "n_samples",
    "n_features",
    "batch_size",
    "batches_per_epoch",
    "device",
    "threads",
    "clock",
]


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (5,000 samples, 2 epochs per fit, 3 repeats)",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results",
        metavar="DIR",
        help="directory of the CSV file neural.csv (default: %(default)s)",
    )
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--k", type=int, default=16, help="k of the k-mixup row")
    parser.add_argument(
        "--epochs", type=int, default=3, help="epochs per timed fit (default: 3)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=15,
        help="timed fits per setting, after one warm-up fit each (default: 15; "
        "with 5, medians of the same settings moved by ~2%% between runs)",
    )
    parser.add_argument(
        "--device",
        default="auto",
        help="torch device (default: auto = cuda if available, else cpu)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="torch intra-op threads (default: torch's own); 1 gives steadier "
        "timings of a small network on a busy machine",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "process"),
        default="wall",
        help="'wall': elapsed time; 'process': CPU time of this process, robust "
        "to other programs on the cores (CPU only) (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="data and net seed")


def _make_data(n_samples, n_features, seed):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_features // 2,
        n_classes=4,
        random_state=seed,
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(np.float32), y


def _epoch_clock(clock, sync):
    """A skorch callback recording the duration of every epoch."""
    from skorch.callbacks import Callback

    now = {"wall": time.perf_counter, "process": time.process_time}[clock]

    class EpochClock(Callback):
        def initialize(self):
            self.durations_ = []
            return self

        def on_epoch_begin(self, net, **kwargs):
            sync()
            self._start = now()

        def on_epoch_end(self, net, **kwargs):
            sync()
            self.durations_.append(now() - self._start)

    return EpochClock()


def _timed_classifier(clock, sink):
    """KMixupClassifier that adds the host time of each batch's mixing to ``sink``.

    No device synchronisation is added (it would slow every setting on a
    GPU): on a GPU this is the time the host spends in the mixing step,
    which includes copying the cost blocks to the host solver.
    """
    from skmixup import KMixupClassifier

    now = {"wall": time.perf_counter, "process": time.process_time}[clock]

    class TimedKMixupClassifier(KMixupClassifier):
        def _mix_batch(self, Xi, yi):
            t0 = now()
            out = super()._mix_batch(Xi, yi)
            sink.append(now() - t0)
            return out

    return TimedKMixupClassifier


def run(args):
    """Run the benchmark; print the table and write ``neural.csv``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options (see :func:`add_arguments`).

    Returns
    -------
    int
        Exit status (0).
    """
    import torch

    if args.quick:
        args.n_samples, args.epochs, args.repeats = 5_000, 2, 3
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    on_gpu = torch.device(device).type == "cuda"
    if args.clock == "process" and on_gpu:
        print(
            "error: --clock process measures CPU time only; use --clock wall on a GPU."
        )
        return 2
    sync = torch.cuda.synchronize if on_gpu else (lambda: None)
    name = (
        torch.cuda.get_device_name(device) if on_gpu else platform.processor() or "cpu"
    )

    X, y = _make_data(args.n_samples, args.n_features, args.seed)
    settings = [
        ("kmixup", args.k, 1.0),
        ("mixup", 1, 1.0),
        ("erm", 1, 0.0),
    ]
    batches = -(-args.n_samples // args.batch_size)
    print(
        f"KMixupClassifier fit time per epoch on {device} ({name}); torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s)\n"
        f"data {args.n_samples} x {args.n_features} (4 classes), batch "
        f"{args.batch_size} ({batches} batches/epoch), default TabularMLP, "
        f"{args.epochs} epochs x {args.repeats} interleaved fits per setting, "
        f"{args.clock} clock; load average before: {load_average()}"
    )
    if not on_gpu:
        print("No GPU used: these are CPU timings; GPU timings were not measured.")

    def fit_once(k, alpha, mixing_times):
        clock = _epoch_clock(args.clock, sync)
        _timed_classifier(args.clock, mixing_times)(
            k=k,
            alpha=alpha,
            batch_size=args.batch_size,
            max_epochs=args.epochs,
            device=device,
            random_state=args.seed,
            callbacks=[("epoch_clock", clock)],
        ).fit(X, y)
        return clock.durations_

    for _, k, alpha in settings:  # warm-up: compilation, allocator, caches
        fit_once(k, alpha, [])
    durations = {s[0]: [] for s in settings}
    mixing = {s[0]: [] for s in settings}
    start = time.perf_counter()
    for r in range(args.repeats):
        shift = r % len(settings)
        for name_, k, alpha in settings[shift:] + settings[:shift]:
            durations[name_] += fit_once(k, alpha, mixing[name_])
    elapsed = time.perf_counter() - start

    medians = {s: float(np.median(d)) for s, d in durations.items()}
    rows = []
    for name_, k, alpha in settings:
        d = np.asarray(durations[name_])
        rows.append(
            {
                "setting": name_,
                "k": k,
                "alpha": alpha,
                "median_epoch_s": medians[name_],
                "q25_epoch_s": float(np.quantile(d, 0.25)),
                "q75_epoch_s": float(np.quantile(d, 0.75)),
                "ratio_to_mixup": medians[name_] / medians["mixup"],
                "ratio_to_erm": medians[name_] / medians["erm"],
                "mixing_us_per_batch": float(np.median(mixing[name_])) * 1e6,
                "n_epochs_timed": len(d),
                "n_samples": args.n_samples,
                "n_features": args.n_features,
                "batch_size": args.batch_size,
                "batches_per_epoch": batches,
                "device": device,
                "threads": torch.get_num_threads(),
                "clock": args.clock,
            }
        )

    header = (
        f"{'setting':<8} {'k':>3} {'alpha':>5} {'median s/epoch':>15} "
        f"{'IQR':>17} {'/ mixup':>8} {'/ ERM':>7} {'mix us/batch':>13}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        iqr = f"{row['q25_epoch_s']:.3f}-{row['q75_epoch_s']:.3f}"
        print(
            f"{row['setting']:<8} {row['k']:>3} {row['alpha']:>5.1f} "
            f"{row['median_epoch_s']:>15.3f} {iqr:>17} {row['ratio_to_mixup']:>8.3f} "
            f"{row['ratio_to_erm']:>7.3f} {row['mixing_us_per_batch']:>13.0f}"
        )
    ratio = rows[0]["ratio_to_mixup"]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(
        f"\nTarget k={args.k} <= {TARGET_RATIO} x k=1 per epoch: {ratio:.3f} ({verdict})."
    )

    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "neural.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"Wrote {path} in {elapsed:.0f} s of timed fits; load average after: {load_average()}."
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=DESCRIPTION)
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
