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
nets spend in the mixing step of each batch is recorded in three further fits
of each (not in the timed ones, where reading the clock twice a batch would
weigh on the ratios), as a mean over the batches: a pass's first batch draws
the k-batches of the whole pass.
Each setting ends with the cost of mixing, as ratios of medians: the hand
mixup loop to its ERM loop (``loop_mixup / loop_fused``), the net with
``k=1`` to the net with ``alpha=0``, and the net with ``k=--k`` to ``k=1``;
then the same ratios paired by round (the two fits of a ratio ran in the
same round: the median of the rounds' ratios, with a 95% bootstrap interval
of that median), and the difference of the first two, so that a reader can
tell a ratio's margin from the run's noise.

``--images`` times instead the images benchmark's network, the default
:class:`~skmixup.modules.ConvNet`, on scikit-learn's 1,797 digits (8 x 8
pixels in ``[0, 1]``) at batch 64: the hand-written loops train the same
ConvNet; scikit-learn's MLP, which is no ConvNet, is left out.

Run ``python -m skmixup.benchmarks neural --help``.
"""

import os
import platform
import sys
import time
import warnings
from functools import partial

import numpy as np

from ._common import (
    add_device_argument,
    add_timing_arguments,
    clock_and_sync,
    command_line,
    int_at_least,
    interleaved_times,
    limited_threads,
    load_average,
    markdown_table,
    positive_int,
    resolve_device,
    seed_int,
    writable_output,
    write_tables,
)
from .images import load_images

DESCRIPTION = (
    "Fit time of KMixupClassifier (ERM, mixup, k-mixup) against scikit-learn's "
    "MLPClassifier and a hand-written torch loop, same network and batches, "
    "interleaved repeats (--images: the default ConvNet on the digits)."
)

#: (n_samples, n_features, batch_size) of the default run.
SETTINGS = ((2_000, 20, 64), (2_000, 20, 256), (20_000, 32, 256))
#: The same for --quick.
QUICK_SETTINGS = ((2_000, 20, 64), (5_000, 32, 256))
#: The setting of --images: the 1,797 digits of 8 x 8 pixels, batch 64.
IMAGES_SETTING = (1_797, "8 x 8", 64)

LABELS = {
    "mlp": "scikit-learn MLPClassifier",
    "loop": "torch loop (AdamW)",
    "loop_fused": "torch loop (AdamW fused)",
    "loop_mixup": "torch loop (AdamW fused) + mixup in three lines",
    "erm": "KMixupClassifier(alpha=0)",
    "mixup": "KMixupClassifier(k=1)",
    "kmixup": "KMixupClassifier(k={k})",
}
CONTENDERS = tuple(LABELS)
#: Fits of each mixing net that time its mixing step, after the timed fits.
_MIXING_FITS = 3
#: the contenders whose median every row is divided by (a column each)
BASES = ("mlp", "loop", "loop_fused", "mixup", "erm")
#: the cost-of-mixing ratios: contender -> the contender it is divided by
MIXING_PAIRS = {"loop_mixup": "loop_fused", "mixup": "erm", "kmixup": "mixup"}
#: bootstrap resamples of the rounds for the paired ratios' intervals
_BOOTSTRAP = 2000


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run: 2,000 x 20 (batch 64) and 5,000 x 32 (batch 256), "
        "2 epochs per fit, 3 repeats",
    )
    parser.add_argument(
        "--images",
        action="store_true",
        help="time the default ConvNet on the 1,797 digits (8 x 8) at batch 64 "
        "instead of the tabular settings; scikit-learn's MLP is left out",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results",
        metavar="DIR",
        help="folder of neural.csv and results.md (default: %(default)s)",
    )
    parser.add_argument(
        "--n-samples",
        type=int_at_least(8),
        help="run one setting of this many samples instead of the default three "
        "(2,000 x 20 with batch 64 and with batch 256, 20,000 x 32 with batch 256)",
    )
    parser.add_argument(
        "--n-features", type=int_at_least(2), help="features of that setting"
    )
    parser.add_argument(
        "--batch-size", type=positive_int, help="batch size of that setting"
    )
    parser.add_argument(
        "--hidden-units",
        type=positive_int,
        default=128,
        help="width of the hidden layers (default: %(default)s)",
    )
    parser.add_argument(
        "--k", type=positive_int, default=16, help="k of the k-mixup row"
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=10, help="epochs per fit (default: 10)"
    )
    add_timing_arguments(
        parser,
        repeats=(
            7,
            "timed fits per contender and setting, after one warm-up fit "
            "each (default: %(default)s)",
        ),
        threads=(
            1,
            "torch and BLAS threads (default: %(default)s, the steadiest "
            "timings of a small network on a busy machine)",
        ),
    )
    add_device_argument(
        parser,
        default="auto",
        help="cpu, cuda (or cuda:N), or auto = cuda if available, else cpu "
        "(default: %(default)s); scikit-learn's MLP always runs on the CPU",
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
    if args.images:
        return (IMAGES_SETTING,)
    if args.n_samples is None and args.n_features is None and args.batch_size is None:
        return QUICK_SETTINGS if args.quick else SETTINGS
    n, d, b = SETTINGS[0]  # the options are >= 1: "or" keeps what is given
    return ((args.n_samples or n, args.n_features or d, args.batch_size or b),)


def _torch_loop(
    X, y, n_classes, *, hidden_units, batch_size, epochs, device, fused, seed, mixup
):
    """A plain torch training loop: the baseline the nets are compared with.

    With ``mixup=True``, each batch is mixed by hand as a user would write
    it: one ``Beta(1, 1)`` weight, a random partner for every row, two lerps
    and the cross-entropy on the soft labels.
    """
    import torch

    from skmixup.modules import ConvNet, TabularMLP

    torch.manual_seed(seed)
    if X.ndim > 2:  # images: the default network of the nets, as they build it
        module = ConvNet(X.shape[1:], n_classes, hidden_units=hidden_units)
    else:
        module = TabularMLP(X.shape[1], n_classes, hidden_units=hidden_units)
    module = module.to(device)
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

    if args.images:
        X, y = load_images("digits")
    else:
        X, y = _make_data(n_samples, n_features, args.seed)
    h, seed = args.hidden_units, args.seed
    from skmixup import KMixupClassifier

    mixing = {name: [] for name in CONTENDERS}
    budget = dict(batch_size=batch_size, device=args.device)
    net = dict(module__hidden_units=h, max_epochs=args.epochs, lr=1e-3, **budget)
    loop = dict(hidden_units=h, epochs=args.epochs, seed=seed, **budget)
    nets = {"erm": (1, 0.0), "mixup": (1, 1.0), "kmixup": (args.k, 1.0)}

    def fit_net(name, cls=KMixupClassifier):
        k, alpha = nets[name]
        return lambda: cls(k=k, alpha=alpha, random_state=seed, **net).fit(X, y)

    def fit_loop(fused, mixup=False):
        n_classes = len(np.unique(y))
        return partial(_torch_loop, X, y, n_classes, fused=fused, mixup=mixup, **loop)

    fits = {
        "mlp": lambda: MLPClassifier(
            (h, h), batch_size=batch_size, max_iter=args.epochs, random_state=seed
        ).fit(X, y),
        "loop": fit_loop(False),
        "loop_fused": fit_loop(True),
        "loop_mixup": fit_loop(True, mixup=True),
        **{name: fit_net(name) for name in nets},
    }
    if args.images:
        del fits["mlp"]
    with warnings.catch_warnings():
        # max_iter=epochs stops the MLP before its own convergence test.
        warnings.simplefilter("ignore", ConvergenceWarning)
        times = interleaved_times(fits, args.repeats, now, sync)
    # The mixing step's own time comes from further fits that time it: the
    # two clock reads per batch would otherwise weigh on the ratios above.
    for name in ("mixup", "kmixup"):
        for _ in range(_MIXING_FITS):
            fit_net(name, _timed_classifier(now, mixing[name]))()
    return times, mixing


def _paired(times, seed):
    """The cost-of-mixing ratios round by round: for each pair of
    :data:`MIXING_PAIRS` (and the gap, ``mixup / erm - loop_mixup /
    loop_fused``), the median over the rounds of the ratio of the two fits
    timed in the same round, with a 95% percentile-bootstrap interval of
    that median (``_BOOTSTRAP`` resamples of the rounds, seeded). Fits of one
    round ran back to back, so a drift of the machine's speed between rounds
    cancels in their ratio: the spread left is the fits' own."""
    per_round = {
        name: np.asarray(times[name]) / np.asarray(times[base])
        for name, base in MIXING_PAIRS.items()
    }
    per_round["gap"] = per_round["mixup"] - per_round["loop_mixup"]
    rounds = len(times["mixup"])
    resampled = np.random.default_rng(seed).integers(
        0, rounds, size=(_BOOTSTRAP, rounds)
    )
    return {
        name: (
            float(np.median(r)),
            *map(float, np.quantile(np.median(r[resampled], axis=1), [0.025, 0.975])),
        )
        for name, r in per_round.items()
    }


def _rows(args, setting, times, mixing):
    n_samples, n_features, batch_size = setting
    med = {name: float(np.median(t)) for name, t in times.items()}
    paired = _paired(times, args.seed)
    rows = []
    for name, t in times.items():
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
                **{
                    f"ratio_to_{base}": med[name] / med[base] if base in med else ""
                    for base in BASES
                },
                "mixing_us_per_batch": float(np.mean(mix)) * 1e6 if mix else "",
                **{
                    f"paired_ratio{end}": paired[name][i] if name in paired else ""
                    for i, end in enumerate(("", "_lo", "_hi"))
                },
                **{
                    f"mixing_gap{end}": paired["gap"][i] if name == "mixup" else ""
                    for i, end in enumerate(("", "_lo", "_hi"))
                },
                "n_fits": len(t),
                "epochs": args.epochs,
                "hidden_units": args.hidden_units,
                "k": args.k,
                "device": args.device,
                "threads": args.threads,
                "clock": args.clock,
            }
        )
    return rows


def _markdown_table(rows, k):
    lines = []
    for row in rows:
        is_net = row["contender"] in ("erm", "mixup", "kmixup")
        ratios = [
            f"{row[f'ratio_to_{base}']:.2f}"
            if row[f"ratio_to_{base}"] != ""
            and (is_net or base not in ("mixup", "erm"))
            else ""
            for base in BASES
        ]
        mix = row["mixing_us_per_batch"]
        lines.append(
            f"{row['n_samples']:,} x {row['n_features']}, batch {row['batch_size']} | "
            f"{LABELS[row['contender']].format(k=k)} | {row['median_fit_s']:.3f} | "
            f"{row['q25_fit_s']:.3f}–{row['q75_fit_s']:.3f} | "
            + " | ".join(ratios)
            + (" | " if mix == "" else f" | {mix:.0f}")
        )
    return "\n".join(
        markdown_table(
            "setting | contender | median fit s | IQR | / MLP | / torch loop | "
            "/ torch loop fused | / k=1 | / alpha=0 | mixing µs/batch",
            lines,
        )
    )


def _summary(rows, k):
    by = {r["contender"]: r for r in rows}
    r0, erm = rows[0], by["erm"]
    vs_mlp = (
        f"{erm['ratio_to_mlp']:.2f}x the time of MLPClassifier, " if "mlp" in by else ""
    )
    return (
        f"{r0['n_samples']:,} x {r0['n_features']}, batch {r0['batch_size']}: "
        f"KMixupClassifier(alpha=0) takes {vs_mlp}{erm['ratio_to_loop']:.2f}x the "
        f"torch loop ({erm['ratio_to_loop_fused']:.2f}x with fused AdamW); "
        f"k={k} takes {by['kmixup']['ratio_to_mixup']:.2f}x the time of k=1.\n"
        f"Cost of mixing: hand mixup / hand ERM loop "
        f"{by['loop_mixup']['ratio_to_loop_fused']:.3f}; KMixupClassifier(k=1) / "
        f"KMixupClassifier(alpha=0) {by['mixup']['ratio_to_erm']:.3f}; "
        f"KMixupClassifier(k={k}) / KMixupClassifier(k=1) "
        f"{by['kmixup']['ratio_to_mixup']:.3f}.\n"
        f"Paired by round (median of the rounds' ratios [95% bootstrap "
        f"interval]): hand mixup / hand ERM loop {_interval(by['loop_mixup'])}; "
        f"k=1 / alpha=0 {_interval(by['mixup'])}; their difference "
        f"{_interval(by['mixup'], 'mixing_gap')}; k={k} / k=1 "
        f"{_interval(by['kmixup'])}."
    )


def _interval(row, column="paired_ratio"):
    return f"{row[column]:.3f} [{row[column + '_lo']:.3f}, {row[column + '_hi']:.3f}]"


def run(args):
    """Run the benchmark; print the tables, write ``neural.csv`` and ``results.md``."""
    import torch

    if args.quick:
        args.epochs, args.repeats = 2, 3
    try:
        args.device, args.clock = resolve_device(args.device, args.clock)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not writable_output(args.output):
        return 2
    now, sync = clock_and_sync(args.device, args.clock)
    on_gpu, name = args.device.startswith("cuda"), platform.processor() or "cpu"
    if on_gpu:
        name = torch.cuda.get_device_name(args.device)
    network = f"two hidden layers of {args.hidden_units}"
    if args.images:
        network = f"the default ConvNet (dense layer of {args.hidden_units})"
    header = (
        f"Fit time on {args.device} ({name}); torch {torch.__version__}, "
        f"{args.threads} torch/BLAS thread(s); {network}, {args.epochs} epochs per "
        f"fit, {args.repeats} interleaved fits per contender, {args.clock} clock; "
        f"load average before: {load_average()}"
    )
    print(header)
    if not on_gpu:
        print("No GPU used: these are CPU timings; GPU timings were not measured.")

    start = time.perf_counter()
    rows, summaries = [], []
    with limited_threads(args.threads):
        for setting in _settings(args):
            times, mixing = _measure_setting(args, *setting, now, sync)
            setting_rows = _rows(args, setting, times, mixing)
            rows += setting_rows
            summaries.append(_summary(setting_rows, args.k))
            print("\n" + _markdown_table(setting_rows, args.k))
            print(summaries[-1])
    elapsed = time.perf_counter() - start
    footer = f"{header}; after: {load_average()}. Command: `{command_line('neural')}`."
    summaries.append(footer)
    path = write_tables(
        args.output,
        "neural.csv",
        rows,
        _markdown_table(rows, args.k) + "\n\n" + "\n".join(summaries),
    )
    print(
        f"\nWrote {path} and {os.path.join(args.output, 'results.md')} in "
        f"{elapsed:.0f} s; load average after: {load_average()}."
    )
    return 0
