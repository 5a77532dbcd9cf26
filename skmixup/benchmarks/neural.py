"""Fit time of the skorch nets against scikit-learn's MLP and a hand-written torch loop.

On the same synthetic data (4 classes, standardised float32 features), the
same network (two hidden layers of ``--hidden-units``) is trained for the same
number of epochs with the same batch size by:

* ``mlp``: scikit-learn's ``MLPClassifier`` (numpy, Adam);
* ``loop``: a hand-written torch loop over the default
  :class:`~skmixup.modules.TabularMLP` (AdamW with PyTorch's default
  implementation, ``randperm`` batches, tensors on the device);
* ``loop_fused``: the same loop with ``AdamW(fused=True)``, the optimizer the
  nets use by default on CPU and CUDA;
* ``loop_mixup``: ``loop_fused`` with mixup written by hand in three lines
  (one Beta draw per batch, a ``randperm`` partner, two lerps, then the
  cross-entropy on the soft labels): what mixing costs a user who writes it;
* ``erm``: :class:`~skmixup.KMixupClassifier` with ``alpha=0`` (no mixing);
* ``mixup``: ``KMixupClassifier(k=1)``;
* ``kmixup``: ``KMixupClassifier(k=--k)`` (exact optimal-transport matching).

Each setting (data size and batch size) is run on its own; inside it, the
fits of the seven contenders are interleaved (the order rotates every repeat)
so that slow drifts of a shared machine hit them alike. A fit is timed whole
(initialisation included), on the CPU with the process's CPU time (robust to
other programs on the cores) and on a GPU with the wall clock after a device
synchronisation. The tables give medians, quartiles and ratios; the time the
nets spend in the mixing step of each batch is recorded during the same fits.
Each setting ends with the cost of mixing, as ratios of medians: the hand
mixup loop to its ERM loop (``loop_mixup / loop_fused``), the net with
``k=1`` to the net with ``alpha=0``, and the net with ``k=--k`` to ``k=1``.

Run ``python -m skmixup.benchmarks neural --help``.
"""

import csv
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ._common import add_device_argument, load_average, output_dir_error, seed_int

DESCRIPTION = (
    "Fit time of KMixupClassifier (ERM, mixup, k-mixup) against scikit-learn's "
    "MLPClassifier and a hand-written torch loop, same network and batches, "
    "interleaved repeats."
)

#: (n_samples, n_features, batch_size) of the default run.
SETTINGS = ((2_000, 20, 64), (2_000, 20, 256), (20_000, 32, 256))
#: The same for --quick.
QUICK_SETTINGS = ((2_000, 20, 64), (5_000, 32, 256))

CONTENDERS = ("mlp", "loop", "loop_fused", "loop_mixup", "erm", "mixup", "kmixup")
LABELS = {
    "mlp": "scikit-learn MLPClassifier",
    "loop": "torch loop (AdamW)",
    "loop_fused": "torch loop (AdamW fused)",
    "loop_mixup": "torch loop (AdamW fused) + mixup in three lines",
    "erm": "KMixupClassifier(alpha=0)",
    "mixup": "KMixupClassifier(k=1)",
    "kmixup": "KMixupClassifier(k={k})",
}

CSV_FIELDS = [
    "n_samples",
    "n_features",
    "batch_size",
    "contender",
    "median_fit_s",
    "q25_fit_s",
    "q75_fit_s",
    "ratio_to_mlp",
    "ratio_to_loop",
    "ratio_to_loop_fused",
    "ratio_to_mixup",
    "ratio_to_erm",
    "mixing_us_per_batch",
    "n_fits",
    "epochs",
    "hidden_units",
    "k",
    "device",
    "threads",
    "clock",
]


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run: 2,000 x 20 (batch 64) and 5,000 x 32 (batch 256), "
        "2 epochs per fit, 3 repeats",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results",
        metavar="DIR",
        help="folder of neural.csv and results.md (default: %(default)s)",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="run one setting of this many samples instead of the default three "
        "(2,000 x 20 with batch 64 and with batch 256, 20,000 x 32 with batch 256)",
    )
    parser.add_argument(
        "--n-features", type=int, default=None, help="features of that setting"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="batch size of that setting"
    )
    parser.add_argument(
        "--hidden-units",
        type=int,
        default=128,
        help="width of the two hidden layers (default: %(default)s)",
    )
    parser.add_argument("--k", type=int, default=16, help="k of the k-mixup row")
    parser.add_argument(
        "--epochs", type=int, default=10, help="epochs per fit (default: 10)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=7,
        help="timed fits per contender and setting, after one warm-up fit each "
        "(default: %(default)s)",
    )
    add_device_argument(
        parser,
        default="auto",
        help="cpu, cuda (or cuda:N), or auto = cuda if available, else cpu "
        "(default: %(default)s); scikit-learn's MLP always runs on the CPU",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="torch and BLAS threads (default: %(default)s, the steadiest "
        "timings of a small network on a busy machine)",
    )
    parser.add_argument(
        "--clock",
        choices=("auto", "wall", "process"),
        default="auto",
        help="'process': CPU time of this process, robust to other programs on "
        "the cores (CPU only); 'wall': elapsed time; 'auto': process on the CPU, "
        "wall on a GPU (default: %(default)s)",
    )
    parser.add_argument("--seed", type=seed_int, default=0, help="data and net seed")


def _make_data(n_samples, n_features, seed):
    from sklearn.datasets import make_classification

    informative = min(n_features, max(3, n_features // 2))
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=informative,
        n_redundant=min(2, n_features - informative),
        n_classes=4,
        n_clusters_per_class=2 if 2**informative >= 8 else 1,
        random_state=seed,
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(np.float32), y


def _settings(args):
    if args.n_samples is None and args.n_features is None and args.batch_size is None:
        return QUICK_SETTINGS if args.quick else SETTINGS
    n, d, b = SETTINGS[0]
    return (
        (
            n if args.n_samples is None else args.n_samples,
            d if args.n_features is None else args.n_features,
            b if args.batch_size is None else args.batch_size,
        ),
    )


def _check_args(args, torch):
    for name, low in (
        ("n_samples", 8),
        ("n_features", 2),
        ("batch_size", 1),
        ("hidden_units", 1),
        ("k", 1),
    ):
        value = getattr(args, name)
        if value is not None and value < low:
            return f"error: --{name.replace('_', '-')} must be >= {low}; got {value}."
    for name in ("epochs", "repeats", "threads"):
        if getattr(args, name) < 1:
            return f"error: --{name} must be >= 1; got {getattr(args, name)}."
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(device)
    except RuntimeError:
        return (
            f"error: --device must be cpu, cuda, cuda:N or auto; got {args.device!r}."
        )
    if device.type not in ("cpu", "cuda"):
        return (
            f"error: --device must be cpu, cuda, cuda:N or auto; got {args.device!r}."
        )
    if device.type == "cuda" and not torch.cuda.is_available():
        return "error: --device cuda, but torch sees no CUDA device; use --device cpu."
    clock = args.clock
    if clock == "auto":
        clock = "wall" if device.type == "cuda" else "process"
    if clock == "process" and device.type == "cuda":
        return (
            "error: --clock process measures CPU time only; use --clock wall on a GPU."
        )
    args.device, args.clock = str(device), clock
    return None


def _torch_loop(
    X, y, n_classes, *, hidden_units, batch_size, epochs, device, fused, seed, mixup
):
    """A plain torch training loop: the baseline the nets are compared with.

    With ``mixup=True``, each batch is mixed by hand as a user would write
    it: one ``Beta(1, 1)`` weight, a random partner for every row, two lerps
    and the cross-entropy on the soft labels.
    """
    import torch

    from ..modules import TabularMLP

    torch.manual_seed(seed)
    module = TabularMLP(X.shape[1], n_classes, hidden_units=hidden_units).to(device)
    optimizer = torch.optim.AdamW(
        module.parameters(), lr=1e-3, **({"fused": True} if fused else {})
    )
    criterion = torch.nn.CrossEntropyLoss()
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)
    Yt = torch.nn.functional.one_hot(yt, n_classes).to(Xt.dtype)
    beta = np.random.default_rng(seed)
    n = len(Xt)
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            rows = perm[start : start + batch_size]
            optimizer.zero_grad()
            if mixup:
                lam, xb, yb = float(beta.beta(1.0, 1.0)), Xt[rows], Yt[rows]
                p = torch.randperm(len(rows), device=device)
                loss = criterion(
                    module(torch.lerp(xb[p], xb, lam)), torch.lerp(yb[p], yb, lam)
                )
            else:
                loss = criterion(module(Xt[rows]), yt[rows])
            loss.backward()
            optimizer.step()
    return module


def _timed_classifier(now, sink):
    """KMixupClassifier that adds the time of each batch's mixing to ``sink``.

    No device synchronisation is added (it would slow every setting on a
    GPU): on a GPU this is the time the host spends in the mixing step,
    which includes copying the cost blocks to the host solver.
    """
    from skmixup import KMixupClassifier

    class TimedKMixupClassifier(KMixupClassifier):
        def mix_batch(self, X, y, sample_weight=None, *, mix_layer=0):
            t0 = now()
            out = super().mix_batch(X, y, sample_weight, mix_layer=mix_layer)
            sink.append(now() - t0)
            return out

    return TimedKMixupClassifier


def _measure_setting(args, n_samples, n_features, batch_size, now, sync):
    """Interleaved timed fits of every contender on one setting."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = _make_data(n_samples, n_features, args.seed)
    h = args.hidden_units
    mixing = {name: [] for name in CONTENDERS}

    def net(name, k, alpha):
        cls = _timed_classifier(now, mixing[name])
        return lambda: cls(
            k=k,
            alpha=alpha,
            module__hidden_units=h,
            batch_size=batch_size,
            max_epochs=args.epochs,
            lr=1e-3,
            device=args.device,
            random_state=args.seed,
        ).fit(X, y)

    def loop(fused, mixup=False):
        return lambda: _torch_loop(
            X,
            y,
            4,
            hidden_units=h,
            batch_size=batch_size,
            epochs=args.epochs,
            device=args.device,
            fused=fused,
            seed=args.seed,
            mixup=mixup,
        )

    fits = {
        "mlp": lambda: MLPClassifier(
            (h, h), batch_size=batch_size, max_iter=args.epochs, random_state=args.seed
        ).fit(X, y),
        "loop": loop(False),
        "loop_fused": loop(True),
        "loop_mixup": loop(True, mixup=True),
        "erm": net("erm", 1, 0.0),
        "mixup": net("mixup", 1, 1.0),
        "kmixup": net("kmixup", args.k, 1.0),
    }

    def timed(name):
        sync()
        t0 = now()
        fits[name]()
        sync()
        return now() - t0

    times = {name: [] for name in CONTENDERS}
    with warnings.catch_warnings():
        # max_iter=epochs stops the MLP before its own convergence test.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in CONTENDERS:  # warm-up: allocator, caches, lazy imports
            timed(name)
        for lst in mixing.values():
            lst.clear()
        for r in range(args.repeats):
            shift = r % len(CONTENDERS)
            for name in CONTENDERS[shift:] + CONTENDERS[:shift]:
                times[name].append(timed(name))
    return times, mixing


def _rows(args, setting, times, mixing, threads):
    n_samples, n_features, batch_size = setting
    med = {name: float(np.median(t)) for name, t in times.items()}
    rows = []
    for name in CONTENDERS:
        t = np.asarray(times[name])
        mix = mixing[name]
        rows.append(
            {
                "n_samples": n_samples,
                "n_features": n_features,
                "batch_size": batch_size,
                "contender": name,
                "median_fit_s": med[name],
                "q25_fit_s": float(np.quantile(t, 0.25)),
                "q75_fit_s": float(np.quantile(t, 0.75)),
                "ratio_to_mlp": med[name] / med["mlp"],
                "ratio_to_loop": med[name] / med["loop"],
                "ratio_to_loop_fused": med[name] / med["loop_fused"],
                "ratio_to_mixup": med[name] / med["mixup"],
                "ratio_to_erm": med[name] / med["erm"],
                "mixing_us_per_batch": float(np.median(mix)) * 1e6 if mix else "",
                "n_fits": len(t),
                "epochs": args.epochs,
                "hidden_units": args.hidden_units,
                "k": args.k,
                "device": args.device,
                "threads": threads,
                "clock": args.clock,
            }
        )
    return rows


def _markdown_table(rows, k):
    lines = [
        "| setting | contender | median fit s | IQR | / MLP | / torch loop | "
        "/ torch loop fused | / k=1 | / alpha=0 | mixing µs/batch |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        mix = row["mixing_us_per_batch"]
        is_net = row["contender"] in ("erm", "mixup", "kmixup")
        cells = [
            f"{row['n_samples']:,} x {row['n_features']}, batch {row['batch_size']}",
            LABELS[row["contender"]].format(k=k),
            f"{row['median_fit_s']:.3f}",
            f"{row['q25_fit_s']:.3f}–{row['q75_fit_s']:.3f}",
            f"{row['ratio_to_mlp']:.2f}",
            f"{row['ratio_to_loop']:.2f}",
            f"{row['ratio_to_loop_fused']:.2f}",
            f"{row['ratio_to_mixup']:.2f}" if is_net else "",
            f"{row['ratio_to_erm']:.2f}" if is_net else "",
            "" if mix == "" else f"{mix:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _summary(rows, k):
    by = {r["contender"]: r for r in rows}
    r0 = rows[0]
    return (
        f"{r0['n_samples']:,} x {r0['n_features']}, batch {r0['batch_size']}: "
        f"KMixupClassifier(alpha=0) takes {by['erm']['ratio_to_mlp']:.2f}x the time "
        f"of MLPClassifier, {by['erm']['ratio_to_loop']:.2f}x the torch loop "
        f"({by['erm']['ratio_to_loop_fused']:.2f}x with fused AdamW); "
        f"k={k} takes {by['kmixup']['ratio_to_mixup']:.2f}x the time of k=1.\n"
        f"Cost of mixing: hand mixup / hand ERM loop "
        f"{by['loop_mixup']['ratio_to_loop_fused']:.3f}; KMixupClassifier(k=1) / "
        f"KMixupClassifier(alpha=0) {by['mixup']['ratio_to_erm']:.3f}; "
        f"KMixupClassifier(k={k}) / KMixupClassifier(k=1) "
        f"{by['kmixup']['ratio_to_mixup']:.3f}."
    )


def _command(args):
    """The command line that reproduces this run (its output folder left out)."""
    parts = ["python -m skmixup.benchmarks neural"]
    if args.quick:
        parts.append("--quick")
    for name in ("n_samples", "n_features", "batch_size"):
        if getattr(args, name) is not None:
            parts.append(f"--{name.replace('_', '-')} {getattr(args, name)}")
    if not args.quick:
        parts += [f"--epochs {args.epochs}", f"--repeats {args.repeats}"]
    parts += [
        f"--hidden-units {args.hidden_units}",
        f"--k {args.k}",
        f"--device {args.device}",
        f"--threads {args.threads}",
        f"--clock {args.clock}",
        f"--seed {args.seed}",
    ]
    return " ".join(parts)


def run(args):
    """Run the benchmark; print the tables, write ``neural.csv`` and ``results.md``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options (see :func:`add_arguments`).

    Returns
    -------
    int
        Exit status (0, or 2 for bad options).
    """
    import torch
    from threadpoolctl import threadpool_limits

    if args.quick:
        args.epochs, args.repeats = 2, 3
    error = _check_args(args, torch) or output_dir_error(args.output)
    if error:
        print(error)
        return 2
    on_gpu = torch.device(args.device).type == "cuda"
    sync = (lambda: torch.cuda.synchronize(args.device)) if on_gpu else (lambda: None)
    now = {"wall": time.perf_counter, "process": time.process_time}[args.clock]
    name = (
        torch.cuda.get_device_name(args.device)
        if on_gpu
        else platform.processor() or "cpu"
    )
    settings = _settings(args)
    n_threads = torch.get_num_threads()
    load_before = load_average()
    header = (
        f"Fit time on {args.device} ({name}); torch {torch.__version__}, "
        f"{args.threads} torch/BLAS thread(s); two hidden layers of "
        f"{args.hidden_units}, {args.epochs} epochs per fit, {args.repeats} "
        f"interleaved fits per contender, {args.clock} clock; load average "
        f"before: {load_before}"
    )
    print(header)
    if not on_gpu:
        print("No GPU used: these are CPU timings; GPU timings were not measured.")

    start = time.perf_counter()
    rows = []
    torch.set_num_threads(args.threads)
    try:
        with threadpool_limits(limits=args.threads):
            for setting in settings:
                times, mixing = _measure_setting(args, *setting, now, sync)
                setting_rows = _rows(args, setting, times, mixing, args.threads)
                rows += setting_rows
                print("\n" + _markdown_table(setting_rows, args.k))
                print(_summary(setting_rows, args.k))
    finally:
        torch.set_num_threads(n_threads)
    elapsed = time.perf_counter() - start

    out_dir = Path(args.output)
    with open(out_dir / "neural.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    summaries = [
        _summary(rows[i : i + len(CONTENDERS)], args.k)
        for i in range(0, len(rows), len(CONTENDERS))
    ]
    footer = f"{header}; after: {load_average()}. Command: `{_command(args)}`."
    with open(out_dir / "results.md", "w") as fh:
        fh.write(_markdown_table(rows, args.k) + "\n\n")
        fh.write("\n".join(summaries) + "\n")
        fh.write(footer + "\n")
    print(
        f"\nWrote {out_dir / 'neural.csv'} and {out_dir / 'results.md'} in "
        f"{elapsed:.0f} s; load average after: {load_average()}."
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    import argparse

    parser = argparse.ArgumentParser(description=DESCRIPTION)
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
